-- 慈善超市卡券 (issue 17, point 5): batches of vouchers or cards with a face value, a validity and the
-- supermarket that honours them; each voucher given to one person; redeemed at most once — the
-- primary key of voucher_redemptions, so two cashiers at once cannot both redeem it.
CREATE TABLE voucher_batches (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  name TEXT NOT NULL,
  face_value_fen INTEGER NOT NULL CHECK (face_value_fen > 0),
  valid_from TEXT NOT NULL,
  valid_until TEXT NOT NULL,
  supermarket TEXT NOT NULL,
  prefix TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE vouchers (
  code TEXT PRIMARY KEY,
  batch_id INTEGER NOT NULL REFERENCES voucher_batches(id),
  serial INTEGER NOT NULL,
  person_id INTEGER REFERENCES people(id),
  issued_at TEXT
);
CREATE INDEX vouchers_batch ON vouchers(batch_id, serial);
CREATE INDEX vouchers_person ON vouchers(person_id);
CREATE TABLE voucher_redemptions (
  code TEXT PRIMARY KEY REFERENCES vouchers(code),
  supermarket TEXT NOT NULL,
  redeemed_at TEXT NOT NULL,
  redeemed_by TEXT NOT NULL
);
