"""The demo's map after 1 July 2025 (issue 24): former units of the old map with their evidence up to their end, then
the map redrawn — a department dissolved, three wards merged, every unit restated in the clusters rebuilt."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from thidua.operator.demo_units import FAMILY, GIVEN, SOURCE_HR, SOURCE_ONE_STOP, VN, Event, Unit, _env, _unit, province

MAP_YEAR = 2025
"""The demo year in which the map changes; other years are sent as before."""
MERGED_AT = datetime(2025, 7, 1, tzinfo=VN)
"""The first instant of the two-level local government (Resolution 202/2025/QH15): communes merged, clusters rebuilt."""
PROVINCE_CODE = "37"
"""Ninh Bình (Nam Định, Hà Nam and Ninh Bình merged) in Decision 19/2025/QĐ-TTg: the code of its departments and
agencies."""
ADMIN_CODES = {
    # Official (Decision 19/2025/QĐ-TTg): 13669 Phường Nam Định. (13285 Phường Phủ Lý, of the former Hà Nam, is
    # official too and is no demo unit.) Every other code below is ILLUSTRATIVE: a plausible 5-digit code in the
    # former Nam Định's range of the list, not checked against the decision; a real office uses its own.
    "Phường Nam Định": "13669",
    "Xã Mỹ Lộc": "13672",
    "Xã Nam Trực": "13675",
    "Xã Hải Hậu": "13678",
    "Xã Giao Thủy": "13681",
    "Xã Ý Yên": "13684",
    "Xã Vụ Bản": "13687",
    "Phường Thiên Trường": "13690",
    "Xã Trực Ninh": "13693",
    "Xã Xuân Trường": "13696",
    "Xã Nghĩa Hưng": "13699",
    "Phường Đông A": "13702",
    "Xã Hải Thịnh": "13705",
    "Xã Quất Lâm": "13708",
    "Xã Nghĩa Lâm": "13711",
    "Xã Cổ Lễ": "13714",
    "Xã Liễu Đề": "13717",
    "Xã Yên Cường": "13720",
    "Xã Hiển Khánh": "13723",
    "Xã Nam Điền": "13726",
    "Phường Mỹ Xá": "13729",
    "Phường Lộc Hòa": "13732",
    "Xã Hồng Thuận": "13735",
    "Xã Xuân Hưng": "13738",
}
"""The Decision 19/2025 code of each demo commune and ward (one official, the rest illustrative: see above)."""
NEW_CLUSTERS = {
    "ward": ("CUM-PHUONG", "Cụm thi đua các phường"),
    "commune": ("CUM-XA", "Cụm thi đua các xã"),
}
"""The clusters of communes and wards rebuilt from MERGED_AT (the blocks of departments are kept)."""
NEW_MAP = "newmap-"
"""Prefix of the ids of the map's events sent under units that go on (restatements, transfers, the reorganizations)."""
MERGE_DECISION = "Nghị quyết sắp xếp đơn vị hành chính cấp xã tỉnh Ninh Bình năm 2025 (số hiệu minh họa)"
"""ILLUSTRATIVE: the demo names no real resolution number (none is given in the sources it was checked against)."""
DISSOLUTION_DECISION = "Quyết định giải thể Sở Lao động – Thương binh và Xã hội (số hiệu minh họa)"
"""ILLUSTRATIVE, as MERGE_DECISION."""


@dataclass(frozen=True)
class Former:
    """A unit of the old map: registered in January, evidence up to its end, then merged or dissolved."""

    unit_id: str
    name: str
    level: str
    cluster: tuple[str, str]
    size: int
    kind: str
    ends_at: datetime
    receiver: str
    """The unit its officers are transferred to on ends_at (the successor of a merge)."""
    decision_no: str


