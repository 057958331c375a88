-- A street's people in registration order: a street's list, search and export page by key
-- (street_code = ? AND id > ? ORDER BY id) straight from this index instead of sorting the
-- street's people for every page.
CREATE INDEX people_street_order ON people(street_code, id);
