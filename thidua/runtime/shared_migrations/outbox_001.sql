-- Transactional outbox: written in the same transaction as the state it announces, drained to Kafka by the
-- relay (thidua/runtime/outbox.py). Created in the schema of each service that publishes.
CREATE TABLE outbox (
    id         bigserial PRIMARY KEY,
    topic      text  NOT NULL,
    key        text,
    value      bytea NOT NULL,
    headers    jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
