"""The period grammar of the contract (kỳ đánh giá): a year, a quarter, a month or a movement's stage."""

from __future__ import annotations

import re

STAGE = "2019-2025"
"""The office-culture movement's stage (giai đoạn), Decision 733/QĐ-TTg, reviewed in 2022 and 2025 (closed)."""
PERIOD_PATTERN = re.compile(r"^(?P<year>[0-9]{4})(?:-Q(?P<q>[1-4])|-(?P<m>0[1-9]|1[0-2]))?\Z")
"""2025, 2025-Q1 or 2025-03 (ASCII digits only; \\Z, as "$" would take "2025\\n")."""
STAGE_PATTERN = re.compile(r"^(?P<first>[0-9]{4})-(?P<last>[0-9]{4})\Z")
"""A stage of a movement the scoring rulebook configures: its first and last year (2019-2025, 2025-2030)."""
FORMS = f"YYYY, YYYY-Qn, YYYY-MM or a configured movement's stage YYYY-YYYY such as {STAGE}"


def is_period(label: str) -> bool:
    """True for 2025, 2025-Q1, 2025-03 and a well-formed stage (2019-2025): scoring says which stages exist."""
    if (stage := STAGE_PATTERN.match(label)) is not None:
        return int(stage["first"]) < int(stage["last"])
    return PERIOD_PATTERN.match(label) is not None
