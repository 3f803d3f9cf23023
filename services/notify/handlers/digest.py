"""The daily digest: each unit's waiting low-priority items become one notification a (Vietnam) day."""

from datetime import date, datetime

import asyncpg

from schemas.vietnam import VN_TZ
from services.notify.adapters import postgres as pg
from services.notify.config import Settings
from services.notify.domain import templates
from services.notify.domain.rules import Candidate


async def assemble_digests(conn: asyncpg.Connection, *, now: datetime, settings: Settings) -> list[int]:
    """Each unit's waiting low-priority items become one digest notification for the day; return their ids.

    A unit gets at most one digest a (Vietnam) day: items arriving after it wait for the next one.
    """
    day: date = now.astimezone(VN_TZ).date()
    key = f"digest:{day.isoformat()}"
    created: list[int] = []
    for unit_id in await pg.digest_units(conn, until=now, digest_key=key):
        async with conn.transaction():
            items = await pg.lock_digest_items(conn, unit_id, until=now)
            if not items:
                continue
            entry = await pg.unit(conn, unit_id)
            message = templates.digest(
                unit_id=unit_id,
                unit_name=entry["name"] if entry else None,
                day=day,
                items=[(i["title"], i["link"]) for i in items],
                base_url=settings.public_base_url,
            )
            candidate = Candidate(unit_id, key, "digest", "normal", now, message)
            digest_id = await pg.insert_notification(conn, candidate, 1)
            if digest_id is None:
                continue
            await pg.attach_digest(conn, [i["id"] for i in items], digest_id)
            await pg.add_deliveries(conn, digest_id, unit_id)
            created.append(digest_id)
    return created
