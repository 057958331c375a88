-- A person's entitlements with their state and project in one index: reading the disbursed
-- entitlements of a campaign with their people (the follow-up's population) walks this index in
-- person order, so the people are visited in order too instead of at random.
DROP INDEX entitlements_person;
CREATE INDEX entitlements_person ON entitlements(person_id, state, project_id);
