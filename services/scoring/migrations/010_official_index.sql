-- Reconciliation with the official Decision 766 index (issue 25): an office imports the national portal's published
-- results of its units for a period (PUT /v1/periods/{period}/official-index); a new import of a period replaces the
-- previous one. The unit is resolved at import (a unit id, or a unit's administrative code as the portal gives it).
CREATE TABLE official_imports (
    period       text PRIMARY KEY,
    file_name    text,
    imported_at  timestamptz NOT NULL,
    imported_by  text        NOT NULL,  -- role:unit of the token that imported it
    rows         integer     NOT NULL
);
CREATE TABLE official_index (
    period  text             NOT NULL REFERENCES official_imports (period) ON DELETE CASCADE,
    unit_id text             NOT NULL,
    given   text             NOT NULL,  -- the unit code as the file gave it
    total   double precision NOT NULL,
    groups  jsonb            NOT NULL,  -- {group code of the rulebook's [index.groups]: points}
    PRIMARY KEY (period, unit_id)
);

-- The unit's administrative code (mã đơn vị hành chính, unit.registered's admin_code), by which the portal's files may
-- name it; filled from the next registration of each unit.
ALTER TABLE units ADD COLUMN admin_code text;
CREATE INDEX units_admin_code_idx ON units (admin_code);
