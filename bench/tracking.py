"""Decree 335/2025 tracking endpoints under load: an officer's year and a unit's month, computed on request.

    .venv/bin/python -m bench.tracking            # starts a throw-away stack on spare ports
    .venv/bin/python -m bench.tracking --running  # uses the stack of `make run`

The backfill's events are of 2025 and its officers are not in the directory, so the figure first sends, through
evidence's HTTP front door, a small 2026 year for a few of the backfill's units: each officer's registration (the
backfill's own officer ids, so their 2025 dossiers are among the cases read), a few dossiers a month, some late, a
return for error now and then, an objective cause cancelling one delay, and the unit head's monthly general points.
Then clients with a council token GET the officers' years (`/v1/officers/{id}/tracking?year=2026`: the sheets and
the unit's officers together for the excellence cap) or the units' months (`/v1/units/{id}/tracking?period=`).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx

from bench.dataset import UNITS
from bench.portal_door import percentile
from services.evidence.handlers.sources import add_source
from thidua.runtime.tokens import add_token

YEAR = 2026
TRACKING_UNITS = ("B01.01", "B02.01", "B03.01", "B04.01")
"""Backfill units (bench/dataset.py) given a tracked 2026."""
OFFICERS_PER_UNIT = 10
DOSSIERS_PER_MONTH = 4
T = "+07:00"
Check = Callable[[str, Any], str | None]
"""A path and its JSON answer → what is wrong with it, or None."""


def officer_ids(unit: str) -> list[str]:
    """The unit's tracked officers: first the four whose 2025 dossiers the backfill holds (event n of the unit at
    index i of UNITS names `{unit}-CB{n % 40}`, n ≡ i mod 50), then others of the same form."""
    index = UNITS.index(unit)
    numbers = sorted(range(40), key=lambda n: (n % 10 != index % 10, n))
    return [f"{unit}-CB{n}" for n in numbers[:OFFICERS_PER_UNIT]]


def months_before(today: date, year: int = YEAR) -> list[str]:
    """The months of year wholly before today's month (evidence refuses future events), as 2026-03."""
    last = 12 if today.year > year else today.month - 1 if today.year == year else 0
    return [f"{year}-{m:02d}" for m in range(1, last + 1)]


def _event(event_id: str, kind: str, unit: str, at: str, payload: dict[str, Any], officer: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": kind,
        "schema_version": 1,
        "occurred_at": at,
        "unit_id": unit,
        "officer_id": officer,
        "payload": payload,
    }


def tracking_events(tag: str, months: Sequence[str]) -> list[dict[str, Any]]:
    """The tracked year: registrations first, then each officer's months (dossiers, returns, causes, assessments)."""
    out: list[dict[str, Any]] = []
    for u, unit in enumerate(TRACKING_UNITS):
        for i, officer in enumerate(officer_ids(unit)):
            registered = {
                "full_name": f"Cán bộ {u}.{i}",
                "category": "civil_servant",
                "staff_kind": "civil_servant",
                "peer_group": "mot_cua" if i % 2 == 0 else "chuyen_mon",
            }
            out.append(
                _event(
                    f"{tag}-reg-{officer}", "officer.registered", unit, f"{YEAR}-01-01T08:00:00{T}", registered, officer
                )
            )
    for u, unit in enumerate(TRACKING_UNITS):
        for i, officer in enumerate(officer_ids(unit)):
            for m, month in enumerate(months):
                out.extend(_month(tag, unit, officer, month, seed=u * 1000 + i * 50 + m))
    return out


def _month(tag: str, unit: str, officer: str, month: str, seed: int) -> Iterator[dict[str, Any]]:
    """One officer's month: DOSSIERS_PER_MONTH dossiers (one in eight late), a return for error in one month of
    three, an objective cause for the month's first delay in one month of two, and the month's general points."""
    late_seen = False
    for k in range(DOSSIERS_PER_MONTH):
        day, code = 2 + 5 * k, f"{tag}-{officer}-{month}-{k}"
        late = (seed + k) % 8 == 0
        processed = {
            "dossier_code": code,
            "procedure_code": f"1.00{k}",
            "channel": "online",
            "received_at": f"{month}-{day:02d}T08:00:00{T}",
            "due_at": f"{month}-{day + 3:02d}T17:00:00{T}",
            "finished_at": f"{month}-{day + (5 if late else 2):02d}T10:00:00{T}",
            "status": "resolved",
            "supplement_requests": 0,
            "supplement_days": 0,
            "fee_required": False,
            "paid_online": False,
            "digitized": True,
            "e_result": True,
            "data_reused": False,
        }
        yield _event(f"{code}-p", "procedure.processed", unit, str(processed["finished_at"]), processed, officer)
        if late and not late_seen and seed % 2 == 0:
            cause = {"deduction": "late", "dossier_code": code, "confirmed_by": "Chánh Văn phòng", "reason": "mất điện"}
            yield _event(f"{code}-c", "objective_cause.confirmed", unit, f"{month}-26T09:00:00{T}", cause, officer)
        late_seen = late_seen or late
    if seed % 3 == 0:
        code = f"{tag}-{officer}-{month}-1"
        returned = {"dossier_code": code, "returned_at": f"{month}-25T09:00:00{T}", "reason": "sai thành phần"}
        yield _event(f"{code}-r", "procedure.returned", unit, f"{month}-25T09:00:00{T}", returned, officer)
    points = {"pham_chat": 9, "nang_luc": 8 + seed % 3, "doi_moi": 7 + seed % 4}
    assessed = {"period": month, "criteria": points, "assessor": "Trưởng phòng"}
    yield _event(f"{tag}-{officer}-{month}-a", "officer.assessed", unit, f"{month}-27T09:00:00{T}", assessed, officer)


