-- 社会捐赠 (issue 17, point 4): money and goods with a receipt number (unique), allocated to projects
-- (money as 社会募集 funding, goods into gift packs). The running totals carry CHECKs, so a donation
-- can never be allocated beyond what it brought, whatever the code does and however many at once.
CREATE TABLE donations (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  unit_code TEXT NOT NULL,
  donor_kind TEXT NOT NULL CHECK (donor_kind IN ('company', 'organisation', 'individual')),
  donor_name TEXT NOT NULL,
  anonymous INTEGER NOT NULL DEFAULT 0,
  money_fen INTEGER NOT NULL DEFAULT 0 CHECK (money_fen >= 0),
  goods TEXT NOT NULL DEFAULT '',
  goods_value_fen INTEGER NOT NULL DEFAULT 0 CHECK (goods_value_fen >= 0),
  receipt_no TEXT NOT NULL UNIQUE,
  received_on TEXT NOT NULL,
  allocated_money_fen INTEGER NOT NULL DEFAULT 0 CHECK (allocated_money_fen >= 0 AND allocated_money_fen <= money_fen),
  allocated_goods_fen INTEGER NOT NULL DEFAULT 0 CHECK (allocated_goods_fen >= 0 AND allocated_goods_fen <= goods_value_fen),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX donations_campaign ON donations(campaign_id, unit_code);
CREATE TABLE donation_allocations (
  id INTEGER PRIMARY KEY,
  donation_id INTEGER NOT NULL REFERENCES donations(id),
  project_id INTEGER NOT NULL REFERENCES projects(id),
  kind TEXT NOT NULL CHECK (kind IN ('money', 'goods')),
  amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX donation_allocations_donation ON donation_allocations(donation_id);
CREATE INDEX donation_allocations_project ON donation_allocations(project_id);
