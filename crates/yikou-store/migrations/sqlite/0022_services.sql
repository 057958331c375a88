-- 上门服务 (issue 17, point 2): service kinds (the four the plan names to start with; the bureau adds
-- more), providers (organisations, volunteers, purchased-service contracts with period and amount)
-- kept by the unit that manages them, and deliveries to people. One delivery of a kind by a provider
-- to a person on a day is recorded once: the same monthly list imported twice changes nothing twice.
CREATE TABLE service_kinds (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  measure TEXT NOT NULL CHECK (measure IN ('hours', 'times')),
  sort INTEGER NOT NULL DEFAULT 0
);
INSERT INTO service_kinds (code, name, measure, sort) VALUES
  ('meals', '助餐', 'times', 1), ('cleaning', '助洁', 'hours', 2), ('medical', '助医', 'times', 3), ('bathing', '助浴', 'times', 4);
CREATE TABLE service_providers (
  id INTEGER PRIMARY KEY,
  unit_code TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('organisation', 'volunteer', 'contract')),
  contract_from TEXT,
  contract_until TEXT,
  contract_fen INTEGER,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX service_providers_unit ON service_providers(unit_code);
CREATE TABLE service_deliveries (
  id INTEGER PRIMARY KEY,
  provider_id INTEGER NOT NULL REFERENCES service_providers(id),
  person_id INTEGER NOT NULL REFERENCES people(id),
  kind_code TEXT NOT NULL REFERENCES service_kinds(code),
  delivered_on TEXT NOT NULL,
  quantity_centi INTEGER NOT NULL CHECK (quantity_centi > 0),
  source TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX service_deliveries_once ON service_deliveries(provider_id, person_id, kind_code, delivered_on);
CREATE INDEX service_deliveries_person ON service_deliveries(person_id);
