"""What the national portal's door keeps in PostgreSQL: dossiers as last seen, their steps, and the locks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from schemas.dvcqg import Snapshot, Step
from services.evidence.domain.dvcqg import Kept, dump_kept, load_kept
from services.evidence.domain.dvcqg_body import snapshot_body
from services.evidence.store import StoredDossier


async def registered_units(conn: asyncpg.Connection, codes: set[str]) -> set[str]:
    """The codes that are units registered here (bounded like every code: at most 200 characters each)."""
    if not codes:
        return set()
    rows = await conn.fetch(
        "SELECT DISTINCT unit_id FROM ledger WHERE type = 'unit.registered' AND unit_id = ANY($1::text[])",
        sorted(c[:200] for c in codes),
    )
    return {r["unit_id"] for r in rows}


async def lock_dossiers(conn: asyncpg.Connection, source: str, codes: Sequence[str]) -> None:
    """Serialise calls on the same dossiers until the transaction ends (one order: no deadlock)."""
    if codes:
        await conn.execute(
            "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT"
            " hashtextextended('evidence.dvcqg:' || $1 || ':' || c, 0) AS k"
            " FROM unnest($2::text[]) AS c ORDER BY k) AS keys",
            source,
            list(codes),
        )


async def kept_of(conn: asyncpg.Connection, source: str, codes: Sequence[str]) -> dict[str, Kept]:
    """What was kept of each of the source's dossiers named (the diff's base)."""
    rows = await conn.fetch(
        "SELECT dossier_code, kept FROM dvcqg_dossiers WHERE source = $1 AND dossier_code = ANY($2::text[])",
        source,
        list(codes),
    )
    return {r["dossier_code"]: load_kept(json.loads(r["kept"])) for r in rows}


async def steps_of(conn: asyncpg.Connection, source: str, codes: Sequence[str]) -> dict[str, list[Step]]:
    """The steps stored for each of the source's dossiers named, oldest first."""
    rows = await conn.fetch(
        "SELECT dossier_code, acted_at, handler, status FROM dvcqg_steps"
        " WHERE source = $1 AND dossier_code = ANY($2::text[]) ORDER BY acted_at",
        source,
        list(codes),
    )
    out: dict[str, list[Step]] = {}
    for r in rows:
        step = Step.model_validate(
            {
                "MaHoSo": r["dossier_code"],
                "NguoiXuLy": r["handler"],
                "ThoiDiemXuLy": r["acted_at"],
                "TrangThai": r["status"],
            }
        )
        out.setdefault(r["dossier_code"], []).append(step)
    return out


async def store_steps(conn: asyncpg.Connection, source: str, steps: Sequence[Step], now: datetime) -> list[bool]:
    """Insert the steps; for each, whether it is new (a step already stored, or twice in the call, is not)."""
    if not steps:
        return []
    rows = await conn.fetch(
        "INSERT INTO dvcqg_steps (source, dossier_code, acted_at, handler, status, received_at)"
        " SELECT $1, c, a, h, s, $6 FROM unnest($2::text[], $3::timestamptz[], $4::text[], $5::smallint[])"
        " AS x(c, a, h, s) ON CONFLICT DO NOTHING RETURNING dossier_code, acted_at, handler",
        source,
        [s.dossier_code for s in steps],
        [s.acted_at for s in steps],
        [s.handler or "" for s in steps],
        [s.status for s in steps],
        now,
    )
    fresh = {(r["dossier_code"], r["acted_at"], r["handler"]) for r in rows}
    out = []
    for s in steps:
        key = (s.dossier_code, s.acted_at, s.handler or "")
        out.append(key in fresh)
        fresh.discard(key)  # the same step twice in one call: the second is a duplicate
    return out


async def stored_dossiers(conn: asyncpg.Connection, source: str, codes: Sequence[str]) -> list[StoredDossier]:
    """Everything kept of each of the source's dossiers named."""
    rows = await conn.fetch(
        "SELECT dossier_code, unit_id, officer_id, kept, snapshot FROM dvcqg_dossiers"
        " WHERE source = $1 AND dossier_code = ANY($2::text[])",
        source,
        list(codes),
    )
    return [
        StoredDossier(
            r["dossier_code"],
            r["unit_id"],
            r["officer_id"],
            load_kept(json.loads(r["kept"])),
            Snapshot.model_validate(json.loads(r["snapshot"])),
        )
        for r in rows
    ]


async def save_dossier(conn: asyncpg.Connection, source: str, dossier: StoredDossier, now: datetime) -> None:
    """Keep what a snapshot left of a dossier (its unit, last officer, kept state and the snapshot as read)."""
    await conn.execute(
        "INSERT INTO dvcqg_dossiers (source, dossier_code, unit_id, officer_id, kept, snapshot, updated_at)"
        " VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7) ON CONFLICT (source, dossier_code) DO UPDATE SET"
        " unit_id = EXCLUDED.unit_id, officer_id = EXCLUDED.officer_id, kept = EXCLUDED.kept,"
        " snapshot = EXCLUDED.snapshot, updated_at = EXCLUDED.updated_at",
        source,
        dossier.code,
        dossier.unit_id,
        dossier.officer_id,
        json.dumps(dump_kept(dossier.kept), ensure_ascii=False),
        json.dumps(snapshot_body(dossier.snapshot), ensure_ascii=False),
        now,
    )
