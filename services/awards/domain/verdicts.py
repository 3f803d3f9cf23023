"""What a title's evaluation says (pure): a Check per criterion and its effect, the Verdict, and the words and
sources the criteria quote (levels, discipline forms, case kinds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from schemas.vietnam import VN_TZ

GOOD_OR_BETTER = ("good", "excellent")
LEVEL_VI = {
    "excellent": "hoàn thành xuất sắc nhiệm vụ",
    "good": "hoàn thành tốt nhiệm vụ",
    "complete": "hoàn thành nhiệm vụ",
    "incomplete": "không hoàn thành nhiệm vụ",
}
LEVEL_SHORT = {
    "excellent": "hoàn thành xuất sắc",
    "good": "hoàn thành tốt",
    "complete": "hoàn thành",
    "incomplete": "không hoàn thành",
}
LEVEL_RANK = {"excellent": 0, "good": 1, "complete": 2, "incomplete": 3}
FORM_VI = {
    "reprimand": "khiển trách",
    "warning": "cảnh cáo",
    "demotion": "hạ bậc lương, giáng chức",
    "removal": "cách chức",
    "dismissal": "buộc thôi việc",
}
CASE_VI = {
    "complaint": "khiếu nại",
    "denunciation": "tố cáo",
    "discipline_review": "đang xem xét kỷ luật",
    "inspection": "đang thanh tra, kiểm tra",
    "press_report": "báo chí phản ánh tham nhũng đang xác minh",
}
OLD_HOLD_KINDS = (None, "complaint", "denunciation")  # what held before Decree 152/2025 (Law 06/2022 ch. VII)
DISCIPLINE_SOURCE = "NĐ 90/2020/NĐ-CP, sửa đổi bởi NĐ 48/2023/NĐ-CP"
DECREE_335_SOURCE = "NĐ 335/2025/NĐ-CP, Điều 20"
DECREE_152_SOURCE = "NĐ 152/2025/NĐ-CP, Điều 4"
CAP_SOURCE = "Quy định 366-QĐ/TW năm 2025, Điều 11; NĐ 48/2023/NĐ-CP"
CAP_SOURCE_335 = "NĐ 335/2025/NĐ-CP, Điều 20 khoản 5"
EVIDENCE_RATING_WORDS = "theo minh chứng (Nghị định 335)"
EVIDENCE_RATING_SOURCE = "NĐ 335/2025/NĐ-CP, Điều 20-21"
Effect = Literal["block", "review", "hold"]
RatingBasis = Literal["discipline", "hr", "evidence_335"]


@dataclass(frozen=True)
class Check:
    """One criterion: its code, met or not, why, and what failing it does (block, review or hold)."""

    code: str
    met: bool
    reason: str
    effect: Effect = "block"


@dataclass
class Verdict:
    """A title's decision for one subject and year."""

    title: str
    met: bool
    checks: list[Check] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)

    @property
    def review(self) -> bool:
        """Met, but the council must look first (over the excellence cap, tied at the head of the cluster)."""
        return any(c.effect == "review" and not c.met for c in self.checks)

    @property
    def held(self) -> bool:
        """An open case (complaint, denunciation, discipline review, inspection, press report) holds it."""
        return any(c.effect == "hold" and not c.met for c in self.checks)

    @property
    def status(self) -> str:
        """The status a new nomination for this verdict starts in."""
        return "on_hold" if self.held else "needs_review" if self.review else "proposed"


def verdict_of(title: str, checks: list[Check], evidence: list[str]) -> Verdict:
    return Verdict(title, all(c.met or c.effect != "block" for c in checks), checks, sorted(set(evidence)))


def with_check(verdict: Verdict, check: Check, evidence: list[str] | None = None) -> Verdict:
    """The verdict with one more criterion."""
    return verdict_of(verdict.title, [*verdict.checks, check], verdict.evidence + (evidence or []))


def year_start(year: int) -> datetime:
    """The first instant of a year, Vietnam time (a counted period is the calendar year)."""
    return datetime(year, 1, 1, tzinfo=VN_TZ)


def year_ends_on_or_after(year: int, day: date) -> bool:
    """True when the year's period (1/1-31/12) ends on or after day: a rule in force from day applies to it."""
    return date(year, 12, 31) >= day


def day_vn(at: datetime) -> str:
    return f"{at.astimezone(VN_TZ):%d/%m/%Y}"
