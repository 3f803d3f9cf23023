"""The demo's portal feed: a department's and two communes' dossiers as the national portal's calls, which parse, give
the events their envelopes gave (unit, officer, times, flags, verdict) and change nothing when sent again."""

from __future__ import annotations

import functools
import itertools
import json
import random
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from schemas.dvcqg import SYNC_DOSSIERS, SYNC_STEPS, Refused, Snapshot, Step, SyncDossiers, parse_call
from schemas.evidence import EVIDENCE_ADAPTER
from services.evidence.domain.dvcqg import Kept, dossier_officer, snapshot_events, unit_of
from thidua.operator.demo import events
from thidua.operator.demo_live_day import live_events
from thidua.operator.demo_portal import (
    PORTAL,
    PORTAL_SOURCE,
    PORTAL_UNITS,
    merge_calls,
    officer_user_mappings,
    portal_backfill,
    portal_live,
    unit_code_mappings,
)
from thidua.operator.demo_present import present_events
from thidua.operator.demo_units import VN, province

SEED = 7
MINE = {u.unit_id for u in PORTAL_UNITS}
HAPPENINGS = {"NgayNopHoSo", "NgayTiepNhan", "NgayKetThucXuLy", "NgayTra", "ThoiDiemXuLy", "NgayBoSung"}
HAPPENINGS |= {"NgayTiepNhanBoSung"}


@functools.cache
def _present() -> tuple[tuple[str, dict[str, Any]], ...]:
    return tuple(present_events(SEED, date(2026, 3, 2)))


@functools.cache
def _portal() -> tuple[tuple[str, dict[str, Any]], ...]:
    return tuple(portal_backfill(_present()))


def _replaced(body: dict[str, Any]) -> bool:
    return body["type"] == "procedure.processed" and body["unit_id"] in MINE


class Door:
    """The door's rules without its database: steps kept per dossier, snapshots diffed against what was kept."""

    def __init__(self) -> None:
        self.kept: dict[str, Kept] = {}
        self.steps: dict[str, list[Step]] = {}
        self.units = frozenset(u.unit_id for u in province(random.Random(SEED)))
        self.users = officer_user_mappings(SEED)
        self.codes = unit_code_mappings()
        self.events: list[dict[str, Any]] = []

    def take(self, body: dict[str, Any]) -> None:
        call = parse_call(json.loads(json.dumps(body)))
        assert not [item for item in call.data if isinstance(item, Refused)], body
        if not isinstance(call, SyncDossiers):
            for step in call.data:
                assert isinstance(step, Step) and step.handler in self.users, step
                self.steps.setdefault(step.dossier_code, []).append(step)
            return
        for snapshot in call.data:
            assert isinstance(snapshot, Snapshot)
            unit = unit_of(snapshot.unit_code or call.unit_code, self.units, self.codes)
            assert isinstance(unit, str), unit
            officer, problems = dossier_officer(self.steps.get(snapshot.dossier_code, []), self.users)
            assert not problems
            diff = snapshot_events(
                self.kept.get(snapshot.dossier_code), snapshot, unit_id=unit, source=PORTAL_SOURCE, officer_of=officer
            )
            assert not diff.problems, diff.problems
            if diff.kept is not None:
                self.kept[snapshot.dossier_code] = diff.kept
            self.events += diff.events

    def processed(self) -> dict[str, dict[str, Any]]:
        return {e["payload"]["dossier_code"]: e for e in self.events if e["type"] == "procedure.processed"}


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _same_second(ours: str, theirs: str) -> bool:
    return _at(ours) == _at(theirs).replace(microsecond=0)


def test_the_portal_units_dossiers_arrive_as_portal_calls_and_everything_else_is_unchanged() -> None:
    original, portal = _present(), _portal()
    assert portal == tuple(portal_backfill(_present()))  # deterministic
    assert [e for e in original if not _replaced(e[1])] == [e for e in portal if e[0] != PORTAL]
    calls = [body for channel, body in portal if channel == PORTAL]
    assert {c["service"] for c in calls} == {SYNC_DOSSIERS, SYNC_STEPS}
    assert {c["madonvi"] for c in calls} == {u.code for u in PORTAL_UNITS}
    codes = {item["MaHoSo"] for c in calls for item in c["data"]}
    assert codes == {b["payload"]["dossier_code"] for _, b in original if _replaced(b)}
    assert all(1 <= len(c["data"]) <= 1000 for c in calls)
    kinds = {u.unit_id: u.level for u in province(random.Random(SEED))}
    assert sorted(kinds[u] for u in MINE) == ["commune", "commune", "department"]


def test_the_mappings_matter_and_name_only_the_units_own_officers() -> None:
    codes = unit_code_mappings()
    assert codes and all(code != unit and unit in MINE for code, unit in codes.items())
    assert any(u.code == u.unit_id for u in PORTAL_UNITS)  # a unit sending our own id needs no mapping
    officers = {u.unit_id: set(u.officers) for u in province(random.Random(SEED))}
    users = officer_user_mappings(SEED)
    assert len(users) == sum(len(officers[u]) for u in MINE)
    for unit in PORTAL_UNITS:
        mine = {o for user, o in users.items() if user.startswith(f"{unit.users}.")}
        assert mine == officers[unit.unit_id]


