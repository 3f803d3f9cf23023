"""Awards' reads of a unit's whole record for a year (members, their records, its lineage) and the units to evaluate."""

from __future__ import annotations

import json

import asyncpg

from schemas.lineage import Reorganization, ancestors, ceased
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


def reorganization_of(r: asyncpg.Record) -> Reorganization:
    """A reorganizations row as the domain's Reorganization."""
    return Reorganization(
        r["event"], r["kind"], tuple(r["predecessors"]), tuple(r["successors"]), r["at"], r["decision_no"]
    )


def _gone_before(unit_id: str, year: int, changes: list[Reorganization]) -> bool:
    """Folded into a successor on or before the year's first instant (the year of the change still shows it, with
    the check that refuses its collective titles)."""
    change = ceased(unit_id, changes)
    return change is not None and folded_into_successor(unit_id, year, changes) and change.at <= year_start(year)


class UnitReads:
    """A unit's year as the rules evaluate it, read from PostgreSQL."""

    conn: asyncpg.Connection

    async def _timelines_of_units(self, units: list[str]) -> dict[str, list[Membership]]:
        """{officer_id: its registrations} of every officer ever registered in one of the units."""
        found: dict[str, list[Membership]] = {}
        for r in await self.conn.fetch(
            "SELECT officer_id, at, event, unit_id, staff_kind, peer_group FROM officer_memberships WHERE officer_id IN"
            " (SELECT officer_id FROM officer_memberships WHERE unit_id = ANY($1::text[]))",
            units,
        ):
            found.setdefault(r["officer_id"], []).append(
                Membership(r["at"], r["event"], r["unit_id"], r["staff_kind"], r["peer_group"])
            )
        return found

    async def reorganizations(self) -> list[Reorganization]:
        """Every accepted reorganization still counting (the resolver needs them all: chains, the earliest ending)."""
        rows = await self.conn.fetch("SELECT * FROM reorganizations ORDER BY at, event")
        return [reorganization_of(r) for r in rows]

    async def load_unit(self, unit_id: str, year: int) -> UnitRecord:
        """The unit and its members for year (those in it, or in a predecessor folded into it, at the year's end) with
        every year of their records, its lineage and the titles of the units it may continue."""
        u = await self.conn.fetchrow("SELECT name, cluster_id FROM units WHERE unit_id = $1", unit_id)
        unit = UnitRecord(unit_id, u["cluster_id"] if u else None, u["name"] if u else unit_id)
        unit.changes = await self.reorganizations()
        # The members' records count where they were sent: under the unit or a predecessor folded into it.
        units = sorted(year_units(unit_id, year, unit.changes) | {unit_id})
        belong = members_for(await self._timelines_of_units(units), unit_id, year, unit.changes)
        names = {
            r["officer_id"]: r["full_name"]
            for r in await self.conn.fetch(
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

        await self._subject_facts(unit, members, units)
        await self._officer_facts(members, units)
        await self._standings(unit, year)
        await self._load_lineage(unit)
        return unit

    async def _subject_facts(self, unit: UnitRecord, members: dict[str, OfficerRecord], units: list[str]) -> None:
        """Ratings, approved titles, registrations and open cases of the unit and its members."""

        def holder(kind: str, subject: str) -> OfficerRecord | UnitRecord | None:
            """The record a row is about: the unit's own (never a predecessor's), else one of its members."""
            return (unit if subject == unit.unit_id else None) if kind == "unit" else members.get(subject)

        for r in await self.conn.fetch(
            "SELECT subject_kind, subject_id, year, level, event FROM ratings"
            " WHERE unit_id = ANY($2::text[]) OR (subject_kind = 'unit' AND subject_id = $1)",
            unit.unit_id,
            units,
        ):
            if (target := holder(r["subject_kind"], r["subject_id"])) is not None:
                target.ratings[r["year"]] = Fact(r["year"], r["level"], r["event"])
        # Only approved titles count: title.awarded evidence, or a nomination the council approved (and not revoked).
        for r in await self.conn.fetch(
            "SELECT t.subject_kind, t.subject_id, t.year, t.title, t.ref FROM titles t"
            " WHERE ((t.subject_kind = 'unit' AND t.subject_id = $1) OR (t.subject_kind = 'officer'"
            " AND t.subject_id = ANY($2::text[]) AND t.unit_id = ANY($3::text[]))) AND NOT EXISTS (SELECT 1"
            " FROM nominations n WHERE n.id = t.ref AND n.status <> 'approved')",
            unit.unit_id,
            list(members),
            units,
        ):
            if (target := holder(r["subject_kind"], r["subject_id"])) is not None:
                target.titles.setdefault(r["year"], {})[r["title"]] = r["ref"]
        for r in await self.conn.fetch(
            "SELECT subject_kind, subject_id, year, titles FROM registrations"
            " WHERE (subject_kind = 'unit' AND subject_id = $1) OR (subject_kind = 'officer'"
            " AND subject_id = ANY($2::text[]) AND unit_id = ANY($3::text[]))",
            unit.unit_id,
            list(members),
            units,
        ):
            if (target := holder(r["subject_kind"], r["subject_id"])) is not None:
                target.registered.setdefault(r["year"], set()).update(r["titles"])
        for r in await self.conn.fetch(
            "SELECT officer_id, unit_id, event, kind, case_key FROM grievances"
            " WHERE unit_id = ANY($1::text[]) AND is_open ORDER BY event",
            units,
        ):
            about = ("officer", r["officer_id"]) if r["officer_id"] else ("unit", r["unit_id"])
            if (target := holder(*about)) is not None:
                # case_key is "source|unit|case_id" (handlers/evidence.py); people read the case id.
                target.open_grievances.append(OpenCase(r["event"], r["kind"], r["case_key"].split("|", 2)[-1]))

    async def _officer_facts(self, members: dict[str, OfficerRecord], units: list[str]) -> None:
        """The members' initiatives, research, scores, evidence ratings and disciplines under the units."""
        for table in ("initiatives", "research"):
            for r in await self.conn.fetch(
                f"SELECT officer_id, year, scope, event FROM {table}"
                " WHERE officer_id = ANY($1::text[]) AND unit_id = ANY($2::text[])",
                list(members),
                units,
            ):
                found = Fact(r["year"], r["scope"], r["event"])
                record = members[r["officer_id"]]
                (record.initiatives if table == "initiatives" else record.research).append(found)
        for r in await self.conn.fetch(
            "SELECT officer_id, year, score FROM officer_scores"
            " WHERE officer_id = ANY($1::text[]) AND unit_id = ANY($2::text[])",
            list(members),
            units,
        ):
            members[r["officer_id"]].scores[r["year"]] = r["score"]
        # Decree 335 evidence ratings (issue 26) count, like HR's, for the unit they were computed for.
        for r in await self.conn.fetch(
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
        for r in await self.conn.fetch(
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

    async def _standings(self, unit: UnitRecord, year: int) -> None:
        """The unit's year standings, its cluster of year, and the leaders of its cluster each year."""
        for r in await self.conn.fetch(
            "SELECT year, rank_in_cluster, band, event, cluster_id FROM standings WHERE unit_id = $1", unit.unit_id
        ):
            unit.standing[r["year"]] = (r["rank_in_cluster"], r["band"], r["event"])
            if r["year"] == year and r["cluster_id"] is not None:
                unit.cluster_id = r["cluster_id"]  # the cluster of the year evaluated (clusters are rebuilt)
        # Ties reach awards as equal ranks (scoring ranks with rank()): every unit ranked 1st in the cluster the unit
        # was ranked in that year (the membership in force at the year's end), whatever cluster either is in today.
        for r in await self.conn.fetch(
            "SELECT s.year, s.unit_id FROM standings s JOIN standings mine ON mine.unit_id = $1 AND mine.year = s.year"
            " AND mine.cluster_id = s.cluster_id WHERE s.rank_in_cluster = 1 ORDER BY s.unit_id",
            unit.unit_id,
        ):
            unit.cluster_leaders.setdefault(r["year"], []).append(r["unit_id"])

    async def _load_lineage(self, unit: UnitRecord) -> None:
        """The names of the units its lineage names, and the approved titles of every unit it may continue (the rule
        file says through which kinds: domain/lineage.py)."""
        if not unit.lineage:
            return
        before = ancestors(unit.unit_id, unit.changes, REORGANIZATION_KINDS)
        named = {u for c in unit.changes for u in (*c.predecessors, *c.successors)}
        for r in await self.conn.fetch(
            "SELECT unit_id, name FROM units WHERE unit_id = ANY($1::text[])", sorted(named)
        ):
            unit.unit_names[r["unit_id"]] = r["name"]
        unit.forebears = {u: Forebear(u, unit.name_of(u)) for u in before}
        for r in await self.conn.fetch(
            "SELECT t.subject_id, t.year, t.title, t.ref FROM titles t WHERE t.subject_kind = 'unit'"
            " AND t.subject_id = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM nominations n"
            " WHERE n.id = t.ref AND n.status <> 'approved')",
            sorted(before),
        ):
            unit.forebears[r["subject_id"]].titles.setdefault(r["year"], {})[r["title"]] = r["ref"]

    async def units_of_year(self, year: int) -> list[str]:
        """Units with anything to evaluate in year: registered units, rated units, units of rated officers; less the
        units merged or renamed into a successor before the year began (their people and year are the successor's)."""
        rows = await self.conn.fetch(
            "SELECT unit_id FROM units UNION SELECT unit_id FROM ratings WHERE year = $1"
            " UNION SELECT unit_id FROM evidence_ratings WHERE year = $1 ORDER BY 1",
            year,
        )
        changes = await self.reorganizations()
        return [r["unit_id"] for r in rows if not _gone_before(r["unit_id"], year, changes)]
