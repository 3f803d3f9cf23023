-- Sources (upstream systems) and the units each may submit for; '*' means every unit.
CREATE TABLE sources (
    name       text PRIMARY KEY,
    units      text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The append-only evidence ledger (sổ minh chứng): each accepted event once per (source, event_id).
-- A retraction is a row of its own; the retracted original stays.
CREATE TABLE ledger (
    seq         bigserial PRIMARY KEY,
    source      text        NOT NULL,
    event_id    text        NOT NULL,
    type        text        NOT NULL,
    unit_id     text        NOT NULL,
    officer_id  text,
    occurred_at timestamptz NOT NULL,
    accepted_at timestamptz NOT NULL DEFAULT now(),
    channel     text        NOT NULL CHECK (channel IN ('http', 'kafka')),
    envelope    jsonb       NOT NULL,
    UNIQUE (source, event_id)
);
CREATE INDEX ledger_unit_idx ON ledger (unit_id, seq);
CREATE INDEX ledger_retraction_target_idx ON ledger (source, (envelope -> 'payload' ->> 'target_event_id'))
    WHERE type = 'evidence.retracted';

CREATE FUNCTION ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the evidence ledger is append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();

-- Refused input, kept for reconciliation (GET /v1/events/{id}) and audit.
CREATE TABLE rejections (
    id          bigserial PRIMARY KEY,
    source      text,
    event_id    text,
    unit_id     text,
    channel     text  NOT NULL CHECK (channel IN ('http', 'kafka')),
    reasons     jsonb NOT NULL,
    original    bytea NOT NULL,
    -- Kafka position of the refused record: a redelivered record is refused once.
    kafka_topic text,
    kafka_partition integer,
    kafka_offset bigint,
    rejected_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kafka_topic, kafka_partition, kafka_offset)
);
CREATE INDEX rejections_event_idx ON rejections (source, event_id, id);
