-- Records a consumer could not handle after bounded attempts (thidua/runtime/parking.py): kept with their
-- error, so the partition moves on; replayed after a fix (`thidua parked replay`), at most once in effect.
CREATE TABLE parked (
    id          bigserial PRIMARY KEY,
    topic       text        NOT NULL,
    "partition" int         NOT NULL,
    "offset"    bigint      NOT NULL,
    key         bytea,
    value       bytea,
    headers     jsonb       NOT NULL DEFAULT '[]',
    error       text        NOT NULL,
    attempts    int         NOT NULL,
    parked_at   timestamptz NOT NULL DEFAULT now(),
    replayed_at timestamptz,
    UNIQUE (topic, "partition", "offset")
);
CREATE INDEX parked_open ON parked (parked_at) WHERE replayed_at IS NULL;
