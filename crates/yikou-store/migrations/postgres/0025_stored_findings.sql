-- The cross-check computed once and kept (issue 18): pages, exports and the API read the stored
-- findings of the last run; a run is current while no commit since changed what the check reads
-- (audit_head.check_seq: the audit sequence number of the last commit that changed data other than
-- the reviewers' decisions, which are attached when findings are read) and its check date holds.
ALTER TABLE audit_head ADD COLUMN check_seq BIGINT NOT NULL DEFAULT 0;
UPDATE audit_head SET check_seq = data_seq;

CREATE TABLE check_runs (
  campaign_id BIGINT PRIMARY KEY REFERENCES campaigns(id),
  check_seq BIGINT NOT NULL,
  check_date TEXT NOT NULL,
  rules_version BIGINT NOT NULL,
  computed_at TEXT NOT NULL,
  read_seconds DOUBLE PRECISION NOT NULL,
  check_seconds DOUBLE PRECISION NOT NULL,
  counts_json TEXT NOT NULL
);

-- One row per finding of the run, in the run's order (position); body: the finding as JSON without
-- the reviewers' decision. Derived rows, replaced whole by each run (the run's row in check_runs
-- holds the campaign's key): no foreign key, whose check per row made keeping a city's 240,890
-- findings twice as slow on PostgreSQL.
CREATE TABLE check_findings (
  campaign_id BIGINT NOT NULL,
  position BIGINT NOT NULL,
  finding_key TEXT NOT NULL,
  kind TEXT NOT NULL,
  -- The digest of the facts: a decision made on the same facts holds (a list of open or decided
  -- findings is read with the decisions joined on it).
  facts TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (campaign_id, position)
);
CREATE UNIQUE INDEX check_findings_key ON check_findings (campaign_id, finding_key);

-- The streets/towns whose people a finding names: a street reviews those findings.
CREATE TABLE check_finding_streets (
  campaign_id BIGINT NOT NULL,
  street_code TEXT NOT NULL,
  position BIGINT NOT NULL,
  PRIMARY KEY (campaign_id, street_code, position)
);
