"""The Quix Streams peer of scoring: the same counters from evidence.accepted.v1, kept in Quix's RocksDB state.

    .venv/bin/python -m bench.peer_quix --events 20000 --guarantee exactly-once --min-seconds 60 --out c.json

Reads the whole topic with a fresh consumer group (earliest offsets) and a fresh state directory per pass,
and stops once it has processed `--events` records (0: as many as the topic holds now). The Kafka access is
the process's (KAFKA_* variables, the operator's admin user on the bench stack: Quix creates its changelog
topics). Prints one JSON line: events, seconds, events_per_s (over all passes, each timed from its first
record processed to its last checkpoint committed), passes, and the first pass's figures.

Semantics are scoring's by construction: each record is decoded by our decoder, classified by `meaning`,
merged into its case with `cases.merge`, and (new − old) `contribution` is added to the counters, with the
complaint → dossier verdict hand-over of `apply_cases`. The State is keyed by the record key (the unit), which
holds every case and counter of that unit: the case state with the moment it was judged at, each counter
cell, and one marker per event (the dedup by source and event id that scoring's inbox does, and the target
of a later retraction). The counters reported are the values written to the State, collected as each record
is processed (the last write of each cell wins), never recomputed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.scoring.config import RULES
from services.scoring.domain import cases as c
from services.scoring.domain.contributions import CounterKey, Tally, difference
from services.scoring.domain.evidence import CaseEvent, Fact, Retraction, meaning
from services.scoring.domain.judging import CaseId, case_view, contribution, hand_verdict
from services.scoring.domain.rulebook import Rules
from thidua.runtime.decoding import Poison, decode_evidence
from thidua.runtime.kafka_access import KafkaAccess

TOPIC = "evidence.accepted.v1"
GUARANTEES = ("exactly-once", "at-least-once")
Cell = tuple[str, str, str, str, str, float, float]  # counter key and its (num, den) as now in the State
Counters = dict[CounterKey, tuple[float, float]]


@dataclass
class Pass:
    """One pass over the topic: its timing and the counters as written to the State."""

    first: float = 0.0
    last: float = 0.0
    processed: int = 0
    counters: Counters = field(default_factory=dict)


def _case_state_key(case: CaseId) -> str:
    return "case|" + "|".join(case)


def _counter_key(key: CounterKey) -> str:
    return "n|" + "|".join(key)


def apply_cases(
    state: Any,
    events: dict[CaseId, list[tuple[str, CaseEvent]]],
    retractions: dict[CaseId, list[str]],
    rules: Rules,
    now: datetime,
) -> list[Cell]:
    """Scoring's apply_cases against the Quix State: merge, add new − old contribution, hand verdicts on."""
    deltas: dict[CounterKey, list[float]] = {}
    while events or retractions:
        derived: dict[CaseId, list[tuple[str, CaseEvent]]] = {}
        for case in sorted(set(events) | set(retractions)):
            kind, unit, case_id = case
            stored = state.get(_case_state_key(case))
            old_view: c.Dossier | c.Complaint | None = None
            old: Tally = {}
            if stored is None:
                merged = c.empty()
            else:
                merged = stored["state"]
                old_view = case_view(kind, unit, case_id, merged)
                old = contribution(old_view, datetime.fromisoformat(stored["as_of"]), rules)
            for key, event in events.get(case, []):
                merged = c.merge(merged, event.slot, key, event.record)
            for key in retractions.get(case, []):
                merged = c.retract(merged, key)
            view = case_view(kind, unit, case_id, merged)
            for counter, (num, den) in difference(contribution(view, now, rules), old).items():
                cell = deltas.setdefault(counter, [0.0, 0.0])
                cell[0] += num
                cell[1] += den
            if isinstance(view, c.Complaint):
                hand_verdict(old_view if isinstance(old_view, c.Complaint) else None, view, derived)
            state.set(_case_state_key(case), {"state": merged, "as_of": now.isoformat()})
        events, retractions = derived, {}
    cells: list[Cell] = []
    for counter, (num, den) in deltas.items():
        name = _counter_key(counter)
        was = state.get(name) or (0.0, 0.0)
        now_num, now_den = was[0] + num, was[1] + den
        state.set(name, (now_num, now_den))
        cells.append((*counter, now_num, now_den))
    return cells


def processor(rules: Rules, run: Pass) -> Callable[[bytes, Any], list[Cell]]:
    """The stateful step: one accepted record → the counter cells it changed, with their new values."""

    def process(value: bytes, state: Any) -> list[Cell]:
        if not run.first:
            run.first = time.perf_counter()
        try:
            event = decode_evidence(value)
        except Poison:
            return []  # scoring parks such a record; nothing is counted
        source = event.source or ""
        seen = f"seen|{source}|{event.event_id}"
        if state.exists(seen):
            return []  # a repeat: scoring's inbox reports it duplicate
        m = meaning(event)
        now = datetime.now(UTC)
        if isinstance(m, CaseEvent):
            state.set(seen, m.case_key)
            early = f"early|{source}|{event.event_id}"
            key = f"{source}:{event.event_id}"
            case = (m.kind, m.unit_id, m.case_id)
            retracted = {case: [key]} if state.exists(early) else {}
            return apply_cases(state, {case: [(key, m)]}, retracted, rules, now)
        state.set(seen, "fact" if isinstance(m, Fact) else "")
        if not isinstance(m, Retraction):
            return []
        target = state.get(f"seen|{source}|{m.target_event_id}")
        if target is None:
            state.set(f"early|{source}|{m.target_event_id}", True)  # applied when its target arrives
            return []
        if target in ("", "fact"):
            return []  # facts feed no counter
        kind, unit, case_id = target.split("|", 2)
        return apply_cases(state, {}, {(kind, unit, case_id): [f"{source}:{m.target_event_id}"]}, rules, now)

    return process


