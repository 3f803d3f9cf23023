"""Award parameters from the versioned rule file (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AwardRules:
    """Everything the award rules depend on besides the records, under one version."""

    version: str
    cash_multiple: Mapping[str, float]
    lao_dong_tien_tien_share: float
    blocking_forms: frozenset[str]
    excellent_max_share: float
    cstdcs_quota_share: float
    flag_min_band: str
    quorum_present: float
    vote_thresholds: Mapping[str, float]
    late_input_until: str  # MM-DD of the year after

    def vote_threshold(self, title: str) -> float:
        return self.vote_thresholds.get(title, self.vote_thresholds["default"])


def build_award_rules(doc: Mapping[str, Any]) -> AwardRules:
    """Validate and build; ValueError names what is missing."""
    try:
        council = dict(doc["council"])
        return AwardRules(
            version=str(doc["version"]), cash_multiple={k: float(v) for k, v in doc["cash_multiple"].items()},
            lao_dong_tien_tien_share=float(doc["collective"]["lao_dong_tien_tien_share"]),
            blocking_forms=frozenset(doc["collective"]["blocking_forms"]),
            excellent_max_share=float(doc["excellence"]["max_share_of_good"]),
            cstdcs_quota_share=float(doc["quota"]["chien_si_thi_dua_co_so_share"]),
            flag_min_band=str(doc["flag"]["min_band"]), quorum_present=float(council.pop("quorum_present")),
            vote_thresholds={k: float(v) for k, v in council.items()},
            late_input_until=str(doc["calendar"]["late_input_until"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"award rule file incomplete or malformed: {exc!r}") from exc
