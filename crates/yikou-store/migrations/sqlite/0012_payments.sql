-- 发放 (disbursement): bank accounts, batches and their lines; an entitlement is paid at most once.

-- A person's bank account (户名, 开户行, 账号): the number encrypted like the ID number, with its mask.
ALTER TABLE people ADD COLUMN bank_holder TEXT;
ALTER TABLE people ADD COLUMN bank_name TEXT;
ALTER TABLE people ADD COLUMN bank_account_cipher BLOB;
ALTER TABLE people ADD COLUMN bank_account_masked TEXT;

CREATE TABLE payment_batches (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  batch_no TEXT NOT NULL UNIQUE,
  method TEXT NOT NULL CHECK (method IN ('bank', 'card', 'cash', 'voucher', 'goods', 'service')),
  -- What it was limited to (projects, street, committee), as JSON; and the batch it re-issues.
  filter_json TEXT NOT NULL,
  reissue_of INTEGER REFERENCES payment_batches(id),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  lines INTEGER NOT NULL,
  amount_fen INTEGER NOT NULL,
  -- The SHA-256 of the bank file (its CSV form) once exported.
  file_sha256 TEXT
);

CREATE TABLE payment_lines (
  id INTEGER PRIMARY KEY,
  batch_id INTEGER NOT NULL REFERENCES payment_batches(id),
  line_no INTEGER NOT NULL,
  entitlement_id INTEGER NOT NULL REFERENCES entitlements(id),
  attempt INTEGER NOT NULL CHECK (attempt >= 1),
  reference TEXT NOT NULL UNIQUE,
  amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
  -- The account paid into, as it stood when the line was made (bank lines only).
  holder TEXT,
  bank_name TEXT,
  account_cipher BLOB,
  account_masked TEXT,
  state TEXT NOT NULL CHECK (state IN ('pending', 'paid', 'failed', 'unresolved')),
  reason_code TEXT,
  bank_reason TEXT,
  result_at TEXT,
  result_by TEXT,
  reissue_of INTEGER REFERENCES payment_lines(id),
  UNIQUE (batch_id, line_no),
  UNIQUE (entitlement_id, attempt)
);
CREATE INDEX payment_lines_batch ON payment_lines(batch_id, line_no);
-- Paid once: at most one paid line per entitlement, whatever writes it.
CREATE UNIQUE INDEX payment_lines_paid_once ON payment_lines(entitlement_id) WHERE state = 'paid';
-- In at most one open batch: at most one line per entitlement waiting for its result.
CREATE UNIQUE INDEX payment_lines_one_open ON payment_lines(entitlement_id) WHERE state IN ('pending', 'unresolved');
