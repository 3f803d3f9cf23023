"""The demo's present year and live day: pure, deterministic, never after now, calibrated, spread over bands."""

from __future__ import annotations

import functools
import itertools
import json
import tomllib
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from schemas.evidence import EVIDENCE_ADAPTER
from thidua.operator.demo import events
from thidua.operator.demo_live_day import live_events
from thidua.operator.demo_map import FORMER, FORMER_IDS, MERGED_AT, SUCCESSOR, former_units, transferred
from thidua.operator.demo_present import after_close_events, directory, present_events
from thidua.operator.demo_profiles import TimedEvent, in_office_hours, profiles
from thidua.operator.demo_units import VN, province

SEED = 7
TODAY = date(2026, 11, 25)
RULEBOOK = tomllib.loads((Path(__file__).parents[2] / "services/scoring/rules/rulebook.toml").read_text())


@functools.cache
def _present(today: date = TODAY) -> tuple[tuple[str, dict[str, Any]], ...]:
    return tuple(present_events(SEED, today))


def _bodies(today: date = TODAY) -> list[dict[str, Any]]:
    return [body for _, body in _present(today)]


def _live(start: datetime, n: int, tick: float = 0.1) -> list[TimedEvent]:
    return list(itertools.islice(live_events(SEED, start, timedelta(seconds=tick)), n))


def test_the_same_seed_and_date_give_the_same_events_and_an_earlier_date_a_part_of_them() -> None:
    early = list(present_events(SEED, date(2026, 3, 2)))
    assert early == list(present_events(SEED, date(2026, 3, 2)))
    later = {json.dumps(body, sort_keys=True) for _, body in _present(date(2026, 4, 15))}
    assert all(json.dumps(body, sort_keys=True) in later for _, body in early)  # a day's events never change
    assert len(later) > len(early) + 5000


def test_nothing_happens_from_today_on_and_every_envelope_is_valid() -> None:
    cutoff = datetime(2026, 11, 25, tzinfo=VN)
    bodies = _bodies()
    directory = ("unit.registered", "officer.registered", "unit.reorganized")  # the closed year's, re-sent
    current = [b for b in bodies if b["type"] not in directory]
    assert max(datetime.fromisoformat(b["occurred_at"]) for b in bodies) < cutoff
    assert min(datetime.fromisoformat(b["occurred_at"]) for b in current) >= datetime(2026, 1, 1, tzinfo=VN)
    for body in bodies[::7]:
        EVIDENCE_ADAPTER.validate_python(body)
    ids = Counter((b["source"], b["event_id"]) for b in bodies)
    assert max(ids.values()) == 1


def test_ids_never_collide_with_the_closed_year_and_the_directory_is_the_same() -> None:
    closed = {(b["source"], b["event_id"]): b for _, b in events(SEED, 2025, 500)}
    present = {(b["source"], b["event_id"]): b for b in _bodies()}
    shared = closed.keys() & present.keys()
    assert {present[k]["type"] for k in shared} == {"unit.registered", "officer.registered", "unit.reorganized"}
    assert len(shared) == sum(1 for _ in directory(SEED))
    assert all(closed[k] == present[k] for k in shared)  # re-sent byte for byte: reported duplicate
    codes_2025 = {b["payload"]["dossier_code"] for b in closed.values() if b["type"] == "procedure.processed"}
    assert not codes_2025 & {
        b["payload"]["dossier_code"] for b in present.values() if b["type"] == "procedure.processed"
    }


def test_every_unit_has_twenty_finished_dossiers_by_the_end_of_january() -> None:
    units = {u.unit_id for u in province(__import__("random").Random(SEED))}
    finished = Counter(b["unit_id"] for b in _bodies(date(2026, 2, 1)) if b["type"] == "procedure.processed")
    assert set(finished) == units
    assert min(finished.values()) >= 20  # index.min_dossiers: every unit is ranked from February on


