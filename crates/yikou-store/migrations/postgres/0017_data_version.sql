-- The audit sequence number of the last commit that changed what the reports count (people,
-- categories, projects, entitlements, payments): reading, exporting, revealing and signing in
-- append audit records but leave it, so the figures kept for a data version stay valid across them.
ALTER TABLE audit_head ADD COLUMN data_seq BIGINT NOT NULL DEFAULT 0;
UPDATE audit_head SET data_seq = seq;
