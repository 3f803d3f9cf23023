"""The v1 contract refuses bad evidence with the field path and accepts every documented type."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from schemas import export
from schemas.errors import EvidenceInvalid
from schemas.evidence import EVIDENCE_TYPES, parse_evidence

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
T = "2025-03-14T09:30:00+07:00"

PAYLOADS: dict[str, tuple[dict[str, Any], str | None]] = {
    "procedure.received": (
        {
            "dossier_code": "HS-1",
            "procedure_code": "1.001",
            "channel": "counter",
            "received_at": T,
            "due_at": T,
            "fee_required": False,
        },
        None,
    ),
    "procedure.processed": (
        {
            "dossier_code": "HS-1",
            "procedure_code": "1.001",
            "channel": "online",
            "received_at": T,
            "due_at": T,
            "finished_at": T,
            "status": "resolved",
            "supplement_requests": 1,
            "supplement_days": 2.5,
            "fee_required": True,
            "paid_online": True,
            "digitized": True,
            "e_result": False,
            "data_reused": True,
        },
        "CB-1",
    ),
    "procedure.rated": ({"dossier_code": "HS-1", "satisfied": True, "score": 5}, None),
    "complaint.received": (
        {"complaint_id": "PA-1", "category": "conduct", "received_at": T, "officer_id": "CB-1"},
        None,
    ),
    "complaint.resolved": (
        {"complaint_id": "PA-1", "resolved_at": T, "outcome": "answered", "substantiated": False},
        None,
    ),
    "complaint.feedback": ({"complaint_id": "PA-1", "satisfied": False, "re_complained": True}, None),
    "training.completed": (
        {
            "course_code": "VHCS-01",
            "title": "Văn hóa công sở",
            "hours": 8,
            "topic": "office_culture",
            "completed_at": T,
        },
        "CB-1",
    ),
    "evaluation.recorded": ({"year": 2024, "level": "excellent", "score": 95}, "CB-1"),
    "discipline.recorded": (
        {"decision_no": "12/QĐ-KL", "form": "reprimand", "decided_at": T, "reason": "Vi phạm giờ giấc"},
        "CB-1",
    ),
    "initiative.recognized": ({"title": "Số hóa hồ sơ", "scope": "province", "decided_at": T}, "CB-1"),
    "grievance.opened": ({"case_id": "KN-1"}, None),
    "grievance.closed": ({"case_id": "KN-1", "substantiated": True}, None),
    "inspection.recorded": (
        {
            "inspection_id": "KT-1",
            "inspected_at": T,
            "findings": [{"code": "alcohol", "officer_id": "CB-1", "count": 1}],
        },
        None,
    ),
    "emulation.registered": ({"year": 2025, "titles": ["tap_the_lao_dong_xuat_sac"]}, None),
    "title.awarded": ({"title": "chien_si_thi_dua_co_so", "year": 2023, "decision_no": "5/QĐ"}, "CB-1"),
    "unit.registered": (
        {
            "name": "UBND xã Mỹ Lộc",
            "level": "commune",
            "parent_id": "H40.12",
            "cluster_id": "CUM-XA-1",
            "cluster_name": "Cụm xã 1",
        },
        None,
    ),
    "officer.registered": ({"full_name": "Nguyễn Thị Hoa", "category": "civil_servant"}, "CB-1"),
    "procedure.catalogued": (
        {"procedure_code": "1.001", "name": "Đăng ký khai sinh", "online": True, "published": True},
        None,
    ),
    "procedure.published": ({"dossier_code": "HS-1", "published_at": T}, None),
    "complaint.supplement_requested": ({"complaint_id": "PA-1", "requested_at": T}, None),
    "complaint.published": ({"complaint_id": "PA-1", "published_at": T}, None),
    "research.accepted": ({"title": "Đề tài cải cách hành chính", "scope": "unit", "decided_at": T}, "CB-1"),
    "evidence.retracted": ({"target_event_id": "e-0", "reason": "nhập nhầm"}, None),
    "procedure.returned": ({"dossier_code": "HS-1", "returned_at": "2026-03-10T09:00:00+07:00"}, "CB-1"),
    "objective_cause.confirmed": (
        {"deduction": "late", "dossier_code": "HS-1", "confirmed_by": "Trưởng phòng", "reason": "mất điện diện rộng"},
        None,
    ),
    "officer.assessed": (
        {
            "period": "2026-03",
            "criteria": {"pham_chat": 9.0, "nang_luc": 8.5, "doi_moi": 7.0},
            "assessor": "Trưởng phòng",
        },
        "CB-1",
    ),
    "leave.recorded": (
        {"kind": "sick", "leave_from": "2026-03-02T00:00:00+07:00", "leave_until": "2026-03-06T00:00:00+07:00"},
        "CB-1",
    ),
    "unit.reorganized": (
        {
            "kind": "merge",
            "predecessors": ["H40.12.01", "H40.12.02"],
            "successors": ["H40.12.05"],
            "effective_at": "2025-07-01T00:00:00+07:00",
        },
        None,
    ),
}


def envelope(kind: str = "procedure.processed", **overrides: Any) -> dict[str, Any]:
    payload, officer = PAYLOADS[kind]
    body: dict[str, Any] = {
        "event_id": "motcua-2025-000123",
        "type": kind,
        "schema_version": 1,
        "occurred_at": T,
        "unit_id": "H40.12.05",
        "source": "motcua-namdinh",
        "payload": copy.deepcopy(payload),
    }
    if officer:
        body["officer_id"] = officer
    body.update(overrides)
    return body


def refused_fields(data: Any, *, source_required: bool = True) -> list[str]:
    with pytest.raises(EvidenceInvalid) as refused:
        parse_evidence(data, now=NOW, source_required=source_required)
    return [d.field for d in refused.value.details]


def test_every_contract_type_has_an_example_here() -> None:
    assert set(PAYLOADS) == set(EVIDENCE_TYPES)


@pytest.mark.parametrize("kind", sorted(PAYLOADS))
def test_a_valid_example_of_every_type_parses(kind: str) -> None:
    event = parse_evidence(envelope(kind), now=NOW, source_required=True)
    assert event.type == kind and event.unit_id == "H40.12.05"


def test_json_bytes_and_dicts_parse_alike() -> None:
    import json

    as_dict = parse_evidence(envelope(), now=NOW, source_required=True)
    as_bytes = parse_evidence(json.dumps(envelope()).encode(), now=NOW, source_required=True)
    assert as_dict == as_bytes


def test_unknown_type_is_refused_on_the_type_field() -> None:
    with pytest.raises(EvidenceInvalid) as refused:
        parse_evidence(envelope(type="procedure.teleported"), now=NOW, source_required=True)
    assert [d.field for d in refused.value.details] == ["type"]
    assert "procedure.processed" in refused.value.details[0].message  # lists the known types


def test_missing_and_unknown_fields_carry_their_path() -> None:
    body = envelope()
    del body["payload"]["due_at"]
    body["payload"]["colour"] = "red"
    assert sorted(refused_fields(body)) == ["payload.colour", "payload.due_at"]


@pytest.mark.parametrize("stamp", ["2025-03-14 09:30", "2025-03-14T09:30:00", "14/03/2025", 1710000000])
def test_bad_timestamps_are_refused(stamp: object) -> None:
    assert refused_fields(envelope(occurred_at=stamp)) == ["occurred_at"]


def test_a_timestamp_more_than_five_minutes_ahead_is_refused_but_four_is_fine() -> None:
    ahead = (NOW + timedelta(minutes=10)).isoformat()
    assert refused_fields(envelope(occurred_at=ahead)) == ["occurred_at"]
    parse_evidence(envelope(occurred_at=(NOW + timedelta(minutes=4)).isoformat()), now=NOW, source_required=True)


@pytest.mark.parametrize("unit_id", ["h40.12", "H", "H40-12", "H" * 33, ""])
def test_bad_unit_ids_are_refused(unit_id: str) -> None:
    assert refused_fields(envelope(unit_id=unit_id)) == ["unit_id"]


@pytest.mark.parametrize(
    "kind", ["training.completed", "discipline.recorded", "initiative.recognized", "officer.registered"]
)
def test_types_about_an_officer_require_officer_id(kind: str) -> None:
    body = envelope(kind)
    del body["officer_id"]
    assert refused_fields(body) == ["officer_id"]


def test_booleans_and_integers_are_not_coerced() -> None:
    body = envelope()
    body["payload"]["paid_online"] = "yes"
    body["payload"]["supplement_requests"] = "1"
    assert sorted(refused_fields(body)) == ["payload.paid_online", "payload.supplement_requests"]


def test_nested_list_items_are_named_by_index() -> None:
    body = envelope("inspection.recorded")
    body["payload"]["findings"].append({"code": "karaoke"})
    assert refused_fields(body) == ["payload.findings.1.code"]


def test_source_is_required_on_kafka_only() -> None:
    body = envelope()
    del body["source"]
    assert refused_fields(body, source_required=True) == ["source"]
    assert parse_evidence(body, now=NOW, source_required=False).source is None


def test_not_json_and_not_an_object() -> None:
    assert refused_fields(b"{not json") == ["body"]
    assert refused_fields(b"[1, 2]") == ["body"]


def test_the_exported_json_schemas_are_current() -> None:
    assert export.drift() == [], "run `make schemas` and commit schemas/jsonschema/"
