"""`thidua demo`: a realistic demo province fed through the real front doors (HTTP and Kafka).

Deterministic for a seed: the same run twice sends the same event ids, which the evidence service reports
as duplicates, so restarting `make run` never doubles the demo.

The evidence types added to the contract later (procedure catalogues, publication of dossier results and of
complaint answers, complaint supplements, complaints naming a dossier, accepted research, emulation
registrations) are drawn from random generators of their own and slotted in after the events they follow, so
the original stream of a seed stays byte for byte what it was (tests/unit/test_demo.py checks it).

The province is Ninh Bình after the merger of 1 July 2025 (issue 24): in 2025 the original stream is followed by
former units of the old map (three wards of the former Nam Định city, the labour department) with their own evidence
up to their end, then the map redrawn (`new_map`): Sở LĐTBXH dissolved on 1 March, the three wards merged into
Phường Nam Định on 1 July, every unit restated with its level and Decision 19/2025 code in the clusters rebuilt from
that day, the former units' officers transferred to the unit that takes them.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer

from schemas.topics import source_inbound
from schemas.vietnam import VN_TZ
from thidua.runtime.kafka_access import KafkaAccess

VN = VN_TZ  # Vietnam time (schemas.vietnam), the demo's clock
Event = tuple[str, dict[str, Any]]
"""(channel, envelope): channel is "http" (POST /v1/events) or "kafka" (the source's topic)."""
SOURCE_ONE_STOP = "motcua-demo"
SOURCE_HR = "noivu-demo"
DEPARTMENTS = [
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Sở Xây dựng",
    "Sở Tài chính",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Sở Công Thương",
    "Sở Nông nghiệp và Môi trường",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Khoa học và Công nghệ",
    "Sở Dân tộc và Tôn giáo",
    "Văn phòng UBND tỉnh",
]
COMMUNES = [
    "Xã Mỹ Lộc",
    "Xã Nam Trực",
    "Xã Hải Hậu",
    "Xã Giao Thủy",
    "Xã Ý Yên",
    "Xã Vụ Bản",
    "Phường Nam Định",
    "Phường Thiên Trường",
    "Xã Trực Ninh",
    "Xã Xuân Trường",
    "Xã Nghĩa Hưng",
    "Phường Đông A",
    "Xã Hải Thịnh",
    "Xã Quất Lâm",
    "Xã Nghĩa Lâm",
    "Xã Cổ Lễ",
    "Xã Liễu Đề",
    "Xã Yên Cường",
    "Xã Hiển Khánh",
    "Xã Nam Điền",
    "Phường Mỹ Xá",
    "Phường Lộc Hòa",
    "Xã Hồng Thuận",
    "Xã Xuân Hưng",
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
GIVEN = [
    "Văn An",
    "Thị Bình",
    "Minh Châu",
    "Thu Hà",
    "Quốc Huy",
    "Thị Lan",
    "Đức Mạnh",
    "Thanh Hương",
    "Văn Nam",
    "Ngọc Oanh",
    "Hữu Phúc",
    "Thị Quỳnh",
    "Văn Sơn",
    "Thị Thảo",
    "Anh Tuấn",
    "Thị Yến",
]


@dataclass(frozen=True)
class Unit:
    """A demo unit with its officers and its own shares of on-time, online and digitised dossiers."""

    unit_id: str
    name: str
    level: str
    cluster_id: str
    cluster_name: str
    officers: tuple[str, ...]
    on_time: float
    online: float
    digitised: float


def province(rng: random.Random) -> list[Unit]:
    """Two blocks of departments (khối sở) and two clusters of communes (cụm xã): 36 units, ~2,400 officers."""
    units = []
    for i, name in enumerate(DEPARTMENTS):
        cluster = (
            ("KHOI-SO-1", "Khối các sở quản lý kinh tế")
            if i % 2 == 0
            else ("KHOI-SO-2", "Khối các sở quản lý văn hóa – xã hội")
        )
        units.append(_unit(rng, f"H40.{10 + i:02d}", name, "department", cluster, 120))
    for i, name in enumerate(COMMUNES):
        cluster = ("CUM-XA-1", "Cụm xã, phường phía Bắc") if i < 12 else ("CUM-XA-2", "Cụm xã, phường phía Nam")
        units.append(_unit(rng, f"H40.40.{i + 1:02d}", name, "commune", cluster, 40))
    return units


def _unit(rng: random.Random, unit_id: str, name: str, level: str, cluster: tuple[str, str], size: int) -> Unit:
    officers = tuple(f"{unit_id.replace('.', '')}-CB{k:03d}" for k in range(1, size + rng.randint(-5, 5)))
    return Unit(
        unit_id,
        name,
        level,
        cluster[0],
        cluster[1],
        officers,
        on_time=rng.uniform(0.85, 0.995),
        online=rng.uniform(0.35, 0.8),
        digitised=rng.uniform(0.6, 0.95),
    )


def _at(day: datetime, hour: int) -> str:
    return day.replace(hour=hour, minute=0, second=0, microsecond=0).isoformat()


def events(seed: int, year: int, dossiers_per_unit: int) -> Iterator[Event]:
    """(channel, envelope) for the whole demo year: the original stream with the later evidence types slotted in;
    in 2025 then the former units' evidence up to their end and the map of 1 July 2025 (`new_map`)."""
    extra = _Additions(seed, year)
    yield from _with_additions(_original_events(seed, year, dossiers_per_unit), extra)
    if year == MAP_YEAR:  # the year of the new map: the former units' half year, then the map redrawn
        yield from _before_their_end(_with_additions(_former_events(seed, year, dossiers_per_unit), extra))
        yield from new_map(seed)
        yield from _former_officers_year_end(seed, year)


def _with_additions(stream: Iterator[Event], extra: _Additions) -> Iterator[Event]:
    """Each event of stream followed by the later evidence types that follow it (_Additions.after)."""
    current = next(stream, None)
    while current is not None:
        following = next(stream, None)  # one event of lookahead: a complaint's resolution follows its receipt
        yield current
        yield from extra.after(current[1], following[1] if following else None)
        current = following


def _original_events(seed: int, year: int, dossiers_per_unit: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """(channel, envelope) of the demo year as first written: directory, dossiers, complaints, HR, trainings.

    Never change what this yields for a seed (nor the draws of its generator): add new evidence in _Additions.
    """
    rng = random.Random(seed)
    units = province(rng)
    start = datetime(year, 1, 2, tzinfo=VN)
    for u in units:
        yield (
            "http",
            _env(
                SOURCE_HR,
                f"unit-{u.unit_id}",
                "unit.registered",
                u.unit_id,
                start,
                {
                    "name": u.name,
                    "level": u.level,
                    "parent_id": "H40",
                    "cluster_id": u.cluster_id,
                    "cluster_name": u.cluster_name,
                },
            ),
        )
        for o in u.officers:
            yield (
                "kafka",
                _env(
                    SOURCE_HR,
                    f"officer-{o}",
                    "officer.registered",
                    u.unit_id,
                    start,
                    {"full_name": f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}", "category": "civil_servant"},
                    officer=o,
                ),
            )
    for u in units:
        for n in range(dossiers_per_unit):
            received = start + timedelta(days=rng.uniform(0, 330), hours=rng.uniform(0, 8))
            due = received + timedelta(days=rng.choice([3, 5, 7, 10, 15]))
            late = rng.random() > u.on_time
            finished = (
                due + timedelta(days=rng.uniform(0.5, 6))
                if late
                else received + (due - received) * rng.uniform(0.2, 0.95)
            )
            code = f"{u.unit_id}-{year}-{n:05d}"
            channel = "online" if rng.random() < u.online else rng.choice(["counter", "counter", "postal"])
            fee = rng.random() < 0.6
            yield (
                "http",
                _env(
                    SOURCE_ONE_STOP,
                    f"{code}-p",
                    "procedure.processed",
                    u.unit_id,
                    finished,
                    {
                        "dossier_code": code,
                        "procedure_code": f"1.00{rng.randint(1000, 9999)}",
                        "channel": channel,
                        "received_at": received.isoformat(),
                        "due_at": due.isoformat(),
                        "finished_at": finished.isoformat(),
                        "status": "resolved",
                        "supplement_requests": 1 if rng.random() < 0.1 else 0,
                        "supplement_days": 0,
                        "fee_required": fee,
                        "paid_online": fee and channel == "online" and rng.random() < 0.85,
                        "digitized": rng.random() < u.digitised,
                        "e_result": rng.random() < u.digitised + 0.05,
                        "data_reused": rng.random() < u.digitised - 0.2,
                    },
                    officer=rng.choice(u.officers),
                ),
            )
            if rng.random() < 0.3:
                yield (
                    "http",
                    _env(
                        SOURCE_ONE_STOP,
                        f"{code}-r",
                        "procedure.rated",
                        u.unit_id,
                        finished,
                        {"dossier_code": code, "satisfied": rng.random() < 0.93, "score": rng.randint(3, 5)},
                    ),
                )
        for n in range(max(2, dossiers_per_unit // 60)):
            received = start + timedelta(days=rng.uniform(0, 320))
            cid = f"{u.unit_id}-PA{n:03d}"
            conduct = rng.random() < 0.3
            yield (
                "http",
                _env(
                    SOURCE_ONE_STOP,
                    f"{cid}-c",
                    "complaint.received",
                    u.unit_id,
                    received,
                    {
                        "complaint_id": cid,
                        "category": "conduct" if conduct else "procedure",
                        "received_at": received.isoformat(),
                    }
                    | ({"officer_id": rng.choice(u.officers)} if conduct else {}),
                ),
            )
            resolved = received + timedelta(days=rng.uniform(2, 25))
            yield (
                "http",
                _env(
                    SOURCE_ONE_STOP,
                    f"{cid}-s",
                    "complaint.resolved",
                    u.unit_id,
                    resolved,
                    {
                        "complaint_id": cid,
                        "resolved_at": resolved.isoformat(),
                        "outcome": "answered",
                        "substantiated": conduct and rng.random() < 0.4,
                    },
                ),
            )
    for u in units:
        for o in u.officers:
            if rng.random() < 0.7:
                done = start + timedelta(days=rng.uniform(10, 300))
                yield (
                    "kafka",
                    _env(
                        SOURCE_HR,
                        f"train-{o}",
                        "training.completed",
                        u.unit_id,
                        done,
                        {
                            "course_code": "VHCS-2025",
                            "title": "Văn hóa công sở và kỹ năng giao tiếp",
                            "hours": 8,
                            "topic": rng.choice(["office_culture", "professional"]),
                            "completed_at": done.isoformat(),
                        },
                        officer=o,
                    ),
                )
            for y in (year - 2, year - 1, year):
                level = rng.choices(["excellent", "good", "complete", "incomplete"], [0.12, 0.7, 0.16, 0.02])[0]
                when = datetime(y, 12, 10, tzinfo=VN)
                yield (
                    "kafka",
                    _env(
                        SOURCE_HR,
                        f"eval-{o}-{y}",
                        "evaluation.recorded",
                        u.unit_id,
                        when,
                        {"year": y, "level": level},
                        officer=o,
                    ),
                )
            if rng.random() < 0.04:
                when = start + timedelta(days=rng.uniform(30, 300))
                yield (
                    "kafka",
                    _env(
                        SOURCE_HR,
                        f"init-{o}",
                        "initiative.recognized",
                        u.unit_id,
                        when,
                        {
                            "title": "Sáng kiến cải tiến quy trình một cửa",
                            "scope": rng.choice(["unit", "unit", "province"]),
                            "decided_at": when.isoformat(),
                        },
                        officer=o,
                    ),
                )
        if rng.random() < 0.3:
            o = rng.choice(u.officers)
            when = start + timedelta(days=rng.uniform(30, 300))
            yield (
                "kafka",
                _env(
                    SOURCE_HR,
                    f"disc-{o}",
                    "discipline.recorded",
                    u.unit_id,
                    when,
                    {
                        "decision_no": f"{rng.randint(1, 99)}/QĐ-KL",
                        "form": rng.choice(["reprimand", "warning"]),
                        "decided_at": when.isoformat(),
                        "reason": "Vi phạm quy định về giờ giấc làm việc",
                    },
                    officer=o,
                ),
            )
        inspected = start + timedelta(days=rng.uniform(60, 300))
        findings = [
            {
                "code": rng.choice(["late_or_absent", "no_name_badge", "dress_code", "hygiene"]),
                "count": rng.randint(1, 3),
            }
            for _ in range(rng.randint(0, 3))
        ]
        if rng.random() < 0.1:
            findings.append({"code": "alcohol", "officer_id": rng.choice(u.officers)})
        yield (
            "http",
            _env(
                SOURCE_HR,
                f"insp-{u.unit_id}",
                "inspection.recorded",
                u.unit_id,
                inspected,
                {"inspection_id": f"KT-{u.unit_id}", "inspected_at": inspected.isoformat(), "findings": findings},
            ),
        )
        yield (
            "kafka",
            _env(
                SOURCE_HR,
                f"eval-{u.unit_id}-{year}",
                "evaluation.recorded",
                u.unit_id,
                datetime(year, 12, 10, tzinfo=VN),
                {"year": year, "level": rng.choices(["excellent", "good", "complete"], [0.3, 0.6, 0.1])[0]},
            ),
        )


PROCEDURE_NAMES = [
    "Đăng ký khai sinh",
    "Đăng ký kết hôn",
    "Đăng ký khai tử",
    "Cấp bản sao trích lục hộ tịch",
    "Chứng thực bản sao từ bản chính",
    "Chứng thực chữ ký",
    "Đăng ký thường trú",
    "Cấp giấy phép xây dựng",
    "Cấp giấy chứng nhận quyền sử dụng đất",
    "Đăng ký biến động đất đai",
    "Cấp giấy phép kinh doanh",
    "Đăng ký hộ kinh doanh",
    "Cấp phiếu lý lịch tư pháp",
    "Cấp giấy phép lái xe",
    "Giải quyết trợ cấp xã hội",
    "Xác nhận tình trạng hôn nhân",
    "Cấp giấy phép hoạt động",
    "Thẩm định hồ sơ dự án",
    "Công nhận sáng kiến",
    "Cấp chứng chỉ hành nghề",
]
RESEARCH_TITLES = [
    "Nghiên cứu giải pháp nâng cao chỉ số hài lòng của người dân",
    "Ứng dụng chuyển đổi số trong giải quyết thủ tục hành chính",
    "Xây dựng bộ quy tắc ứng xử văn hóa công sở tại cơ quan",
]
NEW_TYPES = frozenset(
    {
        "procedure.catalogued",
        "procedure.published",
        "complaint.supplement_requested",
        "complaint.published",
        "research.accepted",
        "emulation.registered",
        "unit.reorganized",
    }
)
"""Evidence types the demo sends only since the contract's additions (commit 2a7a7d3; unit.reorganized: issue 24)."""
DOSSIER_COMPLAINT = "-PD"
"""Complaints about a named dossier (complaint.received.dossier_code) are new complaints, ids <unit>-PD<n>: the
original complaints cannot gain the field without changing their bytes."""


def is_addition(body: dict[str, Any]) -> bool:
    """True for an envelope of the additions (a new type, a complaint about a named dossier, a former unit's evidence
    or the map of 1 July 2025)."""
    return (
        body["type"] in NEW_TYPES
        or DOSSIER_COMPLAINT in str(body["payload"].get("complaint_id", ""))
        or body["unit_id"] in FORMER_IDS
        or body["event_id"].startswith(NEW_MAP)
    )


def _working_days_after(t: datetime, days: float) -> datetime:
    """t plus this many working days, weekends skipped (a holiday in between only makes it earlier by the calendar).

    The fraction of a day is taken as a share of an 8-hour working day.
    """
    whole, d = int(days), t
    while whole > 0:
        d += timedelta(days=1)
        whole -= d.weekday() < 5
    d += timedelta(hours=(days - int(days)) * 8)
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


@dataclass(frozen=True)
class _Habits:
    """How a unit keeps the newer clocks: its shares of results published, and published within a working day."""

    published: float
    on_time: float


@dataclass
class _Additions:
    """The later evidence types, each drawn from a generator of its own per unit, never from the original one.

    `after(event, following)` returns what follows an original event: a unit's catalogue and registration after
    its unit.registered, an officer's registration after officer.registered, a dossier's publication (and now and
    then a complaint about that dossier) after procedure.processed, a complaint's supplement request after its
    receipt and its published answer after its resolution, an accepted research project after an officer's rating
    of the year.
    """

    seed: int
    year: int
    rngs: dict[str, random.Random] = field(default_factory=dict)
    habits: dict[str, _Habits] = field(default_factory=dict)
    dossier_complaints: dict[str, int] = field(default_factory=dict)

    def rng(self, unit: str, stream: str) -> random.Random:
        key = f"{self.seed}-v2-{unit}-{stream}"
        if key not in self.rngs:
            self.rngs[key] = random.Random(key)
        return self.rngs[key]

    def habit(self, unit: str) -> _Habits:
        if unit not in self.habits:
            rng = self.rng(unit, "habits")
            self.habits[unit] = _Habits(published=rng.uniform(0.88, 0.99), on_time=rng.uniform(0.75, 0.97))
        return self.habits[unit]

    def after(self, body: dict[str, Any], following: dict[str, Any] | None) -> Iterator[tuple[str, dict[str, Any]]]:
        kind, unit, payload = body["type"], body["unit_id"], body["payload"]
        if kind == "unit.registered":
            yield from self.catalogue(unit)
            yield from self.unit_registration(unit)
        elif kind == "officer.registered":
            yield from self.officer_registration(unit, body["officer_id"])
        elif kind == "procedure.processed":
            yield from self.result_published(unit, payload)
            yield from self.dossier_complaint(unit, payload)
        elif kind == "complaint.received":
            resolved = (
                following["payload"]["resolved_at"]
                if following is not None
                and following["type"] == "complaint.resolved"
                and following["payload"]["complaint_id"] == payload["complaint_id"]
                else None
            )
            yield from self.supplement(
                unit,
                payload["complaint_id"],
                datetime.fromisoformat(payload["received_at"]),
                datetime.fromisoformat(resolved) if resolved else None,
            )
        elif kind == "complaint.resolved" and payload["outcome"] == "answered":
            yield from self.answer_published(
                unit, payload["complaint_id"], datetime.fromisoformat(payload["resolved_at"])
            )
        elif kind == "evaluation.recorded" and body.get("officer_id") and payload["year"] == self.year:
            yield from self.research(unit, body["officer_id"])

    def catalogue(self, unit: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """The unit's catalogue of procedures (danh mục TTHC): a unit-dependent share online and published."""
        rng = self.rng(unit, "catalogue")
        online, published = rng.uniform(0.6, 0.95), rng.uniform(0.9, 1.0)
        when = datetime(self.year, 1, 2, 8, tzinfo=VN)
        for k, code in enumerate(sorted(rng.sample(range(1000, 10000), rng.randint(20, 60)))):
            name = PROCEDURE_NAMES[k % len(PROCEDURE_NAMES)]
            yield (
                "http",
                _env(
                    SOURCE_ONE_STOP,
                    f"cat-{unit}-1.00{code}",
                    "procedure.catalogued",
                    unit,
                    when,
                    {
                        "procedure_code": f"1.00{code}",
                        "name": name if k < len(PROCEDURE_NAMES) else f"{name} ({k + 1})",
                        "online": rng.random() < online,
                        "published": rng.random() < published,
                    },
                ),
            )

    def unit_registration(self, unit: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every unit registers for the collective titles it aims at (đăng ký thi đua), early in January."""
        rng = self.rng(unit, "registration")
        titles = ["tap_the_lao_dong_tien_tien"]
        if rng.random() < 0.5:
            titles.append("tap_the_lao_dong_xuat_sac")
        if rng.random() < 0.2:
            titles.append("co_thi_dua_tinh")
        when = datetime(self.year, 1, 2, 9, tzinfo=VN) + timedelta(days=rng.randint(0, 12))
        yield (
            "http",
            _env(
                SOURCE_HR,
                f"emu-{unit}-{self.year}",
                "emulation.registered",
                unit,
                when,
                {"year": self.year, "titles": titles},
            ),
        )

    def officer_registration(self, unit: str, officer: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Most officers register for Lao động tiên tiến, some also for Chiến sĩ thi đua cơ sở."""
        rng = self.rng(unit, "registration")
        if rng.random() >= 0.88:
            return
        titles = ["lao_dong_tien_tien"] + (["chien_si_thi_dua_co_so"] if rng.random() < 0.25 else [])
        when = datetime(self.year, 1, 2, 9, tzinfo=VN) + timedelta(days=rng.randint(0, 12))
        yield (
            "kafka",
            _env(
                SOURCE_HR,
                f"emu-{officer}-{self.year}",
                "emulation.registered",
                unit,
                when,
                {"year": self.year, "titles": titles},
                officer=officer,
            ),
        )

    def result_published(self, unit: str, dossier: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        """Most results are published on the portal within a working day of finishing, some later, a few never."""
        rng, habit = self.rng(unit, "publication"), self.habit(unit)
        publish, quick = rng.random() < habit.published, rng.random() < habit.on_time
        lag = rng.uniform(0.05, 0.9) if quick else rng.uniform(1.5, 6)
        if not publish or dossier["status"] != "resolved":
            return
        published = _working_days_after(datetime.fromisoformat(dossier["finished_at"]), lag)
        code = dossier["dossier_code"]
        yield (
            "http",
            _env(
                SOURCE_ONE_STOP,
                f"{code}-pub",
                "procedure.published",
                unit,
                published,
                {"dossier_code": code, "published_at": published.isoformat()},
            ),
        )

    def dossier_complaint(self, unit: str, dossier: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        """Now and then a citizen complains about a finished dossier, naming it; answered and published."""
        rng = self.rng(unit, "dossier-complaints")
        finished = datetime.fromisoformat(dossier["finished_at"])
        if rng.random() >= 0.006 or finished >= datetime(self.year, 11, 15, tzinfo=VN):
            return
        n = self.dossier_complaints.get(unit, 0)
        self.dossier_complaints[unit] = n + 1
        cid = f"{unit}{DOSSIER_COMPLAINT}{n:03d}"
        received = finished + timedelta(days=rng.uniform(0.5, 10))
        resolved = _working_days_after(received, rng.uniform(1, 14) if rng.random() < 0.85 else rng.uniform(16, 22))
        yield (
            "http",
            _env(
                SOURCE_ONE_STOP,
                f"{cid}-c",
                "complaint.received",
                unit,
                received,
                {
                    "complaint_id": cid,
                    "category": "procedure",
                    "received_at": received.isoformat(),
                    "dossier_code": dossier["dossier_code"],
                },
            ),
        )
        yield from self.supplement(unit, cid, received, resolved)
        yield (
            "http",
            _env(
                SOURCE_ONE_STOP,
                f"{cid}-s",
                "complaint.resolved",
                unit,
                resolved,
                {
                    "complaint_id": cid,
                    "resolved_at": resolved.isoformat(),
                    "outcome": "answered",
                    "substantiated": rng.random() < 0.35,
                },
            ),
        )
        yield from self.answer_published(unit, cid, resolved)

    def supplement(
        self, unit: str, cid: str, received: datetime, resolved: datetime | None
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Occasionally the citizen is asked to complete the complaint: mostly within 5 working days of receipt."""
        rng = self.rng(unit, "complaint-supplements")
        asked, lag = rng.random() < 0.1, rng.uniform(0.3, 4.8) if rng.random() < 0.85 else rng.uniform(5.5, 8)
        requested = _working_days_after(received, lag)
        if not asked or (resolved is not None and requested >= resolved):
            return
        yield (
            "http",
            _env(
                SOURCE_ONE_STOP,
                f"{cid}-sup",
                "complaint.supplement_requested",
                unit,
                requested,
                {"complaint_id": cid, "requested_at": requested.isoformat()},
            ),
        )

    def answer_published(self, unit: str, cid: str, resolved: datetime) -> Iterator[tuple[str, dict[str, Any]]]:
        """The answer is made public, mostly within 2 working days of it, some later."""
        rng = self.rng(unit, "complaint-publication")
        published = _working_days_after(resolved, rng.uniform(0.1, 1.9) if rng.random() < 0.85 else rng.uniform(2.5, 7))
        yield (
            "http",
            _env(
                SOURCE_ONE_STOP,
                f"{cid}-pub",
                "complaint.published",
                unit,
                published,
                {"complaint_id": cid, "published_at": published.isoformat()},
            ),
        )

    def research(self, unit: str, officer: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """A few officers have a research project accepted (nghiệm thu), mostly at unit scope."""
        rng = self.rng(unit, "research")
        if rng.random() >= 0.01:
            return
        scope = rng.choices(["unit", "province", "national"], [0.75, 0.2, 0.05])[0]
        when = datetime(self.year, 1, 2, 9, tzinfo=VN) + timedelta(days=rng.uniform(60, 320))
        yield (
            "kafka",
            _env(
                SOURCE_HR,
                f"research-{officer}-{self.year}",
                "research.accepted",
                unit,
                when,
                {"title": rng.choice(RESEARCH_TITLES), "scope": scope, "decided_at": when.isoformat()},
                officer=officer,
            ),
        )


# ---------------------------------------------------------------- the map after 1 July 2025 (issue 24)

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


KafkaTarget = str | KafkaAccess | Mapping[str, KafkaAccess]
"""Bootstrap servers (credentials from the environment), one access, or each source's own access."""


def source_producer(kafka: KafkaTarget, source: str) -> AIOKafkaProducer:
    """A Kafka producer that speaks as `source` (its own SASL user where the broker authenticates)."""
    access = kafka[source] if isinstance(kafka, Mapping) else KafkaAccess.coerce(kafka)
    return AIOKafkaProducer(**access.aiokafka_options(), linger_ms=20)


def source_topic(source: str) -> str:
    """The topic a demo source writes its Kafka evidence to: its own, writable by that source only."""
    return source_inbound(source)


def _env(
    source: str,
    event_id: str,
    kind: str,
    unit: str,
    when: datetime,
    payload: dict[str, Any],
    officer: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": event_id,
        "type": kind,
        "schema_version": 1,
        "occurred_at": when.isoformat(),
        "unit_id": unit,
        "source": source,
        "payload": payload,
    }
    if officer:
        body["officer_id"] = officer
    return body


def _progress(done: int, total: int, started: float) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    rate = done / max(time.monotonic() - started, 1e-6)
    sys.stdout.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} events  {rate:,.0f}/s")
    sys.stdout.flush()
