"""The schemas package: every evidence type parses, bad input is refused with its field path."""

import copy
import json
import typing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from schemas import evidence, export
from schemas.errors import EvidenceInvalid, FieldError
from schemas.evidence import EVIDENCE_TYPES, parse_evidence
from schemas.outputs import Alert, Criterion, NominationChanged, RejectedEvidence, StandingChanged
from schemas.periods import is_period
from services.scoring.domain.periods import parse_period

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
T = "2025-03-14T09:30:00+07:00"

# The envelope of docs/contract.md, "Evidence envelope", with a procedure.processed payload.
CONTRACT_EXAMPLE: dict[str, Any] = {
    "event_id": "motcua-2025-000123",
    "type": "procedure.processed",
    "schema_version": 1,
    "occurred_at": "2025-03-14T09:30:00+07:00",
    "unit_id": "H40.12.05",
    "officer_id": "CB-004512",
    "source": "motcua-namdinh",
    "payload": {
        "dossier_code": "H40.12.05-250314-0001",
        "procedure_code": "1.001234",
        "channel": "online",
        "received_at": "2025-03-10T08:00:00+07:00",
        "due_at": "2025-03-17T17:00:00+07:00",
        "finished_at": "2025-03-14T09:30:00+07:00",
        "status": "resolved",
        "supplement_requests": 0,
        "supplement_days": 0,
        "fee_required": True,
        "paid_online": True,
        "digitized": True,
        "e_result": True,
        "data_reused": False,
    },
}

