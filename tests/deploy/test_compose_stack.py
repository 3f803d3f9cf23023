"""deploy/compose.yaml run with podman-compose (TLS and SCRAM as written there, secrets generated for the run):
every /readyz, a source and tokens registered the operator's way, evidence in through the evidence container's
front door, standings and a notification out; then stopped and started, taken down and up again with its volumes
(the data survives, resent events are duplicates), and scoring killed mid-stream twice (`podman kill` then
`podman-compose start`; SIGKILL of its process, brought back by the restart policy): the accounting is exact.

The tests share one stack and run in file order; what ran (commands, durations) is printed at the end."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from thidua.testing.compose import ComposeStack, StackError, running_stack
from thidua.testing.compose_files import token_after

T = "+07:00"
BATCH = 25  # envelopes per POST while scoring is killed
PER_ROUND = 150  # procedure.processed per kill round (every third late)
FIRST = 100  # of them sent in one request just before the kill


@dataclass
class Scene:
    """The stack and what the tests registered and sent into it."""

    stack: ComposeStack
    prefix: str = field(default_factory=lambda: "D" + uuid.uuid4().hex[:5].upper())
    source: str = field(default_factory=lambda: f"motcua-{uuid.uuid4().hex[:6]}")
    tokens: dict[str, str] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def unit(self, n: int) -> str:
        return f"{self.prefix}.{n:02d}"

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture(scope="module")
def scene(built_images: dict[str, int]) -> Iterator[Scene]:
    started = time.monotonic()
    stack = ComposeStack()
    try:
        with running_stack(stack):
            print(f"\n[compose] project {stack.project}: up and every /readyz 200 in {stack.startup_seconds:.1f} s")
            yield Scene(stack, timings={"startup": stack.startup_seconds})
    finally:
        print(f"\n[compose] commands run (project {stack.project}, logs in .state/deploy-logs/{stack.project}/):")
        print(stack.report())
        print(f"[compose] whole module incl. teardown: {time.monotonic() - started:.1f} s")


def envelope(
    event_id: str, kind: str, unit: str, payload: dict[str, Any], occurred: str = f"2025-06-01T09:00:00{T}"
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": kind,
        "schema_version": 1,
        "occurred_at": occurred,
        "unit_id": unit,
        "payload": payload,
    }


def registered(unit: str, name: str, cluster: str) -> dict[str, Any]:
    payload = {"name": name, "level": "department", "parent_id": unit.split(".")[0], "cluster_id": cluster}
    return envelope(f"{unit}-reg", "unit.registered", unit, payload, occurred=f"2025-01-02T08:00:00{T}")


def processed(unit: str, code: str, month: int, *, late: bool) -> dict[str, Any]:
    """A dossier received on the 2nd, due on the 9th, finished on the 8th or (late) the 15th of month in 2025."""
    finished = f"2025-{month:02d}-{15 if late else 8:02d}T10:00:00{T}"
    return envelope(
        f"{unit}-{code}",
        "procedure.processed",
        unit,
        {
            "dossier_code": code,
            "procedure_code": "1.001",
            "channel": "online",
            "received_at": f"2025-{month:02d}-02T08:00:00{T}",
            "due_at": f"2025-{month:02d}-09T17:00:00{T}",
            "finished_at": finished,
            "status": "resolved",
            "supplement_requests": 0,
            "supplement_days": 0,
            "fee_required": False,
            "paid_online": False,
            "digitized": True,
            "e_result": True,
            "data_reused": True,
        },
        occurred=finished,
    )


def overdue(unit: str, code: str) -> dict[str, Any]:
    """A dossier still open whose due time passed an hour ago: scoring alerts the unit (dossier_overdue)."""
    due = datetime.now(UTC) - timedelta(hours=1)
    received = (due - timedelta(days=5)).isoformat()
    payload = {
        "dossier_code": code,
        "procedure_code": "1.002",
        "channel": "counter",
        "received_at": received,
        "due_at": due.isoformat(),
        "fee_required": False,
    }
    return envelope(f"{unit}-{code}", "procedure.received", unit, payload, occurred=received)


def post(scene: Scene, events: list[dict[str, Any]], *, expect: str = "accepted") -> None:
    """Send envelopes to evidence's front door with the source's token; every answer is expect."""
    with httpx.Client(timeout=60) as http:
        answer = http.post(f"{scene.stack.url('evidence')}/v1/events", json=events, headers=scene.headers("source"))
    assert answer.status_code == 200, answer.text
    statuses = [row["status"] for row in answer.json()]
    assert statuses == [expect] * len(events), answer.text[:2000]
    if expect == "accepted":
        scene.sent.extend(events)


def get(scene: Scene, service: str, path: str, *, who: str | None = None, **params: str) -> httpx.Response:
    with httpx.Client(timeout=30) as http:
        return http.get(f"{scene.stack.url(service)}{path}", params=params, headers=scene.headers(who) if who else {})


def scorecard(scene: Scene, unit: str, period: str) -> dict[str, Any]:
    answer = get(scene, "scoring", f"/v1/units/{unit}/scorecard", period=period)
    assert answer.status_code == 200, answer.text[:500]
    card: dict[str, Any] = answer.json()
    return card


def on_time(card: dict[str, Any]) -> tuple[float, float]:
    line = next(i for i in card["indicators"] if i["code"] == "on_time")
    return line["numerator"], line["denominator"]


def sql(scene: Scene, query: str) -> str:
    """One value from PostgreSQL inside the stack, as its admin (the password from the environment, not argv)."""
    stack = scene.stack
    argv = ["podman", "exec", "-e", "PGPASSWORD", stack.container("postgres"), "psql", "-h", "127.0.0.1"]
    argv += ["-U", "thidua", "-d", "thidua", "-AtX", "-c", query]
    done = stack.run(argv, env={"PGPASSWORD": stack.env["POSTGRES_PASSWORD"]}, show=f"psql -c {query!r}")
    return done.stdout.strip()


# Produces one envelope (stdin: the password, then the JSON) as a source's own Kafka user, over SASL_SSL.
PRODUCE = """
import asyncio, json, sys
from aiokafka import AIOKafkaProducer
from aiokafka.helpers import create_ssl_context
user, topic = sys.argv[1], sys.argv[2]
password, body = sys.stdin.readline().strip(), sys.stdin.read()
async def main():
    producer = AIOKafkaProducer(
        bootstrap_servers="kafka:9092", security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512",
        sasl_plain_username=user, sasl_plain_password=password,
        ssl_context=create_ssl_context(cafile="/run/tls/ca.pem"))
    await producer.start()
    try:
        await producer.send_and_wait(topic, body.encode(), key=json.loads(body)["unit_id"].encode())
    finally:
        await producer.stop()
