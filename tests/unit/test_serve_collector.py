"""Every service process tunes the cyclic garbage collector once its app is built (thidua/runtime/serve.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from thidua.runtime.serve import tune_collector


@pytest.fixture
def collector() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_start_up_objects_are_frozen_and_young_collections_are_rarer(collector: None) -> None:
    built_at_start = [{"n": n} for n in range(100)]  # what an app's start-up builds
    tune_collector()
    assert gc.get_freeze_count() >= len(built_at_start)
    young, *_ = gc.get_threshold()
    assert young >= 10_000  # the default 700 walked the young heap every few hundred decoded containers
