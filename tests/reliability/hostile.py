"""A corpus of hostile inputs: for the front doors (HTTP POST /v1/events, evidence.inbound.v1) and poison records
published straight to the internal topics the other services consume."""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas import topics
from schemas.evidence import EvidenceEvent
from tests.reliability.harness import YEAR
from thidua.operator import demo

EARLY, LATE = "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"
SQL, HTML = "'; DROP TABLE ledger; --", "<script>alert(1)</script>"


@dataclass(frozen=True)
class Hostile:
    """One hostile body: its category (a row of the fault table), a name, the raw bytes, and whether it is
    acceptable data (SQL- or HTML-looking text in a free-text field is data, stored verbatim, never executed)."""

    category: str
    name: str
    body: bytes
    acceptable: bool = False
    kafka: bool = True  # False for what no broker carries (a body over the broker's 1 MiB message limit)


def timestamp_fields() -> dict[str, list[str]]:
    """Every timestamp field of every evidence type's payload, read from the contract's models."""
    out = {}
    for cls in typing.get_args(typing.get_args(EvidenceEvent)[0]):
        payload = cls.model_fields["payload"].annotation
        kind = cls.model_fields["type"].annotation.__args__[0]
        out[kind] = [
            name
            for name, f in payload.model_fields.items()
            if "datetime" in repr(f.annotation).lower() or "Timestamp" in repr(f.annotation)
        ]
    return out


def valid_examples(unit: str) -> dict[str, dict[str, Any]]:
    """One valid envelope per evidence type with a timestamp in its payload (from the demo, or built here)."""
    examples: dict[str, dict[str, Any]] = {}
    for _, body in demo.events(7, YEAR, 20):
        examples.setdefault(body["type"], body)
    examples["procedure.received"] = {
        "event_id": "rcv-1",
        "type": "procedure.received",
        "schema_version": 1,
        "occurred_at": f"{YEAR}-03-01T08:00:00+07:00",
        "unit_id": "H40.10",
        "source": "motcua-demo",
        "payload": {
            "dossier_code": "HS-RCV-1",
            "procedure_code": "1.001",
            "channel": "counter",
            "received_at": f"{YEAR}-03-01T08:00:00+07:00",
            "due_at": f"{YEAR}-03-08T17:00:00+07:00",
            "fee_required": False,
        },
    }
    # Issue 26's types with a timestamp (the closed demo year has none: they start in 2026).
    common = {"schema_version": 1, "occurred_at": f"{YEAR}-03-20T08:00:00+07:00", "unit_id": "H40.10"}
    examples["procedure.returned"] = {
        **common,
        "event_id": "ret-1",
        "type": "procedure.returned",
        "payload": {"dossier_code": "HS-RCV-1", "returned_at": f"{YEAR}-03-20T08:00:00+07:00"},
    }
    examples["leave.recorded"] = {
        **common,
        "event_id": "leave-1",
        "type": "leave.recorded",
        "officer_id": "H4010-CB001",
        "payload": {
            "kind": "sick",
            "leave_from": f"{YEAR}-03-02T00:00:00+07:00",
            "leave_until": f"{YEAR}-03-06T00:00:00+07:00",
        },
    }
    out = {}
    for kind, body in examples.items():
        home = body["unit_id"]
        doc = json.loads(json.dumps(body).replace(home, unit).replace(home.replace(".", ""), unit.replace(".", "")))
        doc["source"] = "motcua-demo"
        out[kind] = doc
    return out


