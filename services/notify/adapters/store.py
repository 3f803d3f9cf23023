"""The NotifyStore in PostgreSQL: a batch's state read in a few set-based statements and written the same way."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import asyncpg

from services.notify.adapters import postgres as pg
from services.notify.domain.batch import Condition, Decided, Loaded, Needs, Unit
from services.notify.store import Saved
from thidua.runtime import inbox

CONDITION = "c.unit_id, c.condition_key, c.kind, c.last_seen_at, c.occurrences, c.notified_at"


class PostgresNotifyStore:
    """Notify's state on one connection (the consumer's)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        async with self.conn.transaction():
            yield

    async def load(self, inbox_keys: Sequence[str], needs: Needs) -> tuple[set[str], Loaded]:
        conn = self.conn
        fresh = await inbox.claim(conn, list(inbox_keys))
        units = await conn.fetch(
            "SELECT unit_id, name, parent_id FROM units WHERE unit_id = ANY($1::text[])", sorted(needs.units)
        )
        pairs, escalations = sorted(needs.conditions), sorted(needs.escalations)
        # The conditions a batch changes are locked, as one-by-one processing locked each on sight.
        touched = await conn.fetch(
            f"SELECT {CONDITION} FROM conditions c WHERE (c.unit_id, c.condition_key) IN"
            " (SELECT * FROM unnest($1::text[], $2::text[])) OR (c.unit_id, c.condition_key) IN"
            " (SELECT u.parent_id, e.key FROM unnest($3::text[], $4::text[]) AS e (child, key)"
            "  JOIN units u ON u.unit_id = e.child) FOR UPDATE",
            [u for u, _ in pairs],
            [k for _, k in pairs],
            [u for u, _ in escalations],
            [k for _, k in escalations],
        )
        overdue = sorted(needs.overdue.items())
        recent = await conn.fetch(
            f"SELECT {CONDITION} FROM conditions c JOIN unnest($1::text[], $2::text[], $3::timestamptz[])"
            " AS o (unit_id, kind, since) ON c.unit_id = o.unit_id AND c.kind = o.kind AND c.last_seen_at > o.since",
            [u for (u, _), _ in overdue],
            [k for (_, k), _ in overdue],
            [since for _, since in overdue],
        )
        conditions = {(r["unit_id"], r["condition_key"]): Condition(*r.values()) for r in [*recent, *touched]}
        directory = {r["unit_id"]: Unit(r["unit_id"], r["name"], r["parent_id"]) for r in units}
        return fresh, Loaded(directory, conditions)

    async def save(self, decided: Decided) -> Saved:
        await self._conditions(decided)
        await self._digest(decided)
        return await self._notifications(decided)

    async def _conditions(self, decided: Decided) -> None:
        seen = list(decided.seen.values())
        if not seen:
            return
        # seen and damped are added (sightings of this batch); occurrences and notified_at are the locked row's
        # state after the batch.
        await self.conn.execute(
            "INSERT INTO conditions AS k (unit_id, condition_key, kind, first_seen_at, last_seen_at, seen,"
            " occurrences, notified_at, damped) SELECT * FROM unnest($1::text[], $2::text[], $3::text[],"
            " $4::timestamptz[], $5::timestamptz[], $6::int[], $7::int[], $8::timestamptz[], $9::int[])"
            " ON CONFLICT (unit_id, condition_key) DO UPDATE"
            " SET last_seen_at = greatest(k.last_seen_at, EXCLUDED.last_seen_at), seen = k.seen + EXCLUDED.seen,"
            " occurrences = EXCLUDED.occurrences, notified_at = EXCLUDED.notified_at,"
            " damped = k.damped + EXCLUDED.damped",
            [s.condition.unit_id for s in seen],
            [s.condition.condition_key for s in seen],
            [s.condition.kind for s in seen],
            [s.first_seen_at for s in seen],
            [s.condition.last_seen_at for s in seen],
            [s.sightings for s in seen],
            [s.condition.occurrences for s in seen],
            [s.condition.notified_at for s in seen],
            [s.damped for s in seen],
        )

    async def _digest(self, decided: Decided) -> None:
        for candidate, occurrence in decided.digest:
            await pg.insert_digest_item(self.conn, candidate, occurrence)

    async def _notifications(self, decided: Decided) -> Saved:
        if not decided.notifications:
            return Saved([], 0)
        items = decided.notifications
        inserted = await self.conn.fetch(
            "INSERT INTO notifications (unit_id, condition_key, occurrence, kind, priority, title, body, link, data)"
            " SELECT u, k, o, kd, p, t, b, l, d::jsonb FROM unnest($1::text[], $2::text[], $3::int[], $4::text[],"
            " $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) WITH ORDINALITY"
            " AS x (u, k, o, kd, p, t, b, l, d, ord) ORDER BY ord ON CONFLICT DO NOTHING RETURNING id, unit_id, kind",
            [c.unit_id for c, _ in items],
            [c.condition_key for c, _ in items],
            [occurrence for _, occurrence in items],
            [c.kind for c, _ in items],
            [c.priority for c, _ in items],
            [c.message.title for c, _ in items],
            [c.message.body for c, _ in items],
            [c.message.link for c, _ in items],
            [json.dumps(dict(c.message.data), ensure_ascii=False, default=str) for c, _ in items],
        )
        ordered = sorted(inserted, key=lambda r: r["id"])
        pushed = await self.conn.fetch(
            "INSERT INTO deliveries (notification_id, unit_id, channel, target)"
            " SELECT n.id, n.unit_id, ch.channel, ch.target FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY"
            " AS n (id, unit_id, ord) JOIN channels c ON c.unit_id = n.unit_id,"
            " LATERAL (VALUES ('webhook', c.webhook_url), ('email', c.email)"
            " UNION ALL SELECT key, value FROM jsonb_each_text(c.addresses)) AS ch (channel, target)"
            " WHERE ch.target IS NOT NULL ORDER BY n.ord ON CONFLICT DO NOTHING RETURNING id",
            [r["id"] for r in ordered],
            [r["unit_id"] for r in ordered],
        )
        return Saved([r["kind"] for r in ordered], len(pushed))

    async def record_units(self, rows: Sequence[tuple[str, str, str | None]]) -> None:
        await pg.upsert_units(self.conn, rows)
