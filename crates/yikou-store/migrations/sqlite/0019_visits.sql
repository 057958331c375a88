-- 走访慰问 (issue 17, point 1): who visited whom, when, what was given (money, goods and their value),
-- the needs heard, and the follow-up promised with an owner unit and a deadline. A visit belongs to
-- the campaign it was made in; the unit that recorded it is kept for scoping its own records.
CREATE TABLE visits (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  person_id INTEGER NOT NULL REFERENCES people(id),
  visited_on TEXT NOT NULL,
  visitor_kind TEXT NOT NULL CHECK (visitor_kind IN ('leader', 'unit', 'committee')),
  visitors TEXT NOT NULL,
  unit_code TEXT NOT NULL,
  money_fen INTEGER NOT NULL DEFAULT 0 CHECK (money_fen >= 0),
  goods TEXT NOT NULL DEFAULT '',
  goods_value_fen INTEGER NOT NULL DEFAULT 0 CHECK (goods_value_fen >= 0),
  needs TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX visits_campaign_person ON visits(campaign_id, person_id);
CREATE INDEX visits_person ON visits(person_id);
CREATE TABLE visit_actions (
  id INTEGER PRIMARY KEY,
  visit_id INTEGER NOT NULL REFERENCES visits(id),
  what TEXT NOT NULL,
  owner_unit TEXT NOT NULL,
  due_on TEXT NOT NULL,
  done_on TEXT,
  done_note TEXT
);
CREATE INDEX visit_actions_visit ON visit_actions(visit_id);
CREATE INDEX visit_actions_owner ON visit_actions(owner_unit, done_on);
