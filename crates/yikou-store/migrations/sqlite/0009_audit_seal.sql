-- The audit head's seal: a keyed MAC over (seq, hash) written by every commit that appends audit
-- records. A migration has no key, so an existing head is sealed once when the store is next opened.
ALTER TABLE audit_head ADD COLUMN seal TEXT;