def _enc(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def corpus(unit: str, tag: str) -> list[Hostile]:
    """The front-door corpus for a unit of the run; event ids carry tag so that each send is new."""
    examples = valid_examples(unit)
    base = examples["procedure.processed"]
    items: list[Hostile] = []
    n = 0

    def variant(**changes: Any) -> dict[str, Any]:
        nonlocal n
        n += 1
        doc = json.loads(json.dumps(base))
        doc["event_id"] = f"hostile-{tag}-{n}"
        for key, value in changes.items():
            if key.startswith("payload."):
                doc["payload"][key[8:]] = value
            else:
                doc[key] = value
        return doc

    for kind, fields in timestamp_fields().items():
        for name in fields:
            for label, stamp in (("0001", EARLY), ("9999", LATE)):
                n += 1
                doc = json.loads(json.dumps(examples[kind]))
                doc["event_id"] = f"hostile-{tag}-{n}"
                doc["payload"][name] = stamp
                items.append(Hostile(f"payload timestamp in year {label}", f"{kind}.payload.{name}", _enc(doc)))
    items.append(Hostile("occurred_at in year 0001", "occurred_at 0001", _enc(variant(occurred_at=EARLY))))
    items.append(Hostile("occurred_at in year 9999", "occurred_at 9999", _enc(variant(occurred_at=LATE))))
    deep = _enc(variant(payload="@@")).replace(b'"@@"', b"[" * 1000 + b"]" * 1000)
    items.append(Hostile("nested 1,000 levels", "payload nested 1000 deep", deep))
    items.append(Hostile("nested 1,000 levels", "bare 1000-deep array", b"[" * 1000 + b"]" * 1000))
    surrogate = _enc(variant(**{"payload.dossier_code": "@@"})).replace(b"@@", b"\\ud800")
    items.append(Hostile("lone surrogate \\ud800", "escaped lone surrogate", surrogate))
    items.append(
        Hostile(
            "lone surrogate \\ud800",
            "surrogate as CESU bytes",
            _enc(variant(**{"payload.dossier_code": "@@"})).replace(b"@@", b"\xed\xa0\x80"),
        )
    )
    items.append(
        Hostile(
            "invalid UTF-8",
            "0xff 0xfe in a string",
            _enc(variant(**{"payload.dossier_code": "@@"})).replace(b"@@", b"\xff\xfe"),
        )
    )
    items.append(
        Hostile(
            "invalid UTF-8",
            "latin-1 body",
            json.dumps(variant(unit_id=unit)).encode().replace(b"resolved", "résolu".encode("latin-1")),
        )
    )
    for name, body in (
        ("truncated object", b'{"event_id": "x", '),
        ("bare word", b"hello"),
        ("empty body", b""),
        ("null", b"null"),
        ("number", b"42"),
        ("empty array", b"[]"),
        ("trailing garbage", _enc(variant()) + b"}}"),
    ):
        items.append(Hostile("malformed JSON", name, body))
    items.append(
        Hostile(
            "body over 8 MiB", "8 MiB + 1 of spaces in an array", b"[" + b" " * (8 * 1024 * 1024) + b"]", kafka=False
        )
    )
    small = {"event_id": "x", "type": "unit.registered"}
    stubs = [{**small, "event_id": f"a{i}"} for i in range(1001)]
    items.append(Hostile("array of 1001 items", "1001 stubs", _enc(stubs)))
    items.append(Hostile("unknown type", "procedure.teleported", _enc(variant(type="procedure.teleported"))))
    items.append(Hostile("unknown type", "type is a number", _enc(variant(type=7))))
    items.append(Hostile("unknown type", "schema_version 2", _enc(variant(schema_version=2))))
    items.append(Hostile("SQL-looking strings", "event_id", _enc(variant(event_id=SQL))))
    items.append(Hostile("SQL-looking strings", "unit_id", _enc(variant(unit_id=SQL))))
    items.append(Hostile("SQL-looking strings", "payload.channel", _enc(variant(**{"payload.channel": SQL}))))
    items.append(Hostile("HTML-looking strings", "officer_id", _enc(variant(officer_id=HTML))))
    items.append(Hostile("HTML-looking strings", "payload.status", _enc(variant(**{"payload.status": HTML}))))
    registered = examples["unit.registered"]
    for label, text in (("SQL-looking strings", SQL), ("HTML-looking strings", HTML)):
        n += 1
        doc = json.loads(json.dumps(registered))
        doc["event_id"] = f"hostile-{tag}-{n}"
        doc["payload"]["cluster_name"] = text
        items.append(Hostile(f"{label} (free text: data)", "unit.registered cluster_name", _enc(doc), acceptable=True))
    for name, value in (
        ("1e308", b"1e308"),
        ("10**400", b"1" + b"0" * 400),
        ("-1e300", b"-1e300"),
        ("2**64", str(2**64).encode()),
    ):
        items.append(
            Hostile(
                "huge numbers",
                f"supplement_days {name}",
                _enc(variant(**{"payload.supplement_requests": "@@"})).replace(b'"@@"', value),
            )
        )
    for name, value in (
        ("NaN", b"NaN"),
        ("Infinity", b"Infinity"),
        ("-Infinity", b"-Infinity"),
        ('"NaN"', b'"NaN"'),
        ('"Infinity"', b'"Infinity"'),
        ("1e999", b"1e999"),
    ):
        items.append(
            Hostile(
                "NaN-like values",
                f"supplement_days {name}",
                _enc(variant(**{"payload.supplement_days": "@@"})).replace(b'"@@"', value),
            )
        )
    return items


def poison(unit: str, tag: str) -> dict[str, list[tuple[str, bytes]]]:
    """Records published straight to the internal topics: (name, value) per topic, all keyed by the unit."""
    now = datetime.now(UTC)
    common: list[tuple[str, bytes]] = [
        ("JSON array", b"[]"),
        ("empty object", b"{}"),
        ("missing keys", b'{"event_id": "poison-' + tag.encode() + b'"}'),
        ("not JSON", b"not json at all"),
        ("invalid UTF-8", b'{"event_id": "\xff\xfe"}'),
        ("nested 1,000 levels", b"[" * 1000 + b"]" * 1000),
        ("NaN", b'{"score": NaN}'),
        ("huge number", b'{"score": 1e999}'),
        ("lone surrogate", b'{"event_id": "\\ud800"}'),
        ("empty value", b""),
    ]
    envelope = valid_examples(unit)["procedure.processed"]
    standing = {
        "event_id": f"poison-{tag}-s",
        "occurred_at": now.isoformat(),
        "period": str(YEAR),
        "subject_kind": "unit",
        "subject_id": unit,
        "unit_id": unit,
        "score": 80.0,
        "band": "good",
        "rule_version": "x",
    }
    alert = {
        "alert_id": f"poison-{tag}-a",
        "condition_key": f"poison-{tag}-a",
        "kind": "dossier_overdue",
        "priority": "high",
        "unit_id": unit,
        "occurred_at": now.isoformat(),
    }
    nomination = nomination_changed(unit, f"poison-{tag}-n", now)
    registered = valid_examples(unit)["unit.registered"]
    out: dict[str, list[tuple[str, bytes]]] = {}
    for topic, docs in (
        # A dossier event only scoring types; a registration every consumer of the topic types.
        (topics.EVIDENCE_ACCEPTED, {"": envelope, "unit.registered ": registered}),
        (topics.STANDINGS_CHANGED, {"": standing}),
        (topics.ALERTS, {"": alert}),
        (topics.NOMINATIONS, {"": nomination}),
    ):
        out[topic] = list(common)
        for prefix, doc in docs.items():
            out[topic] += [
                (f"{prefix}occurred_at 0001", _enc({**doc, "occurred_at": EARLY})),
                (f"{prefix}occurred_at 9999", _enc({**doc, "occurred_at": LATE})),
                (f"{prefix}SQL in unit_id", _enc({**doc, "unit_id": SQL})),
            ]
    return out


def typed_by(topic: str, name: str, consumers: tuple[str, ...]) -> tuple[str, ...]:
    """Which consumers of topic type (and so must park) the poison record `name`: awards and notify acknowledge an
    evidence type they do not use after the bounded parse alone (a dossier event), and park everything else."""
    if topic == topics.EVIDENCE_ACCEPTED and name in {"occurred_at 0001", "occurred_at 9999", "SQL in unit_id"}:
        return ("scoring",)
    return consumers


def nomination_changed(unit: str, event_id: str, now: datetime) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "nomination_id": f"tap_the_lao_dong_tien_tien:{YEAR}:unit:{unit}:{event_id}",
        "change": "created",
        "status": "proposed",
        "title": "tap_the_lao_dong_tien_tien",
        "year": YEAR,
        "subject_kind": "unit",
        "subject_id": unit,
        "unit_id": unit,
        "cash_multiple": 0.8,
        "rule_version": "faults",
        "criteria": [{"code": "rating", "met": True, "reason": "Hoàn thành tốt nhiệm vụ"}],
        "evidence_ids": [],
        "occurred_at": now.isoformat(),
    }


