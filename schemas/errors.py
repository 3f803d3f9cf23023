"""Validation errors with the field path, as the contract's error documents carry them."""

import re

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails


class FieldError(BaseModel):
    """One refused field: its dotted path (e.g. payload.channel, "body" for the whole document) and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str
    message: str


class EvidenceInvalid(Exception):
    """An evidence envelope refused by the schemas, with every reason."""

    def __init__(self, details: list[FieldError]) -> None:
        super().__init__("; ".join(f"{d.field or 'body'}: {d.message}" for d in details))
        self.details: list[FieldError] = details


TIMESTAMP_HINT = "must be an RFC 3339 timestamp with an offset, e.g. 2025-03-14T09:30:00+07:00"

# pydantic error type -> plain English; {name} is filled from the error's ctx.
_MESSAGES: dict[str, str] = {
    "missing": "field required",
    "extra_forbidden": "unknown field",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "string_type": "must be a string",
    "string_too_long": "must be at most {max_length} characters",
    "string_pattern_mismatch": "must match {pattern}",
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "timezone_aware": "must include a timezone offset, e.g. +07:00",
    "datetime_type": TIMESTAMP_HINT,
    "datetime_parsing": TIMESTAMP_HINT,
    "datetime_from_date_parsing": TIMESTAMP_HINT,
    "datetime_object_invalid": TIMESTAMP_HINT,
}


def describe(error: ErrorDetails) -> str:
    """A short plain-English message for one pydantic error."""
    kind, ctx = error["type"], {name: _plain(value) for name, value in error.get("ctx", {}).items()}
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        choices = re.findall(r"'([^']*)'", expected) or [expected]
        return f"must be {choices[0]}" if len(choices) == 1 else "must be one of: " + ", ".join(choices)
    if kind == "string_too_short":
        minimum = ctx.get("min_length", 1)
        return "must not be empty" if minimum == 1 else f"must be at least {minimum} characters"
    if kind in ("too_short", "too_long"):
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        bound = "at least" if kind == "too_short" else "at most"
        return f"must have {bound} {limit} item{'' if limit == 1 else 's'}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind in _MESSAGES:
        try:
            return _MESSAGES[kind].format(**ctx)
        except (KeyError, IndexError):
            pass
    msg = str(error["msg"])
    return msg[:1].lower() + msg[1:] if msg else kind


def _plain(value: object) -> object:
    """2.0 -> 2, so limits read as written in the contract."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def dotted(loc: tuple[int | str, ...]) -> str:
    """('payload', 'findings', 0, 'code') -> 'payload.findings.0.code'; () -> 'body'."""
    return ".".join(str(part) for part in loc) or "body"


def field_errors(error: ValidationError, *, skip: int = 0) -> list[FieldError]:
    """Every error of a ValidationError as a FieldError; skip drops leading loc parts (a union tag)."""
    return [
        FieldError(field=dotted(tuple(e["loc"])[skip:]), message=describe(e)) for e in error.errors(include_url=False)
    ]
