"""Who is calling, and what a source may submit (phạm vi của nguồn dữ liệu)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["source", "unit", "council", "admin"]
ALL_UNITS = "*"


@dataclass(frozen=True)
class Principal:
    """The holder of a bearer token: a role, and the source or unit it speaks for."""

    role: Role
    source: str | None = None
    unit_id: str | None = None


@dataclass(frozen=True)
class SourceScope:
    """The units a registered source may submit evidence for."""

    name: str
    units: frozenset[str]

    def covers(self, unit_id: str) -> bool:
        """True when this source may submit for unit_id."""
        return ALL_UNITS in self.units or unit_id in self.units
