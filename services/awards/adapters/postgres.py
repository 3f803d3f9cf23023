"""Awards' writes, and the reads its use cases need (a unit's whole record, its nominations, locked)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg

from schemas.lineage import Reorganization, ancestors, ceased
from schemas.outputs import OfficerRating
from services.awards.domain.lineage import touched_by
from services.awards.domain.memberships import Membership, folded_into_successor, members_for, year_start, year_units
from services.awards.domain.records import (
    Discipline,
    EvidenceRating,
    Fact,
    Forebear,
    OfficerRecord,
    OpenCase,
    UnitRecord,
)
from services.awards.domain.rulebook import REORGANIZATION_KINDS


async def upsert_unit(
    conn: asyncpg.Connection, unit_id: str, name: str, cluster: str | None, parent: str | None, at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO units VALUES ($1, $2, $3, $4, $5) ON CONFLICT (unit_id) DO UPDATE SET"
        " name = EXCLUDED.name, cluster_id = EXCLUDED.cluster_id, parent_id = EXCLUDED.parent_id,"
        " occurred_at = EXCLUDED.occurred_at WHERE units.occurred_at <= EXCLUDED.occurred_at",
        unit_id,
        name,
        cluster,
        parent,
        at,
    )


async def upsert_officer(
    conn: asyncpg.Connection,
    officer_id: str,
    unit_id: str,
    name: str,
    at: datetime,
    staff_kind: str = "other",
    peer_group: str | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO officers (officer_id, unit_id, full_name, occurred_at, staff_kind, peer_group)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (officer_id) DO UPDATE SET"
        " unit_id = EXCLUDED.unit_id, full_name = EXCLUDED.full_name, occurred_at = EXCLUDED.occurred_at,"
        " staff_kind = EXCLUDED.staff_kind, peer_group = EXCLUDED.peer_group"
        " WHERE officers.occurred_at <= EXCLUDED.occurred_at",
        officer_id,
        unit_id,
        name,
        at,
        staff_kind,
        peer_group,
    )


async def add_membership(conn: asyncpg.Connection, m: Membership, officer_id: str) -> None:
    """Keep a registration with its date (a repeated one changes nothing)."""
    await conn.execute(
        "INSERT INTO officer_memberships (event, officer_id, unit_id, at, staff_kind, peer_group)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event) DO NOTHING",
        m.event,
        officer_id,
        m.unit_id,
        m.at,
        m.staff_kind,
        m.peer_group,
    )


async def timeline(conn: asyncpg.Connection, officer_id: str) -> list[Membership]:
    """An officer's registrations, locked (two batches moving the same officer judge one after the other)."""
    rows = await conn.fetch(
        "SELECT at, event, unit_id, staff_kind, peer_group FROM officer_memberships WHERE officer_id = $1"
        " ORDER BY at, event FOR UPDATE",
        officer_id,
    )
    return [Membership(r["at"], r["event"], r["unit_id"], r["staff_kind"], r["peer_group"]) for r in rows]


async def _timelines_of_units(conn: asyncpg.Connection, units: list[str]) -> dict[str, list[Membership]]:
    """{officer_id: its registrations} of every officer ever registered in one of the units."""
    found: dict[str, list[Membership]] = {}
    for r in await conn.fetch(
        "SELECT officer_id, at, event, unit_id, staff_kind, peer_group FROM officer_memberships WHERE officer_id IN"
        " (SELECT officer_id FROM officer_memberships WHERE unit_id = ANY($1::text[]))",
        units,
    ):
        found.setdefault(r["officer_id"], []).append(
            Membership(r["at"], r["event"], r["unit_id"], r["staff_kind"], r["peer_group"])
        )
    return found


async def upsert_rating(
    conn: asyncpg.Connection, kind: str, subject: str, unit: str, year: int, level: str, event: str, at: datetime
) -> None:
    """Record a rating decision in the history; the latest ARRIVED decision for the subject and year counts (a
    correction supersedes by its issue order, even when back-dated)."""
    await conn.execute(
        "INSERT INTO rating_history (event, subject_kind, subject_id, unit_id, year, level, occurred_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event) DO NOTHING",
        event,
        kind,
        subject,
        unit,
        year,
        level,
        at,
    )
    await _current_rating(conn, kind, subject, unit, year)


