-- Unit directory (from unit.registered): names and parents, for escalations and messages.
CREATE TABLE units (
    unit_id    text PRIMARY KEY,
    name       text,
    parent_id  text,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Channel preferences per unit; the in-app inbox is always on.
CREATE TABLE channels (
    unit_id        text PRIMARY KEY,
    webhook_url    text,
    webhook_secret text,
    email          text,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Every consumed message once, by its identity: a redelivery finds its row and does nothing.
CREATE TABLE consumed (
    topic       text        NOT NULL,
    message_id  text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, message_id)
);

-- One row per (unit, condition): when it was last seen and last notified (damping), how often.
CREATE TABLE conditions (
    unit_id       text        NOT NULL,
    condition_key text        NOT NULL,
    kind          text        NOT NULL,
    first_seen_at timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    seen          integer     NOT NULL DEFAULT 1,
    occurrences   integer     NOT NULL DEFAULT 0,
    notified_at   timestamptz,
    damped        integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, condition_key)
);
CREATE INDEX conditions_kind ON conditions (unit_id, kind, last_seen_at);

-- The in-app inbox: one notification per (unit, condition, occurrence).
CREATE TABLE notifications (
    id            bigserial PRIMARY KEY,
    unit_id       text        NOT NULL,
    condition_key text        NOT NULL,
    occurrence    integer     NOT NULL DEFAULT 1,
    kind          text        NOT NULL,
    priority      text        NOT NULL CHECK (priority IN ('high', 'normal', 'low')),
    title         text        NOT NULL,
    body          text        NOT NULL,
    link          text,
    data          jsonb       NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    read_at       timestamptz,
    UNIQUE (unit_id, condition_key, occurrence)
);
CREATE INDEX notifications_inbox ON notifications (unit_id, id DESC);
CREATE INDEX notifications_unread ON notifications (unit_id) WHERE read_at IS NULL;

-- Low-priority items waiting for the unit's daily digest.
CREATE TABLE digest_items (
    id            bigserial PRIMARY KEY,
    unit_id       text        NOT NULL,
    condition_key text        NOT NULL,
    occurrence    integer     NOT NULL DEFAULT 1,
    kind          text        NOT NULL,
    title         text        NOT NULL,
    body          text        NOT NULL,
    link          text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    digest_id     bigint REFERENCES notifications (id),
    UNIQUE (unit_id, condition_key, occurrence)
);
CREATE INDEX digest_items_pending ON digest_items (unit_id, created_at) WHERE digest_id IS NULL;

-- Push deliveries (webhook, e-mail) of a notification: the work list of the delivery loop.
CREATE TABLE deliveries (
    id              bigserial PRIMARY KEY,
    notification_id bigint      NOT NULL REFERENCES notifications (id),
    unit_id         text        NOT NULL,
    channel         text        NOT NULL CHECK (channel IN ('webhook', 'email')),
    target          text        NOT NULL,
    status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'parked')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    parked_at       timestamptz,
    UNIQUE (notification_id, channel)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_parked ON deliveries (parked_at) WHERE status = 'parked';
