-- The road to Citus (issue 18, point 6): the person's distribution key on every table whose rows
-- belong to one person — the first 56 bits of the keyed hash of the ID number (people.id_key) as a
-- non-negative integer. SQLite is never distributed; the column is here so the SQL that writes these
-- tables is the same on both backends, and the unique indexes PostgreSQL rebuilt around it are the
-- same here. (A row written without it would read -1, which the store tests look for.)
ALTER TABLE people ADD COLUMN person_key INTEGER NOT NULL DEFAULT -1;
UPDATE people SET person_key = (SELECT
    (instr('0123456789ABCDEF', substr(h, 1, 1)) - 1) * 4503599627370496 +
    (instr('0123456789ABCDEF', substr(h, 2, 1)) - 1) * 281474976710656 +
    (instr('0123456789ABCDEF', substr(h, 3, 1)) - 1) * 17592186044416 +
    (instr('0123456789ABCDEF', substr(h, 4, 1)) - 1) * 1099511627776 +
    (instr('0123456789ABCDEF', substr(h, 5, 1)) - 1) * 68719476736 +
    (instr('0123456789ABCDEF', substr(h, 6, 1)) - 1) * 4294967296 +
    (instr('0123456789ABCDEF', substr(h, 7, 1)) - 1) * 268435456 +
    (instr('0123456789ABCDEF', substr(h, 8, 1)) - 1) * 16777216 +
    (instr('0123456789ABCDEF', substr(h, 9, 1)) - 1) * 1048576 +
    (instr('0123456789ABCDEF', substr(h, 10, 1)) - 1) * 65536 +
    (instr('0123456789ABCDEF', substr(h, 11, 1)) - 1) * 4096 +
    (instr('0123456789ABCDEF', substr(h, 12, 1)) - 1) * 256 +
    (instr('0123456789ABCDEF', substr(h, 13, 1)) - 1) * 16 +
    (instr('0123456789ABCDEF', substr(h, 14, 1)) - 1) * 1
  FROM (SELECT hex(substr(people.id_key, 1, 7)) AS h));
ALTER TABLE person_categories ADD COLUMN person_key INTEGER NOT NULL DEFAULT -1;
UPDATE person_categories SET person_key = (SELECT p.person_key FROM people p WHERE p.id = person_categories.person_id);
ALTER TABLE entitlements ADD COLUMN person_key INTEGER NOT NULL DEFAULT -1;
UPDATE entitlements SET person_key = (SELECT p.person_key FROM people p WHERE p.id = entitlements.person_id);
ALTER TABLE import_person_changes ADD COLUMN person_key INTEGER NOT NULL DEFAULT -1;
UPDATE import_person_changes SET person_key = (SELECT p.person_key FROM people p WHERE p.id = import_person_changes.person_id);
ALTER TABLE service_deliveries ADD COLUMN person_key INTEGER NOT NULL DEFAULT -1;
UPDATE service_deliveries SET person_key = (SELECT p.person_key FROM people p WHERE p.id = service_deliveries.person_id);
ALTER TABLE visits ADD COLUMN person_key INTEGER NOT NULL DEFAULT -1;
UPDATE visits SET person_key = (SELECT p.person_key FROM people p WHERE p.id = visits.person_id);
ALTER TABLE visit_actions ADD COLUMN person_key INTEGER NOT NULL DEFAULT -1;
UPDATE visit_actions SET person_key = (SELECT v.person_key FROM visits v WHERE v.id = visit_actions.visit_id);
ALTER TABLE payment_lines ADD COLUMN person_key INTEGER NOT NULL DEFAULT -1;
UPDATE payment_lines SET person_key = (SELECT e.person_key FROM entitlements e WHERE e.id = payment_lines.entitlement_id);
ALTER TABLE sample_members ADD COLUMN person_key INTEGER NOT NULL DEFAULT -1;
UPDATE sample_members SET person_key = (SELECT e.person_key FROM entitlements e WHERE e.id = sample_members.entitlement_id);
ALTER TABLE calls ADD COLUMN person_key INTEGER NOT NULL DEFAULT -1;
UPDATE calls SET person_key = (SELECT e.person_key FROM entitlements e WHERE e.id = calls.entitlement_id);
ALTER TABLE followup_cases ADD COLUMN person_key INTEGER NOT NULL DEFAULT -1;
UPDATE followup_cases SET person_key = (SELECT e.person_key FROM entitlements e WHERE e.id = followup_cases.entitlement_id);
DROP INDEX service_deliveries_once;
CREATE UNIQUE INDEX service_deliveries_once ON service_deliveries(provider_id, person_id, kind_code, delivered_on, person_key);
DROP INDEX payment_lines_paid_once;
CREATE UNIQUE INDEX payment_lines_paid_once ON payment_lines(entitlement_id, person_key) WHERE state = 'paid';
DROP INDEX payment_lines_one_open;
CREATE UNIQUE INDEX payment_lines_one_open ON payment_lines(entitlement_id, person_key) WHERE state IN ('pending', 'unresolved');
