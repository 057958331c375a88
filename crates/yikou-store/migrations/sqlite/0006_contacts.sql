-- 单位通讯录 (附件2): each unit's contact for the campaign.
ALTER TABLE units ADD COLUMN contact_name TEXT;
ALTER TABLE units ADD COLUMN contact_title TEXT;
ALTER TABLE units ADD COLUMN office_phone TEXT;
ALTER TABLE units ADD COLUMN mobile TEXT;
