"""Evidence intake rules without I/O: validation, scope, source, repeats inside a batch."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from services.evidence.domain.intake import BatchDuplicate, Candidate, Refusal, Submission, decide_batch
from services.evidence.domain.principal import SourceScope
from tests.unit.test_contract import envelope
from thidua.runtime.auth import new_token, token_hash

NOW = datetime(2025, 6, 1, tzinfo=UTC)
SCOPES = {
    "motcua-namdinh": SourceScope("motcua-namdinh", frozenset({"H40.12.05"})),
    "hr": SourceScope("hr", frozenset({"*"})),
}


def test_http_items_take_the_source_of_the_token() -> None:
    body = envelope()
    del body["source"]
    [verdict] = decide_batch([Submission(body, token_source="motcua-namdinh")], now=NOW, scopes=SCOPES)
    assert isinstance(verdict, Candidate)
    assert verdict.event.source == "motcua-namdinh"


def test_a_body_source_other_than_the_token_is_refused() -> None:
    [verdict] = decide_batch([Submission(envelope(source="hr"), token_source="motcua-namdinh")], now=NOW, scopes=SCOPES)
    assert isinstance(verdict, Refusal) and verdict.reasons[0].field == "source"


def test_a_unit_outside_the_scope_is_refused_and_a_wildcard_covers_all() -> None:
    outside = Submission(json.dumps(envelope(unit_id="H99.01")).encode())
    wildcard = Submission(json.dumps(envelope(unit_id="H99.01", source="hr")).encode())
    refused, accepted = decide_batch([outside, wildcard], now=NOW, scopes=SCOPES)
    assert isinstance(refused, Refusal) and refused.reasons[0].field == "unit_id"
    assert refused.event_id == "motcua-2025-000123" and refused.unit_id == "H99.01"
    assert isinstance(accepted, Candidate)


def test_an_unknown_source_is_refused() -> None:
    [verdict] = decide_batch([Submission(envelope(source="stranger"))], now=NOW, scopes=SCOPES)
    assert isinstance(verdict, Refusal) and "unknown source" in verdict.reasons[0].message


def test_the_same_key_twice_in_a_batch_counts_once_but_other_sources_may_reuse_the_id() -> None:
    items = [Submission(envelope()), Submission(envelope()), Submission(envelope(source="hr"))]
    first, second, other = decide_batch(items, now=NOW, scopes=SCOPES)
    assert isinstance(first, Candidate) and isinstance(second, BatchDuplicate) and isinstance(other, Candidate)


def test_a_refusal_keeps_what_identifies_the_item() -> None:
    body = envelope()
    body["payload"]["channel"] = "fax"
    [verdict] = decide_batch([Submission(json.dumps(body).encode())], now=NOW, scopes=SCOPES)
    assert isinstance(verdict, Refusal)
    assert (verdict.source, verdict.event_id, verdict.unit_id) == ("motcua-namdinh", "motcua-2025-000123", "H40.12.05")


def test_tokens_are_random_and_stored_as_hashes() -> None:
    a, b = new_token(), new_token()
    assert a != b and len(a) > 40
    assert token_hash(a) != a and token_hash(a) == token_hash(a) and len(token_hash(a)) == 64


def test_a_reorganization_needs_a_source_registered_for_every_unit_it_names() -> None:
    # The one-stop source covers the successor only: it may not end two units it does not speak for.
    narrow, wide = (
        Submission(envelope("unit.reorganized", event_id=f"re-{who}", source=who)) for who in ("motcua-namdinh", "hr")
    )
    refused, accepted = decide_batch([narrow, wide], now=NOW, scopes=SCOPES)
    assert isinstance(refused, Refusal)
    assert refused.reasons[0].field == "payload" and "H40.12.01, H40.12.02" in refused.reasons[0].message
    assert isinstance(accepted, Candidate)
