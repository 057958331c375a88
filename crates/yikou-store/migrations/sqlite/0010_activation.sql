-- Two-person rule for business accounts (三权分立): an account created, or a password reset, by one
-- administrator stays pending until the other administrator role completes it. Each is shown one
-- half of the one-time password. The first half waits here encrypted (hex), never in plaintext;
-- it is deleted when the act is completed.
ALTER TABLE users ADD COLUMN pending_kind TEXT;
ALTER TABLE users ADD COLUMN pending_half TEXT;
ALTER TABLE users ADD COLUMN pending_by TEXT;
ALTER TABLE users ADD COLUMN pending_role TEXT;
