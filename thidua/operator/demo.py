"""`thidua demo`: a realistic demo province fed through the real front doors (HTTP and Kafka).

Deterministic for a seed: the same run twice sends the same event ids, which the evidence service reports
as duplicates, so restarting `make run` never doubles the demo.

The evidence types added to the contract later (procedure catalogues, publication of dossier results and of
complaint answers, complaint supplements, complaints naming a dossier, accepted research, emulation
registrations) are drawn from random generators of their own and slotted in after the events they follow, so
the original stream of a seed stays byte for byte what it was (tests/unit/test_demo.py checks it).

The province is Ninh Bình after the merger of 1 July 2025 (issue 24): in 2025 the original stream is followed by
former units of the old map (three wards of the former Nam Định city, the labour department) with their own evidence
up to their end, then the map redrawn (`new_map`): Sở LĐTBXH dissolved on 1 March, the three wards merged into
Phường Nam Định on 1 July, every unit restated with its level and Decision 19/2025 code in the clusters rebuilt from
that day, the former units' officers transferred to the unit that takes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from thidua.operator.demo_additions import DOSSIER_COMPLAINT, NEW_TYPES, _Additions
from thidua.operator.demo_map import (
    FORMER_IDS,
    MAP_YEAR,
    NEW_MAP,
    _before_their_end,
    _former_events,
    _former_officers_year_end,
    new_map,
)
from thidua.operator.demo_original import _original_events
from thidua.operator.demo_units import Event


def events(seed: int, year: int, dossiers_per_unit: int) -> Iterator[Event]:
    """(channel, envelope) for the whole demo year: the original stream with the later evidence types slotted in;
    in 2025 then the former units' evidence up to their end and the map of 1 July 2025 (`new_map`)."""
    extra = _Additions(seed, year)
    yield from _with_additions(_original_events(seed, year, dossiers_per_unit), extra)
    if year == MAP_YEAR:  # the year of the new map: the former units' half year, then the map redrawn
        yield from _before_their_end(_with_additions(_former_events(seed, year, dossiers_per_unit), extra))
        yield from new_map(seed)
        yield from _former_officers_year_end(seed, year)


def _with_additions(stream: Iterator[Event], extra: _Additions) -> Iterator[Event]:
    """Each event of stream followed by the later evidence types that follow it (_Additions.after)."""
    current = next(stream, None)
    while current is not None:
        following = next(stream, None)  # one event of lookahead: a complaint's resolution follows its receipt
        yield current
        yield from extra.after(current[1], following[1] if following else None)
        current = following


def is_addition(body: dict[str, Any]) -> bool:
    """True for an envelope of the additions (a new type, a complaint about a named dossier, a former unit's evidence
    or the map of 1 July 2025)."""
    return (
        body["type"] in NEW_TYPES
        or DOSSIER_COMPLAINT in str(body["payload"].get("complaint_id", ""))
        or body["unit_id"] in FORMER_IDS
        or body["event_id"].startswith(NEW_MAP)
    )
