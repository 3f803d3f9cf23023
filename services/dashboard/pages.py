"""What the pages show, shaped from the services' JSON (pure: no I/O, no markup)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from schemas.http.scoring import IndicatorLine, StandingRow, UnitScorecard
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


def movement_stages(stages: Sequence[str]) -> list[str]:
    """The stage periods scoring's active rulebook configures (GET /v1/rulebook, `stages`); well-formed ones only."""
    return sorted({s for s in stages if STAGE_PATTERN.match(s) and valid_period(s)})


class BoardRow(StandingRow):
    """A standings row as the leaderboards show it: with its rank within its cluster."""

    cluster_rank: int


def clusters_of(rows: Iterable[StandingRow]) -> dict[str, list[BoardRow]]:
    """Group the province's standings by cluster, ranked within the cluster in the province's order."""
    grouped: dict[str, list[StandingRow]] = {}
    for row in rows:
        grouped.setdefault(row.cluster_id or "", []).append(row)

    def order(r: StandingRow) -> tuple[int, float, str]:
        return (r.rank if r.rank is not None else 10**9, -float(r.score) if r.score is not None else 0.0, r.subject_id)

    ranked = {
        cluster: [BoardRow(**r.model_dump(), cluster_rank=i) for i, r in enumerate(sorted(members, key=order), 1)]
        for cluster, members in grouped.items()
    }
    return dict(sorted(ranked.items(), key=lambda kv: (kv[0] == "", kv[0])))


def cluster_title(cluster: str, rows: Sequence[StandingRow]) -> str:
    """The cluster's name from its rows, or its code."""
    named = next((r.cluster_name for r in rows if r.cluster_name), None)
    return (named or f"Cụm, khối thi đua {cluster}") if cluster else "Chưa xếp cụm, khối"


@dataclass(frozen=True)
class Movement:
    """▲n / ▼n / = against the previous rank (a lower rank number is better); 'mới' when there was none."""

    css: str
    text: str
    hint: str


def movement(rank: int | None, previous: int | None) -> Movement | None:
    """How the rank moved since the previous one."""
    if rank is None:
        return None
    if previous is None:
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
