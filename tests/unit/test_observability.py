"""Observability: the Grafana dashboard's metrics exist in the code, JSON logs carry the record's fields."""

from __future__ import annotations

import importlib
import io
import json
import logging
import re
from pathlib import Path

from aiokafka import ConsumerRecord
from prometheus_client import REGISTRY

from thidua import registry
from thidua.runtime import logs
from thidua.runtime.db import statement_kind

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "thidua.json"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "gauge": ("",),
    "summary": ("_sum", "_count"),
}


def registered_series() -> set[str]:
    """Every series name the services can expose, after importing each service's app module."""
    for spec in registry.services():
        importlib.import_module(spec.app.partition(":")[0])
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ("",)))
    return names


def dashboard_series() -> dict[str, set[str]]:
    board = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    found: dict[str, set[str]] = {}
    for panel in board["panels"]:
        for target in panel["targets"]:
            found.setdefault(panel["title"], set()).update(re.findall(r"\bthidua_[a-z0-9_]+", target["expr"]))
    return found


def test_every_dashboard_metric_is_registered() -> None:
    series = registered_series()
    panels = dashboard_series()
    assert len(panels) >= 9
    for title, names in panels.items():
        assert names, f"panel {title!r} queries no thidua metric"
        assert names <= series, f"panel {title!r}: unknown {sorted(names - series)}"


def test_the_dashboard_covers_the_operators_questions() -> None:
    used = set().union(*dashboard_series().values())
    for name in (
        "thidua_consumed_records_total",
        "thidua_published_records_total",
        "thidua_rejected_records_total",
        "thidua_parked_records_total",
        "thidua_consumer_lag",
        "thidua_batch_seconds_bucket",
        "thidua_db_query_seconds_bucket",
        "thidua_scoring_freshness_seconds_bucket",
    ):
        assert name in used


def test_every_metric_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    registered_series()
    watching = text[text.index("## Watching it") :].split("\n## ", 1)[0]
    for family in REGISTRY.collect():
        if family.name.startswith("thidua_"):
            assert family.name in watching, family.name


def _record() -> ConsumerRecord[bytes, bytes]:
    value = json.dumps({"event_id": "ev-1", "source": "hr", "unit_id": "U01", "type": "x"}).encode()
    return ConsumerRecord("evidence.v1", 3, 42, 0, 0, b"U01", value, None, 3, len(value), ())


def test_json_lines_carry_the_record_fields() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.JsonFormatter("scoring"))
    logger = logging.getLogger("thidua.test.observability")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.error("parked %s", "it", extra=logs.record_fields(_record(), attempts=3))
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("failed", extra={"topic": "t", "partition": 0, "offset": 7})
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["message"] == "parked it"
    assert first["level"] == "ERROR" and first["logger"] == "thidua.test.observability"
    assert first["service"] == "scoring" and first["time"].endswith("+00:00")
    assert (first["event_id"], first["source"], first["unit_id"]) == ("ev-1", "hr", "U01")
    assert (first["topic"], first["partition"], first["offset"], first["attempts"]) == ("evidence.v1", 3, 42, 3)
    assert "ValueError: boom" in second["exc"] and second["offset"] == 7


def test_record_fields_survive_poison() -> None:
    poison = ConsumerRecord("t", 0, 1, 0, 0, None, b"{not json\x00", None, 0, 10, ())
    assert logs.record_fields(poison) == {"topic": "t", "partition": 0, "offset": 1}
    deep = b"{" + b'"a":[' * 100_000
    nested = ConsumerRecord("t", 0, 2, 0, 0, None, deep, None, 0, len(deep), ())
    assert logs.record_fields(nested)["offset"] == 2


def test_log_format_setting() -> None:
    assert logs.log_format("json") == "json"
    assert logs.log_format("TEXT") == "text"
    assert logs.log_format("yaml") == "text"
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    try:
        handler = logs.configure(service="awards", level="warning", fmt="json")
        assert isinstance(handler.formatter, logs.JsonFormatter) and root.level == logging.WARNING
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in saved:
            root.addHandler(h)
        root.setLevel(level)


def test_statement_kinds_are_bounded() -> None:
    assert statement_kind("  SELECT 1") == "select"
    assert statement_kind("(select 1) union (select 2)") == "select"
    assert statement_kind("INSERT INTO x VALUES ($1)") == "insert"
    assert statement_kind("CREATE TABLE x ()") == "other"
    assert statement_kind("") == "other"
