"""The operator's mappings for the national portal's door (pure): upstream unit codes → our units, upstream user
names → our officers, per source. What may be mapped, checked before anything is stored."""

from __future__ import annotations

import re

from schemas.common import OFFICER_ID_PATTERN, UNIT_ID_PATTERN
from schemas.errors import FieldError
from schemas.outputs import ADMIN_INBOX
from services.evidence.domain.principal import SourceScope

MAX_CODE_CHARS = 200
"""An upstream code or user name: as long as the portal's codes may be (schemas/dvcqg.py, PortalCode)."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_UNIT_ID = re.compile(UNIT_ID_PATTERN)
_OFFICER_ID = re.compile(OFFICER_ID_PATTERN)


def upstream_name(value: str, field: str) -> FieldError | None:
    """An upstream code (MaDonVi, madonvi) or user name (NguoiXuLy) as the door reads it: 1–200 characters, no
    control character; the door compares it as it is, so it is stored as it is (no trimming, no case folding)."""
    if not 1 <= len(value) <= MAX_CODE_CHARS:
        return FieldError(field=field, message=f"must be 1-{MAX_CODE_CHARS} characters, got {len(value)}")
    if _CONTROL.search(value):
        return FieldError(field=field, message="must not contain control characters (U+0000-U+001F, U+007F)")
    return None


def unit_target(scope: SourceScope, unit_id: str) -> FieldError | None:
    """A unit a code may map to: a unit id the source covers (a mapping never widens what a source may send)."""
    if not _UNIT_ID.fullmatch(unit_id):
        return FieldError(field="unit_id", message=f"must match {UNIT_ID_PATTERN}, got {_shown(unit_id)}")
    if unit_id == ADMIN_INBOX:
        return FieldError(field="unit_id", message=f"{ADMIN_INBOX} is reserved for the operators' inbox")
    if not scope.covers(unit_id):
        return FieldError(
            field="unit_id",
            message=f"{_shown(unit_id)} is not one of the units source {scope.name!r} is registered for",
        )
    return None


def officer_target(scope: SourceScope, officer_id: str, home_unit: str | None) -> FieldError | None:
    """An officer a user name may map to: a well-formed id whose home unit, once registered, the source covers
    (the door would refuse the officer otherwise); an officer not registered yet may be mapped ahead of it."""
    if not _OFFICER_ID.fullmatch(officer_id):
        return FieldError(field="officer_id", message=f"must match {OFFICER_ID_PATTERN}, got {_shown(officer_id)}")
    if home_unit is not None and not scope.covers(home_unit):
        return FieldError(
            field="officer_id",
            message=f"{_shown(officer_id)} belongs to unit {home_unit}, which source {scope.name!r} does not cover",
        )
    return None


def _shown(value: str) -> str:
    """A value quoted for a message, cut to 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
