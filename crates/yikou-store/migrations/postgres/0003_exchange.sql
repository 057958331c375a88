-- The sender's own ids for records loaded from the exchange layout, so an export gives them back.
ALTER TABLE people ADD COLUMN external_id TEXT;
ALTER TABLE entitlements ADD COLUMN external_id TEXT;
CREATE INDEX people_external ON people(external_id);
