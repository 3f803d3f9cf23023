"""The period grammar of the contract (kỳ đánh giá): a year, a quarter, a month or the movement's stage."""

from __future__ import annotations

import re

STAGE = "2019-2025"
"""The movement's stage (giai đoạn), Decision 733/QĐ-TTg, reviewed in 2022 and 2025."""
PERIOD_PATTERN = re.compile(r"^(?P<year>[0-9]{4})(?:-Q(?P<q>[1-4])|-(?P<m>0[1-9]|1[0-2]))?\Z")
"""2025, 2025-Q1 or 2025-03 (ASCII digits only; \\Z, as "$" would take "2025\\n"); the stage is matched by name."""
FORMS = f"YYYY, YYYY-Qn, YYYY-MM or {STAGE}"


def is_period(label: str) -> bool:
    """True for 2025, 2025-Q1, 2025-03 and the stage 2019-2025."""
    return label == STAGE or PERIOD_PATTERN.match(label) is not None