async def _current_rating(conn: asyncpg.Connection, kind: str, subject: str, unit: str, year: int) -> None:
    """Make ratings hold the subject's latest arrived rating of year still in the history (none: no rating).

    An officer's ratings count per unit they were sent under: one unit's decision never replaces another's."""
    scope = unit if kind == "officer" else None
    latest = await conn.fetchrow(
        "SELECT * FROM rating_history WHERE subject_kind = $1 AND subject_id = $2 AND year = $4"
        " AND ($3::text IS NULL OR unit_id = $3) ORDER BY seq DESC LIMIT 1",
        kind,
        subject,
        scope,
        year,
    )
    await conn.execute(
        "DELETE FROM ratings WHERE subject_kind = $1 AND subject_id = $2 AND year = $4"
        " AND ($3::text IS NULL OR unit_id = $3)",
        kind,
        subject,
        scope,
        year,
    )
    if latest is None:
        return
    await conn.execute(
        "INSERT INTO ratings VALUES ($1, $2, $3, $4, $5, $6, $7)",
        kind,
        subject,
        latest["unit_id"],
        year,
        latest["level"],
        latest["event"],
        latest["occurred_at"],
    )


async def add_title(
    conn: asyncpg.Connection, kind: str, subject: str, unit: str, year: int, title: str, ref: str
) -> None:
    """A title held by the subject, given under unit (the envelope's unit, or the nomination's)."""
    await conn.execute(
        "INSERT INTO titles (subject_kind, subject_id, unit_id, year, title, ref) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT DO NOTHING",
        kind,
        subject,
        unit,
        year,
        title,
        ref,
    )


async def add_row(conn: asyncpg.Connection, table: str, values: tuple[Any, ...]) -> None:
    """Insert into initiatives, research or disciplines (keyed by event; a repeat is ignored)."""
    assert table in ("initiatives", "research", "disciplines")
    marks = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    await conn.execute(f"INSERT INTO {table} VALUES ({marks}) ON CONFLICT DO NOTHING", *values)


async def add_discipline(
    conn: asyncpg.Connection,
    event: str,
    officer: str,
    unit: str,
    year: int,
    form: str,
    facts: tuple[datetime, datetime | None, bool | None, datetime | None],
) -> None:
    """Record a discipline under its counted year with its facts (decided_at, violation_at, duty_related,
    effective_until); a repeat is ignored."""
    await conn.execute(
        "INSERT INTO disciplines (event, officer_id, unit_id, year, form, decided_at, violation_at, duty_related,"
        " effective_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
        event,
        officer,
        unit,
        year,
        form,
        *facts,
    )


async def set_grievance(
    conn: asyncpg.Connection,
    key: str,
    unit: str,
    officer: str | None,
    is_open: bool,
    substantiated: bool | None,
    event: str,
    at: datetime,
    kind: str | None = None,
) -> asyncpg.Record | None:
    """The latest event of a case decides whether it is open (its kind kept from the opening when the closing does
    not say); return the row when this event is the latest."""
    return await conn.fetchrow(
        "INSERT INTO grievances (case_key, unit_id, officer_id, is_open, substantiated, event, occurred_at,"
        " opened_event, opened_at, kind) VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $4 THEN $6 END,"
        " CASE WHEN $4 THEN $7::timestamptz END, $8) ON CONFLICT (case_key) DO UPDATE"
        " SET is_open = EXCLUDED.is_open, substantiated = EXCLUDED.substantiated, event = EXCLUDED.event,"
        " occurred_at = EXCLUDED.occurred_at, opened_event = coalesce(EXCLUDED.opened_event, grievances.opened_event),"
        " opened_at = coalesce(EXCLUDED.opened_at, grievances.opened_at),"
        " kind = coalesce(EXCLUDED.kind, grievances.kind)"
        " WHERE grievances.occurred_at <= EXCLUDED.occurred_at RETURNING *",
        key,
        unit,
        officer,
        is_open,
        substantiated,
        event,
        at,
        kind,
    )


