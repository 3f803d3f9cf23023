"""Our counters (scoring.counters) against a peer's: equal within a tolerance, and the first differences."""

from __future__ import annotations

import asyncpg

CounterKey = tuple[str, str, str, str, str]  # subject_kind, subject_id, unit_id, period, counter
Counters = dict[CounterKey, tuple[float, float]]


async def our_counters(database_url: str) -> Counters:
    """Every row of scoring.counters as {(subject_kind, subject_id, unit_id, period, counter): (num, den)}."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT subject_kind, subject_id, unit_id, period, counter, num, den FROM scoring.counters"
        )
    finally:
        await conn.close()
    return {(r[0], r[1], r[2], r[3], r[4]): (float(r[5]), float(r[6])) for r in rows}


def compare(ours: Counters, theirs: Counters, tolerance: float = 1e-9, show: int = 10) -> tuple[bool, str]:
    """(equal, summary): a cell missing on one side counts as (0, 0); the summary lists the first differences."""
    zero = (0.0, 0.0)
    differing = [
        (key, ours.get(key, zero), theirs.get(key, zero))
        for key in sorted(set(ours) | set(theirs))
        if any(abs(a - b) > tolerance for a, b in zip(ours.get(key, zero), theirs.get(key, zero), strict=True))
    ]
    if not differing:
        return True, f"{len(ours)} cells of ours, {len(theirs)} of the peer's: all equal within {tolerance:g}"
    lines = [f"{len(differing)} of {len(set(ours) | set(theirs))} cells differ (ours vs peer, num/den):"]
    lines += [f"  {'/'.join(key)}: {a[0]:g}/{a[1]:g} vs {b[0]:g}/{b[1]:g}" for key, a, b in differing[:show]]
    return False, "\n".join(lines)
