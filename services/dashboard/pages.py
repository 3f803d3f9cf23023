"""What the pages show, shaped from the services' JSON (pure: no I/O, no markup)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from schemas.http.scoring import IndicatorLine, UnitScorecard
from schemas.labels import TITLE_NAMES
from schemas.periods import STAGE_PATTERN
from schemas.vietnam import VN_TZ
from services.dashboard.formatting import period_year, valid_period

OPEN_TO_VOTE = ("proposed", "needs_review")


def current_year(now: datetime | None = None) -> int:
    """The year in Vietnam right now."""
    return (now or datetime.now(UTC)).astimezone(VN_TZ).year


def candidate_periods(now: datetime | None = None, *, years_back: int = 3) -> list[str]:
    """Periods the first screen may open on, preferred first: this year, this month, then earlier years."""
    local = (now or datetime.now(UTC)).astimezone(VN_TZ)
    earlier = [str(local.year - k) for k in range(1, years_back + 1)]
    return [str(local.year), f"{local.year}-{local.month:02d}", *earlier]


def picker_choices(period: str, this_year: int, stages: Sequence[str] = ()) -> list[str]:
    """Quick links of the period picker: the period's year and its quarters, this year, the year before, then the
    configured movements' stages that contain the year."""
    year = period_year(period) if valid_period(period) else this_year
    choices = [str(year), *(f"{year}-Q{q}" for q in range(1, 5))]
    if str(this_year) not in choices:
        choices.insert(0, str(this_year))
    if year - 1 != this_year:
        choices.append(str(year - 1))
    spans = [(s, STAGE_PATTERN.match(s)) for s in stages]
    choices += [s for s, m in spans if m is not None and int(m["first"]) <= year <= int(m["last"])]
    return choices


def movement_stages(rulebook: object) -> list[str]:
    """The stage periods scoring's active rulebook configures (GET /v1/rulebook, `stages`); well-formed ones only."""
    stages = rulebook.get("stages") if isinstance(rulebook, Mapping) else None
    if not isinstance(stages, list):
        return []
    return sorted({s for s in stages if isinstance(s, str) and STAGE_PATTERN.match(s) and valid_period(s)})


def has_rows(body: object) -> bool:
    """Standings with at least one ranked row."""
    return isinstance(body, Mapping) and isinstance(body.get("rows"), list) and bool(body["rows"])


def clusters_of(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Group the province's standings by cluster, ranked within the cluster in the province's order."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        cluster = row.get("cluster_id")
        grouped.setdefault(str(cluster) if cluster not in (None, "") else "", []).append(dict(row))

    def order(r: Mapping[str, Any]) -> tuple[int, float, str]:
        rank = r.get("rank")
        score = r.get("score")
        return (
            rank if isinstance(rank, int) else 10**9,
            -float(score) if isinstance(score, int | float) else 0.0,
            str(r.get("subject_id", "")),
        )

    for members in grouped.values():
        members.sort(key=order)
        for i, member in enumerate(members, start=1):
            member["cluster_rank"] = i
    return dict(sorted(grouped.items(), key=lambda kv: (kv[0] == "", kv[0])))


def cluster_title(cluster: str, rows: Sequence[Mapping[str, Any]]) -> str:
    """The cluster's name from its rows, or its code."""
    named = next((r.get("cluster_name") for r in rows if r.get("cluster_name")), None)
    return (str(named) if named else f"Cụm, khối thi đua {cluster}") if cluster else "Chưa xếp cụm, khối"


@dataclass(frozen=True)
class Movement:
    """▲n / ▼n / = against the previous rank (a lower rank number is better); 'mới' when there was none."""

    css: str
    text: str
    hint: str


def movement(rank: object, previous: object) -> Movement | None:
    """How the rank moved since the previous one."""
    if not isinstance(rank, int) or isinstance(rank, bool):
        return None
    if not isinstance(previous, int) or isinstance(previous, bool):
        return Movement("new", "mới", "chưa có thứ hạng trước")
    if previous > rank:
        return Movement("up", f"▲{previous - rank}", f"tăng {previous - rank} bậc (trước: {previous})")
    if previous < rank:
        return Movement("down", f"▼{rank - previous}", f"giảm {rank - previous} bậc (trước: {previous})")
    return Movement("same", "=", "giữ nguyên")


def is_share(row: IndicatorLine) -> bool:
    """An indicator measured as a share 0..1 (else a rate per 100 officers)."""
    return not (row.threshold is not None and row.threshold > 1)


def monthly(months: Sequence[tuple[UnitScorecard | None, str | None]]) -> tuple[list[float | None], str | None]:
    """Scores month by month from (card, failure) pairs — failure: why a month's call failed, None when it answered
    or had no card — and the first failure, if any."""
    values = [float(card.score) if card is not None and card.score is not None else None for card, _ in months]
    return values, next((why for _, why in months if why is not None), None)


def by_title(nominations: Iterable[object]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    """Nominations grouped by title, in the order of the titles' precedence."""
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for n in nominations:
        if isinstance(n, Mapping):
            grouped.setdefault(str(n.get("title")), []).append(n)
    order = list(TITLE_NAMES)
    return [
        (title, grouped[title])
        for title in sorted(grouped, key=lambda t: (order.index(t) if t in order else len(order), t))
    ]


@dataclass(frozen=True)
class VoteRule:
    """What a council session needs to decide a title: members present and members in favour (of all members)."""

    quorum: float
    threshold: float

    def needed(self, members_total: int) -> tuple[int, int]:
        """(members present needed, votes for needed) for a council of members_total."""
        return _ceil(self.quorum * members_total), _ceil(self.threshold * members_total)


def _ceil(value: float) -> int:
    whole = int(value)
    return whole if value - whole < 1e-9 else whole + 1