async def add_registration(
    conn: asyncpg.Connection, event: str, kind: str, subject: str, unit: str, year: int, titles: list[str]
) -> None:
    """Record an emulation registration (đăng ký thi đua); a repeat is ignored."""
    await conn.execute(
        "INSERT INTO registrations VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        event,
        kind,
        subject,
        unit,
        year,
        titles,
    )


async def set_officer_score(
    conn: asyncpg.Connection, officer: str, unit: str, year: int, score: float, event: str, at: datetime
) -> None:
    """Keep the latest evidence-based score of an officer for a year, with the unit scoring scored it in."""
    await conn.execute(
        "INSERT INTO officer_scores (officer_id, year, score, event, occurred_at, unit_id)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (officer_id, year)"
        " DO UPDATE SET score = EXCLUDED.score, event = EXCLUDED.event, occurred_at = EXCLUDED.occurred_at,"
        " unit_id = EXCLUDED.unit_id WHERE officer_scores.occurred_at <= EXCLUDED.occurred_at",
        officer,
        year,
        score,
        event,
        at,
        unit,
    )


async def set_evidence_rating(conn: asyncpg.Connection, r: OfficerRating, key: str) -> set[tuple[str, int | None]]:
    """Keep the latest evidence rating (ratings.v1) of an officer and year (by occurred_at, then event id); return
    the (unit, year) it changes: its unit and, when it moved, the unit it was computed for before (none if older)."""
    before = await conn.fetchval(
        "SELECT unit_id FROM evidence_ratings WHERE officer_id = $1 AND year = $2", r.officer_id, r.year
    )
    stored = await conn.fetchval(
        "INSERT INTO evidence_ratings (officer_id, year, unit_id, score, level, periods, not_complete, rule_version,"
        " event, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10) ON CONFLICT (officer_id, year)"
        " DO UPDATE SET unit_id = EXCLUDED.unit_id, score = EXCLUDED.score, level = EXCLUDED.level,"
        " periods = EXCLUDED.periods, not_complete = EXCLUDED.not_complete, rule_version = EXCLUDED.rule_version,"
        " event = EXCLUDED.event, occurred_at = EXCLUDED.occurred_at"
        " WHERE (evidence_ratings.occurred_at, evidence_ratings.event) < (EXCLUDED.occurred_at, EXCLUDED.event)"
        " RETURNING event",
        r.officer_id,
        r.year,
        r.unit_id,
        r.score,
        r.level,
        r.periods,
        json.dumps(r.not_complete, ensure_ascii=False),
        r.rule_version,
        key,
        r.occurred_at,
    )
    if stored is None:
        return set()
    return {(r.unit_id, r.year)} | ({(before, r.year)} if before is not None else set())


async def remove_title(conn: asyncpg.Connection, ref: str) -> None:
    """A revoked nomination's title no longer counts."""
    await conn.execute("DELETE FROM titles WHERE ref = $1", ref)


async def subject_nominations(
    conn: asyncpg.Connection, kind: str, subject: str, unit: str, statuses: tuple[str, ...], years: tuple[int, int]
) -> list[asyncpg.Record]:
    """The subject's nominations under unit in the given statuses and years (inclusive), locked."""
    return await conn.fetch(
        "SELECT * FROM nominations WHERE subject_kind = $1 AND subject_id = $2 AND unit_id = $6"
        " AND status = ANY($3::text[]) AND year BETWEEN $4 AND $5 ORDER BY id FOR UPDATE",
        kind,
        subject,
        list(statuses),
        years[0],
        years[1],
        unit,
    )