SUCCESSOR = "H40.40.07"
"""Phường Nam Định (13669): absorbs the former wards on 1 July 2025."""
FORMER = (
    # The old wards' names are those of wards of the former Nam Định city; as old units of this demo they are
    # ILLUSTRATIVE (which old wards formed which new one is not checked).
    Former(
        "H40.40.81",
        "Phường Trần Hưng Đạo",
        "ward",
        ("CUM-XA-1", "Cụm xã, phường phía Bắc"),
        32,
        "merge",
        MERGED_AT,
        SUCCESSOR,
        MERGE_DECISION,
    ),
    Former(
        "H40.40.82",
        "Phường Năng Tĩnh",
        "ward",
        ("CUM-XA-1", "Cụm xã, phường phía Bắc"),
        28,
        "merge",
        MERGED_AT,
        SUCCESSOR,
        MERGE_DECISION,
    ),
    Former(
        "H40.40.83",
        "Phường Vị Xuyên",
        "ward",
        ("CUM-XA-1", "Cụm xã, phường phía Bắc"),
        30,
        "merge",
        MERGED_AT,
        SUCCESSOR,
        MERGE_DECISION,
    ),
    # The departments of labour were dissolved on 1 March 2025 (their tasks went to Nội vụ, Y tế and others): here a
    # dissolution whose officers go to Sở Nội vụ.
    Former(
        "H40.29",
        "Sở Lao động – Thương binh và Xã hội",
        "department",
        ("KHOI-SO-2", "Khối các sở quản lý văn hóa – xã hội"),
        60,
        "dissolution",
        datetime(2025, 3, 1, tzinfo=VN),
        "H40.10",
        DISSOLUTION_DECISION,
    ),
)
FORMER_IDS = frozenset(f.unit_id for f in FORMER)


def map_level(name: str) -> str:
    """A demo unit's level on the two-level map, from its name: sở, other province agencies, phường, xã."""
    if name.startswith("Sở "):
        return "department"
    if name.startswith("Phường "):
        return "ward"
    if name.startswith("Xã "):
        return "commune"
    return "agency"  # Văn phòng UBND tỉnh and the like


def admin_code(name: str) -> str:
    """The Decision 19/2025 code: the province's for its departments and agencies, the commune's for the others."""
    return ADMIN_CODES[name] if map_level(name) in NEW_CLUSTERS else PROVINCE_CODE


def former_units(seed: int) -> list[tuple[Former, Unit]]:
    """The former units with their officers and rates (generators of their own: the original draws never move)."""
    return [
        (f, _unit(random.Random(f"{seed}-v3-{f.unit_id}-unit"), f.unit_id, f.name, f.level, f.cluster, f.size))
        for f in FORMER
    ]


def transferred(seed: int) -> dict[str, tuple[str, ...]]:
    """The officers each unit receives from the former units (transferred on their end)."""
    out: dict[str, tuple[str, ...]] = {}
    for f, u in former_units(seed):
        out[f.receiver] = out.get(f.receiver, ()) + u.officers
    return out


def _former_names(seed: int, u: Unit) -> dict[str, str]:
    rng = random.Random(f"{seed}-v3-{u.unit_id}-names")
    return {o: f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}" for o in u.officers}


def former_directory(seed: int, year: int = MAP_YEAR) -> Iterator[Event]:
    """The former units and their officers as registered on 2 January of the year of the change (old map)."""
    start = datetime(year, 1, 2, tzinfo=VN)
    for f, u in former_units(seed):
        payload = {"name": u.name, "level": u.level, "parent_id": "H40", "cluster_id": f.cluster[0]}
        payload["cluster_name"] = f.cluster[1]
        yield "http", _env(SOURCE_HR, f"unit-{u.unit_id}", "unit.registered", u.unit_id, start, payload)
        for o, name in _former_names(seed, u).items():
            yield (
                "kafka",
                _env(
                    SOURCE_HR,
                    f"officer-{o}",
                    "officer.registered",
                    u.unit_id,
                    start,
                    {"full_name": name, "category": "civil_servant"},
                    officer=o,
                ),
            )


