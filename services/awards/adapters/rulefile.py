"""Loading the versioned award rule file (rules/awards.toml) into AwardRules."""

from __future__ import annotations

import tomllib
from pathlib import Path

from services.awards.domain.rulebook import AwardRules, build_award_rules


def load_rules(path: Path) -> AwardRules:
    """The award rules of the TOML file at path; ValueError names what is missing or malformed."""
    return build_award_rules(tomllib.loads(path.read_text(encoding="utf-8")))
