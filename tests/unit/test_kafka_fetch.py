"""A consumer on the freshness path fetches promptly; a patient one waits for fuller fetches, at most its patience."""

from __future__ import annotations

from thidua.runtime.kafka import BULK_FETCH_WAIT_MS, PROMPT_FETCH, fetch_for


def test_a_consumer_without_patience_is_answered_at_its_first_record() -> None:
    assert fetch_for(0) is PROMPT_FETCH
    assert PROMPT_FETCH.min_bytes == 1


def test_a_patient_consumer_waits_for_bigger_fetches_but_never_longer_than_its_patience() -> None:
    fetch = fetch_for(BULK_FETCH_WAIT_MS)
    assert fetch.max_wait_ms == BULK_FETCH_WAIT_MS
    assert fetch.min_bytes > PROMPT_FETCH.min_bytes
    assert fetch.partition_bytes > PROMPT_FETCH.partition_bytes
