"""An officer's rating as the titles read it (pure): HR's, else the Decree 335/2025 evidence rating, forced down by
a discipline; the words and evidence behind it."""

from __future__ import annotations

from services.awards.domain.conduct import (
    discipline_words,
    forcing_disciplines,
    rating_source,
    term_checks,
    under_decree_335,
)
from services.awards.domain.records import EvidenceRating, Fact, OfficerRecord
from services.awards.domain.rulebook import AwardRules
from services.awards.domain.verdicts import (
    EVIDENCE_RATING_SOURCE,
    EVIDENCE_RATING_WORDS,
    LEVEL_SHORT,
    LEVEL_VI,
    RatingBasis,
)


def evidence_rating(o: OfficerRecord, year: int, rules: AwardRules) -> EvidenceRating | None:
    """The rating scoring computed from the evidence (ratings.v1), where it may count: a công chức's, of a year
    under Decree 335/2025 (Art. 20-21: the annual score is built from the tracking periods)."""
    return o.evidence_ratings.get(year) if under_decree_335(o, year, rules) else None


def rating_basis(o: OfficerRecord, year: int, rules: AwardRules) -> RatingBasis | None:
    """Which rating decides for awards: a forcing discipline, else HR's evaluation.recorded, else the Decree 335
    evidence rating; None when there is none."""
    if forcing_disciplines(o, year, rules):
        return "discipline"
    if year in o.ratings:
        return "hr"
    return "evidence_335" if evidence_rating(o, year, rules) is not None else None


def effective_rating(o: OfficerRecord, year: int, rules: AwardRules) -> Fact | None:
    """The rating that counts for awards: a forcing discipline in the counted year makes it "incomplete" (any
    discipline: NĐ 90/2020 as amended by NĐ 48/2023; a công chức from 2026: NĐ 335/2025 Art. 20(c)), whatever the
    HR evaluation said; otherwise HR's rating, and where HR sent none the Decree 335 evidence rating (issue 26)."""
    found = sorted(d.event for d in forcing_disciplines(o, year, rules))
    if found:
        return Fact(year, "incomplete", found[0])
    if year in o.ratings:
        return o.ratings[year]
    computed = evidence_rating(o, year, rules)
    return Fact(year, computed.value, computed.event) if computed is not None else None


def _points(score: float) -> str:
    """A score as Vietnamese write it (decimal comma, at most two decimals)."""
    return f"{score:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def evidence_words(r: EvidenceRating) -> str:
    """The evidence rating in words: level, score, periods and the "not complete" conditions found."""
    why = f"; {'; '.join(r.not_complete)}" if r.not_complete else ""
    return f"{LEVEL_SHORT.get(r.value, r.value)}, {_points(r.score)} điểm bình quân {r.periods} kỳ{why}"


def _said(o: OfficerRecord, year: int, rules: AwardRules) -> str:
    """The rating as received, before any discipline: HR's (with the evidence rating beside it when both exist and
    differ), else the evidence rating, else that there is none."""
    reported, computed = o.ratings.get(year), evidence_rating(o, year, rules)
    if reported is None:
        if computed is None:
            return f"chưa có xếp loại năm {year}"
        return (
            f"xếp loại {LEVEL_VI.get(computed.value, computed.value)} {EVIDENCE_RATING_WORDS}: "
            f"{evidence_words(computed)}; chưa có xếp loại của HR năm {year} ({EVIDENCE_RATING_SOURCE})"
        )
    said = f"xếp loại {LEVEL_VI.get(reported.value, reported.value)}"
    if computed is not None and computed.value != reported.value:
        said += (
            f" (HR: {LEVEL_SHORT.get(reported.value, reported.value)}; {EVIDENCE_RATING_WORDS}: "
            f"{evidence_words(computed)}; xếp loại của HR được dùng)"
        )
    return said


def rating_reason(o: OfficerRecord, year: int, rules: AwardRules) -> str:
    """Both the reported and the effective rating, in words, naming the decree that applied (and, from Decree
    335/2025, the evidence rating: deciding where HR sent none, shown beside HR's where they differ)."""
    said = _said(o, year, rules)
    if rating_basis(o, year, rules) != "discipline":
        return said
    events = "; ".join(discipline_words(d, rules) for d in forcing_disciplines(o, year, rules))
    return (
        f"xếp loại báo cáo: {said.removeprefix('xếp loại ')}; xếp loại dùng để xét: "
        f"{LEVEL_VI['incomplete']} do bị kỷ luật trong năm {year} ({events}; {rating_source(o, year, rules)})"
    )


def rating_events(o: OfficerRecord, year: int, rules: AwardRules) -> list[str]:
    """The rating evidence of year: HR's event and the Decree 335 evidence rating's, where they count."""
    reported, computed = o.ratings.get(year), evidence_rating(o, year, rules)
    return [f.event for f in (reported, computed) if f is not None]


def discipline_events(o: OfficerRecord, year: int, rules: AwardRules) -> list[str]:
    return [d.event for d in forcing_disciplines(o, year, rules)] + term_checks(o, year, rules)[1]
