"""Alert rules of the awards: during the year, is each collective title within a unit's reach (pure)."""

from __future__ import annotations

from datetime import datetime

from schemas.labels import BANDS, award_alert_title
from schemas.outputs import Alert, StandingChanged
from services.awards.domain.rulebook import AwardRules, deadline

GOOD, FAIR = BANDS[0], BANDS[1]  # "Tốt", "Khá"


def on_track_signals(standing: StandingChanged, rules: AwardRules) -> dict[str, bool]:
    """During the year, from a unit's year standing: is each collective title within reach?"""
    band = standing.band
    return {
        "co_thi_dua_tinh": standing.rank_in_cluster == 1 and band == rules.flag_min_band,
        "tap_the_lao_dong_xuat_sac": band == GOOD,
        "tap_the_lao_dong_tien_tien": band in (GOOD, FAIR),
    }


def signal_state(on_track: bool) -> str:
    """The state a signal records: on_track or at_risk."""
    return "on_track" if on_track else "at_risk"


def signal_due(before: str | None, on_track: bool) -> bool:
    """Only transitions are sent, and no "at risk" for a unit that never was on track."""
    return before != signal_state(on_track) and not (before is None and not on_track)


def award_alert(d: StandingChanged, year: int, title: str, on_track: bool, now: datetime, rules: AwardRules) -> Alert:
    """The award_on_track / award_at_risk alert for title, with the dossier and rating deadlines."""
    state = signal_state(on_track)
    kind = f"award_{state}"
    dossier, rating = deadline(year, rules.dossier_deadline), deadline(year, rules.rating_deadline)
    return Alert(
        alert_id=f"{kind}:{d.unit_id}:{year}:{title}:{d.event_id}",
        condition_key=f"{kind}:{d.unit_id}:{year}:{title}",
        kind=kind,
        priority="low" if on_track else "normal",
        unit_id=d.unit_id,
        occurred_at=now,
        period=str(year),
        subject_id=title,
        title=award_alert_title(kind, title, dossier),
        data={
            "rank_in_cluster": d.rank_in_cluster,
            "band": d.band,
            "score": d.score,
            "dossier_deadline": dossier.isoformat(),
            "rating_deadline": rating.isoformat(),
        },
        rule_version=rules.version,
    )
