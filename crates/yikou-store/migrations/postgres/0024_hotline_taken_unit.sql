-- The unit that took a hotline request: it keeps seeing the requests it took (a department's own
-- requests about a person of a street were hidden from it).
ALTER TABLE hotline_requests ADD COLUMN taken_unit TEXT;
