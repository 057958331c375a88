-- The name a source listed with an entitlement (near-duplicate review: one ID, different names).
ALTER TABLE entitlements ADD COLUMN listed_name TEXT;

-- 比对规则: versioned per campaign; the highest version is in force.
CREATE TABLE rule_sets (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  version INTEGER NOT NULL,
  rules_json TEXT NOT NULL,
  actor TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (campaign_id, version)
);

-- A reviewer's decision on a finding, by the finding's stable key, with the facts it was made on.
CREATE TABLE finding_decisions (
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  finding_key TEXT NOT NULL,
  facts TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'dismissed')),
  reason TEXT NOT NULL,
  actor TEXT NOT NULL,
  decided_at TEXT NOT NULL,
  PRIMARY KEY (campaign_id, finding_key)
);
