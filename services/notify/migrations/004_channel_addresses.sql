-- Push channels behind one interface (adapters/channels): a channel added after webhook and e-mail keeps a unit's
-- address under its name in channels.addresses, so a new channel needs no migration of its own; which channels
-- exist is the service's registry's business, and a delivery through a channel it does not know is parked.
ALTER TABLE channels ADD COLUMN addresses jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_channel_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_channel_name CHECK (channel ~ '^[a-z][a-z0-9_]{0,31}$');