def test_the_calls_give_the_envelopes_facts_and_verdicts_with_supplements_and_no_personal_data() -> None:
    door = Door()
    calls = [body for channel, body in _portal() if channel == PORTAL]
    for body in calls:
        door.take(body)
    assert {e["type"] for e in door.events} == {"procedure.received", "procedure.processed"}  # no retraction
    for event in door.events:
        EVIDENCE_ADAPTER.validate_python(event)
    made = door.processed()
    originals = {b["payload"]["dossier_code"]: b for _, b in _present() if _replaced(b)}
    assert made.keys() == originals.keys()
    supplemented = 0
    for code, envelope in originals.items():
        event, want, got = made[code], envelope["payload"], made[code]["payload"]
        assert event["unit_id"] == envelope["unit_id"] and event["officer_id"] == envelope["officer_id"]
        for name in ("received_at", "due_at", "finished_at"):
            assert _same_second(got[name], want[name]), (code, name)
        for name in ("channel", "procedure_code", "status", "fee_required", "paid_online", "digitized", "e_result"):
            assert got[name] == want[name], (code, name)
        assert got["data_reused"] == want["data_reused"]
        wait = sum((_at(s["supplied_at"]) - _at(s["requested_at"]) for s in got["supplements"]), timedelta())
        supplemented += bool(got["supplements"])
        on_time = _at(want["finished_at"]) <= _at(want["due_at"])
        assert (_at(got["finished_at"]) <= _at(got["due_at"]) + wait) == on_time, code  # the verdict is kept
    assert 0.05 * len(made) < supplemented < 0.25 * len(made)
    # The applicant's name, phone and e-mail are in the calls, as upstream sends them, and never in an event.
    sent = json.dumps(calls, ensure_ascii=False)
    made_text = json.dumps(door.events, ensure_ascii=False)
    people = [(s["ChuHoSo"], s["SoDienThoai"], s["Email"]) for c in calls for s in c["data"] if "ChuHoSo" in s]
    assert people and all(value in sent for person in people for value in person)
    assert not [value for person in people[:200] for value in person if value in made_text]


def test_the_same_calls_again_change_nothing() -> None:
    door = Door()
    calls = [body for channel, body in _portal() if channel == PORTAL]
    for body in calls:
        door.take(body)
    before = len(door.events)
    for body in calls:
        door.take(body)
    assert len(door.events) == before


def test_merged_calls_keep_the_order_and_never_hold_a_dossier_twice_in_a_snapshot_call() -> None:
    calls = [body for channel, body in _portal() if channel == PORTAL]
    single = [{**c, "data": [item]} for c in calls for item in c["data"]]
    merged = merge_calls(single, max_items=200)
    assert [i for c in merged for i in c["data"]] == [i for c in calls for i in c["data"]]
    assert len(merged) < len(single) / 20 and max(len(c["data"]) for c in merged) <= 200
    for c in merged:
        if c["service"] == SYNC_DOSSIERS:
            assert len({i["MaHoSo"] for i in c["data"]}) == len(c["data"])
    door = Door()
    for body in merged:
        door.take(body)
    assert door.processed().keys() == {b["payload"]["dossier_code"] for _, b in _present() if _replaced(b)}


def test_the_closed_year_sends_the_same_units_as_portal_calls() -> None:
    original = list(events(SEED, 2025, 12))
    portal = list(portal_backfill(original))
    assert [e for e in original if not _replaced(e[1])] == [e for e in portal if e[0] != PORTAL]
    door = Door()
    for channel, body in portal:
        if channel == PORTAL:
            door.take(body)
    originals = {b["payload"]["dossier_code"]: b for _, b in original if _replaced(b)}
    made = door.processed()
    assert made.keys() == originals.keys() and len(made) == 36
    assert all(made[c]["officer_id"] == originals[c]["officer_id"] for c in made)


def test_the_live_day_sends_the_portal_units_dossiers_as_calls_at_their_moment() -> None:
    start = datetime(2026, 11, 25, 9, 30, tzinfo=VN)
    stream = list(itertools.islice(live_events(SEED, start, timedelta(seconds=0.1)), 6000))
    converted = list(portal_live(stream))
    assert converted == list(portal_live(stream))
    mine = ("procedure.processed", "procedure.received")
    kept = [e for e in stream if not (e[2]["type"] in mine and e[2]["unit_id"] in MINE)]
    assert [e for e in converted if e[1] != PORTAL] == kept
    moments = [at for at, _, _ in converted]
    assert moments == sorted(moments)
    door = Door()
    calls = [(at, body) for at, channel, body in converted if channel == PORTAL]
    assert len(calls) > 50
    for at, body in calls:
        door.take(body)
        for item in body["data"]:  # what happened is never after the moment it is sent (due dates are promises)
            said = [v for k, v in item.items() if k in HAPPENINGS and v] + [
                v for s in item.get("DanhSachHoSoBoSung", []) for k, v in s.items() if k in HAPPENINGS and v
            ]
            assert all(datetime.strptime(v, "%Y%m%d%H%M%S").replace(tzinfo=VN) <= at for v in said), item
    assert {e["type"] for e in door.events} == {"procedure.received", "procedure.processed"}  # no retraction
    received = [b for _, _, b in stream if b["type"] == "procedure.received" and b["unit_id"] in MINE]
    finished = {b["payload"]["dossier_code"] for _, _, b in stream if _replaced(b)}
    assert received and finished and finished == door.processed().keys()
    assert Counter(e["unit_id"] for e in door.events).keys() == MINE
