-- API tokens expire, remember their last use, and are bound to the owner's password: a token made
-- before the owner's last password change no longer works (the change also revokes them).
ALTER TABLE api_tokens ADD COLUMN expires_unix BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN last_used_unix BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN password_changed_at TEXT;
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- Tokens made before this migration: 90 days from now, bound to the owner's current password.
UPDATE api_tokens SET
  expires_unix = CAST(EXTRACT(EPOCH FROM now()) AS BIGINT) + 90 * 86400,
  password_changed_at = (SELECT u.password_changed_at FROM users u WHERE u.id = api_tokens.user_id);
-- Tokens an administrator made for someone else's account (三权分立: no longer allowed) end now.
UPDATE api_tokens SET revoked_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
WHERE revoked_at IS NULL AND created_by NOT LIKE 'system:%'
  AND created_by <> (SELECT u.login FROM users u WHERE u.id = api_tokens.user_id);

-- Failed sign-ins and locks per typed login, whether the account exists or not, so that the answer
-- (and the lock) is the same for both. Keyed by a keyed hash of the normalised login, never the
-- typed text (it may be a password typed into the wrong field). Replaces users.failed_logins and
-- users.locked_until, which are no longer read.
CREATE TABLE login_failures (
  login_key TEXT PRIMARY KEY,
  failures BIGINT NOT NULL,
  locked_until BIGINT NOT NULL,
  updated_unix BIGINT NOT NULL
);
CREATE INDEX login_failures_updated ON login_failures(updated_unix);

-- Failed sign-ins per client address in a fixed window (per-source slowing).
CREATE TABLE source_failures (
  source TEXT PRIMARY KEY,
  window_start BIGINT NOT NULL,
  failures BIGINT NOT NULL
);
