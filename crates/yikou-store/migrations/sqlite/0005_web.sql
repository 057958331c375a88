-- Login failures and lockout (等保: lock after repeated failures), as unix seconds.
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until INTEGER NOT NULL DEFAULT 0;

-- Browser sessions: only a hash of the cookie's token is stored. A session is bound to the password
-- it was opened with, so a password change ends every other session.
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  csrf TEXT NOT NULL,
  password_changed_at TEXT NOT NULL,
  created_unix INTEGER NOT NULL,
  last_seen_unix INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Bearer tokens for machine clients, made by an administrator; only a hash is stored.
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);

-- A person's page shows the audit trail of that record.
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id, seq);