def topic_size(access: KafkaAccess, topic: str = TOPIC) -> int:
    """Records the topic holds now (high minus low watermark over its partitions)."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({**access.confluent_config(), "group.id": f"peer-size-{uuid.uuid4().hex}"})
    try:
        partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
        total = 0
        for p in partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)
            total += high - low
        return total
    finally:
        consumer.close()


def run_pass(access: KafkaAccess, events: int, guarantee: str, rules: Rules) -> Pass:
    """One pass: a fresh group and state directory, stopped after `events` records; the State's counters."""
    from quixstreams import Application
    from quixstreams.kafka.configuration import ConnectionConfig

    run = Pass()
    state_dir = tempfile.mkdtemp(prefix="peer-quix-state-")
    try:
        app = Application(
            broker_address=ConnectionConfig.from_librdkafka_dict(access.confluent_config()),
            consumer_group=f"peer-quix-{uuid.uuid4().hex[:12]}",
            auto_offset_reset="earliest",
            processing_guarantee="exactly-once" if guarantee == "exactly-once" else "at-least-once",
            state_dir=state_dir,
            loglevel="WARNING",
        )
        topic = app.topic(TOPIC, key_deserializer="str", value_deserializer="bytes")
        sdf = app.dataframe(topic)
        sdf = sdf.apply(processor(rules, run), stateful=True)

        def collect(cells: list[Cell]) -> None:
            for *key, num, den in cells:
                run.counters[(key[0], key[1], key[2], key[3], key[4])] = (num, den)
            run.processed += 1

        sdf = sdf.update(collect)
        app.run(count=events, collect=False)
        run.last = time.perf_counter()  # the last checkpoint (state, changelog, offsets) is committed
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)
    if run.processed < events:
        raise RuntimeError(f"the peer stopped after {run.processed} of {events} records")
    return run


def measure(events: int, guarantee: str, min_seconds: float, access: KafkaAccess | None = None) -> dict[str, Any]:
    """Passes until min_seconds have been spent processing; totals and the first pass's counters."""
    from services.scoring.adapters.rulefiles import load_rules

    if guarantee not in GUARANTEES:
        raise ValueError(f"guarantee must be one of {', '.join(GUARANTEES)}")
    access = access or KafkaAccess.from_env()
    events = events or topic_size(access)
    rules = load_rules(RULES)
    passes: list[Pass] = []
    while not passes or sum(p.last - p.first for p in passes) < min_seconds:
        passes.append(run_pass(access, events, guarantee, rules))
    seconds = sum(p.last - p.first for p in passes)
    first = passes[0]
    return {
        "guarantee": guarantee,
        "events": events * len(passes),
        "seconds": seconds,
        "events_per_s": events * len(passes) / seconds,
        "passes": len(passes),
        "first_pass": {"events": events, "seconds": first.last - first.first},
        "counters": first.counters,
    }


def counters_to_json(counters: Counters) -> list[list[Any]]:
    """Counters as JSON rows [subject_kind, subject_id, unit_id, period, counter, num, den]."""
    return [[*key, num, den] for key, (num, den) in sorted(counters.items())]


def counters_from_json(rows: list[list[Any]]) -> Counters:
    """The inverse of counters_to_json."""
    return {(r[0], r[1], r[2], r[3], r[4]): (float(r[5]), float(r[6])) for r in rows}


def run_peer(events: int, guarantee: str, min_seconds: float) -> dict[str, Any]:
    """Run the peer in a child process (this process's Kafka access); its figures and first pass's counters."""
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="peer-quix-") as tmp:
        out = Path(tmp) / "counters.json"
        command = [sys.executable, "-m", "bench.peer_quix", "--events", str(events), "--guarantee", guarantee]
        command += ["--min-seconds", str(min_seconds), "--out", str(out)]
        done = subprocess.run(command, cwd=root, env=dict(os.environ), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"peer failed ({done.returncode}): {done.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        result["counters"] = counters_from_json(json.loads(out.read_text(encoding="utf-8")))
    return result


def main() -> None:
    """CLI: measure, write the first pass's counters to --out, print the figures as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=0, help="records to process per pass (0: the topic's size)")
    parser.add_argument("--guarantee", choices=GUARANTEES, default="exactly-once")
    parser.add_argument("--min-seconds", type=float, default=0.0, help="repeat passes until this much time")
    parser.add_argument("--out", type=Path, help="JSON file for the first pass's counters")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    result = measure(args.events, args.guarantee, args.min_seconds)
    counters = result.pop("counters")
    if args.out:
        args.out.write_text(json.dumps(counters_to_json(counters)), encoding="utf-8")
    print(json.dumps({**result, "cells": len(counters)}), flush=True)


if __name__ == "__main__":
    main()