def officer_paths() -> list[str]:
    """Every tracked officer's year."""
    return [f"/v1/officers/{o}/tracking?year={YEAR}" for unit in TRACKING_UNITS for o in officer_ids(unit)]


def unit_paths(months: Sequence[str]) -> list[str]:
    """Every tracked unit's months."""
    return [f"/v1/units/{unit}/tracking?period={month}" for month in months for unit in TRACKING_UNITS]


def officer_check(months: Sequence[str]) -> Check:
    """An officer's year holds a sheet for every tracked month and a year rating."""

    def check(path: str, body: Any) -> str | None:
        periods = [p["period"] for p in body.get("periods", [])]
        if not set(months) <= set(periods) or body.get("year_rating") is None:
            return f"{path}: periods {periods}, year_rating {body.get('year_rating')}"
        return None

    return check


def unit_check(path: str, body: Any) -> str | None:
    """A unit's month lists every tracked officer with a total."""
    officers = body.get("officers", [])
    if len(officers) != OFFICERS_PER_UNIT or any(o.get("total") is None for o in officers):
        return f"{path}: {len(officers)} officers, totals {[o.get('total') for o in officers]}"
    return None


@dataclass
class EndpointRun:
    """What the clients got back over one run of GETs."""

    seconds: float = 0.0
    requests: int = 0
    latencies: list[float] = field(default_factory=list)
    """Seconds from sending each request to its whole answer."""

    def latency_ms(self) -> tuple[float, float, float]:
        """p50, p95, p99 of the requests, in ms."""
        p50, p95, p99 = (percentile(self.latencies, q) * 1000 for q in (50, 95, 99))
        return p50, p95, p99


async def endpoint_load(
    url: str, token: str, paths: Sequence[str], check: Check, *, seconds: float, clients: int
) -> EndpointRun:
    """GET paths round-robin (client k starting k paths on) from `clients` concurrent clients for `seconds`; every
    answer must be 200 and pass check."""
    run = EndpointRun()
    deadline = time.perf_counter() + seconds

    async def client(k: int) -> None:
        cycle = itertools.islice(itertools.cycle(paths), k * max(1, len(paths) // clients), None)
        async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
            while time.perf_counter() < deadline:
                path = next(cycle)
                sent = time.perf_counter()
                answer = await http.get(path)
                run.latencies.append(time.perf_counter() - sent)
                answer.raise_for_status()
                if (wrong := check(path, answer.json())) is not None:
                    raise RuntimeError(wrong[:300])
                run.requests += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    run.seconds = time.perf_counter() - started
    return run


async def send_tracking_year(database_url: str, evidence_url: str, source: str, months: Sequence[str]) -> int:
    """POST the tracked year to evidence (batches of 500) as source; the number of events accepted."""
    token = await add_source(database_url, name=source, units=list(TRACKING_UNITS))
    events = tracking_events(source, months)
    accepted = 0
    async with httpx.AsyncClient(
        base_url=evidence_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as http:
        for start in range(0, len(events), 500):
            answer = await http.post("/v1/events", json=events[start : start + 500])
            answer.raise_for_status()
            results = answer.json()
            refused = [r for r in results if r["status"] != "accepted"]
            if refused:
                raise RuntimeError(f"{len(refused)} tracking events not accepted, first {refused[0]}")
            accepted += len(results)
    return accepted


async def council_token(database_url: str) -> str:
    """A council token (reads every officer's and unit's tracking)."""
    return await add_token(database_url, role="council", unit_id=None, label="bench tracking")


def describe(run: EndpointRun) -> str:
    """One cell: requests/s and the latency percentiles."""
    p50, p95, p99 = run.latency_ms()
    return f"{run.requests / run.seconds:,.1f} req/s; p50 {p50:,.0f} ms, p95 {p95:,.0f} ms, p99 {p99:,.0f} ms"


async def measure(database_url: str, evidence_url: str, scoring_url: str, args: argparse.Namespace) -> None:
    from bench.run import wait_scored

    source, months = f"bench-tracking-{uuid.uuid4().hex[:6]}", months_before(datetime.now(UTC).date())
    count = await send_tracking_year(database_url, evidence_url, source, months)
    await wait_scored(database_url, source, count, timeout=600)
    token = await council_token(database_url)
    for label, paths, check in (
        ("officer year", officer_paths(), officer_check(months)),
        ("unit month", unit_paths(months), unit_check),
    ):
        await endpoint_load(scoring_url, token, paths, check, seconds=3, clients=args.clients)  # warm-up
        run = await endpoint_load(scoring_url, token, paths, check, seconds=args.seconds, clients=args.clients)
        print(f"tracking {label}: {describe(run)}  ({args.clients} clients)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--running", action="store_true", help="use the running `make run` stack")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    from bench._stack import endpoints, throwaway_stack

    if args.running:
        with endpoints(running=True, service="evidence") as (_, database_url, evidence_url):
            with endpoints(running=True, service="scoring") as (_, _, scoring_url):
                asyncio.run(measure(database_url, evidence_url, scoring_url, args))
        return
    from thidua.operator.localinfra.stack import service

    with throwaway_stack() as stack:
        evidence, scoring = (f"http://127.0.0.1:{stack.port_of(service(name))}" for name in ("evidence", "scoring"))
        asyncio.run(measure(stack.env["DATABASE_URL"], evidence, scoring, args))


if __name__ == "__main__":
    main()