def test_rates_are_calibrated_to_the_seeds_and_differ_by_unit() -> None:
    bodies = _bodies()
    dossiers = [b for b in bodies if b["type"] == "procedure.processed"]
    per_unit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in dossiers:
        per_unit[d["unit_id"]].append(d["payload"])
    assert 380 <= min(len(v) for v in per_unit.values()) and max(len(v) for v in per_unit.values()) <= 650

    def on_time(p: dict[str, Any]) -> bool:
        return p["finished_at"] <= p["due_at"]

    rates = {u: sum(map(on_time, ps)) / len(ps) for u, ps in per_unit.items()}
    assert 0.85 <= sum(rates.values()) / len(rates) <= 0.97 and max(rates.values()) - min(rates.values()) > 0.1
    online = {u: sum(p["channel"] == "online" for p in ps) / len(ps) for u, ps in per_unit.items()}
    assert 0.4 <= sum(online.values()) / len(online) <= 0.75  # Nam Định: 1,030 of 1,716 procedures online
    assert min(online.values()) < 0.5 < max(online.values())  # the 766 threshold splits the units
    catalogue = [b["payload"] for b in bodies if b["type"] == "procedure.catalogued"]
    assert 0.6 <= sum(p["online"] for p in catalogue) / len(catalogue) <= 0.95
    assert sum(p["published"] for p in catalogue) / len(catalogue) >= 0.9  # target: 100 % published
    ratings = [b["payload"]["satisfied"] for b in bodies if b["type"] == "procedure.rated"]
    assert 0.85 <= sum(ratings) / len(ratings) <= 0.97  # target ≥ 80 % satisfied; Tuyên Quang: 93.67 % good
    registered = {
        (b["unit_id"], b["officer_id"])
        for b in bodies
        if b["type"] == "officer.registered" and b["event_id"].startswith("y2026-")
    }
    officers = Counter(unit for unit, _ in registered)  # each officer restated in January with the 2026 fields
    trained = Counter(b["unit_id"] for b in bodies if b["type"] == "training.completed")
    shares = [trained[u] / officers[u] for u in officers]
    assert 0.55 <= sum(shares) / len(shares) <= 0.85 and max(shares) - min(shares) > 0.25
    inspected = Counter(b["unit_id"] for b in bodies if b["type"] == "inspection.recorded")
    assert set(inspected) == set(officers)  # every unit has culture evidence (headcount and an inspection)
    complaints = Counter(b["unit_id"] for b in bodies if b["type"] == "complaint.received")
    assert 150 <= sum(complaints.values()) <= 400
    resolved = [b["payload"] for b in bodies if b["type"] == "complaint.resolved"]
    assert 0 < sum(p["substantiated"] for p in resolved) < len(resolved) / 3


def _band(score: float) -> str:
    return next(name for name, low in RULEBOOK["bands"].items() if score >= low)


def test_the_units_spread_over_bands_in_every_cluster() -> None:
    """An estimate of the service index over the dossier indicators, with the rulebook's thresholds and maxima."""
    indicators = RULEBOOK["index"]["indicators"]
    per_unit: dict[str, Counter[str]] = defaultdict(Counter)
    for b in _bodies():
        if b["type"] != "procedure.processed":
            continue
        p, c = b["payload"], per_unit[b["unit_id"]]
        c["n"] += 1
        c["on_time"] += p["finished_at"] <= p["due_at"]
        c["online_submission"] += p["channel"] == "online"
        c["fees"] += p["fee_required"]
        c["online_payment"] += p["paid_online"]
        c["digitised"] += p["digitized"] and p["e_result"]
        c["data_reuse"] += p["data_reused"]
    estimate: dict[str, float] = {}
    for unit, c in per_unit.items():
        got = total = 0.0
        for code in ("on_time", "online_submission", "online_payment", "digitised", "data_reuse"):
            rate = c[code] / (c["fees"] if code == "online_payment" else c["n"])
            got += indicators[code]["max"] * min(1.0, rate / indicators[code]["threshold"])
            total += indicators[code]["max"]
        estimate[unit] = 100 * got / total
    units = province(__import__("random").Random(SEED))
    assert len({_band(s) for s in estimate.values()}) >= 3
    for cluster in {u.cluster_id for u in units}:
        scores = [estimate[u.unit_id] for u in units if u.cluster_id == cluster]
        assert max(scores) - min(scores) > 15, cluster
    quality = profiles(SEED, units)
    best = max(units, key=lambda u: quality[u.unit_id].quality)
    worst = min(units, key=lambda u: quality[u.unit_id].quality)
    assert estimate[best.unit_id] > estimate[worst.unit_id] + 20


