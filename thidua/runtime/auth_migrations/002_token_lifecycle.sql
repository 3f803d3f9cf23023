-- Tokens get a public number (listed, revoked and rotated by it, and named in audit trails, e.g. council:token#12;
-- never the token itself), an optional expiry, and the token that replaced a rotated one.
ALTER TABLE tokens ADD COLUMN id bigserial UNIQUE;
ALTER TABLE tokens ADD COLUMN expires_at timestamptz;
ALTER TABLE tokens ADD COLUMN replaced_by bigint REFERENCES tokens (id);
