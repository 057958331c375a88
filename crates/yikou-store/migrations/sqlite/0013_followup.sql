-- 随机电话回访: samples drawn reproducibly, their members, calls and the cases a call opens.
CREATE TABLE samples (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  -- The draw: seed (decimal u64), generator and its version, the population's SHA-256.
  seed TEXT NOT NULL,
  generator TEXT NOT NULL,
  generator_version INTEGER NOT NULL,
  population_sha256 TEXT NOT NULL,
  population INTEGER NOT NULL,
  excluded_no_phone INTEGER NOT NULL,
  size INTEGER NOT NULL,
  -- Filters, size rule, strata, minimum per stratum (JSON).
  params_json TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
  closed_by TEXT,
  closed_at TEXT,
  close_reason TEXT
);

CREATE TABLE sample_strata (
  sample_id INTEGER NOT NULL REFERENCES samples(id),
  stratum TEXT NOT NULL,
  population INTEGER NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY (sample_id, stratum)
);

CREATE TABLE sample_members (
  sample_id INTEGER NOT NULL REFERENCES samples(id),
  entitlement_id INTEGER NOT NULL REFERENCES entitlements(id),
  stratum TEXT NOT NULL,
  -- The caller whose share it is (none: any caller of the plan's area).
  caller TEXT,
  PRIMARY KEY (sample_id, entitlement_id)
);

CREATE TABLE calls (
  id INTEGER PRIMARY KEY,
  sample_id INTEGER NOT NULL,
  entitlement_id INTEGER NOT NULL,
  caller TEXT NOT NULL,
  at TEXT NOT NULL,
  reached TEXT NOT NULL CHECK (reached IN ('yes', 'no', 'wrong_number')),
  received TEXT CHECK (received IN ('full', 'partly', 'none', 'not_person')),
  amount_fen INTEGER,
  satisfaction INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
  needs TEXT,
  remarks TEXT,
  FOREIGN KEY (sample_id, entitlement_id) REFERENCES sample_members(sample_id, entitlement_id)
);
CREATE INDEX calls_member ON calls(sample_id, entitlement_id, id);

CREATE TABLE followup_cases (
  id INTEGER PRIMARY KEY,
  sample_id INTEGER NOT NULL REFERENCES samples(id),
  entitlement_id INTEGER NOT NULL REFERENCES entitlements(id),
  call_id INTEGER NOT NULL REFERENCES calls(id),
  unit_code TEXT NOT NULL REFERENCES units(code),
  owner TEXT,
  deadline TEXT,
  state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
  resolution TEXT,
  opened_at TEXT NOT NULL,
  closed_at TEXT,
  closed_by TEXT
);
CREATE INDEX followup_cases_sample ON followup_cases(sample_id, state);
