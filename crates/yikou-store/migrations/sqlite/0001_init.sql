-- yikou schema v1 (SQLite). Keep in step with ../postgres/0001_init.sql: same tables, same columns.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE units (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  parent_code TEXT REFERENCES units(code),
  sort INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX units_parent ON units(parent_code);

CREATE TABLE categories (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  parent_code TEXT REFERENCES categories(code),
  sort INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE funding_sources (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  sort INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE households (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  street_code TEXT REFERENCES units(code),
  committee_code TEXT REFERENCES units(code),
  created_at TEXT NOT NULL
);

CREATE TABLE people (
  id INTEGER PRIMARY KEY,
  id_key BLOB NOT NULL UNIQUE,
  id_cipher BLOB NOT NULL,
  id_masked TEXT NOT NULL,
  name TEXT NOT NULL,
  sex TEXT NOT NULL,
  birth_date TEXT NOT NULL,
  phone TEXT,
  address TEXT,
  street_code TEXT REFERENCES units(code),
  committee_code TEXT REFERENCES units(code),
  household_id INTEGER REFERENCES households(id),
  is_household_head INTEGER NOT NULL DEFAULT 0,
  deceased_on TEXT,
  moved_away_on TEXT,
  notes TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX people_area ON people(street_code, committee_code);
CREATE INDEX people_household ON people(household_id);
CREATE INDEX people_name ON people(name);

CREATE TABLE person_categories (
  person_id INTEGER NOT NULL REFERENCES people(id),
  category_code TEXT NOT NULL REFERENCES categories(code),
  start_date TEXT NOT NULL,
  end_date TEXT,
  PRIMARY KEY (person_id, category_code, start_date)
);
CREATE INDEX person_categories_category ON person_categories(category_code);

CREATE TABLE campaigns (
  id INTEGER PRIMARY KEY,
  year INTEGER NOT NULL UNIQUE,
  name TEXT NOT NULL,
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  current_phase TEXT,
  stated_person_times INTEGER,
  stated_amount_fen INTEGER,
  created_at TEXT NOT NULL
);

CREATE TABLE campaign_phases (
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  phase TEXT NOT NULL,
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  PRIMARY KEY (campaign_id, phase)
);

CREATE TABLE projects (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  unit_code TEXT NOT NULL REFERENCES units(code),
  unit_group TEXT NOT NULL,
  form TEXT NOT NULL,
  standard_kind TEXT NOT NULL,
  standard_a_fen INTEGER NOT NULL,
  standard_b_fen INTEGER NOT NULL,
  counting_unit TEXT NOT NULL,
  planned_count INTEGER NOT NULL,
  exclusive_group TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (campaign_id, code)
);
CREATE INDEX projects_unit ON projects(unit_code);

CREATE TABLE project_targets (
  project_id INTEGER NOT NULL REFERENCES projects(id),
  category_code TEXT NOT NULL REFERENCES categories(code),
  PRIMARY KEY (project_id, category_code)
);

CREATE TABLE project_budgets (
  project_id INTEGER NOT NULL REFERENCES projects(id),
  source_code TEXT NOT NULL REFERENCES funding_sources(code),
  amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
  PRIMARY KEY (project_id, source_code)
);

CREATE TABLE entitlements (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  person_id INTEGER NOT NULL REFERENCES people(id),
  household_id INTEGER REFERENCES households(id),
  household_size INTEGER,
  source_code TEXT NOT NULL REFERENCES funding_sources(code),
  amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
  approved_amount_fen INTEGER,
  state TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX entitlements_project ON entitlements(project_id, person_id);
CREATE INDEX entitlements_person ON entitlements(person_id);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  login TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  unit_code TEXT NOT NULL REFERENCES units(code),
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 1,
  disabled INTEGER NOT NULL DEFAULT 0,
  password_changed_at TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  before_json TEXT,
  after_json TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);

-- One row: the chain's head. Every write transaction updates it first, which serialises writers
-- so that the chain never forks.
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, 'genesis');
