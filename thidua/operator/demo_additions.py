"""The evidence types added to the contract after the demo was first written, slotted in after the events they follow.

Each is drawn from a random generator of its own, so the original stream of a seed stays byte for byte what it was.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from thidua.operator.demo_units import SOURCE_HR, SOURCE_ONE_STOP, VN, _env

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
