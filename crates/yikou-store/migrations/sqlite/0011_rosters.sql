-- 名单 (rosters): one project's entitlements prepared by one unit, submitted and reviewed (下达).

-- The unit that prepared an entitlement (whose roster it is on): the importing account's unit, else
-- the project's own unit (generated and loaded data).
ALTER TABLE entitlements ADD COLUMN unit_code TEXT REFERENCES units(code);
UPDATE entitlements SET unit_code = COALESCE(
  (SELECT u.unit_code FROM import_batches b JOIN users u ON u.login = b.actor WHERE b.id = entitlements.batch_id),
  (SELECT pr.unit_code FROM projects pr WHERE pr.id = entitlements.project_id));
CREATE INDEX entitlements_roster ON entitlements(project_id, unit_code, state);

-- What approval froze: the person's facts as approved (the amount is approved_amount_fen).
ALTER TABLE entitlements ADD COLUMN approved_name TEXT;
ALTER TABLE entitlements ADD COLUMN approved_street TEXT;
ALTER TABLE entitlements ADD COLUMN approved_committee TEXT;
ALTER TABLE entitlements ADD COLUMN approved_household_id INTEGER;
ALTER TABLE entitlements ADD COLUMN approved_categories TEXT;
ALTER TABLE entitlements ADD COLUMN approved_at TEXT;
ALTER TABLE entitlements ADD COLUMN approved_by TEXT;

-- A roster's state; a roster without a row is 待提交 (draft).
CREATE TABLE rosters (
  project_id INTEGER NOT NULL REFERENCES projects(id),
  unit_code TEXT NOT NULL REFERENCES units(code),
  state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'returned', 'approved')),
  updated_at TEXT NOT NULL,
  PRIMARY KEY (project_id, unit_code)
);

-- Who had a hand in a roster (imported, edited, submitted): they may not review it.
CREATE TABLE roster_hands (
  project_id INTEGER NOT NULL REFERENCES projects(id),
  unit_code TEXT NOT NULL REFERENCES units(code),
  login TEXT NOT NULL,
  hand TEXT NOT NULL CHECK (hand IN ('import', 'edit', 'submit')),
  at TEXT NOT NULL,
  PRIMARY KEY (project_id, unit_code, login, hand)
);
INSERT INTO roster_hands (project_id, unit_code, login, hand, at)
SELECT b.project_id, u.unit_code, b.actor, 'import', MIN(b.created_at)
FROM import_batches b JOIN users u ON u.login = b.actor
WHERE b.project_id IS NOT NULL AND b.status = 'committed'
GROUP BY b.project_id, u.unit_code, b.actor;

-- Every submission and review decision (who, when, comment, what it covered).
CREATE TABLE roster_events (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  unit_code TEXT NOT NULL REFERENCES units(code),
  act TEXT NOT NULL CHECK (act IN ('submit', 'approve', 'return')),
  actor TEXT NOT NULL,
  at TEXT NOT NULL,
  comment TEXT,
  entitlements INTEGER NOT NULL,
  amount_fen INTEGER NOT NULL
);
CREATE INDEX roster_events_roster ON roster_events(project_id, unit_code, id);