def test_the_live_day_is_deterministic_in_time_order_and_never_ahead_of_its_tick() -> None:
    start = datetime(2026, 11, 25, 9, 30, tzinfo=VN)
    first = _live(start, 6000)
    assert first == _live(start, 6000)
    assert [at for at, _, _ in first] == [start + timedelta(seconds=0.1 * k) for k in range(6000)]
    for at, _, body in first:
        assert datetime.fromisoformat(body["occurred_at"]) <= at
    ids = Counter((b["source"], b["event_id"]) for _, _, b in first)
    assert max(ids.values()) == 1
    for _, _, body in first[::5]:
        EVIDENCE_ADAPTER.validate_python(body)
    later = {b["event_id"] for _, _, b in _live(start + timedelta(seconds=1), 500)}
    assert not later & {b["event_id"] for _, _, b in first}  # a restart never collides with an earlier run


def test_the_live_day_finishes_dossiers_and_lets_some_run_late_for_alerts() -> None:
    start = datetime(2026, 11, 25, 9, 30, tzinfo=VN)
    stream = _live(start, 12000)  # twenty minutes at 10 events a second
    kinds = Counter(b["type"] for _, _, b in stream)
    assert kinds["procedure.processed"] > 0.5 * len(stream)
    for kind in (
        "procedure.received",
        "procedure.rated",
        "procedure.published",
        "complaint.received",
        "complaint.resolved",
        "training.completed",
        "inspection.recorded",
    ):
        assert kinds[kind] > 0, kind
    received = {
        b["payload"]["dossier_code"]: (at, b["payload"]) for at, _, b in stream if b["type"] == "procedure.received"
    }
    due_soon = [p for _, p in received.values() if datetime.fromisoformat(p["due_at"]) - start < timedelta(hours=1)]
    assert len(due_soon) >= 36  # about one a unit in ten minutes: the due-soon alerts
    overdue = 0
    for at, _, b in stream:
        p = b["payload"]
        if b["type"] == "procedure.processed" and p["dossier_code"] in received:
            assert at >= received[p["dossier_code"]][0]  # finished after it was received
            due = datetime.fromisoformat(p["due_at"])
            overdue += datetime.fromisoformat(p["finished_at"]) > due and due < start + timedelta(minutes=10)
    assert overdue >= 3  # still open when due within the first ten minutes: overdue alerts
    units = {b["unit_id"] for _, _, b in stream if b["type"] == "procedure.processed"}
    assert len(units) == 36


def test_outside_office_hours_dossiers_arrive_online_only() -> None:
    night = datetime(2026, 11, 28, 22, 0, tzinfo=VN)  # a Saturday evening
    assert not in_office_hours(night) and in_office_hours(datetime(2026, 11, 25, 9, 0, tzinfo=VN))
    received = [b["payload"] for _, _, b in _live(night, 3000) if b["type"] == "procedure.received"]
    assert received and {p["channel"] for p in received} == {"online"}
    day = [
        b["payload"]
        for _, _, b in _live(datetime(2026, 11, 25, 9, 0, tzinfo=VN), 3000)
        if b["type"] == "procedure.received"
    ]
    assert {p["channel"] for p in day} > {"online"}


