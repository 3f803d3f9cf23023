"""What a source may submit (phạm vi của nguồn dữ liệu)."""

from __future__ import annotations

from dataclasses import dataclass

ALL_UNITS = "*"


@dataclass(frozen=True)
class SourceScope:
    """The units a registered source may submit evidence for."""

    name: str
    units: frozenset[str]

    def covers(self, unit_id: str) -> bool:
        """True when this source may submit for unit_id."""
        return ALL_UNITS in self.units or unit_id in self.units