asyncio.run(main())
"""


def produce_as_source(scene: Scene, event: dict[str, Any]) -> None:
    """Send one envelope through Kafka as the source's own SCRAM user to its own topic (from a tools container)."""
    user, topic = f"source-{scene.source}", f"evidence.inbound.v1.{scene.source}"
    secret = scene.tokens["source-kafka"]
    run = ("run", "--rm", "-T", "--entrypoint", "python", "admin", "-c", PRODUCE, user, topic)
    shown = f"podman-compose --profile tools run --rm -T --entrypoint python admin -c <produce> {user} {topic}"
    scene.stack.tool(*run, input=f"{secret}\n{json.dumps(event)}", show=shown)
    scene.sent.append(event)


def test_every_service_is_ready(scene: Scene) -> None:
    """Each container's /readyz on its published (free, loopback) port: 200, Kafka over SASL_SSL and PostgreSQL up."""
    stack = scene.stack
    for service, port in stack.ports.items():
        answer = get(scene, service, "/readyz")
        assert answer.status_code == 200, (service, answer.text)
        assert port not in range(8080, 8085), "the test publishes on free ports, never the defaults"
    states = stack.containers()
    assert {states[s]["state"] for s in stack.ports} == {"running"}
    assert (states["provision"]["exit"], states["db-provision"]["exit"]) == (0, 0)
    print(f"[compose] ready: {', '.join(f'{s} :{p}' for s, p in stack.ports.items())}")