async def forget_event(conn: asyncpg.Connection, event: str) -> list[tuple[str, int | None]]:
    """A retraction: remove what the event recorded; return the (unit, year) it touched."""
    touched: list[tuple[str, int | None]] = []
    # A rating leaves the history; the one before it (if any) counts again.
    for r in await conn.fetch(
        "DELETE FROM rating_history WHERE event = $1 RETURNING subject_kind, subject_id, unit_id, year", event
    ):
        await _current_rating(conn, r["subject_kind"], r["subject_id"], r["unit_id"], r["year"])
        touched.append((r["unit_id"], r["year"]))
    for table in ("ratings", "initiatives", "research", "disciplines", "registrations"):
        rows = await conn.fetch(f"DELETE FROM {table} WHERE event = $1 RETURNING unit_id, year", event)
        touched += [(r["unit_id"], r["year"]) for r in rows]
    rows = await conn.fetch("DELETE FROM titles WHERE ref = $1 RETURNING year, unit_id", event)
    touched += [(r["unit_id"], r["year"]) for r in rows if r["unit_id"]]
    # The event that closed a case: the case is open again, as its opening left it (and holds again).
    rows = await conn.fetch(
        "UPDATE grievances SET is_open = true, substantiated = NULL, event = opened_event, occurred_at = opened_at"
        " WHERE event = $1 AND NOT is_open AND opened_event IS NOT NULL AND opened_event <> $1 RETURNING unit_id",
        event,
    )
    touched += [(r["unit_id"], None) for r in rows]
    rows = await conn.fetch("DELETE FROM grievances WHERE event = $1 RETURNING unit_id", event)
    touched += [(r["unit_id"], None) for r in rows]
    for r in await conn.fetch("DELETE FROM reorganizations WHERE event = $1 RETURNING *", event):
        touched += sorted(touched_by(_reorganization(r)), key=str)
    return touched


def _reorganization(r: asyncpg.Record) -> Reorganization:
    return Reorganization(
        r["event"], r["kind"], tuple(r["predecessors"]), tuple(r["successors"]), r["at"], r["decision_no"]
    )


async def add_reorganization(conn: asyncpg.Connection, change: Reorganization, unit_id: str) -> None:
    """Keep an accepted unit.reorganized (a repeated one changes nothing)."""
    await conn.execute(
        "INSERT INTO reorganizations (event, unit_id, kind, predecessors, successors, at, decision_no)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event) DO NOTHING",
        change.event,
        unit_id,
        change.kind,
        list(change.predecessors),
        list(change.successors),
        change.at,
        change.decision_no,
    )


async def reorganizations(conn: asyncpg.Connection) -> list[Reorganization]:
    """Every accepted reorganization still counting (the resolver needs them all: chains, the earliest ending)."""
    rows = await conn.fetch("SELECT * FROM reorganizations ORDER BY at, event")
    return [_reorganization(r) for r in rows]


async def set_standing(
    conn: asyncpg.Connection,
    unit: str,
    year: int,
    rank: int | None,
    band: str,
    score: float,
    event: str,
    at: datetime,
    cluster: str | None = None,
) -> None:
    """Keep the unit's latest year standing, with the cluster it is ranked in for that year."""
    await conn.execute(
        "INSERT INTO standings (unit_id, year, rank_in_cluster, band, score, event, occurred_at, cluster_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (unit_id, year)"
        " DO UPDATE SET rank_in_cluster = EXCLUDED.rank_in_cluster, band = EXCLUDED.band,"
        " score = EXCLUDED.score, event = EXCLUDED.event, occurred_at = EXCLUDED.occurred_at,"
        " cluster_id = EXCLUDED.cluster_id WHERE standings.occurred_at <= EXCLUDED.occurred_at",
        unit,
        year,
        rank,
        band,
        score,
        event,
        at,
        cluster,
    )