def test_the_2026_law_s_facts_staff_kind_peer_group_a_late_2025_violation_and_december_ratings() -> None:
    """Decree 335/2025 (công chức, peer groups, ratings before 15 December) and the violation's year (issue 22)."""
    before, during = _bodies(), _bodies(date(2026, 12, 16))
    restated = [b for b in before if b["type"] == "officer.registered" and b["event_id"].startswith("y2026-")]
    assert len(restated) == len({b["officer_id"] for b in before if b["type"] == "officer.registered"})
    kinds = Counter(b["payload"]["staff_kind"] for b in restated)
    assert 0.05 < kinds["public_employee"] / len(restated) < 0.2 and kinds.keys() == {
        "civil_servant",
        "public_employee",
    }
    assert len({b["payload"]["peer_group"] for b in restated}) == 3
    assert not [b for b in before if b["event_id"].startswith("y2026-disc-late-")]  # sent after the close
    late = [b for _, b in after_close_events(SEED, TODAY)]
    assert len(late) == 1 and late[0]["payload"]["violation_at"].startswith("2025-11-20")
    assert late[0]["payload"]["decided_at"].startswith("2026-01-12")
    # Ratings arrive on each unit's December rating day: none by 25 November, every unit's by 16 December.
    assert not [b for b in before if b["type"] == "evaluation.recorded"]
    rated = [b for b in during if b["type"] == "evaluation.recorded"]
    units = {u.unit_id for u in province(__import__("random").Random(SEED))}
    assert {b["unit_id"] for b in rated if "officer_id" not in b} == units
    officers = len(restated)
    assert 0.93 * officers < sum(1 for b in rated if "officer_id" in b) < officers  # a few not rated
    for body in rated[::50] + late:
        EVIDENCE_ADAPTER.validate_python(body)


def test_the_present_year_stands_on_the_map_of_1_july_2025_and_never_names_a_former_unit() -> None:
    """Issue 24: the directory re-sends the merger and the rebuilt clusters; after it nobody speaks of the former
    units, and their officers work (are restated, trained, rated) in the unit they joined."""
    bodies = _bodies(date(2026, 12, 16))
    changes = [b for b in bodies if b["type"] == "unit.reorganized"]
    assert {b["payload"]["kind"] for b in changes} == {"merge", "dissolution"}
    assert {u for b in changes for u in b["payload"]["predecessors"]} == FORMER_IDS
    latest: dict[str, dict[str, Any]] = {}
    for b in bodies:
        if b["type"] == "unit.registered":
            latest[b["unit_id"]] = b
    units = {u.unit_id for u in province(__import__("random").Random(SEED))}
    assert all(latest[u]["payload"]["cluster_since"] == MERGED_AT.isoformat() for u in units)
    assert {latest[u]["payload"]["cluster_id"] for u in units} == {"KHOI-SO-1", "KHOI-SO-2", "CUM-PHUONG", "CUM-XA"}
    ends = {f.unit_id: f.ends_at for f in FORMER}
    former_officers = {o: f for f, u in former_units(SEED) for o in u.officers}
    for b in bodies:
        at = datetime.fromisoformat(b["occurred_at"])
        if b["unit_id"] in ends:
            assert at < ends[b["unit_id"]] or b["type"] == "unit.reorganized", b
        if at > MERGED_AT:  # the merger itself is dated on it
            assert not set(b["payload"].get("predecessors", ())) and b["unit_id"] not in FORMER_IDS, b
        if b.get("officer_id") in former_officers and at >= ends[former_officers[b["officer_id"]].unit_id]:
            assert b["unit_id"] == former_officers[b["officer_id"]].receiver, b
    joined = transferred(SEED)
    assert set(joined) == {SUCCESSOR, "H40.10"}
    restated = {
        b["officer_id"]: b["unit_id"]
        for b in bodies
        if b["type"] == "officer.registered" and b["event_id"].startswith("y2026-")
    }
    assert all(restated[o] == unit for unit, officers in joined.items() for o in officers)
    rated = {
        b["officer_id"]: b["unit_id"] for b in bodies if b["type"] == "evaluation.recorded" and b.get("officer_id")
    }
    assert sum(rated.get(o) == SUCCESSOR for o in joined[SUCCESSOR]) > 0.9 * len(joined[SUCCESSOR])


def test_the_live_day_never_sends_evidence_of_a_former_unit() -> None:
    stream = _live(datetime(2026, 11, 25, 9, 30, tzinfo=VN), 6000)
    former_officers = {o for _, u in former_units(SEED) for o in u.officers}
    assert not {b["unit_id"] for _, _, b in stream} & FORMER_IDS
    named = {b.get("officer_id") for _, _, b in stream} | {b["payload"].get("officer_id") for _, _, b in stream}
    assert not named & former_officers - {None}


