-- Uploaded lists waiting for their commit, kept in the database (not one server's memory) so that a
-- restart or a second server process finds them, and expired uploads are cleaned away.
CREATE TABLE pending_uploads (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  path TEXT NOT NULL,
  file_name TEXT NOT NULL,
  project TEXT,
  created_unix INTEGER NOT NULL
);
CREATE INDEX pending_uploads_created ON pending_uploads(created_unix);

-- Phones and addresses encrypted at rest like ID numbers: AES-GCM ciphertext, a keyed hash of the
-- phone for search, and the masked phone for lists. The plaintext columns are emptied when the
-- store is first opened with its key (the migration itself has no key).
ALTER TABLE people ADD COLUMN phone_cipher BLOB;
ALTER TABLE people ADD COLUMN phone_key BLOB;
ALTER TABLE people ADD COLUMN phone_masked TEXT;
ALTER TABLE people ADD COLUMN address_cipher BLOB;
CREATE INDEX people_phone_key ON people(phone_key);
