"""Fixtures of the fault suite: a work directory for the services' logs, the heavy-suite switch, the table."""

from __future__ import annotations

import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.reliability import table
from tests.reliability.harness import SAMPLE_UNITS, Snapshot, faults_enabled, undisturbed
from thidua.testing.infra import Infrastructure

HEAVY_REASON = "heavy fault suite: set THIDUA_FAULTS=1 or run `make test-faults`"


def heavy() -> pytest.MarkDecorator:
    """Skip unless THIDUA_FAULTS=1 (the sample of the fault suite runs in every `make test`)."""
    return pytest.mark.skipif(not faults_enabled(), reason=HEAVY_REASON)


@pytest.fixture(scope="session")
def workdir() -> Iterator[Path]:
    """Logs of the service processes, kept after the session under .state/fault-logs/ (git-ignored): a failing
    assertion names the log to read."""
    root = Path(__file__).resolve().parents[2] / ".state" / "fault-logs"
    root.mkdir(parents=True, exist_ok=True)
    yield Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-%H%M%S-"), dir=root))


@pytest.fixture(scope="session")
async def sample_reference(infra: Infrastructure, kafka_bootstrap: str, workdir: Path) -> AsyncIterator[Snapshot]:
    """An undisturbed single-instance run of the sample province, shared by the sample tests (kill -9, replicas)."""
    yield await undisturbed(infra, workdir, SAMPLE_UNITS)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the fault table at the end of any session that ran a fault test, and save it to a file."""
    if not table.ROWS:
        return
    text = table.render(table.ROWS)
    path = table.write(table.ROWS)
    print("\n" + text)
    terminalreporter.write_sep("=", "fault table")
    terminalreporter.write_line(text)
    terminalreporter.write_line(f"(also written to {path})")
