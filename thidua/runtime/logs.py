"""Logging for the services: one JSON object per line (LOG_FORMAT=json) or plain text (the default).

A JSON line carries time, level, logger, message and service, then whatever the call passed with `extra=`:
the record's event_id, source and unit_id, its topic, partition and offset (see `record_fields`)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

Format = Literal["json", "text"]
TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# What every LogRecord has; anything else on a record came from `extra=` and is written out.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """A log record as a single-line JSON object."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "service": getattr(record, "service", None) or self.service,
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in body and value is not None:
                body[key] = value
        if record.exc_info:
            body["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            body["exc"] = record.exc_text
        if record.stack_info:
            body["stack"] = self.formatStack(record.stack_info)
        return json.dumps(body, ensure_ascii=False, default=str)


def log_format(value: str | None = None) -> Format:
    """LOG_FORMAT from the environment: json or text (anything else: text)."""
    chosen = (value if value is not None else os.environ.get("LOG_FORMAT", "text")).strip().lower()
    return "json" if chosen == "json" else "text"


def configure(*, service: str, level: str = "INFO", fmt: str | None = None) -> logging.Handler:
    """Send the root logger's records to stderr in the chosen format (replacing earlier handlers)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(service) if log_format(fmt) == "json" else logging.Formatter(TEXT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler


def record_fields(record: Any, **more: Any) -> dict[str, Any]:
    """The `extra=` of a log line about a consumed Kafka record: topic, partition, offset and, when the record's
    headers or JSON value say, event_id, source and unit_id."""
    fields: dict[str, Any] = {
        "topic": getattr(record, "topic", None),
        "partition": getattr(record, "partition", None),
        "offset": getattr(record, "offset", None),
    }
    for key, value in getattr(record, "headers", None) or ():
        if key in ("event_id", "source", "unit_id") and isinstance(value, bytes | bytearray):
            fields[key] = value.decode(errors="replace")
    value = getattr(record, "value", None)
    if isinstance(value, bytes | bytearray) and value[:1] == b"{" and len(value) < 1_000_000:
        try:
            doc = json.loads(value)
        except (ValueError, RecursionError):  # poison: not JSON, or nested past the parser's depth
            doc = None
        if isinstance(doc, Mapping):
            for key in ("event_id", "source", "unit_id"):
                if isinstance(doc.get(key), str | int):
                    fields.setdefault(key, doc[key])
    fields.update(more)
    return {k: v for k, v in fields.items() if v is not None}
