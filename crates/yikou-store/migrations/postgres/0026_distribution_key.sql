-- The road to Citus (issue 18, point 6): every table whose rows belong to one person carries the
-- person's distribution key, `person_key` — the first 56 bits of the keyed hash of the ID number
-- (people.id_key), as a non-negative BIGINT — so a person's register row, categories, entitlements,
-- payment lines, call-backs, visits and services land on one shard, and the duplicate check (the same
-- ID number twice is the same key) stays shard-local. Citus requires every primary and unique key of
-- a distributed table to include its distribution column, and a foreign key between distributed tables
-- to include it on both sides: the keys below are rebuilt so (id leading, so lookups by id use them as
-- before). The placement of every table is in the store's `distribution` module; a test holds this
-- schema to Citus's rules and `yikou db distribute` prints the statements.
--
-- Links Citus cannot enforce between differently placed tables are dropped here and checked in the
-- code that writes them: a hotline request's person (reference table → distributed), a voucher's
-- person and payment line (vouchers are distributed by their code: a voucher exists before it is
-- given to anyone).

ALTER TABLE person_categories DROP CONSTRAINT person_categories_person_id_fkey;
ALTER TABLE entitlements DROP CONSTRAINT entitlements_person_id_fkey;
ALTER TABLE import_person_changes DROP CONSTRAINT import_person_changes_person_id_fkey;
ALTER TABLE service_deliveries DROP CONSTRAINT service_deliveries_person_id_fkey;
ALTER TABLE visits DROP CONSTRAINT visits_person_id_fkey;
ALTER TABLE hotline_requests DROP CONSTRAINT hotline_requests_person_id_fkey;
ALTER TABLE vouchers DROP CONSTRAINT vouchers_person_id_fkey;
ALTER TABLE payment_lines DROP CONSTRAINT payment_lines_entitlement_id_fkey;
ALTER TABLE sample_members DROP CONSTRAINT sample_members_entitlement_id_fkey;
ALTER TABLE followup_cases DROP CONSTRAINT followup_cases_entitlement_id_fkey;
ALTER TABLE payment_lines DROP CONSTRAINT payment_lines_reissue_of_fkey;
ALTER TABLE vouchers DROP CONSTRAINT vouchers_payment_line_id_fkey;
ALTER TABLE calls DROP CONSTRAINT calls_sample_id_entitlement_id_fkey;
ALTER TABLE followup_cases DROP CONSTRAINT followup_cases_call_id_fkey;
ALTER TABLE visit_actions DROP CONSTRAINT visit_actions_visit_id_fkey;

ALTER TABLE people ADD COLUMN person_key BIGINT;
UPDATE people SET person_key = ('x' || encode(substr(id_key, 1, 7), 'hex'))::bit(56)::bigint;
ALTER TABLE person_categories ADD COLUMN person_key BIGINT;
UPDATE person_categories t SET person_key = p.person_key FROM people p WHERE p.id = t.person_id;
ALTER TABLE entitlements ADD COLUMN person_key BIGINT;
UPDATE entitlements t SET person_key = p.person_key FROM people p WHERE p.id = t.person_id;
ALTER TABLE import_person_changes ADD COLUMN person_key BIGINT;
UPDATE import_person_changes t SET person_key = p.person_key FROM people p WHERE p.id = t.person_id;
ALTER TABLE service_deliveries ADD COLUMN person_key BIGINT;
UPDATE service_deliveries t SET person_key = p.person_key FROM people p WHERE p.id = t.person_id;
ALTER TABLE visits ADD COLUMN person_key BIGINT;
UPDATE visits t SET person_key = p.person_key FROM people p WHERE p.id = t.person_id;
ALTER TABLE visit_actions ADD COLUMN person_key BIGINT;
UPDATE visit_actions t SET person_key = v.person_key FROM visits v WHERE v.id = t.visit_id;
ALTER TABLE payment_lines ADD COLUMN person_key BIGINT;
UPDATE payment_lines t SET person_key = e.person_key FROM entitlements e WHERE e.id = t.entitlement_id;
ALTER TABLE sample_members ADD COLUMN person_key BIGINT;
UPDATE sample_members t SET person_key = e.person_key FROM entitlements e WHERE e.id = t.entitlement_id;
ALTER TABLE calls ADD COLUMN person_key BIGINT;
UPDATE calls t SET person_key = e.person_key FROM entitlements e WHERE e.id = t.entitlement_id;
ALTER TABLE followup_cases ADD COLUMN person_key BIGINT;
UPDATE followup_cases t SET person_key = e.person_key FROM entitlements e WHERE e.id = t.entitlement_id;

ALTER TABLE people ALTER COLUMN person_key SET NOT NULL;
ALTER TABLE person_categories ALTER COLUMN person_key SET NOT NULL;
ALTER TABLE entitlements ALTER COLUMN person_key SET NOT NULL;
ALTER TABLE import_person_changes ALTER COLUMN person_key SET NOT NULL;
ALTER TABLE service_deliveries ALTER COLUMN person_key SET NOT NULL;
ALTER TABLE visits ALTER COLUMN person_key SET NOT NULL;
ALTER TABLE visit_actions ALTER COLUMN person_key SET NOT NULL;
ALTER TABLE payment_lines ALTER COLUMN person_key SET NOT NULL;
ALTER TABLE sample_members ALTER COLUMN person_key SET NOT NULL;
ALTER TABLE calls ALTER COLUMN person_key SET NOT NULL;
ALTER TABLE followup_cases ALTER COLUMN person_key SET NOT NULL;

