"""Scoring's Python per backfilled event, in-process: decode, plan and decide batches of the bench's dataset with
nothing stored (a backfill's common case), in process time; prints µs per event of each step and a signature of
what was decided (deltas, rows, alerts, facts), which must not change when the code gets faster.

    python -m bench.scoring_decide [--events 40000] [--batch 2000] [--one-by-one]"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from bench.dataset import make_event
from services.scoring.adapters.rulefiles import read_rules_file
from services.scoring.config import RULES
from services.scoring.domain import batch
from services.scoring.domain.batch_decide import Decided, Loaded, decide
from services.scoring.domain.rulebook import rules_from
from thidua.runtime.decoding import EVIDENCE_DECODER, decode_evidence

NOW = datetime(2026, 1, 10, tzinfo=UTC)


def signature(decided: Decided) -> bytes:
    """What a batch decided, as comparable text (floats rounded past their noise)."""
    passes = [
        (
            sorted((k, [round(x, 9) for x in v]) for k, v in done.deltas.items()),
            done.rows,
            [a.model_dump_json() for a in done.alerts],
        )
        for done in decided.passes
    ]
    facts = [(f[0], f[1], repr(f[2]), f[3]) for f in decided.facts]
    affected = (sorted(decided.affected.units), sorted(decided.affected.officers))
    return repr(
        (affected, sorted(decided.tracking), sorted(decided.attributions), passes, facts, decided.early)
    ).encode()


def run(values: list[bytes], size: int, decode: Callable[[Sequence[bytes]], list[Any]]) -> tuple[list[float], str]:
    """Seconds of decode, plan and decide over every batch, and the signature of all that was decided."""
    rules = rules_from(read_rules_file(RULES))
    spent = [0.0, 0.0, 0.0]
    digest = hashlib.sha256()
    for start in range(0, len(values), size):
        t0 = time.process_time()
        events = list(zip(decode(values[start : start + size]), range(start, start + size), strict=False))
        t1 = time.process_time()
        plan = batch.plan(events)
        t2 = time.process_time()
        decided = decide(plan, Loaded(fresh=set(plan.meanings)), rules=rules, now=NOW)
        t3 = time.process_time()
        spent = [spent[0] + t1 - t0, spent[1] + t2 - t1, spent[2] + t3 - t2]
        digest.update(signature(decided))
    return spent, digest.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=40_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--one-by-one", action="store_true", help="decode each record alone (as before batches)")
    args = parser.parse_args()
    rng = random.Random(7)
    values = [json.dumps(make_event(n, rng, "bench")[1]).encode() for n in range(args.events)]
    one: Callable[[Sequence[bytes]], list[Any]] = lambda vs: [decode_evidence(v) for v in vs]  # noqa: E731
    spent, digest = run(values, args.batch, one if args.one_by_one else EVIDENCE_DECODER.many)
    per = [s / args.events * 1e6 for s in spent]
    print(f"decode {per[0]:.2f} µs/event  plan {per[1]:.2f}  decide {per[2]:.2f}  total {sum(per):.2f}")
    print(f"signature {digest}")


if __name__ == "__main__":
    main()
