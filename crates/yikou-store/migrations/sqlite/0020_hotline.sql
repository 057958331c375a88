-- 生活服务热线 (issue 17, point 3): a request taken (caller, the person when known, kind, content),
-- given to a unit with a deadline, closed with a result. street_code is the area the request belongs
-- to (the person's street, else the taker's), unit_code the unit it was given to.
CREATE TABLE hotline_requests (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  person_id INTEGER REFERENCES people(id),
  caller TEXT NOT NULL,
  kind TEXT NOT NULL,
  content TEXT NOT NULL,
  street_code TEXT,
  received_at TEXT NOT NULL,
  received_by TEXT NOT NULL,
  unit_code TEXT,
  due_on TEXT,
  assigned_at TEXT,
  closed_at TEXT,
  closed_by TEXT,
  result TEXT
);
CREATE INDEX hotline_campaign ON hotline_requests(campaign_id, received_at);
CREATE INDEX hotline_unit ON hotline_requests(unit_code, closed_at);
CREATE INDEX hotline_person ON hotline_requests(person_id);