def test_operator_registers_a_source_and_tokens(scene: Scene) -> None:
    """`thidua source add` and `thidua token add` in the stack (the `admin` service): the tokens work at the doors."""
    stack = scene.stack
    units = ",".join(scene.unit(n) for n in (1, 2, 3))
    started = time.monotonic()
    added = stack.operator("source", "add", scene.source, "--units", units)
    scene.tokens["source"] = token_after(added)
    assert f"user source-{scene.source}" in added, added
    scene.tokens["source-kafka"] = token_after(added, f"user source-{scene.source}").removeprefix("password ")
    scene.tokens["unit"] = token_after(stack.operator("token", "add", "--role", "unit", "--unit", scene.unit(1)))
    scene.tokens["other"] = token_after(stack.operator("token", "add", "--role", "unit", "--unit", scene.unit(2)))
    scene.tokens["admin"] = token_after(stack.operator("token", "add", "--role", "admin", "--label", "deploy test"))
    scene.timings["operator commands"] = time.monotonic() - started
    listed = stack.operator("token", "list")
    assert listed.count("\n") >= 4 and scene.tokens["admin"] not in listed, listed
    inbox = f"/v1/units/{scene.unit(1)}/notifications"
    assert get(scene, "notify", inbox, who="unit").status_code == 200
    assert get(scene, "notify", inbox, who="other").status_code == 403
    assert get(scene, "notify", inbox).status_code == 401
    # The admin token reads the readiness details: every consumer group of scoring there, none stalled.
    details = get(scene, "scoring", "/readyz", who="admin").json()
    assert details["consumers"] and not any(c["stalled"] for c in details["consumers"]), details


def test_evidence_in_standings_and_a_notification_out(scene: Scene) -> None:
    """Two departments of one block (20 dossiers each, the second half late) and an open dossier overdue: ranked
    in order, the late one's on-time 10 of 20, and the overdue alert in the first unit's inbox."""
    first, second, cluster = scene.unit(1), scene.unit(2), f"{scene.prefix}-KHOI"
    events = [registered(first, "Sở Nội vụ", cluster), registered(second, "Sở Tư pháp", cluster)]
    for unit in (first, second):
        events += [processed(unit, f"HS{d}", 5, late=unit == second and d % 2 == 0) for d in range(20)]
    events.append(overdue(first, "HS-MO-1"))
    started = time.monotonic()
    post(scene, events)

    def ranked() -> list[str]:
        rows = get(scene, "scoring", "/v1/standings", period="2025", cluster=cluster).json()["rows"]
        order = [row["subject_id"] for row in rows]
        assert order == [first, second], rows
        return order

    scene.stack.eventually(ranked, timeout=120, what="standings of 2025")
    scene.timings["evidence to standings"] = time.monotonic() - started
    assert on_time(scorecard(scene, second, "2025-05")) == (10, 20)
    assert on_time(scorecard(scene, first, "2025-05")) == (20, 20)
    assert scorecard(scene, second, "2025-05")["evidence"]["dossiers_judged"] == 20

    def told() -> dict[str, Any]:
        answer = get(scene, "notify", f"/v1/units/{first}/notifications", who="unit")
        assert answer.status_code == 200, answer.text
        items = [i for i in answer.json()["items"] if i["kind"] == "dossier_overdue"]
        assert len(items) == 1 and "HS-MO-1" in items[0]["title"], answer.json()
        return items[0]

    note = scene.stack.eventually(told, timeout=120, what="the overdue notification")
    scene.timings["evidence to notification"] = time.monotonic() - started
    print(f"[compose] standings in {scene.timings['evidence to standings']:.1f} s, notification {note['title']!r}")


def snapshot(scene: Scene) -> dict[str, Any]:
    """What must survive a restart: the block's standings, both scorecards' figures, the first unit's inbox."""
    first, second = scene.unit(1), scene.unit(2)
    rows = get(scene, "scoring", "/v1/standings", period="2025", cluster=f"{scene.prefix}-KHOI").json()["rows"]
    inbox = get(scene, "notify", f"/v1/units/{first}/notifications", who="unit").json()["items"]
    cards = {unit: scorecard(scene, unit, "2025-05") for unit in (first, second)}
    return {
        "standings": [(r["subject_id"], r["score"], r["rank"], r["band"]) for r in rows],
        "cards": {unit: (on_time(card), card["score"], card["evidence"]) for unit, card in cards.items()},
        # The daily digest may join the inbox at any time (it is due after a start): the alerts are compared.
        "inbox": sorted((i["id"], i["kind"], i["title"]) for i in inbox if i["kind"] != "digest"),
    }


