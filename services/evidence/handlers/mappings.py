"""Operator use cases: keep a source's unit-code and upstream-user mappings for the national portal's door (the
admin API and `thidua source map-unit|map-officer|mappings` share them)."""

from __future__ import annotations

import logging
import re
from typing import Any

import asyncpg

from schemas.common import SOURCE_PATTERN
from schemas.errors import FieldError
from services.evidence.adapters.store import PostgresEvidenceStore
from services.evidence.config import MIGRATIONS
from services.evidence.domain import mappings as rules
from services.evidence.domain.principal import SourceScope
from services.evidence.store import EvidenceStore, Kind, Mapping
from thidua.runtime.db import create_pool, prepare_schema

log = logging.getLogger(__name__)
_SOURCE = re.compile(SOURCE_PATTERN)

# The words of each kind in answers: the upstream name's field and ours.
FIELDS: dict[Kind, tuple[str, str]] = {"unit": ("code", "unit_id"), "officer": ("username", "officer_id")}


class MappingRefused(ValueError):
    """A mapping the operator may not make, with the HTTP status it is answered with and the field at fault (a
    ValueError: the command line, which never imports a service, prints it as it is)."""

    def __init__(self, status: int, error: str, problem: FieldError) -> None:
        super().__init__(f"{error}: {problem.field}: {problem.message}")
        self.status = status
        self.error = error
        self.problem = problem


async def _scope(store: EvidenceStore, source: str) -> SourceScope:
    # A name no source may have is not looked up (nor sent to PostgreSQL, which refuses some characters).
    units = await store.source_units(source) if _SOURCE.fullmatch(source) else None
    if units is None:
        raise MappingRefused(
            404,
            "no such source",
            FieldError(field="source", message=f"{source[:80]!r} is not registered (thidua source add)"),
        )
    return SourceScope(source, frozenset(units))


def _checked(problem: FieldError | None) -> None:
    if problem is not None:
        raise MappingRefused(422, "mapping refused", problem)


def _row(kind: Kind, source: str, found: Mapping) -> dict[str, Any]:
    upstream, target = FIELDS[kind]
    return {
        "source": source,
        upstream: found.upstream,
        target: found.target,
        "created_at": found.created_at.isoformat(),
    }


async def put_mapping(store: EvidenceStore, kind: Kind, source: str, name: str, value: str) -> dict[str, Any]:
    """Map a source's upstream unit code (kind "unit") or user name ("officer") to our unit or officer; the mapping
    with `replaced` (what it meant before, or None). Refused: an unknown source (404), a bad name or a target the
    source does not cover (422, naming the field)."""
    upstream, _ = FIELDS[kind]
    _checked(rules.upstream_name(name, upstream))
    async with store.transaction():
        scope = await _scope(store, source)
        if kind == "unit":
            _checked(rules.unit_target(scope, value))
        else:
            _checked(rules.officer_target(scope, value, None))
            home = (await store.officer_homes([value])).get(value)
            _checked(rules.officer_target(scope, value, home.unit_id if home else None))
        found, previous = await store.put_mapping(kind, source, name, value)
    # The operator's change is worth a line in the log (names and ids, never an applicant's data).
    log.info("dvcqg mapping of source %s: %s %r -> %s (was %s)", source, upstream, name, value, previous)
    return {**_row(kind, source, found), "replaced": previous}


async def remove_mapping(store: EvidenceStore, kind: Kind, source: str, name: str) -> dict[str, Any]:
    """Forget a mapping; the one removed. 404 for an unknown source or a name not mapped."""
    upstream, _ = FIELDS[kind]
    _checked(rules.upstream_name(name, upstream))
    async with store.transaction():
        await _scope(store, source)
        found = await store.remove_mapping(kind, source, name)
    if found is None:
        raise MappingRefused(
            404, "no such mapping", FieldError(field=upstream, message=f"{name[:200]!r} is not mapped for {source!r}")
        )
    log.info("dvcqg mapping of source %s removed: %s %r (was %s)", source, upstream, name, found.target)
    return _row(kind, source, found)


async def list_mappings(store: EvidenceStore, kind: Kind, source: str) -> list[dict[str, Any]]:
    """A source's mappings of one kind, by upstream name; 404 for an unknown source."""
    async with store.transaction():
        await _scope(store, source)
        found = await store.mappings(kind, source)
    return [_row(kind, source, m) for m in found]


async def _pool(database_url: str) -> asyncpg.Pool:
    pool = await create_pool(database_url, schema="evidence", max_size=1)
    # An operator may map before the service ever started (as `thidua source add` may): migrate first.
    await prepare_schema(pool, schema="evidence", directory=MIGRATIONS)
    return pool


async def map_task(database_url: str, *, kind: Kind, source: str, name: str, value: str) -> dict[str, Any]:
    """`thidua source map-unit|map-officer`: put_mapping on the database at database_url."""
    pool = await _pool(database_url)
    try:
        async with pool.acquire() as conn:
            return await put_mapping(PostgresEvidenceStore(conn), kind, source, name, value)
    finally:
        await pool.close()


async def unmap_task(database_url: str, *, kind: Kind, source: str, name: str) -> dict[str, Any]:
    """`thidua source map-unit|map-officer … --remove`: remove_mapping on the database at database_url."""
    pool = await _pool(database_url)
    try:
        async with pool.acquire() as conn:
            return await remove_mapping(PostgresEvidenceStore(conn), kind, source, name)
    finally:
        await pool.close()


async def mappings_task(database_url: str, *, source: str) -> dict[str, list[dict[str, Any]]]:
    """`thidua source mappings`: both kinds of a source's mappings."""
    pool = await _pool(database_url)
    try:
        async with pool.acquire() as conn:
            store = PostgresEvidenceStore(conn)
            return {
                "unit_codes": await list_mappings(store, "unit", source),
                "officer_users": await list_mappings(store, "officer", source),
            }
    finally:
        await pool.close()