def test_the_2026_dossiers_name_their_officer_and_some_are_returned_or_excused() -> None:
    """Issue 26, Decree 335/2025 Art. 14: each dossier is the work of the officer who handled it (envelope officer_id),
    a few are returned for an error, and the competent level confirms an objective cause for some delays and returns."""
    bodies = _bodies()
    officers = {u.unit_id: set(u.officers) for u in province(__import__("random").Random(SEED))}
    processed = {
        (b["unit_id"], b["payload"]["dossier_code"]): b
        for b in bodies
        if b["type"] == "procedure.processed" and "-HS2026-" in b["payload"]["dossier_code"]
    }
    assert all(b["officer_id"] in officers[unit] for (unit, _), b in processed.items())
    returned = [b for b in bodies if b["type"] == "procedure.returned"]
    assert 0.005 < len(returned) / len(processed) < 0.05
    for r in returned:
        dossier = processed[(r["unit_id"], r["payload"]["dossier_code"])]
        assert r["officer_id"] == dossier["officer_id"]  # the return counts against the one who handled it
        assert r["payload"]["returned_at"] > dossier["payload"]["finished_at"]
    causes = [b for b in bodies if b["type"] == "objective_cause.confirmed"]
    kinds = Counter(b["payload"]["deduction"] for b in causes)
    assert kinds["late"] > 50 and kinds["quality"] > 5
    returned_codes = {(r["unit_id"], r["payload"]["dossier_code"]) for r in returned}
    for cause in causes:
        key = (cause["unit_id"], cause["payload"]["dossier_code"])
        p = processed[key]["payload"]
        if cause["payload"]["deduction"] == "late":
            assert datetime.fromisoformat(p["finished_at"]) > datetime.fromisoformat(p["due_at"])
        else:
            assert key in returned_codes
    for body in returned[::20] + causes[::20]:
        EVIDENCE_ADAPTER.validate_python(body)


def test_heads_assess_a_few_officers_monthly_one_leave_and_a_few_weighted_procedures() -> None:
    """Issue 26: officer.assessed per month (Decree 335/2025 Art. 12-13: the manager's points, ≤ the rule file's
    maxima), one leave.recorded covering August whole (Art. 21), catalogue weights (Art. 14's converted units)."""
    general = RULEBOOK["tracking"]["general"]
    assessed = [b for b in _bodies() if b["type"] == "officer.assessed"]
    periods = Counter(b["payload"]["period"] for b in assessed)
    assert set(periods) == {f"2026-{m:02d}" for m in range(1, 11)}  # November's is scored in early December
    assert periods["2026-01"] == 4 * 36 and periods["2026-08"] == 4 * 36 - 1  # the officer on leave
    for b in assessed:
        criteria = b["payload"]["criteria"]
        assert criteria.keys() == general.keys()
        assert all(0 <= v <= general[k]["max"] for k, v in criteria.items())
        assert datetime.fromisoformat(b["occurred_at"]).month == int(b["payload"]["period"][-2:]) + 1
    (leave,) = [b for b in _bodies() if b["type"] == "leave.recorded"]
    assert leave["payload"]["leave_from"].startswith("2026-08-01")
    assert leave["payload"]["leave_until"].startswith("2026-08-31")
    assert not [b for b in assessed if b["officer_id"] == leave["officer_id"] and b["payload"]["period"] == "2026-08"]
    assert {b["officer_id"] for b in assessed if b["unit_id"] == leave["unit_id"]} >= {leave["officer_id"]}
    catalogue = {b["event_id"]: b for b in _bodies() if b["type"] == "procedure.catalogued"}
    weighted = [b for b in catalogue.values() if "weight" in b["payload"]]
    assert len(weighted) == 3 * 36 and {b["payload"]["weight"] for b in weighted} <= {0.5, 1.5, 2.0, 3.0}
    for b in weighted:
        stated = catalogue[b["event_id"].replace("-catw-", "-cat-")]
        assert {k: v for k, v in b["payload"].items() if k != "weight"} == stated["payload"]
        assert b["occurred_at"] > stated["occurred_at"]
    for body in [*assessed[::25], leave, *weighted[::10]]:
        EVIDENCE_ADAPTER.validate_python(body)
