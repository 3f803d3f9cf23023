-- The consumer inbox shared by the services (thidua/runtime/inbox.py) replaces `consumed`: one row per message,
-- keyed "topic:identity" (alerts alert_id@occurred_at, standings and nominations their event_id), recorded in
-- the transaction of the message's effects. What was consumed before is carried over, so a redelivery or a
-- replay of the topic after the upgrade still notifies nobody twice.
CREATE TABLE inbox (key text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
INSERT INTO inbox (key, applied_at) SELECT topic || ':' || message_id, received_at FROM consumed
    ON CONFLICT DO NOTHING;
DROP TABLE consumed;