async def load_unit(conn: asyncpg.Connection, unit_id: str, year: int) -> UnitRecord:
    """The unit and its members for year (those in it, or in a predecessor folded into it, at the year's end) with
    every year of their records, its lineage and the titles of the units it may continue."""
    u = await conn.fetchrow("SELECT name, cluster_id FROM units WHERE unit_id = $1", unit_id)
    unit = UnitRecord(unit_id, u["cluster_id"] if u else None, u["name"] if u else unit_id)
    unit.changes = await reorganizations(conn)
    # The members' records count where they were sent: under the unit or a predecessor folded into it.
    units = sorted(year_units(unit_id, year, unit.changes) | {unit_id})
    belong = members_for(await _timelines_of_units(conn, units), unit_id, year, unit.changes)
    names = {
        r["officer_id"]: r["full_name"]
        for r in await conn.fetch(
            "SELECT officer_id, full_name FROM officers WHERE officer_id = ANY($1::text[])", list(belong)
        )
    }
    members = {
        officer: OfficerRecord(
            officer, unit_id, names.get(officer, ""), staff_kind=m.staff_kind, peer_group=m.peer_group
        )
        for officer, m in belong.items()
    }
    unit.members = list(members.values())

    def holder(kind: str, subject: str) -> OfficerRecord | UnitRecord | None:
        """The record a row is about: the unit's own (never a predecessor's), else one of its members."""
        return (unit if subject == unit_id else None) if kind == "unit" else members.get(subject)

    for r in await conn.fetch(
        "SELECT subject_kind, subject_id, year, level, event FROM ratings"
        " WHERE unit_id = ANY($2::text[]) OR (subject_kind = 'unit' AND subject_id = $1)",
        unit_id,
        units,
    ):
        if (target := holder(r["subject_kind"], r["subject_id"])) is not None:
            target.ratings[r["year"]] = Fact(r["year"], r["level"], r["event"])
    # Only approved titles count: title.awarded evidence, or a nomination the council approved (and not revoked).
    for r in await conn.fetch(
        "SELECT t.subject_kind, t.subject_id, t.year, t.title, t.ref FROM titles t"
        " WHERE ((t.subject_kind = 'unit' AND t.subject_id = $1) OR (t.subject_kind = 'officer'"
        " AND t.subject_id = ANY($2::text[]) AND t.unit_id = ANY($3::text[]))) AND NOT EXISTS (SELECT 1"
        " FROM nominations n WHERE n.id = t.ref AND n.status <> 'approved')",
        unit_id,
        list(members),
        units,
    ):
        if (target := holder(r["subject_kind"], r["subject_id"])) is not None:
            target.titles.setdefault(r["year"], {})[r["title"]] = r["ref"]
    for table in ("initiatives", "research"):
        for r in await conn.fetch(
            f"SELECT officer_id, year, scope, event FROM {table}"
            " WHERE officer_id = ANY($1::text[]) AND unit_id = ANY($2::text[])",
            list(members),
            units,
        ):
            found = Fact(r["year"], r["scope"], r["event"])
            record = members[r["officer_id"]]
            (record.initiatives if table == "initiatives" else record.research).append(found)
    for r in await conn.fetch(
        "SELECT officer_id, year, score FROM officer_scores"
        " WHERE officer_id = ANY($1::text[]) AND unit_id = ANY($2::text[])",
        list(members),
        units,
    ):
        members[r["officer_id"]].scores[r["year"]] = r["score"]
    # Decree 335 evidence ratings (issue 26) count, like HR's, for the unit they were computed for.
    for r in await conn.fetch(
        "SELECT officer_id, year, level, event, score, periods, not_complete, rule_version FROM evidence_ratings"
        " WHERE officer_id = ANY($1::text[]) AND unit_id = ANY($2::text[])",
        list(members),
        units,
    ):
        members[r["officer_id"]].evidence_ratings[r["year"]] = EvidenceRating(
            r["year"],
            r["level"],
            r["event"],
            r["score"],
            r["periods"],
            tuple(json.loads(r["not_complete"])),
            r["rule_version"],
        )
    for r in await conn.fetch(
        "SELECT subject_kind, subject_id, year, titles FROM registrations"
        " WHERE (subject_kind = 'unit' AND subject_id = $1) OR (subject_kind = 'officer'"
        " AND subject_id = ANY($2::text[]) AND unit_id = ANY($3::text[]))",
        unit_id,
        list(members),
        units,
    ):
        if (target := holder(r["subject_kind"], r["subject_id"])) is not None:
            target.registered.setdefault(r["year"], set()).update(r["titles"])
    for r in await conn.fetch(
        "SELECT officer_id, year, form, event, decided_at, violation_at, duty_related, effective_until"
        " FROM disciplines WHERE officer_id = ANY($1::text[]) AND unit_id = ANY($2::text[]) ORDER BY event",
        list(members),
        units,
    ):
        members[r["officer_id"]].disciplines.append(
            Discipline(
                r["year"],
                r["form"],
                r["event"],
                r["decided_at"],
                r["violation_at"],
                r["duty_related"],
                r["effective_until"],
            )
        )
    for r in await conn.fetch(
        "SELECT officer_id, unit_id, event, kind, case_key FROM grievances"
        " WHERE unit_id = ANY($1::text[]) AND is_open ORDER BY event",
        units,
    ):
        about = ("officer", r["officer_id"]) if r["officer_id"] else ("unit", r["unit_id"])
        if (target := holder(*about)) is not None:
            # case_key is "source|unit|case_id" (handlers/evidence.py); people read the case id.
            target.open_grievances.append(OpenCase(r["event"], r["kind"], r["case_key"].split("|", 2)[-1]))
    for r in await conn.fetch(
        "SELECT year, rank_in_cluster, band, event, cluster_id FROM standings WHERE unit_id = $1", unit_id
    ):
        unit.standing[r["year"]] = (r["rank_in_cluster"], r["band"], r["event"])
        if r["year"] == year and r["cluster_id"] is not None:
            unit.cluster_id = r["cluster_id"]  # the cluster of the year evaluated (clusters are rebuilt)
    # Ties reach awards as equal ranks (scoring ranks with rank()): every unit ranked 1st in the cluster the unit was
    # ranked in that year (the membership in force at the year's end), whatever cluster either is in today.
    for r in await conn.fetch(
        "SELECT s.year, s.unit_id FROM standings s JOIN standings mine ON mine.unit_id = $1 AND mine.year = s.year"
        " AND mine.cluster_id = s.cluster_id WHERE s.rank_in_cluster = 1 ORDER BY s.unit_id",
        unit_id,
    ):
        unit.cluster_leaders.setdefault(r["year"], []).append(r["unit_id"])
    await _load_lineage(conn, unit)
    return unit


