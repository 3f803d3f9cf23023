"""Identity rules: how the claims of a person signed in through the province's identity provider become a Principal.

Pure (no I/O): the operator keeps the rules (`thidua identity map`), the services read the live ones per request
(thidua/runtime/identity_rules.py) and hand them here with the verified claims. A rule names a claim (a top-level
name, or a dotted path up to 3 deep such as `realm_access.roles`) and optionally a value the claim must equal or,
for a list claim, contain; it grants a role, with the unit (fixed, or read from another claim) or the officer
(read from a claim). Several matches: the highest role wins, ties the lowest rule id; none: role person, which
is signed in with no rights."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from schemas.common import OFFICER_ID_PATTERN, UNIT_ID_PATTERN
from thidua.runtime.auth import Principal, Role
from thidua.runtime.policy import reserved_unit

MappedRole = Literal["admin", "council", "unit", "officer"]
MAPPED_ROLES: tuple[str, ...] = get_args(MappedRole)
# Higher wins when several rules match one person.
RANK = {"admin": 4, "council": 3, "unit": 2, "officer": 1}
MAX_PATH_DEPTH = 3
MAX_NAME_LENGTH = 128
MAX_VALUE_LENGTH = 256
_UNIT = re.compile(UNIT_ID_PATTERN)
_OFFICER = re.compile(OFFICER_ID_PATTERN)
_SEGMENT = re.compile(r"^[A-Za-z0-9_:\-]{1,64}$")


@dataclass(frozen=True)
class IdentityRule:
    """One line of the operator's claim mapping (auth.identity_rules)."""

    id: int
    claim: str
    role: MappedRole
    value: str | None = None
    unit_id: str | None = None
    unit_claim: str | None = None
    officer_claim: str | None = None
    label: str | None = None


def claim_path_problem(path: str) -> str | None:
    """Why path is not a claim name or dotted path up to 3 deep, or None."""
    parts = path.split(".")
    if len(path) > MAX_NAME_LENGTH or len(parts) > MAX_PATH_DEPTH:
        return f"a claim is a name or a dotted path of at most {MAX_PATH_DEPTH} names ({MAX_NAME_LENGTH} characters)"
    if not all(_SEGMENT.match(part) for part in parts):
        return "a claim's names are letters, digits, '_', ':' or '-', joined by '.'"
    return None


def rule_problem(
    *,
    claim: str,
    role: str,
    value: str | None = None,
    unit_id: str | None = None,
    unit_claim: str | None = None,
    officer_claim: str | None = None,
) -> tuple[str, str] | None:
    """(field, message) saying why these are not a rule the store would accept, or None."""
    if role not in MAPPED_ROLES:
        return "role", f"role is one of {', '.join(MAPPED_ROLES)}"
    for field, path in (("claim", claim), ("unit_claim", unit_claim), ("officer_claim", officer_claim)):
        if path is not None and (problem := claim_path_problem(path)):
            return field, problem
    if value is not None and not 0 < len(value) <= MAX_VALUE_LENGTH:
        return "value", f"a value has 1 to {MAX_VALUE_LENGTH} characters"
    if role == "unit":
        if (unit_id is None) == (unit_claim is None):
            return "unit", "a unit rule names exactly one of a unit id (--unit) or the claim holding it (--unit-claim)"
        if unit_id is not None and (not _UNIT.match(unit_id) or reserved_unit(unit_id)):
            return "unit", f"not a unit id: {unit_id!r}"
    elif unit_id is not None or unit_claim is not None:
        return "unit", "only a unit rule names a unit"
    if (role == "officer") != (officer_claim is not None):
        return "officer_claim", "an officer rule, and only it, names the claim holding the officer id"
    return None


def claim_at(claims: Mapping[str, object], path: str) -> object | None:
    """The claim at path: a top-level name first (names may hold dots), else the dotted path; None when absent."""
    if path in claims:
        return claims[path]
    node: object = claims
    for part in path.split(".")[:MAX_PATH_DEPTH]:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _scalar(value: object) -> str | None:
    """A claim value as compared text: strings and integers; other kinds (booleans, objects) compare to nothing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str | int):
        return str(value)
    return None


def matches(rule: IdentityRule, claims: Mapping[str, object]) -> bool:
    """True when the rule's claim is present and, if the rule names a value, equals or (list claim) contains it."""
    found = claim_at(claims, rule.claim)
    if found is None or found == "" or found == []:
        return False
    if rule.value is None:
        return True
    if isinstance(found, list):
        return any(_scalar(item) == rule.value for item in found)
    return _scalar(found) == rule.value


def _single(claims: Mapping[str, object], path: str | None, pattern: re.Pattern[str]) -> str | None:
    """The claim at path as one id matching pattern (a one-element list counts), or None."""
    if path is None:
        return None
    found = claim_at(claims, path)
    if isinstance(found, list) and len(found) == 1:
        found = found[0]
    text = _scalar(found)
    return text if text is not None and pattern.match(text) else None


def grant(rule: IdentityRule, claims: Mapping[str, object]) -> tuple[Role, str | None, str | None] | None:
    """(role, unit_id, officer_id) the rule grants for claims, or None when it does not apply."""
    if not matches(rule, claims):
        return None
    if rule.role == "unit":
        unit = rule.unit_id or _single(claims, rule.unit_claim, _UNIT)
        return ("unit", unit, None) if unit is not None and not reserved_unit(unit) else None
    if rule.role == "officer":
        officer = _single(claims, rule.officer_claim, _OFFICER)
        return ("officer", None, officer) if officer is not None else None
    return rule.role, None, None


def principal_for(
    claims: Mapping[str, object], rules: Sequence[IdentityRule], *, subject: str, issuer: str
) -> Principal:
    """The Principal of a verified provider token: the best rule's grant, or role person (signed in, no rights)."""
    best: tuple[int, int, tuple[Role, str | None, str | None]] | None = None
    for rule in rules:
        granted = grant(rule, claims)
        if granted is None:
            continue
        key = (-RANK[granted[0]], rule.id)
        if best is None or key < best[:2]:
            best = (key[0], key[1], granted)
    if best is None:
        return Principal("person", subject=subject, issuer=issuer)
    role, unit_id, officer_id = best[2]
    return Principal(role, unit_id=unit_id, officer_id=officer_id, subject=subject, issuer=issuer)
