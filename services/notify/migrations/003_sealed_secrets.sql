-- Webhook secrets encrypted at rest. The HMAC signatures need the plain secret, so it cannot be hashed: it is
-- kept Fernet-encrypted (AES-128-CBC + HMAC-SHA256) in webhook_secret_sealed. The service seals the plain
-- secrets of older rows when it starts and clears webhook_secret, which only an older version still writes.
ALTER TABLE channels ADD COLUMN webhook_secret_sealed text;
COMMENT ON COLUMN channels.webhook_secret IS 'legacy plain secret: sealed into webhook_secret_sealed on start';

-- The encryption key when NOTIFY_SECRET_KEY is not set: generated on first start. It protects against a leak of
-- the channels table alone (an export, a log of rows), not of the database; production sets NOTIFY_SECRET_KEY.
CREATE TABLE keys (
    name       text PRIMARY KEY,
    key        text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