async def _load_lineage(conn: asyncpg.Connection, unit: UnitRecord) -> None:
    """The names of the units its lineage names, and the approved titles of every unit it may continue (the rule
    file says through which kinds: domain/lineage.py)."""
    if not unit.lineage:
        return
    before = ancestors(unit.unit_id, unit.changes, REORGANIZATION_KINDS)
    named = {u for c in unit.changes for u in (*c.predecessors, *c.successors)}
    for r in await conn.fetch("SELECT unit_id, name FROM units WHERE unit_id = ANY($1::text[])", sorted(named)):
        unit.unit_names[r["unit_id"]] = r["name"]
    unit.forebears = {u: Forebear(u, unit.name_of(u)) for u in before}
    for r in await conn.fetch(
        "SELECT t.subject_id, t.year, t.title, t.ref FROM titles t WHERE t.subject_kind = 'unit'"
        " AND t.subject_id = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM nominations n"
        " WHERE n.id = t.ref AND n.status <> 'approved')",
        sorted(before),
    ):
        unit.forebears[r["subject_id"]].titles.setdefault(r["year"], {})[r["title"]] = r["ref"]


async def units_of_year(conn: asyncpg.Connection, year: int) -> list[str]:
    """Units with anything to evaluate in year: registered units, rated units, units of rated officers; less the
    units merged or renamed into a successor before the year began (their people and year are the successor's)."""
    rows = await conn.fetch(
        "SELECT unit_id FROM units UNION SELECT unit_id FROM ratings WHERE year = $1"
        " UNION SELECT unit_id FROM evidence_ratings WHERE year = $1 ORDER BY 1",
        year,
    )
    changes = await reorganizations(conn)
    return [r["unit_id"] for r in rows if not _gone_before(r["unit_id"], year, changes)]


def _gone_before(unit_id: str, year: int, changes: list[Reorganization]) -> bool:
    """Folded into a successor on or before the year's first instant (the year of the change still shows it, with
    the check that refuses its collective titles)."""
    change = ceased(unit_id, changes)
    return change is not None and folded_into_successor(unit_id, year, changes) and change.at <= year_start(year)


async def closed_year(conn: asyncpg.Connection, year: int) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT year, closed_at, rule_version FROM closed_years WHERE year = $1", year)


async def nominations_of(conn: asyncpg.Connection, unit_id: str, year: int) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch("SELECT * FROM nominations WHERE (unit_id = $1) AND year = $2 FOR UPDATE", unit_id, year)
    return {r["id"]: r for r in rows}


