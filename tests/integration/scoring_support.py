"""Evidence for scoring tests: a small province's events as accepted envelopes, and a direct way in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemas.evidence import EvidenceEvent
from services.scoring.adapters.rulefiles import read_rules_file
from services.scoring.config import RULES
from services.scoring.domain.rulebook import Rules, rules_from
from thidua.runtime.decoding import decode_evidence

T = "+07:00"


def rules(**overrides: Any) -> Rules:
    doc = read_rules_file(RULES)
    for dotted, value in overrides.items():
        node = doc
        *path, last = dotted.split(".")
        for part in path:
            node = node[part]
        node[last] = value
    return rules_from(doc)


def event(
    n: int | str,
    kind: str,
    unit: str,
    payload: dict[str, Any],
    *,
    officer: str | None = None,
    occurred: str = "2025-03-14T09:30:00+07:00",
    source: str = "motcua",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": f"e-{n}",
        "type": kind,
        "schema_version": 1,
        "occurred_at": occurred,
        "unit_id": unit,
        "source": source,
        "payload": payload,
    }
    if officer:
        body["officer_id"] = officer
    return body


def processed(
    n: int,
    unit: str,
    *,
    finished: str,
    due: str = f"2025-03-14T17:00:00{T}",
    channel: str = "online",
    supplement_requests: int = 0,
    supplement_days: float = 0,
    officer: str | None = "CB-1",
    code: str | None = None,
    occurred: str | None = None,
) -> dict[str, Any]:
    return event(
        n,
        "procedure.processed",
        unit,
        {
            "dossier_code": code or f"HS-{n}",
            "procedure_code": "1.001",
            "channel": channel,
            "received_at": f"2025-03-10T08:00:00{T}",
            "due_at": due,
            "finished_at": finished,
            "status": "resolved",
            "supplement_requests": supplement_requests,
            "supplement_days": supplement_days,
            "fee_required": True,
            "paid_online": channel == "online",
            "digitized": True,
            "e_result": n % 2 == 0,
            "data_reused": False,
        },
        officer=officer,
        occurred=occurred or finished,
    )


def province(prefix: str = "H40") -> list[dict[str, Any]]:
    """Two clusters, four units, officers, dossiers, complaints, trainings, an inspection, a retraction."""
    events: list[dict[str, Any]] = []
    units = {f"{prefix}.01": "K-SO", f"{prefix}.02": "K-SO", f"{prefix}.11": "K-XA", f"{prefix}.12": "K-XA"}
    for i, (unit, cluster) in enumerate(units.items()):
        events.append(
            event(
                f"u{i}",
                "unit.registered",
                unit,
                {"name": f"Đơn vị {unit}", "level": "department", "cluster_id": cluster, "cluster_name": cluster},
            )
        )
        for k in range(3):
            events.append(
                event(
                    f"o{i}{k}",
                    "officer.registered",
                    unit,
                    {"full_name": f"Cán bộ {i}{k}", "category": "civil_servant"},
                    officer=f"CB-{i}{k}",
                )
            )
    n = 0
    for i, unit in enumerate(units):
        for k in range(21 + 2 * i):  # ≥ 20 finished dossiers (rulebook index.min_dossiers) after e-1's retraction
            n += 1
            late = (k + i) % 3 == 0
            events.append(
                processed(
                    n,
                    unit,
                    finished=f"2025-03-{20 if late else 13}T09:30:00{T}",
                    channel="online" if k % 2 else "counter",
                    officer=f"CB-{i}{k % 3}",
                )
            )
        events.append(event(f"rt{i}", "procedure.rated", unit, {"dossier_code": f"HS-{n}", "satisfied": i % 2 == 0}))
        events.append(
            event(
                f"open{i}",
                "procedure.received",
                unit,
                {
                    "dossier_code": f"OPEN-{i}",
                    "procedure_code": "1.002",
                    "channel": "online",
                    "received_at": f"2025-03-03T08:00:00{T}",
                    "due_at": f"2025-03-07T17:00:00{T}",
                    "fee_required": False,
                },
            )
        )
        events.append(
            event(
                f"c{i}",
                "complaint.received",
                unit,
                {
                    "complaint_id": f"PA-{i}",
                    "category": "conduct" if i % 2 else "procedure",
                    "received_at": f"2025-03-03T08:00:00{T}",
                    "officer_id": f"CB-{i}0",
                },
            )
        )
        events.append(
            event(
                f"cr{i}",
                "complaint.resolved",
                unit,
                {
                    "complaint_id": f"PA-{i}",
                    "resolved_at": f"2025-03-{10 + 5 * i:02d}T08:00:00{T}",
                    "outcome": "answered",
                    "substantiated": i == 1,
                },
            )
        )
        events.append(
            event(
                f"cf{i}",
                "complaint.feedback",
                unit,
                {"complaint_id": f"PA-{i}", "satisfied": i != 2, "re_complained": False},
            )
        )
        events.append(
            event(
                f"t{i}",
                "training.completed",
                unit,
                {
                    "course_code": "VHCS",
                    "title": "Văn hóa công sở",
                    "hours": 8,
                    "topic": "office_culture",
                    "completed_at": f"2025-03-05T08:00:00{T}",
                },
                officer=f"CB-{i}0",
            )
        )
    events.append(
        event(
            "insp",
            "inspection.recorded",
            f"{prefix}.02",
            {
                "inspection_id": "KT-1",
                "inspected_at": f"2025-03-06T09:00:00{T}",
                "findings": [{"code": "alcohol", "officer_id": "CB-10"}, {"code": "no_name_badge", "count": 2}],
            },
        )
    )
    events.append(
        event(
            "disc",
            "discipline.recorded",
            f"{prefix}.12",
            {"decision_no": "1/QĐ-KL", "form": "reprimand", "decided_at": f"2025-03-08T09:00:00{T}", "reason": "x"},
            officer="CB-31",
        )
    )
    events.append(
        event(
            "wrong",
            "training.completed",
            f"{prefix}.11",
            {
                "course_code": "X",
                "title": "Nhập nhầm",
                "hours": 4,
                "topic": "professional",
                "completed_at": f"2025-03-05T08:00:00{T}",
            },
            officer="CB-21",
        )
    )
    events.append(
        event("retract", "evidence.retracted", f"{prefix}.11", {"target_event_id": "e-wrong", "reason": "nhầm"})
    )
    events.append(
        event("retract2", "evidence.retracted", f"{prefix}.01", {"target_event_id": "e-1", "reason": "trùng"})
    )
    return events


def records(events: list[dict[str, Any]]) -> list[tuple[EvidenceEvent, int | None]]:
    """The events as the runtime hands them to scoring: typed, with their ledger sequence."""
    return [(decode_evidence(json.dumps(e).encode()), i) for i, e in enumerate(events)]


EXTRA_INDICATOR = """
[index.indicators.complaints_on_time]
group = "timeliness"
name = "Tỷ lệ phản ánh, kiến nghị giải quyết đúng hạn (tiến độ)"
max = 5
threshold = 0.9
counter = "pakn_on_time"
"""


def rulebook_with_an_indicator(directory: Path) -> Path:
    """A copy of the rulebook with one more indicator over an existing counter (its group's maximum raised to match),
    next to the real calendar: the whole change an operator makes to add it."""
    text = RULES.read_text(encoding="utf-8").replace('version = "2026.3"', 'version = "test.indicator"')
    group = 'timeliness = { name = "Tiến độ, kết quả giải quyết", max = 20 }'
    assert group in text
    path = directory / "rulebook.toml"
    path.write_text(text.replace(group, group.replace("max = 20", "max = 25")) + EXTRA_INDICATOR, encoding="utf-8")
    (directory / "calendar").symlink_to(RULES.parent / "calendar")
    return path
