"""Constrained types shared by the contract's models."""

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
)

from schemas.bounds import EARLIEST, LATEST

# Identifier grammars, defined once (the CLI and the dashboard check the same ones).
EVENT_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
UNIT_ID_PATTERN = r"^[A-Z0-9.]{2,32}$"
OFFICER_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
SOURCE_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
EventId = Annotated[StrictStr, Field(pattern=EVENT_ID_PATTERN, description="unique per source")]
UnitId = Annotated[StrictStr, Field(pattern=UNIT_ID_PATTERN, description="mã định danh (electronic id)")]
OfficerId = Annotated[StrictStr, Field(pattern=OFFICER_ID_PATTERN)]
SourceName = Annotated[StrictStr, Field(pattern=SOURCE_PATTERN)]

# C0 control characters (U+0000-U+001F) and DEL: no name or code holds one, and a free text only tab and
# newline. They cannot be stored in XML (XLSX, DOCX) or drawn in a PDF; one in a unit's name once made every
# download of the province fail. The JSON Schema carries the same rule as a pattern for the sources' own checks.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _no_control(value: str) -> str:
    """Refuse C0 control characters and DEL (a compiled search: every decoded event passes here)."""
    if _CONTROL.search(value) is not None:
        raise ValueError("must not contain control characters (U+0000-U+001F, U+007F)")
    return value


def _no_control_in_text(value: str) -> str:
    """Refuse C0 control characters and DEL except tab and newline."""
    if _CONTROL_IN_TEXT.search(value) is not None:
        raise ValueError("must not contain control characters (U+0000-U+001F, U+007F) other than tab and newline")
    return value


_CLEAN = Field(json_schema_extra={"pattern": "^[^\\u0000-\\u001f\\u007f]*$"})
_CLEAN_TEXT = Field(json_schema_extra={"pattern": "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f]*$"})
Code = Annotated[StrictStr, Field(min_length=1, max_length=200), _CLEAN, AfterValidator(_no_control)]
Text = Annotated[StrictStr, Field(min_length=1, max_length=500), _CLEAN_TEXT, AfterValidator(_no_control_in_text)]
Name = Annotated[StrictStr, Field(min_length=1, max_length=200), _CLEAN, AfterValidator(_no_control)]
Year = Annotated[StrictInt, Field(ge=2000, le=2100)]
Bool = StrictBool
Number = StrictFloat
"""A JSON number: integers are taken as floats, strings and booleans are refused."""


class Strict(BaseModel):
    """Base of every contract model: frozen, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# ASCII digits up to \Z: "\d" takes any script's digits and "$" a trailing newline.
_RFC3339 = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})\Z"
)


_MATCH_RFC3339 = _RFC3339.match


def _rfc3339(value: object) -> object:
    """Only RFC 3339 text with an offset (or an aware datetime built in code) is a timestamp."""
    # Text first, by exact class (what every decoded event carries, several times): one check, one bound match.
    if value.__class__ is str and _MATCH_RFC3339(value) is not None:
        return value
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise ValueError("must be an RFC 3339 timestamp with an offset, e.g. 2025-03-14T09:30:00+07:00")
    return value


def _bounded(value: datetime) -> datetime:
    """Inside [EARLIEST, LATEST): far-past and far-future times are refused before any code computes with them."""
    if EARLIEST.year < value.year < LATEST.year - 1:  # inside whatever the offset: no aware comparison (hot path)
        return value
    if not EARLIEST <= value < LATEST:
        raise ValueError(f"must lie between {EARLIEST.date().isoformat()} and {LATEST.date().isoformat()}")
    return value


Timestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339), AfterValidator(_bounded)]


def _exactly_one(value: object) -> object:
    """schema_version is the integer 1: not true, not 1.0, not "1"."""
    if type(value) is not int:
        raise ValueError("must be 1")
    return value


SchemaVersion = Annotated[Literal[1], BeforeValidator(_exactly_one)]