def resend_is_duplicate_and_new_evidence_counts(scene: Scene, code: str, *, through_kafka: bool = False) -> None:
    """Every event sent so far answers `duplicate`; one new dossier of the first unit (over HTTP, or through Kafka
    as the source's own user) reaches its scorecard."""
    sent = list(scene.sent)  # those sent through Kafka too: the ledger knows them by source and event id
    for start in range(0, len(sent), 100):
        post(scene, sent[start : start + 100], expect="duplicate")
    first = scene.unit(1)
    before = on_time(scorecard(scene, first, "2025-05"))[1]
    fresh = processed(first, code, 5, late=False)
    if through_kafka:
        produce_as_source(scene, fresh)
    else:
        post(scene, [fresh])

    def counted() -> None:
        assert on_time(scorecard(scene, first, "2025-05"))[1] == before + 1

    scene.stack.eventually(counted, timeout=120, what=f"{code} on the scorecard after the restart")


def test_stop_and_start_keeps_the_data(scene: Scene) -> None:
    """`podman-compose stop` then `start`: the same standings, scorecards and inbox; resent events are duplicates."""
    before = snapshot(scene)
    scene.stack.stop()
    scene.timings["start after stop"] = scene.stack.start()
    assert snapshot(scene) == before
    resend_is_duplicate_and_new_evidence_counts(scene, "HS-AFTER-STOP")
    print(
        f"[compose] stop + start: ready again in {scene.timings['start after stop']:.1f} s, data kept;"
        f" restarts by the policy while Kafka came up: {scene.stack.restarts()}"
    )


def test_down_and_up_with_the_volumes_keeps_the_data(scene: Scene) -> None:
    """`podman-compose down` (no -v: an upgrade recreates the containers) then `up`: Kafka's log and PostgreSQL's
    data come back from their volumes; the source's Kafka user, kept only in Kafka's metadata, still signs in."""
    before = snapshot(scene)
    old = scene.stack.container("scoring")
    old_id = scene.stack.podman("inspect", "--format", "{{.Id}}", old).stdout.strip()
    scene.stack.compose("down", "-t", "10", timeout=300)
    scene.timings["up after down"] = scene.stack.up()
    new_id = scene.stack.podman("inspect", "--format", "{{.Id}}", scene.stack.container("scoring")).stdout.strip()
    assert new_id != old_id, "the containers were recreated"
    assert snapshot(scene) == before
    resend_is_duplicate_and_new_evidence_counts(scene, "HS-AFTER-DOWN", through_kafka=True)
    listed = sql(scene, "SELECT count(*) FROM auth.tokens WHERE revoked_at IS NULL")
    assert int(listed) >= 4
    print(f"[compose] down + up: ready again in {scene.timings['up after down']:.1f} s, data kept")


def stream_with_a_fault(scene: Scene, unit: str, month: int, fault: Callable[[], None]) -> int:
    """PER_ROUND dossiers of unit in month: FIRST in one request, fault() as soon as it is answered (scoring is
    still applying them), then the rest in batches of BATCH; the number of late ones."""
    events = [processed(unit, f"K{month}-{d}", month, late=d % 3 == 0) for d in range(PER_ROUND)]
    post(scene, events[:FIRST])
    fault()
    sent = sum(1 for event in scene.sent if event["unit_id"] == unit)
    applied = sql(scene, f"SELECT count(*) FROM scoring.inbox WHERE unit_id = '{unit}'")
    print(f"[compose] 2025-{month:02d}: scoring had applied {applied} of the {sent} events of {unit} when killed")
    for start in range(FIRST, len(events), BATCH):
        post(scene, events[start : start + BATCH])
    return sum(1 for d in range(PER_ROUND) if d % 3 == 0)


