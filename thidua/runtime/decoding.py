"""The one decoder of outside bytes: bounded JSON first, then the contract's models (typed edges)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

import pydantic_core
from pydantic import TypeAdapter, ValidationError

from schemas.bounds import MAX_ABS_NUMBER, MAX_JSON_DEPTH, MAX_STRING_CHARS

T = TypeVar("T")


class BadInput(ValueError):
    """Input refused before any model or code computes with it: where, and why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Poison(ValueError):
    """A consumed record no contract model accepts: parked with this reason, never retried."""


def load_json(data: bytes | str) -> Any:
    """Parse JSON with bounded depth, string lengths and finite, bounded numbers; BadInput otherwise.

    pydantic-core's parser refuses bad UTF-8, lone surrogates and NaN/Infinity itself and never recurses
    in Python (the standard json module raises RecursionError on ~1,000 nested arrays)."""
    try:
        doc = pydantic_core.from_json(data, allow_inf_nan=False)
    except ValueError as exc:
        raise BadInput("body", f"not valid JSON ({exc})") from None
    check_bounds(doc)
    return doc


def check_bounds(doc: Any) -> None:
    """Refuse what exceeds the bounds: a fast walk first; only a document it flags is walked again to name where."""
    if not isinstance(doc, dict | list) or not _within_bounds(doc):
        _locate_violation(doc)


def _within_bounds(doc: Any) -> bool:
    """True when the document is within every bound (iterative, no paths built: the hot path of every consumer)."""
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return False
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if key.__class__ is str and (len(key) > MAX_STRING_CHARS or "\x00" in key):
                return False
            kind = item.__class__
            if kind is str:
                if len(item) > MAX_STRING_CHARS or "\x00" in item:
                    return False
            elif kind is dict or kind is list:
                stack.append((item, depth + 1))
            elif kind is int or kind is float:
                if (kind is float and not math.isfinite(item)) or abs(item) > MAX_ABS_NUMBER:
                    return False
            elif item is not None and kind is not bool:
                return False  # not a JSON value: let the precise walk decide
    return True


def _locate_violation(doc: Any) -> None:
    """Walk again, building paths, and raise BadInput naming the first value out of bounds."""
    stack: list[tuple[Any, str, int]] = [(doc, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise BadInput(path or "body", f"nested deeper than {MAX_JSON_DEPTH} levels")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and (len(key) > MAX_STRING_CHARS or "\x00" in key):
                    raise BadInput(path or "body", f"a key longer than {MAX_STRING_CHARS} characters or with NUL")
                stack.append((item, f"{path}.{key}" if path else str(key), depth + 1))
        elif isinstance(value, str):
            if len(value) > MAX_STRING_CHARS:
                raise BadInput(path or "body", f"longer than {MAX_STRING_CHARS} characters")
            if "\x00" in value:  # PostgreSQL text and jsonb cannot hold NUL
                raise BadInput(path or "body", "contains a NUL character")
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int | float):
            if (isinstance(value, float) and not math.isfinite(value)) or abs(value) > MAX_ABS_NUMBER:
                raise BadInput(path or "body", f"number out of range (at most {MAX_ABS_NUMBER:g} in size)")


@lru_cache(maxsize=32)
def _adapter(model: Any) -> TypeAdapter[Any]:
    return model if isinstance(model, TypeAdapter) else TypeAdapter(model)


def decode_as(model: Any, value: bytes | None) -> Any:
    """A consumed record's value as the contract model (a class, union or TypeAdapter); Poison otherwise."""
    if not value:
        raise Poison("empty record")
    try:
        load_json(value)
    except BadInput as exc:
        raise Poison(str(exc)) from None
    return _validated(model, value)


def _validated(model: Any, value: bytes) -> Any:
    """The bounded JSON value as the model; Poison naming the first fields at fault otherwise."""
    try:
        return (model if isinstance(model, TypeAdapter) else _adapter(model)).validate_json(value)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors(include_url=False)[:5]
        )
        raise Poison(f"not a valid {getattr(model, '__name__', 'record')}: {problems}") from None


def decode_evidence(value: bytes | None) -> Any:
    """An accepted evidence envelope (evidence.accepted.v1) as its typed event; Poison otherwise."""
    return decode_as(_evidence_adapter(), value)


class BatchDecoder:
    """A record decoder that also types a batch's values in one validation call (`many`).

    Each value is still parsed and bounded alone first (a value is never computed with unbounded); the parsed
    documents are then validated together, so the contract's model is entered once per batch and each value is
    parsed once, not twice. `many` raises Poison when any value is bad: the caller then decodes record by record,
    which names the record at fault with the same error as `__call__` would."""

    def __init__(self, one: Callable[[bytes | None], Any], many: Callable[[], TypeAdapter[list[Any]]]) -> None:
        self._one = one
        self._many = many

    def __call__(self, value: bytes | None) -> Any:
        return self._one(value)

    def many(self, values: Sequence[bytes | None]) -> list[Any]:
        """Every value as its typed event, in order; Poison when any value is empty, unbounded or invalid."""
        if not all(values):
            raise Poison("empty record")
        try:
            docs = [pydantic_core.from_json(value, allow_inf_nan=False) for value in values]  # type: ignore[arg-type]
        except ValueError as exc:
            raise Poison(f"body: not valid JSON ({exc})") from None
        # One walk over the batch: the list is one level more, so a value at the very depth bound is refused here
        # and then decoded alone (exactly as before); everything else within bounds passes as it would alone.
        if not _within_bounds(docs):
            raise Poison("a record of the batch is out of bounds")
        try:
            return self._many().validate_python(docs)
        except ValidationError:
            raise Poison("a record of the batch is not valid") from None


@lru_cache(maxsize=1)
def _evidence_list_adapter() -> TypeAdapter[list[Any]]:
    """A batch of evidence envelopes in one validation (built on first use, as the union's own adapter)."""
    from schemas.evidence import EvidenceEvent

    return TypeAdapter(list[EvidenceEvent])


EVIDENCE_DECODER = BatchDecoder(decode_evidence, _evidence_list_adapter)
"""decode_evidence, with batches of evidence.accepted.v1 validated in one call (what the scoring consumer uses)."""


@lru_cache(maxsize=1)
def _evidence_adapter() -> TypeAdapter[Any]:
    """The evidence union's adapter, imported on first use (the union is large; an import per record cost ~4 %)."""
    from schemas.evidence import EVIDENCE_ADAPTER

    return EVIDENCE_ADAPTER


class Skipped:
    """What a decoder returns for a record of a type its consumer does not use: acknowledged, nothing done."""

    def __repr__(self) -> str:
        return "SKIPPED"


SKIPPED = Skipped()


def evidence_of(types: frozenset[str]) -> Callable[[bytes | None], Any]:
    """A decoder of evidence.accepted.v1 that types only the events of `types`; an envelope of another contract
    type comes back SKIPPED after the bounded parse alone (a consumer that uses a few types does not pay for the
    others, which the evidence service validated before publishing them and the scoring service types itself)."""
    from schemas.evidence import EVIDENCE_ADAPTER, EVIDENCE_TYPES

    others = frozenset(EVIDENCE_TYPES) - types  # an unknown type is poison, as before: typed and parked

    def decode(value: bytes | None) -> Any:
        if not value:
            raise Poison("empty record")
        try:
            doc = load_json(value)
        except BadInput as exc:
            raise Poison(str(exc)) from None
        kind = doc.get("type") if isinstance(doc, dict) else None
        if kind in others:
            return SKIPPED
        return _validated(EVIDENCE_ADAPTER, value)

    return decode