-- Primary and unique keys with the distribution key (after the columns they had, so the same
-- lookups use them).
ALTER TABLE people DROP CONSTRAINT people_pkey, ADD PRIMARY KEY (id, person_key);
ALTER TABLE people DROP CONSTRAINT people_id_key_key, ADD CONSTRAINT people_id_key_key UNIQUE (id_key, person_key);
ALTER TABLE person_categories DROP CONSTRAINT person_categories_pkey,
  ADD PRIMARY KEY (person_id, category_code, start_date, person_key);
ALTER TABLE entitlements DROP CONSTRAINT entitlements_pkey, ADD PRIMARY KEY (id, person_key);
ALTER TABLE import_person_changes DROP CONSTRAINT import_person_changes_pkey,
  ADD PRIMARY KEY (batch_id, person_id, person_key);
ALTER TABLE service_deliveries DROP CONSTRAINT service_deliveries_pkey, ADD PRIMARY KEY (id, person_key);
DROP INDEX service_deliveries_once;
CREATE UNIQUE INDEX service_deliveries_once ON service_deliveries(provider_id, person_id, kind_code, delivered_on, person_key);
ALTER TABLE visits DROP CONSTRAINT visits_pkey, ADD PRIMARY KEY (id, person_key);
ALTER TABLE visit_actions DROP CONSTRAINT visit_actions_pkey, ADD PRIMARY KEY (id, person_key);
ALTER TABLE payment_lines DROP CONSTRAINT payment_lines_pkey, ADD PRIMARY KEY (id, person_key);
ALTER TABLE payment_lines DROP CONSTRAINT payment_lines_batch_id_line_no_key,
  ADD CONSTRAINT payment_lines_batch_id_line_no_key UNIQUE (batch_id, line_no, person_key);
ALTER TABLE payment_lines DROP CONSTRAINT payment_lines_entitlement_id_attempt_key,
  ADD CONSTRAINT payment_lines_entitlement_id_attempt_key UNIQUE (entitlement_id, attempt, person_key);
ALTER TABLE payment_lines DROP CONSTRAINT payment_lines_reference_key,
  ADD CONSTRAINT payment_lines_reference_key UNIQUE (reference, person_key);
DROP INDEX payment_lines_paid_once;
CREATE UNIQUE INDEX payment_lines_paid_once ON payment_lines(entitlement_id, person_key) WHERE state = 'paid';
DROP INDEX payment_lines_one_open;
CREATE UNIQUE INDEX payment_lines_one_open ON payment_lines(entitlement_id, person_key) WHERE state IN ('pending', 'unresolved');
ALTER TABLE sample_members DROP CONSTRAINT sample_members_pkey, ADD PRIMARY KEY (sample_id, entitlement_id, person_key);
ALTER TABLE calls DROP CONSTRAINT calls_pkey, ADD PRIMARY KEY (id, person_key);
ALTER TABLE followup_cases DROP CONSTRAINT followup_cases_pkey, ADD PRIMARY KEY (id, person_key);

-- Foreign keys between a person's rows, with the distribution key on both sides.
ALTER TABLE person_categories ADD CONSTRAINT person_categories_person_id_fkey
  FOREIGN KEY (person_id, person_key) REFERENCES people(id, person_key);
ALTER TABLE entitlements ADD CONSTRAINT entitlements_person_id_fkey
  FOREIGN KEY (person_id, person_key) REFERENCES people(id, person_key);
ALTER TABLE import_person_changes ADD CONSTRAINT import_person_changes_person_id_fkey
  FOREIGN KEY (person_id, person_key) REFERENCES people(id, person_key);
ALTER TABLE service_deliveries ADD CONSTRAINT service_deliveries_person_id_fkey
  FOREIGN KEY (person_id, person_key) REFERENCES people(id, person_key);
ALTER TABLE visits ADD CONSTRAINT visits_person_id_fkey
  FOREIGN KEY (person_id, person_key) REFERENCES people(id, person_key);
ALTER TABLE visit_actions ADD CONSTRAINT visit_actions_visit_id_fkey
  FOREIGN KEY (visit_id, person_key) REFERENCES visits(id, person_key);
ALTER TABLE payment_lines ADD CONSTRAINT payment_lines_entitlement_id_fkey
  FOREIGN KEY (entitlement_id, person_key) REFERENCES entitlements(id, person_key);
ALTER TABLE payment_lines ADD CONSTRAINT payment_lines_reissue_of_fkey
  FOREIGN KEY (reissue_of, person_key) REFERENCES payment_lines(id, person_key);
ALTER TABLE sample_members ADD CONSTRAINT sample_members_entitlement_id_fkey
  FOREIGN KEY (entitlement_id, person_key) REFERENCES entitlements(id, person_key);
ALTER TABLE calls ADD CONSTRAINT calls_sample_id_entitlement_id_fkey
  FOREIGN KEY (sample_id, entitlement_id, person_key) REFERENCES sample_members(sample_id, entitlement_id, person_key);
ALTER TABLE followup_cases ADD CONSTRAINT followup_cases_entitlement_id_fkey
  FOREIGN KEY (entitlement_id, person_key) REFERENCES entitlements(id, person_key);
ALTER TABLE followup_cases ADD CONSTRAINT followup_cases_call_id_fkey
  FOREIGN KEY (call_id, person_key) REFERENCES calls(id, person_key);
