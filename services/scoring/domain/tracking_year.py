"""Decree 335/2025's year: an officer's rating of the year from its periods' sheets, and the cap on the best level."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from services.scoring.domain.tracking import UNSEEN_CONDITIONS, Level, Sheet, TrackingRules, _r, period_year


@dataclass(frozen=True)
class YearRating:
    """An officer's rating of a year from the period sheets: score, level, periods counted, conditions held."""

    year: int
    score: float | None  # None: no period counts (nothing to rate from the evidence)
    level: Level | None
    periods: list[str]
    not_complete: list[str]
    capped: str | None = None  # why an "excellent" became "good" (Art. 20(5)), else None
    unseen: tuple[str, ...] = UNSEEN_CONDITIONS
    partial: bool = False  # a counted period has no general points yet

    def as_json(self) -> dict[str, Any]:
        """The year as the scoring API shows it (the service adds hr_rating)."""
        return {
            "score": self.score,
            "level": self.level,
            "periods": self.periods,
            "not_complete": self.not_complete,
            "capped": self.capped is not None,
            "cap_reason": self.capped,
            "unseen": list(self.unseen),
            "partial": self.partial,
        }


def year_rating(
    year: int,
    sheets: Sequence[Sheet],
    leave_only_periods: set[str],
    disciplines: Sequence[tuple[str, bool, str]],
    rules: TrackingRules,
) -> YearRating:
    """Art. 21: the mean of the totals of the periods worked (wholly on leave: excluded; a transferred officer's
    sheets of both units are passed together, two sheets of one period averaged
    first); Art. 20: the level and the "not complete" conditions we can see."""
    counted = sorted(
        (
            s
            for s in sheets
            if period_year(s.period) == year and s.total is not None and s.period not in leave_only_periods
        ),
        key=lambda s: s.period,
    )
    reasons = [
        f"Điều 20 khoản 1 điểm c: kỷ luật ({form}) trong năm, liên quan đến thi hành công vụ (sự kiện {event})"
        for form, duty_related, event in disciplines
        if duty_related and form in rules.discipline_forms
    ]
    if not counted:
        return YearRating(year, None, "incomplete" if reasons else None, [], reasons)
    by_period: dict[str, list[float]] = {}
    for s in counted:  # a period split by a transfer: each unit's sheet, averaged into the period's one total
        by_period.setdefault(s.period, []).append(s.total or 0.0)
    score = _r(sum(sum(t) / len(t) for t in by_period.values()) / len(by_period))
    if score < rules.complete:
        reasons.insert(0, f"Điều 20 khoản 1 điểm a: điểm năm {score:g} dưới {rules.complete:g}")
    level: Level = "incomplete" if reasons else rules.level(score)
    partial = any(s.general_points is None for s in counted)
    return YearRating(year, score, level, sorted(by_period), reasons, partial=partial)


def _allowed(base: int, rules: TrackingRules) -> int:
    return math.floor(rules.cap_share * base + 1e-9)


def _base(ratings: Iterable[YearRating], rules: TrackingRules) -> int:
    levels = ("good", "excellent") if rules.cap_base == "good_or_better" else ("good",)
    return sum(1 for r in ratings if r.level in levels)


def apply_cap(
    ratings: Mapping[str, YearRating], peer_groups: Mapping[str, str | None], rules: TrackingRules
) -> dict[str, YearRating]:
    """Art. 20(5): excellent ≤ cap_share × the number rated good, within the unit (the ratings passed: one unit's)
    AND within each peer group; those beyond, lowest scores first, become good with the reason. The counts are
    taken before the cap."""
    result = dict(ratings)
    excellent = sorted(
        (o for o, r in ratings.items() if r.level == "excellent"), key=lambda o: (-(ratings[o].score or 0.0), o)
    )
    allowed = _allowed(_base(ratings.values(), rules), rules)
    for officer in excellent[allowed:]:
        result[officer] = replace(
            ratings[officer],
            level="good",
            capped=(
                f"Điều 20 khoản 5: vượt tỷ lệ hoàn thành xuất sắc của đơn vị ({allowed} = "
                f"{rules.cap_share:.0%} số xếp loại tốt); xếp loại hoàn thành tốt"
            ),
        )
    groups = sorted({g for g in peer_groups.values() if g is not None})
    for group in groups:
        members = [o for o in ratings if peer_groups.get(o) == group]
        allowed_g = _allowed(_base((ratings[o] for o in members), rules), rules)
        kept = [o for o in excellent if o in members and result[o].level == "excellent"]
        for officer in kept[allowed_g:]:
            result[officer] = replace(
                ratings[officer],
                level="good",
                capped=(
                    f"Điều 20 khoản 5: vượt tỷ lệ hoàn thành xuất sắc của nhóm {group} ({allowed_g} = "
                    f"{rules.cap_share:.0%} số xếp loại tốt); xếp loại hoàn thành tốt"
                ),
            )
    return result
