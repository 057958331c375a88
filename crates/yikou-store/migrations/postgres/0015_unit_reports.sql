-- 各成员单位总结: each member unit's account of its campaign — its own words, and its figures as they
-- stood in the data when it filed. Filing again replaces it (the version counts up; the audit keeps
-- what each version said).
CREATE TABLE unit_reports (
  campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
  unit_code TEXT NOT NULL REFERENCES units(code),
  body TEXT NOT NULL,
  figures_json TEXT NOT NULL,
  filed_by TEXT NOT NULL,
  filed_at TEXT NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, unit_code)
);