async def create_nomination(conn: asyncpg.Connection, row: dict[str, Any], now: datetime) -> bool:
    """Insert a nomination in row["status"] (held_from and reason optional); False when it already exists."""
    created = await conn.fetchval(
        "INSERT INTO nominations (id, title, year, subject_kind, subject_id, unit_id, status, cash_multiple,"
        " rule_version, criteria, evidence_ids, created_at, updated_at, held_from, reason, rating_basis) VALUES ($1,"
        " $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12, $12, $13, $14, $15) ON CONFLICT DO NOTHING"
        " RETURNING id",
        row["id"],
        row["title"],
        row["year"],
        row["subject_kind"],
        row["subject_id"],
        row["unit_id"],
        row["status"],
        row["cash_multiple"],
        row["rule_version"],
        json.dumps(row["criteria"], ensure_ascii=False),
        json.dumps(row["evidence_ids"]),
        now,
        row.get("held_from"),
        row.get("reason"),
        row.get("rating_basis"),
    )
    return created is not None


async def set_status(
    conn: asyncpg.Connection,
    nomination_id: str,
    status: str,
    reason: str,
    now: datetime,
    votes: dict[str, int] | None = None,
    held_from: str | None = None,
    evidence_ids: list[str] | None = None,
    criteria: list[dict[str, Any]] | None = None,
) -> None:
    """Move a nomination to status (held_from kept only while on hold; evidence and criteria replaced when given)."""
    await conn.execute(
        "UPDATE nominations SET status = $2, reason = $3, updated_at = $4,"
        " votes = coalesce($5::jsonb, votes), held_from = $6,"
        " evidence_ids = coalesce($7::jsonb, evidence_ids), criteria = coalesce($8::jsonb, criteria)"
        " WHERE id = $1",
        nomination_id,
        status,
        reason,
        now,
        json.dumps(votes) if votes is not None else None,
        held_from,
        json.dumps(evidence_ids) if evidence_ids is not None else None,
        json.dumps(criteria, ensure_ascii=False) if criteria is not None else None,
    )


async def audit(
    conn: asyncpg.Connection, nomination_id: str, before: str | None, after: str, reason: str, actor: str, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO audit (nomination_id, from_status, to_status, reason, actor, at) VALUES ($1, $2, $3, $4, $5, $6)",
        nomination_id,
        before,
        after,
        reason,
        actor,
        now,
    )


async def closed_years(conn: asyncpg.Connection) -> set[int]:
    """Every year closed so far."""
    return {r["year"] for r in await conn.fetch("SELECT year FROM closed_years")}


async def mark_closed(conn: asyncpg.Connection, year: int, now: datetime, rule_version: str) -> None:
    """Record that year was closed (the first close counts; closing again changes nothing)."""
    await conn.execute("INSERT INTO closed_years VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", year, now, rule_version)


async def lock_nomination(conn: asyncpg.Connection, nomination_id: str) -> asyncpg.Record | None:
    """The nomination, locked for a decision; None when there is no such nomination."""
    return await conn.fetchrow("SELECT * FROM nominations WHERE id = $1 FOR UPDATE", nomination_id)


async def nomination(conn: asyncpg.Connection, nomination_id: str) -> asyncpg.Record | None:
    """The nomination as it now stands (after a write in the same transaction)."""
    return await conn.fetchrow("SELECT * FROM nominations WHERE id = $1", nomination_id)


async def signal_state(conn: asyncpg.Connection, unit_id: str, year: int, title: str) -> str | None:
    """The last award signal sent for the unit, year and title (on_track, at_risk), or None."""
    state: str | None = await conn.fetchval(
        "SELECT state FROM signals WHERE unit_id = $1 AND year = $2 AND title = $3", unit_id, year, title
    )
    return state


async def set_signal_state(conn: asyncpg.Connection, unit_id: str, year: int, title: str, state: str) -> None:
    """Remember the award signal just sent, so only transitions are sent."""
    await conn.execute(
        "INSERT INTO signals VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (unit_id, year, title) DO UPDATE SET state = EXCLUDED.state",
        unit_id,
        year,
        title,
        state,
    )
