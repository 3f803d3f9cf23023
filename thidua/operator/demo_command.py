"""`thidua demo`: feed the demo province through the front doors of the running system, then close the year."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from thidua import registry
from thidua.operator.demo_live import feed, play, register_portal_mappings, send_all
from thidua.operator.demo_live_day import live_events
from thidua.operator.demo_portal import officer_user_mappings, portal_backfill, portal_live, unit_code_mappings
from thidua.operator.demo_present import after_close_events, present_events
from thidua.operator.demo_units import SOURCE_HR, SOURCE_ONE_STOP, VN
from thidua.operator.provision import SERVICE_NAMES, database_url, kafka_admin
from thidua.runtime.kafka_access import KafkaAccess
from thidua.runtime.tokens import add_token


@dataclass(frozen=True)
class DemoRun:
    """What `thidua demo` was asked for."""

    seed: int
    year: int
    per_unit: int
    live: bool
    close: bool
    present: bool = False
    live_rate: float = 0.0
    live_only: bool = False


@dataclass
class _Feed:
    """Where the demo sends: the services' ports, the database, each source's HTTP token and Kafka access."""

    port: dict[str, str]
    db: str
    tokens: dict[str, str]
    kafka: dict[str, KafkaAccess]

    @property
    def evidence_url(self) -> str:
        """The evidence service's base URL."""
        return f"http://127.0.0.1:{self.port['evidence']}"


def demo(run: DemoRun) -> int:
    """Run the demo; Ctrl-C ends the live feed."""
    try:
        return asyncio.run(_go(run))
    except KeyboardInterrupt:  # Ctrl-C ends the live feed
        return 0


async def _sources(db: str, admin: KafkaAccess) -> tuple[dict[str, str], dict[str, KafkaAccess]]:
    """Each demo source's HTTP token and, on a SASL cluster, its own Kafka user and topic."""
    register_source = registry.task("register_source")
    given = {name: await register_source(db, admin, name=name, units=["*"]) for name in (SOURCE_ONE_STOP, SOURCE_HR)}
    tokens = {name: g.token for name, g in given.items()}
    kafka: dict[str, KafkaAccess] = {
        name: admin.as_user(g.kafka_user, g.kafka_password or "") if g.kafka_user else admin
        for name, g in given.items()
    }
    return tokens, kafka


async def _go(run: DemoRun) -> int:
    port = {name: os.environ.get(f"{name.upper()}_HTTP_PORT", str(8081 + i)) for i, name in enumerate(SERVICE_NAMES)}
    db = database_url()
    tokens, kafka = await _sources(db, kafka_admin())
    to = _Feed(port, db, tokens, kafka)
    # The one-stop demo system speaks the national portal's language for a few units: the operator maps its
    # unit codes and user names (admin API; `thidua source map-unit|map-officer` would do the same).
    mapper = await add_token(db, role="admin", unit_id=None, label="demo mappings")
    mapped = await register_portal_mappings(
        to.evidence_url, mapper, unit_codes=unit_code_mappings(), officer_users=officer_user_mappings(run.seed)
    )
    print(f"==> {SOURCE_ONE_STOP}: {mapped} unit-code and user mappings for its portal calls", flush=True)
    if not run.live_only:
        if run.present:  # this year first: the dashboard opens on it, so its standings should come first
            await _present_year(run, to)
        await _closed_year(run, to)
        if run.present:  # January's decision on a violation of the closed year: it revokes what it touches
            today = datetime.now(VN).date()
            await send_all(
                after_close_events(run.seed, today), evidence_url=to.evidence_url, kafka=to.kafka, tokens=to.tokens
            )
    if run.live_rate > 0:
        start = datetime.now(VN).replace(microsecond=0)
        print(f"==> live demo feed from {start:%H:%M:%S}: {run.live_rate:g} events/s (Ctrl-C stops it)", flush=True)
        await play(
            portal_live(live_events(run.seed, start, timedelta(seconds=1 / run.live_rate))),
            evidence_url=to.evidence_url,
            kafka=to.kafka,
            tokens=to.tokens,
        )
    return 0


