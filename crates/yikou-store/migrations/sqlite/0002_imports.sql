-- Import batches (导入批次): who imported which file when, with what result; undo data.
CREATE TABLE import_batches (
  id INTEGER PRIMARY KEY,
  batch_no TEXT NOT NULL UNIQUE,
  actor TEXT NOT NULL,
  created_at TEXT NOT NULL,
  file_name TEXT NOT NULL,
  file_hash TEXT NOT NULL,
  project_id INTEGER REFERENCES projects(id),
  rows INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  unchanged INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  undone_at TEXT,
  undone_by TEXT
);
CREATE INDEX import_batches_hash ON import_batches(file_hash);

ALTER TABLE entitlements ADD COLUMN batch_id INTEGER REFERENCES import_batches(id);
ALTER TABLE people ADD COLUMN batch_id INTEGER REFERENCES import_batches(id);
ALTER TABLE person_categories ADD COLUMN batch_id INTEGER REFERENCES import_batches(id);
CREATE INDEX entitlements_batch ON entitlements(batch_id);
CREATE INDEX people_batch ON people(batch_id);

-- What an import changed on a person already in the register, so that undo can put it back.
CREATE TABLE import_person_changes (
  batch_id INTEGER NOT NULL REFERENCES import_batches(id),
  person_id INTEGER NOT NULL REFERENCES people(id),
  before_json TEXT NOT NULL,
  PRIMARY KEY (batch_id, person_id)
);