# type -> (payload, officer_id or None)
EXAMPLES: dict[str, tuple[dict[str, Any], str | None]] = {
    "procedure.received": (
        {
            "dossier_code": "HS-1",
            "procedure_code": "1.001",
            "channel": "postal",
            "received_at": T,
            "due_at": T,
            "fee_required": True,
        },
        None,
    ),
    "procedure.processed": (CONTRACT_EXAMPLE["payload"], "CB-004512"),
    "procedure.rated": ({"dossier_code": "HS-1", "satisfied": False, "score": 2}, None),
    "complaint.received": ({"complaint_id": "PA-1", "category": "procedure", "received_at": T}, None),
    "complaint.resolved": (
        {"complaint_id": "PA-1", "resolved_at": T, "outcome": "rejected", "substantiated": True},
        None,
    ),
    "complaint.feedback": ({"complaint_id": "PA-1", "satisfied": True, "re_complained": False}, None),
    "training.completed": (
        {
            "course_code": "VHCS-01",
            "title": "Văn hóa công sở",
            "hours": 7.5,
            "topic": "office_culture",
            "completed_at": T,
        },
        "CB-1",
    ),
    "evaluation.recorded": ({"year": 2024, "level": "good"}, None),
    "discipline.recorded": (
        {"decision_no": "12/QĐ-KL", "form": "warning", "decided_at": T, "reason": "Uống rượu trong giờ làm việc"},
        "CB-1",
    ),
    "initiative.recognized": ({"title": "Số hóa hồ sơ một cửa", "scope": "unit", "decided_at": T}, "CB-1"),
    "grievance.opened": ({"case_id": "KN-1"}, "CB-1"),
    "grievance.closed": ({"case_id": "KN-1", "substantiated": False}, None),
    "inspection.recorded": ({"inspection_id": "KT-1", "inspected_at": T, "findings": []}, None),
    "emulation.registered": ({"year": 2025, "titles": ["lao_dong_tien_tien", "chien_si_thi_dua_co_so"]}, "CB-1"),
    "title.awarded": ({"title": "tap_the_lao_dong_xuat_sac", "year": 2024, "decision_no": "88/QĐ-UBND"}, None),
    "unit.registered": ({"name": "UBND xã Mỹ Lộc", "level": "commune", "cluster_id": "CUM-XA-1"}, None),
    "officer.registered": (
        {"full_name": "Trần Văn Nam", "category": "public_employee", "position": "Chuyên viên"},
        "CB-2",
    ),
    "procedure.catalogued": (
        {"procedure_code": "1.001", "name": "Đăng ký khai sinh", "online": True, "published": True},
        None,
    ),
    "procedure.published": ({"dossier_code": "HS-1", "published_at": T}, None),
    "complaint.supplement_requested": ({"complaint_id": "PA-1", "requested_at": T}, None),
    "complaint.published": ({"complaint_id": "PA-1", "published_at": T}, None),
    "research.accepted": ({"title": "Đề tài cải cách hành chính", "scope": "unit", "decided_at": T}, "CB-1"),
    "evidence.retracted": ({"target_event_id": "motcua-2025-000122", "reason": "gửi nhầm đơn vị"}, None),
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
    """A valid envelope of the given type, with overrides applied."""
    payload, officer = EXAMPLES[kind]
    body: dict[str, Any] = {
        "event_id": f"e-{kind}",
        "type": kind,
        "schema_version": 1,
        "occurred_at": T,
        "unit_id": "H40.12.05",
        "source": "motcua-namdinh",
        "payload": copy.deepcopy(payload),
    }
    if officer is not None:
        body["officer_id"] = officer
    body.update(overrides)
    return body


def refusal(data: Any, *, source_required: bool = True) -> list[FieldError]:
    """The FieldErrors parse_evidence raises for data (fails the test if it parses)."""
    with pytest.raises(EvidenceInvalid) as refused:
        parse_evidence(data, now=NOW, source_required=source_required)
    return refused.value.details


def fields(data: Any, *, source_required: bool = True) -> list[str]:
    """Just the field paths of the refusal, sorted."""
    return sorted(d.field for d in refusal(data, source_required=source_required))


def test_evidence_types_list_every_class_of_the_union_and_every_example() -> None:
    union = typing.get_args(typing.get_args(evidence.EvidenceEvent)[0])
    declared = {typing.get_args(cls.model_fields["type"].annotation)[0] for cls in union}
    assert declared == set(EVIDENCE_TYPES) == set(EXAMPLES)
    assert len(EVIDENCE_TYPES) == 28


def test_the_contract_example_parses_from_bytes() -> None:
    event = parse_evidence(json.dumps(CONTRACT_EXAMPLE).encode(), now=NOW, source_required=True)
    assert isinstance(event, evidence.ProcedureProcessedEvent)
    assert event.payload.channel == "online" and event.officer_id == "CB-004512"
    assert event.occurred_at == datetime(2025, 3, 14, 2, 30, tzinfo=UTC)


@pytest.mark.parametrize("kind", EVIDENCE_TYPES)
def test_a_valid_example_of_every_type_parses(kind: str) -> None:
    as_dict = parse_evidence(envelope(kind), now=NOW, source_required=True)
    as_text = parse_evidence(json.dumps(envelope(kind)), now=NOW, source_required=True)
    assert as_dict == as_text
    assert as_dict.type == kind and as_dict.unit_id == "H40.12.05"


def test_events_are_frozen() -> None:
    event = parse_evidence(envelope(), now=NOW, source_required=True)
    with pytest.raises(ValidationError):
        event.unit_id = "H40"  # type: ignore[misc]


def test_unknown_type_is_refused_on_type_listing_the_known_types() -> None:
    [error] = refusal(envelope(type="procedure.teleported"))
    assert error.field == "type"
    assert "procedure.teleported" in error.message and "evidence.retracted" in error.message


def test_missing_type_is_refused_on_type() -> None:
    body = envelope()
    del body["type"]
    assert refusal(body) == [FieldError(field="type", message="field required")]


def test_missing_payload_field_is_refused_with_its_path() -> None:
    body = envelope()
    del body["payload"]["due_at"]
    assert refusal(body) == [FieldError(field="payload.due_at", message="field required")]


def test_missing_envelope_field_is_refused_with_its_name() -> None:
    body = envelope()
    del body["event_id"]
    assert fields(body) == ["event_id"]


def test_unknown_extra_fields_are_refused_in_envelope_payload_and_list_items() -> None:
    body = envelope("inspection.recorded", priority="high")
    body["payload"]["colour"] = "red"
    body["payload"]["findings"] = [{"code": "smoking", "severity": 3}]
    assert fields(body) == ["payload.colour", "payload.findings.0.severity", "priority"]
    assert {d.message for d in refusal(body)} == {"unknown field"}


def test_enum_errors_name_the_allowed_values() -> None:
    body = envelope()
    body["payload"]["channel"] = "fax"
    expected = FieldError(field="payload.channel", message="must be one of: counter, online, postal")
    assert refusal(body) == [expected]


def test_list_items_are_named_by_index() -> None:
    body = envelope("inspection.recorded")
    body["payload"]["findings"] = [{"code": "alcohol"}, {"code": "karaoke"}]
    assert fields(body) == ["payload.findings.1.code"]


@pytest.mark.parametrize(
    "stamp",
    [
        "2025-03-14T09:30:00",
        "2025-03-14 09:30",
        "14/03/2025",
        "2025-03-14",
        "2025-03-14T09:30:00+0700",
        "",
        1710000000,
        None,
    ],
)
def test_bad_timestamps_are_refused_on_occurred_at(stamp: object) -> None:
    assert fields(envelope(occurred_at=stamp)) == ["occurred_at"]


def test_a_naive_datetime_object_is_refused() -> None:
    assert fields(envelope(occurred_at=datetime(2025, 3, 14, 9, 30))) == ["occurred_at"]


def test_bad_payload_timestamps_carry_their_path() -> None:
    body = envelope()
    body["payload"]["finished_at"] = "2025-03-14T09:30:00"
    assert fields(body) == ["payload.finished_at"]


def test_ten_minutes_in_the_future_is_refused_and_four_is_fine() -> None:
    ahead = (NOW + timedelta(minutes=10)).isoformat()
    assert refusal(envelope(occurred_at=ahead))[0].field == "occurred_at"
    near = (NOW + timedelta(minutes=4)).isoformat()
    assert parse_evidence(envelope(occurred_at=near), now=NOW, source_required=True).occurred_at > NOW


@pytest.mark.parametrize("unit_id", ["h40.12", "H", "H40-12", "H40 12", "H" * 33, "", "H40\n", 4012])
def test_bad_unit_ids_are_refused_on_unit_id(unit_id: object) -> None:
    assert fields(envelope(unit_id=unit_id)) == ["unit_id"]


def test_the_operators_inbox_is_no_unit() -> None:
    """ADMIN is the operators' inbox (calendar_missing and other operator alerts): evidence for it is refused."""
    assert refusal(envelope(unit_id="ADMIN"))[0].message == "ADMIN is reserved for the operators' inbox"
    assert parse_evidence(envelope(unit_id="ADMINS"), now=NOW, source_required=True).unit_id == "ADMINS"


@pytest.mark.parametrize("event_id", ["", "a b", "x" * 129, "é-1"])
def test_bad_event_ids_are_refused_on_event_id(event_id: str) -> None:
    assert fields(envelope(event_id=event_id)) == ["event_id"]


@pytest.mark.parametrize(
    "kind", ["training.completed", "discipline.recorded", "initiative.recognized", "officer.registered"]
)
def test_types_about_an_officer_require_officer_id(kind: str) -> None:
    body = envelope(kind)
    del body["officer_id"]
    assert refusal(body) == [FieldError(field="officer_id", message="field required")]


def test_officer_id_is_optional_elsewhere() -> None:
    event = parse_evidence(envelope("evaluation.recorded"), now=NOW, source_required=True)
    assert event.officer_id is None


@pytest.mark.parametrize("value", ["yes", "true", 1, None])
def test_booleans_are_not_coerced(value: object) -> None:
    body = envelope()
    body["payload"]["paid_online"] = value
    assert fields(body) == ["payload.paid_online"]


def test_integers_and_numbers_are_not_coerced_from_strings() -> None:
    body = envelope()
    body["payload"]["supplement_requests"] = "3"
    body["payload"]["supplement_days"] = "2.5"
    assert fields(json.dumps(body)) == ["payload.supplement_days", "payload.supplement_requests"]


def test_schema_version_must_be_the_integer_one() -> None:
    for version in (2, True, "1", 1.0):
        assert fields(envelope(schema_version=version)) == ["schema_version"]


@pytest.mark.parametrize(
    ("kind", "name", "value"),
    [
        ("procedure.processed", "supplement_requests", -1),
        ("procedure.processed", "supplement_days", -0.5),
        ("training.completed", "hours", 0),
        ("procedure.rated", "score", 6),
        ("procedure.rated", "score", 0),
        ("evaluation.recorded", "score", 100.5),
        ("evaluation.recorded", "year", 1999),
        ("title.awarded", "title", "huan_chuong_lao_dong"),
        ("emulation.registered", "titles", ["co_thi_dua_chinh_phu"]),
        ("unit.registered", "name", "x" * 201),
        ("discipline.recorded", "reason", "x" * 501),
        ("unit.registered", "cluster_id", ""),
    ],
)
def test_ranges_lengths_and_codes_are_enforced(kind: str, name: str, value: object) -> None:
    body = envelope(kind)
    body["payload"][name] = value
    assert [f.split(".")[:2] for f in fields(body)] == [["payload", name]]


CONTROL_MESSAGE = "must not contain control characters (U+0000-U+001F, U+007F)"


@pytest.mark.parametrize(
    ("kind", "name", "value"),
    [
        ("unit.registered", "name", "Phòng A\x0b"),
        ("unit.registered", "cluster_name", "Khối\x00"),
        ("unit.registered", "cluster_id", "K1\n"),
        ("officer.registered", "full_name", "Nguyễn\tVăn A"),
        ("procedure.processed", "dossier_code", "HS\x1f1"),
        ("procedure.processed", "procedure_code", "1.001\x7f"),
    ],
)
def test_names_and_codes_refuse_every_control_character(kind: str, name: str, value: str) -> None:
    body = envelope(kind)
    body["payload"][name] = value
    assert refusal(body) == [FieldError(field=f"payload.{name}", message=CONTROL_MESSAGE)]
    assert refusal(json.dumps(body)) == [FieldError(field=f"payload.{name}", message=CONTROL_MESSAGE)]


@pytest.mark.parametrize("char", ["\x00", "\x0b", "\x0c", "\r", "\x1b", "\x7f"])
def test_free_text_refuses_control_characters_other_than_tab_and_newline(char: str) -> None:
    body = envelope("discipline.recorded")
    body["payload"]["reason"] = f"Vi phạm{char} nội quy"
    [error] = refusal(body)
    assert error.field == "payload.reason"
    assert error.message == CONTROL_MESSAGE + " other than tab and newline"


def test_free_text_keeps_tab_and_newline() -> None:
    body = envelope("discipline.recorded")
    body["payload"]["reason"] = "Vi phạm nội quy:\n\t- đi muộn"
    event = parse_evidence(body, now=NOW, source_required=True)
    assert event.payload.reason == "Vi phạm nội quy:\n\t- đi muộn"  # type: ignore[union-attr]


def test_the_json_schema_states_the_control_character_rule() -> None:
    evidence_schema = export.generated()["evidence.json"]
    assert json.dumps("^[^\\u0000-\\u001f\\u007f]*$") in evidence_schema  # names and codes
    assert json.dumps("^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f]*$") in evidence_schema  # free text


def test_source_is_required_only_when_asked() -> None:
    body = envelope()
    del body["source"]
    assert refusal(body, source_required=True) == [FieldError(field="source", message="field required")]
    assert parse_evidence(body, now=NOW, source_required=False).source is None
    assert fields(envelope(source="motcua namdinh")) == ["source"]


@pytest.mark.parametrize("raw", [b"{not json", b"", b"\xff\xfe", "[1, 2", b'{"a": 1'])
def test_not_json_is_refused_on_body(raw: bytes | str) -> None:
    assert fields(raw) == ["body"]


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"', b"42", b"null"])
def test_json_that_is_not_an_object_is_refused_on_body(raw: bytes) -> None:
    assert fields(raw) == ["body"]


def test_every_reason_is_reported_at_once() -> None:
    body = envelope(unit_id="bad", event_id="")
    body["payload"]["status"] = "lost"
    assert fields(body) == ["event_id", "payload.status", "unit_id"]


def test_output_models_round_trip_and_forbid_extras() -> None:
    standing = StandingChanged(
        event_id="s-1",
        occurred_at=NOW,
        period="2025-Q1",
        subject_kind="unit",
        subject_id="H40.12.05",
        unit_id="H40.12.05",
        score=91.5,
        band="Tốt",
        rank_in_cluster=1,
        rule_version="2025.1",
    )
    alert = Alert(
        alert_id="a-1",
        condition_key="dossier_overdue:HS-1",
        kind="dossier_overdue",
        priority="high",
        unit_id="H40.12.05",
        occurred_at=NOW,
        data={"overdue_days": 3, "late": True},
    )
    nomination = NominationChanged(
        event_id="n-1",
        nomination_id="nom-1",
        change="created",
        status="proposed",
        title="co_thi_dua_tinh",
        year=2025,
        subject_kind="unit",
        subject_id="H40.12.05",
        unit_id="H40.12.05",
        cash_multiple=8.0,
        rule_version="2025.1",
        criteria=[Criterion(code="cluster_leader", met=True, reason="hạng 1 cụm")],
        evidence_ids=["motcua-2025-000123"],
        occurred_at=NOW,
    )
    rejected = RejectedEvidence(
        rejected_at=NOW,
        channel="kafka",
        original_base64="e25vdA==",
        reasons=[FieldError(field="body", message="not valid JSON")],
        original_topic="evidence.inbound.v1",
        original_partition=0,
        original_offset=12,
    )
    for model in (standing, alert, nomination, rejected):
        assert type(model).model_validate_json(model.model_dump_json()) == model
    with pytest.raises(ValidationError):
        StandingChanged.model_validate({**standing.model_dump(), "colour": "red"})
    with pytest.raises(ValidationError):
        StandingChanged.model_validate({**standing.model_dump(), "band": "Xuất sắc"})


def test_exported_json_schema_files_equal_the_generated_ones() -> None:
    on_disk = {name: (export.DIRECTORY / name).read_text(encoding="utf-8") for name in export.generated()}
    assert on_disk == export.generated(), "run `python -m schemas.export` and commit schemas/jsonschema/"
    assert export.drift() == []


def test_export_is_deterministic_and_check_sees_drift(tmp_path: Path) -> None:
    assert export.generated() == export.generated()
    assert sorted(export.drift(tmp_path)) == sorted(export.generated())
    export.write(tmp_path)
    assert export.drift(tmp_path) == []
    (tmp_path / "alert.json").write_text("{}\n", encoding="utf-8")
    assert export.drift(tmp_path) == ["alert.json"]
    assert all(text.endswith("}\n") for text in export.generated().values())


@pytest.mark.parametrize("label", ["2025\n", "2025-Q1\n", "2025-03\n", "２０２５", "2025-Q5", "2025-13", " 2025"])
def test_period_labels_are_matched_whole(label: str) -> None:
    """PERIOD_PATTERN ends in \\Z: "$" took a trailing newline ("2025\\n" was a period everywhere it is used)."""
    assert not is_period(label)
    with pytest.raises(ValueError, match="must be"):
        parse_period(label)
    assert is_period(label.strip()) == (label.strip() in ("2025", "2025-Q1", "2025-03"))


def test_supplement_dates_are_held_to_the_one_year_horizon_too() -> None:
    """FUTURE_HORIZON (schemas/bounds.py) holds for the dated items of a payload's list (supplements), not only for
    its own dates."""
    body = envelope()
    body["payload"]["supplements"] = [
        {"requested_at": "2025-03-11T09:00:00+07:00", "supplied_at": (NOW + timedelta(days=400)).isoformat()}
    ]
    assert fields(body) == ["payload.supplements.0.supplied_at"]
    body["payload"]["supplements"][0]["supplied_at"] = (NOW + timedelta(days=300)).isoformat()
    payload = parse_evidence(body, now=NOW, source_required=True).payload
    assert getattr(payload, "supplements", None) is not None
