-- Each officer's home unit (đơn vị quản lý): set by its first accepted officer.registered, moved only by a transfer
-- from a source covering both units. registered_at: the date of the latest registration placing it there.
CREATE TABLE officers (
    officer_id    text PRIMARY KEY,
    unit_id       text        NOT NULL,
    registered_at timestamptz NOT NULL,
    event         text        NOT NULL  -- source:event_id of that registration
);
CREATE INDEX officers_unit_idx ON officers (unit_id);

-- Transfers (điều động, luân chuyển): the officer left from_unit for to_unit at (the payload's transferred_at, else
-- occurred_at); the periods before stay with from_unit.
CREATE TABLE officer_transfers (
    id          bigserial PRIMARY KEY,
    officer_id  text        NOT NULL,
    from_unit   text        NOT NULL,
    to_unit     text        NOT NULL,
    at          timestamptz NOT NULL,
    event       text        NOT NULL UNIQUE,
    recorded_at timestamptz NOT NULL
);
CREATE INDEX officer_transfers_officer_idx ON officer_transfers (officer_id, at);

-- Officers registered before this rule: the latest registration (by its date, then arrival) is the home.
INSERT INTO officers (officer_id, unit_id, registered_at, event)
SELECT DISTINCT ON (officer_id) officer_id, unit_id,
       coalesce((envelope -> 'payload' ->> 'transferred_at')::timestamptz, occurred_at), source || ':' || event_id
FROM ledger
WHERE type = 'officer.registered' AND officer_id IS NOT NULL
ORDER BY officer_id, occurred_at DESC, seq DESC;