def follow_up_events(unit: str, tag: str) -> list[dict[str, Any]]:
    """Normal evidence for the poisoned key: the unit, 20 dossiers (so it is ranked) and one open, overdue dossier."""
    events: list[dict[str, Any]] = [
        {
            "event_id": f"ok-{tag}-reg",
            "type": "unit.registered",
            "schema_version": 1,
            "source": "motcua-demo",
            "occurred_at": f"{YEAR}-01-02T08:00:00+07:00",
            "unit_id": unit,
            "payload": {
                "name": "Sở Thử nghiệm",
                "level": "department",
                "parent_id": unit.split(".")[0],
                "cluster_id": f"{unit.split('.')[0]}-KHOI",
                "cluster_name": "Khối thử",
            },
        }
    ]
    for d in range(20):
        events.append(
            {
                "event_id": f"ok-{tag}-hs{d}",
                "type": "procedure.processed",
                "schema_version": 1,
                "source": "motcua-demo",
                "occurred_at": f"{YEAR}-05-08T10:00:00+07:00",
                "unit_id": unit,
                "payload": {
                    "dossier_code": f"HS{d}",
                    "procedure_code": "1.001",
                    "channel": "online",
                    "received_at": f"{YEAR}-05-02T08:00:00+07:00",
                    "due_at": f"{YEAR}-05-09T17:00:00+07:00",
                    "finished_at": f"{YEAR}-05-08T10:00:00+07:00",
                    "status": "resolved",
                    "supplement_requests": 0,
                    "supplement_days": 0,
                    "fee_required": False,
                    "paid_online": False,
                    "digitized": True,
                    "e_result": True,
                    "data_reused": True,
                },
            }
        )
    due = datetime.now(UTC) - timedelta(hours=1)
    received = due - timedelta(days=5)
    events.append(
        {
            "event_id": f"ok-{tag}-open",
            "type": "procedure.received",
            "schema_version": 1,
            "source": "motcua-demo",
            "occurred_at": received.isoformat(),
            "unit_id": unit,
            "payload": {
                "dossier_code": f"HS-OPEN-{tag}",
                "procedure_code": "1.002",
                "channel": "counter",
                "received_at": received.isoformat(),
                "due_at": due.isoformat(),
                "fee_required": False,
            },
        }
    )
    return events
