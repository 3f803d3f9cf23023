"""The local stack splits scoring over two processes: the consumer and rescorer, and the Decree 335 tracking."""

from __future__ import annotations

import json
from pathlib import Path

from services.scoring.config import Settings as ScoringSettings
from thidua.operator.localinfra import stack as stack_module
from thidua.operator.localinfra.stack import Stack, service


def _stack(tmp_path: Path, env: dict[str, str]) -> Stack:
    running = Stack(tmp_path)
    running.env = env
    return running


def test_scoring_runs_as_a_consumer_and_a_tracker_whose_roles_cover_every_role(tmp_path: Path) -> None:
    running = _stack(tmp_path, {})
    split = running.processes(service("scoring"))
    assert list(split) == ["scoring", "scoring-tracking"]
    roles = [ScoringSettings(roles=json.loads(env["SCORING_ROLES"])).roles for env in split.values()]
    assert roles == [frozenset({"consume", "rescore"}), frozenset({"track"})]
    # Together they do what one default process does, each role once.
    assert frozenset().union(*roles) == ScoringSettings().roles
    assert sum(len(r) for r in roles) == len(ScoringSettings().roles)


def test_the_other_services_run_one_process(tmp_path: Path) -> None:
    running = _stack(tmp_path, {})
    for spec in stack_module.SERVICES:
        if spec.name != "scoring":
            assert running.processes(spec) == {spec.name: {}}


def test_an_operators_roles_mean_one_process_with_theirs(tmp_path: Path) -> None:
    running = _stack(tmp_path, {"SCORING_ROLES": '["consume", "rescore", "track"]'})
    assert running.processes(service("scoring")) == {"scoring": {}}


def test_the_extra_process_listens_on_its_own_port_kept_across_restarts(tmp_path: Path) -> None:
    running = _stack(tmp_path, {"SCORING_HTTP_PORT": "18082"})
    scoring = service("scoring")
    assert running.process_port(scoring, "scoring") == 18082
    extra = running.process_port(scoring, "scoring-tracking")
    assert extra != 18082 and running.process_port(scoring, "scoring-tracking") == extra