def _former_events(seed: int, year: int, dossiers_per_unit: int) -> Iterator[Event]:
    """The former units' registrations, then their evidence between January and their end (a smaller stream)."""
    yield from former_directory(seed, year)
    start = datetime(year, 1, 2, tzinfo=VN)
    for f, u in former_units(seed):
        rng = random.Random(f"{seed}-v3-{u.unit_id}-life")
        span = (f.ends_at - start).days - 35  # received early enough for every step to come before the end
        for n in range(max(2, round(dossiers_per_unit * span / 330))):
            yield from _former_dossier(
                rng, u, f"{u.unit_id}-{year}-{n:05d}", start + timedelta(days=rng.uniform(0, span))
            )
        for n in range(max(2, dossiers_per_unit // 60 * span // 330)):
            received = start + timedelta(days=rng.uniform(0, span))
            resolved = received + timedelta(days=rng.uniform(2, 25))
            cid = f"{u.unit_id}-PA{n:03d}"
            complaint = {"complaint_id": cid, "category": "procedure", "received_at": received.isoformat()}
            yield "http", _env(SOURCE_ONE_STOP, f"{cid}-c", "complaint.received", u.unit_id, received, complaint)
            answer: dict[str, Any] = {"complaint_id": cid, "resolved_at": resolved.isoformat(), "outcome": "answered"}
            answer["substantiated"] = rng.random() < 0.15
            yield "http", _env(SOURCE_ONE_STOP, f"{cid}-s", "complaint.resolved", u.unit_id, resolved, answer)
        for o in u.officers:
            if rng.random() < 0.6:
                done = start + timedelta(days=rng.uniform(10, span))
                course = {"course_code": f"VHCS-{year}", "title": "Văn hóa công sở và kỹ năng giao tiếp", "hours": 8}
                course |= {"topic": "office_culture", "completed_at": done.isoformat()}
                yield "kafka", _env(SOURCE_HR, f"train-{o}", "training.completed", u.unit_id, done, course, officer=o)
            for y in (year - 2, year - 1):  # the years before: rated under the old unit
                level = rng.choices(["excellent", "good", "complete", "incomplete"], [0.12, 0.7, 0.16, 0.02])[0]
                when = datetime(y, 12, 10, tzinfo=VN)
                rating = {"year": y, "level": level}
                yield (
                    "kafka",
                    _env(SOURCE_HR, f"eval-{o}-{y}", "evaluation.recorded", u.unit_id, when, rating, officer=o),
                )
        inspected = start + timedelta(days=rng.uniform(15, span))
        findings = [{"code": rng.choice(["late_or_absent", "no_name_badge"]), "count": rng.randint(1, 2)}]
        inspection = {"inspection_id": f"KT-{u.unit_id}", "inspected_at": inspected.isoformat(), "findings": findings}
        yield "http", _env(SOURCE_HR, f"insp-{u.unit_id}", "inspection.recorded", u.unit_id, inspected, inspection)


def _former_dossier(rng: random.Random, u: Unit, code: str, received: datetime) -> Iterator[Event]:
    """A former unit's dossier, as the original stream draws one, and now and then its rating."""
    received += timedelta(hours=rng.uniform(0, 8))
    due = received + timedelta(days=rng.choice([3, 5, 7, 10, 15]))
    late = rng.random() > u.on_time
    finished = (
        due + timedelta(days=rng.uniform(0.5, 6)) if late else received + (due - received) * rng.uniform(0.2, 0.95)
    )
    channel = "online" if rng.random() < u.online else rng.choice(["counter", "counter", "postal"])
    fee = rng.random() < 0.6
    digitised = rng.random() < u.digitised
    payload = {
        "dossier_code": code,
        "procedure_code": f"1.00{rng.randint(1000, 9999)}",
        "channel": channel,
        "received_at": received.isoformat(),
        "due_at": due.isoformat(),
        "finished_at": finished.isoformat(),
        "status": "resolved",
        "supplement_requests": 0,
        "supplement_days": 0,
        "fee_required": fee,
        "paid_online": fee and channel == "online" and rng.random() < 0.85,
        "digitized": digitised,
        "e_result": digitised or rng.random() < 0.05,
        "data_reused": rng.random() < u.digitised - 0.2,
    }
    officer = rng.choice(u.officers)
    yield (
        "http",
        _env(SOURCE_ONE_STOP, f"{code}-p", "procedure.processed", u.unit_id, finished, payload, officer=officer),
    )
    if rng.random() < 0.3:
        rating = {"dossier_code": code, "satisfied": rng.random() < 0.93, "score": rng.randint(3, 5)}
        yield "http", _env(SOURCE_ONE_STOP, f"{code}-r", "procedure.rated", u.unit_id, finished, rating)


def _before_their_end(stream: Iterator[Event]) -> Iterator[Event]:
    """The former units' events dated before their end (a follow-up drawn later, e.g. a complaint's answer, is
    dropped: after the date only the successor speaks)."""
    ends = {f.unit_id: f.ends_at for f in FORMER}
    for channel, body in stream:
        end = ends.get(body["unit_id"])
        if end is None or datetime.fromisoformat(body["occurred_at"]) < end:
            yield channel, body


def new_map(seed: int) -> Iterator[Event]:
    """The map redrawn: every demo unit restated on 1 July 2025 with its level, code and rebuilt cluster; the
    reorganizations (sent by the HR source, registered for every unit); the former units' officers transferred."""
    for u in province(random.Random(seed)):
        level = map_level(u.name)
        cluster = NEW_CLUSTERS.get(level, (u.cluster_id, u.cluster_name))
        payload = {
            "name": u.name,
            "level": level,
            "parent_id": "H40",
            "cluster_id": cluster[0],
            "cluster_name": cluster[1],
            "admin_code": admin_code(u.name),
            "cluster_since": MERGED_AT.isoformat(),
        }
        when = MERGED_AT + timedelta(hours=7)
        yield "http", _env(SOURCE_HR, f"{NEW_MAP}unit-{u.unit_id}", "unit.registered", u.unit_id, when, payload)
    changes: dict[tuple[str, str, datetime, str], list[str]] = {}
    for f in FORMER:
        changes.setdefault((f.kind, f.receiver, f.ends_at, f.decision_no), []).append(f.unit_id)
    for (kind, receiver, at, decision), predecessors in changes.items():
        successors = [receiver] if kind == "merge" else []
        change: dict[str, Any] = {"kind": kind, "predecessors": predecessors, "successors": successors}
        change |= {"effective_at": at.isoformat(), "decision_no": decision}
        unit = successors[0] if successors else predecessors[0]  # the envelope names one of the units concerned
        yield "http", _env(SOURCE_HR, f"{NEW_MAP}reorg-{unit}-{at:%Y%m%d}", "unit.reorganized", unit, at, change)
    for f, u in former_units(seed):
        for o, name in _former_names(seed, u).items():
            officer = {"full_name": name, "category": "civil_servant", "transferred_at": f.ends_at.isoformat()}
            when = f.ends_at + timedelta(hours=8)
            yield (
                "kafka",
                _env(SOURCE_HR, f"{NEW_MAP}officer-{o}", "officer.registered", f.receiver, when, officer, officer=o),
            )


def _former_officers_year_end(seed: int, year: int) -> Iterator[Event]:
    """The year's ratings of the former units' officers, sent under the unit they belong to at the year's end."""
    for f, u in former_units(seed):
        rng = random.Random(f"{seed}-v3-{u.unit_id}-ratings")
        for o in u.officers:
            level = rng.choices(["excellent", "good", "complete", "incomplete"], [0.12, 0.7, 0.16, 0.02])[0]
            rating = {"year": year, "level": level}
            when = datetime(year, 12, 10, tzinfo=VN)
            yield (
                "kafka",
                _env(
                    SOURCE_HR, f"{NEW_MAP}eval-{o}-{year}", "evaluation.recorded", f.receiver, when, rating, officer=o
                ),
            )