async def _present_year(run: DemoRun, to: _Feed) -> None:
    today = datetime.now(VN).date()
    print(f"==> demo province {today.year} up to {today:%d/%m/%Y} (seed {run.seed}): sending evidence", flush=True)
    started = time.monotonic()
    counts = await send_all(
        portal_backfill(present_events(run.seed, today)), evidence_url=to.evidence_url, kafka=to.kafka, tokens=to.tokens
    )
    print(
        f"==> sent {counts['http']} over HTTP ({counts['accepted']} accepted, {counts['duplicate']} "
        f"duplicate, {counts['rejected']} rejected) and {counts['kafka']} over Kafka in "
        f"{time.monotonic() - started:.0f}s; {portal_counts(counts)}",
        flush=True,
    )


async def _closed_year(run: DemoRun, to: _Feed) -> None:
    print(f"==> demo province {run.year} (seed {run.seed}): sending evidence over HTTP and Kafka", flush=True)
    counts = await feed(
        evidence_url=to.evidence_url,
        kafka=to.kafka,
        tokens=to.tokens,
        seed=run.seed,
        year=run.year,
        dossiers_per_unit=run.per_unit,
        live=run.live,
    )
    print(
        f"==> sent {counts['http']} over HTTP ({counts['accepted']} accepted, {counts['duplicate']} duplicate,"
        f" {counts['rejected']} rejected) and {counts['kafka']} over Kafka (each source to its own topic);"
        f" {portal_counts(counts)}",
        flush=True,
    )
    if run.close:
        async with httpx.AsyncClient(timeout=30) as http:
            await _until_quiet(http, to)
            await _close(http, run.year, to)


async def _until_quiet(http: httpx.AsyncClient, to: _Feed) -> None:
    """Wait for the pipeline to take it all in: the consumers idle for 4 s in a row (or 10 minutes)."""
    print("==> waiting for the pipeline to take it all in before the year's close", flush=True)
    # An admin token reads /metrics also where METRICS_PUBLIC=false.
    watcher = {"Authorization": f"Bearer {await add_token(to.db, role='admin', unit_id=None, label='demo')}"}
    deadline, quiet, last = time.monotonic() + 600, 0, -1.0
    while time.monotonic() < deadline and quiet < 4:  # consumers idle for 4 s in a row
        consumed = 0.0
        for name in ("evidence", "scoring", "awards"):  # what the year's close depends on
            metrics = (await http.get(f"http://127.0.0.1:{to.port[name]}/metrics", headers=watcher)).text
            consumed += sum(
                float(line.rsplit(" ", 1)[1])
                for line in metrics.splitlines()
                if line.startswith("thidua_consumed_records_total{")
            )
        quiet = quiet + 1 if consumed == last else 0
        last = consumed
        await asyncio.sleep(1)


async def _close(http: httpx.AsyncClient, year: int, to: _Feed) -> None:
    """Close the year at the awards service as the council."""
    council = await add_token(to.db, role="council", unit_id=None, label="demo council")
    closed = await http.post(
        f"http://127.0.0.1:{to.port['awards']}/v1/periods/{year}/close",
        headers={"Authorization": f"Bearer {council}"},
    )
    if closed.status_code != 200:  # e.g. the year's rating deadline (15 Dec) has not come yet
        print(f"==> {year} not closed at the awards service ({closed.status_code}): {closed.text[:300]}", flush=True)
    else:
        print(f"==> closed {year} at the awards service: {closed.json().get('created')} new nominations", flush=True)


def portal_counts(counts: dict[str, int]) -> str:
    """The demo's portal calls in words: dossier snapshots and steps, and what the door said of them."""
    said = ", ".join(f"{counts[f'portal_{k}']} {k}" for k in ("accepted", "unchanged", "duplicate", "rejected"))
    return f"{counts['portal_items']} snapshots and steps as the national portal's calls ({said})"
