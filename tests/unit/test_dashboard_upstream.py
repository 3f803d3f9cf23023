"""Reading the services' answers with the contract's models: a tolerant reader of an additive contract."""

from __future__ import annotations

from typing import Any

from schemas.http.common import SignIn, Whoami
from services.dashboard.upstream import Upstream, parsed


def answer(body: Any, status: int = 200) -> Upstream:
    return Upstream(status=status, body=body, problem=None)


WHO = {"role": "unit", "unit_id": "H40.11", "source": None, "officer_id": None, "token_id": 3, "subject": None}


def test_an_answer_is_read_as_its_model() -> None:
    who = parsed(Whoami, answer(WHO))
    assert who is not None and who.role == "unit" and who.unit_id == "H40.11"


def test_a_field_added_by_a_newer_service_is_read_past_not_refused() -> None:
    """The contract may grow by fields (contract.md): a newer service's answer still opens the page."""
    who = parsed(Whoami, answer(WHO | {"display_name": "Sở Tư pháp"}))
    assert who is not None and who.token_id == 3 and not hasattr(who, "display_name")


def test_a_missing_or_mistyped_field_is_still_no_answer() -> None:
    assert parsed(Whoami, answer({k: v for k, v in WHO.items() if k != "role"})) is None
    assert parsed(Whoami, answer(WHO | {"token_id": "three"})) is None
    assert parsed(SignIn, answer(WHO)) is None  # sign_in_id missing
    assert parsed(Whoami, answer(WHO, status=503)) is None