def test_scoring_killed_mid_stream_loses_and_doubles_nothing(scene: Scene) -> None:
    """Scoring killed while a stream is in flight, twice: `podman kill` (the operator starts it again with
    `podman-compose start scoring`) and SIGKILL of its process (a crash: the restart policy brings it back). The
    scorecards count exactly what was sent, and the ledger and scoring's inbox hold every event once."""
    stack, unit = scene.stack, scene.unit(3)
    post(scene, [registered(unit, "Sở Tài chính", f"{scene.prefix}-KHOI")])
    name = stack.container("scoring")
    stack.eventually(lambda: scorecard(scene, scene.unit(1), "2025-05"), timeout=30, what="scoring answering")

    def podman_kill() -> None:
        stack.podman("kill", name)

    late_june = stream_with_a_fault(scene, unit, 6, podman_kill)
    assert stack.containers()["scoring"]["state"] == "exited", "podman kill is a stop by the user: no restart"
    started = time.monotonic()
    stack.compose("start", "scoring")
    stack.wait_ready(["scoring"], deadline=time.monotonic() + 180)
    scene.timings["scoring back after podman kill"] = time.monotonic() - started

    restarts = int(stack.podman("inspect", "--format", "{{.RestartCount}}", name).stdout)

    def crash() -> None:
        pid = int(stack.podman("inspect", "--format", "{{.State.Pid}}", name).stdout)
        os.kill(pid, signal.SIGKILL)  # the service's own process: not a stop by the user, so the policy applies

    late_july = stream_with_a_fault(scene, unit, 7, crash)
    started = time.monotonic()

    def restarted() -> None:
        assert int(stack.podman("inspect", "--format", "{{.RestartCount}}", name).stdout) == restarts + 1
        stack.wait_ready(["scoring"], deadline=time.monotonic() + 5)

    stack.eventually(restarted, timeout=180, what="scoring restarted by its restart policy", interval=2)
    scene.timings["scoring back after SIGKILL (policy)"] = time.monotonic() - started

    for month, late in ((6, late_june), (7, late_july)):

        def exact(month: int = month, late: int = late) -> None:
            card = scorecard(scene, unit, f"2025-{month:02d}")
            assert on_time(card) == (PER_ROUND - late, PER_ROUND), on_time(card)
            assert card["evidence"]["dossiers_judged"] == PER_ROUND

        stack.eventually(exact, timeout=240, what=f"{unit}'s scorecard of 2025-{month:02d}", interval=2)
    sent = sum(1 for event in scene.sent if event["unit_id"] == unit)
    assert sent == 1 + 2 * PER_ROUND
    ledger = sql(
        scene, f"SELECT count(*) || '/' || count(DISTINCT event_id) FROM evidence.ledger WHERE unit_id = '{unit}'"
    )
    inbox = sql(
        scene, f"SELECT count(*) || '/' || count(DISTINCT event_id) FROM scoring.inbox WHERE unit_id = '{unit}'"
    )
    assert ledger == inbox == f"{sent}/{sent}", (ledger, inbox)
    print(
        f"[compose] scoring killed twice mid-stream: {sent} events, on time {PER_ROUND - late_june}/{PER_ROUND} and "
        f"{PER_ROUND - late_july}/{PER_ROUND}, ledger {ledger}, scoring inbox {inbox}; back in "
        f"{scene.timings['scoring back after podman kill']:.1f} s (podman-compose start) and "
        f"{scene.timings['scoring back after SIGKILL (policy)']:.1f} s (restart policy)"
    )
    print("[compose] timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in scene.timings.items()))


def test_a_failed_wait_names_what_and_quotes_the_logs(scene: Scene) -> None:
    """A wait that cannot succeed fails within its bound, naming what it waited for and quoting the containers'
    logs (what every other wait of this module shows when it fails)."""
    started = time.monotonic()

    def never() -> None:
        raise AssertionError("never")

    with pytest.raises(StackError) as failed:
        scene.stack.eventually(never, timeout=2, what="an impossible wait")
    assert time.monotonic() - started < 60
    assert "an impossible wait: not within 2 s" in str(failed.value)
    assert "--- scoring (running, exit 0)" in str(failed.value)
