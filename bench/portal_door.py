"""The national portal's door under load: DongBoHoSoMC calls of N snapshots through POST /v1/dvcqg.

    .venv/bin/python -m bench.portal_door            # starts a throw-away stack on spare ports
    .venv/bin/python -m bench.portal_door --running  # uses the stack of `make run`

Each client is a province's one-stop system pushing its dossiers as the portal's whole-dossier snapshots, signed
in with its source's token: every dossier's received snapshot, for some the supplement asked and then answered,
then its finished snapshot, each in a later call than the one before (a sync pushes what changed since its last
push), so one call mixes new dossiers with finished ones. The snapshots are thidua.operator.demo_portal's, made from
bench/evidence_ingest.py's envelopes: they carry an applicant's name, phone and e-mail as an upstream's do (the door
drops them). Half of the units send a code of their own, which the operator maps; the others send our unit id.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from bench.evidence_ingest import UNITS, envelope
from schemas.dvcqg import SYNC_DOSSIERS
from services.evidence.handlers.sources import add_source
from thidua.operator.demo_portal import PortalUnit, dossier_stages, unit_code_mappings

FINISHED = "10"
"""TrangThaiHoSo of a dossier's last snapshot (result returned): the dossier is done."""
CLIENT_SPAN = 10**8
"""Dossier numbers of one client (clients never share a dossier; calls on one dossier are serialised upstream)."""


def portal_units(units: Sequence[str] = UNITS) -> list[PortalUnit]:
    """The bench's units as a one-stop system names them: every other one by a code of its own (H40.01.02 →
    000.01.02.H40, mapped by the operator), the rest by our unit id."""
    out = []
    for i, unit_id in enumerate(units):
        code = unit_id if i % 2 == 0 else "000." + unit_id.split(".", 1)[1] + ".H40"
        out.append(PortalUnit(unit_id, code, f"u{i:02d}"))
    return out


def dossier_snapshots(n: int, units: Sequence[PortalUnit]) -> list[dict[str, Any]]:
    """Dossier n's snapshots in the order a one-stop system pushes them (received, [asked, supplied], finished)."""
    body = envelope(None, n)
    body["payload"]["dossier_code"] = f"DVC-{n}"  # not the envelope figure's HS-n: another source's dossiers
    unit = units[n % len(units)]
    body["unit_id"] = unit.unit_id
    return [s.item for s in dossier_stages(body, unit) if s.service == SYNC_DOSSIERS]


def snapshot_calls(first: int, per_call: int, units: Sequence[PortalUnit]) -> Iterator[dict[str, Any]]:
    """Endless DongBoHoSoMC calls of per_call snapshots of distinct dossiers, numbered from first: the next snapshot
    of each dossier in flight, topped up with new dossiers' received snapshots (a dossier's next snapshot always goes
    in a later call)."""
    numbers = itertools.count(first)
    waiting: deque[list[dict[str, Any]]] = deque()  # per dossier in flight: its snapshots still to send
    while True:
        while len(waiting) < per_call:
            waiting.append(dossier_snapshots(next(numbers), units))
        taken = [waiting.popleft() for _ in range(per_call)]
        waiting.extend(rest[1:] for rest in taken if len(rest) > 1)
        yield {"service": SYNC_DOSSIERS, "isUpdating": "True", "data": [rest[0] for rest in taken]}


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(len × q / 100), at least the first
    return ordered[int(rank) - 1]


@dataclass
class DoorRun:
    """What the clients got back over one run."""

    seconds: float = 0.0
    calls: int = 0
    snapshots: int = 0
    """Snapshots answered accepted."""
    dossiers: int = 0
    """Dossiers whose finished snapshot was answered accepted."""
    events: int = 0
    """Events the door made and the intake accepted."""
    rejected: int = 0
    first_error: str = ""
    latencies: list[float] = field(default_factory=list)
    """Seconds from sending each call to its answer."""

    def latency_ms(self) -> tuple[float, float, float]:
        """p50, p95, p99 of the calls, in ms."""
        p50, p95, p99 = (percentile(self.latencies, q) * 1000 for q in (50, 95, 99))
        return p50, p95, p99


def tally(run: DoorRun, call: dict[str, Any], answer: dict[str, Any]) -> None:
    """Count one call's answer (results in the call's order)."""
    run.calls += 1
    for item, result in zip(call["data"], answer["results"], strict=True):
        run.events += sum(1 for e in result["events"] if e["status"] == "accepted")
        if result["status"] == "accepted":
            run.snapshots += 1
            run.dossiers += item["TrangThaiHoSo"] == FINISHED
        elif result["status"] == "rejected":
            run.rejected += 1
            run.first_error = run.first_error or f"{result['MaHoSo']}: {result['errors']}"


async def portal_ingest(
    url: str, token: str, *, seconds: float, per_call: int, clients: int, first: int = 0
) -> DoorRun:
    """POST DongBoHoSoMC calls of per_call snapshots from `clients` concurrent clients (Bearer source token) for
    `seconds`. Dossier numbers start at `first`, so a later run never repeats an earlier one's dossiers."""
    units = portal_units()
    run = DoorRun()
    deadline = time.perf_counter() + seconds

    async def client(k: int) -> None:
        calls = snapshot_calls(first + k * CLIENT_SPAN, per_call, units)
        async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
            while time.perf_counter() < deadline:
                call = next(calls)
                sent = time.perf_counter()
                answer = await http.post("/v1/dvcqg", json=call)
                run.latencies.append(time.perf_counter() - sent)
                answer.raise_for_status()
                tally(run, call, answer.json())

    started = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    run.seconds = time.perf_counter() - started
    return run


async def add_portal_source(database_url: str, name: str) -> str:
    """A source covering the bench's units, with the operator's mappings of the codes that are not our ids; its
    token."""
    token = await add_source(database_url, name=name, units=list(UNITS))
    conn = await asyncpg.connect(database_url)
    try:
        await conn.executemany(
            "INSERT INTO evidence.dvcqg_unit_codes (source, code, unit_id) VALUES ($1, $2, $3)",
            [(name, code, unit) for code, unit in unit_code_mappings(portal_units()).items()],
        )
    finally:
        await conn.close()
    return token


def describe(run: DoorRun) -> str:
    """One line for a terminal."""
    p50, p95, p99 = run.latency_ms()
    return (
        f"{run.dossiers / run.seconds:,.0f} dossiers/s ({run.snapshots / run.seconds:,.0f} snapshots/s,"
        f" {run.events / run.seconds:,.0f} events/s); per call p50 {p50:,.0f} ms, p95 {p95:,.0f} ms,"
        f" p99 {p99:,.0f} ms; {run.calls:,} calls, {run.rejected} rejected"
    )


async def measure(database_url: str, evidence_url: str, args: argparse.Namespace) -> None:
    source = f"bench-dvcqg-{uuid.uuid4().hex[:6]}"
    token = await add_portal_source(database_url, source)
    await portal_ingest(evidence_url, token, seconds=3, per_call=args.per_call, clients=args.clients)  # warm-up
    run = await portal_ingest(
        evidence_url, token, seconds=args.seconds, per_call=args.per_call, clients=args.clients, first=10**12
    )
    print(f"portal door: {describe(run)}  ({args.per_call} snapshots per call, {args.clients} clients)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--running", action="store_true", help="use the running `make run` stack")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--per-call", type=int, default=100)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    from bench._stack import endpoints

    with endpoints(running=args.running, service="evidence") as (_, database_url, evidence_url):
        asyncio.run(measure(database_url, evidence_url, args))


if __name__ == "__main__":
    main()
