"""The national portal's sync format (DongBoHoSoMC): bodies read as they arrive, snapshots turned into our events."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas.dvcqg import Refused, Snapshot, Step, SyncDossiers, SyncSteps, parse_call
from schemas.errors import EvidenceInvalid, FieldError
from schemas.evidence import EvidenceRetractedEvent, ProcedureProcessedEvent, ProcedureReceivedEvent, parse_evidence
from schemas.vietnam import VN_TZ
from services.evidence.domain.dvcqg import (
    Diff,
    Kept,
    dossier_officer,
    dump_kept,
    load_kept,
    snapshot_events,
    step_officer,
    unit_of,
)

NOW = datetime(2025, 6, 1, tzinfo=UTC)
UNIT, SOURCE = "H40.12.05", "motcua-ninhbinh"
NAME, PHONE, EMAIL, ID_NO = "Nguyễn Thị Hoa", "0912345678", "hoa.nguyen@example.vn", "036190001234"
PERSONAL = {
    "ChuHoSo": NAME,
    "SoGiayToChuHoSo": ID_NO,
    "MaDoiTuong": ID_NO,
    "Email": EMAIL,
    "SoDienThoai": PHONE,
    "Fax": PHONE,
    "ThongTinKhac": f"Liên hệ {NAME} {PHONE}",
    "TrichYeuHoSo": f"Cấp giấy phép cho {NAME}",
    "GhiChu": f"Gọi {PHONE}",
    "DinhDanhCHS": [{"LoaiDinhDanh": "1", "SoDinhDanh": ID_NO}],
    "ThongTinTra": f"Gửi về nhà {NAME}",
}
SECRETS = (NAME, PHONE, EMAIL, ID_NO)


def dossier(**changes: Any) -> dict[str, Any]:
    """A dossier as an upstream sends it: strings everywhere, personal data included, fields we never read."""
    body: dict[str, Any] = {
        "MaHoSo": "000.00.12.H40-250314-0001",
        "MaTTHC": "1.001234",
        "TenTTHC": "Cấp giấy phép xây dựng",
        "MaLinhVuc": "G09",
        "DonViXuLy": "UBND phường Hoa Lư",
        "LoaiDoiTuong": "1",
        "KenhThucHien": "2",
        "NgayNopHoSo": "20250313160000",
        "NgayTiepNhan": "20250314093000",
        "NgayHenTra": "20250328170000",
        "NgayKetThucXuLy": "",
        "NgayTra": "",
        "TrangThaiHoSo": "2",
        "HinhThuc": "0",
        "HoSoCoThanhPhanSoHoa": "0",
        "DuocThanhToanTrucTuyen": "1",
        "TaiKhoanDuocXacThucVoiVNeID": "1",
        "TaiLieuNop": [
            {
                "TepDinhKemId": "f1",
                "TenTepDinhKem": f"CCCD {NAME}.pdf",
                "MaThanhPhanHoSo": "TP1",
                "DuongDanTaiTepTin": f"https://motcua.example.vn/files/{ID_NO}.pdf",
                "DuocSoHoa": "1",
                "DuocTaiSuDung": "0",
                "DuocLayTuKhoDMQG": "0",
            }
        ],
        "DanhSachLePhi": [{"TenPhiLePhi": "Lệ phí", "MaPhiLePhi": "LP1", "HinhThucThu": "1", "Gia": "75000"}],
        "DanhSachHoSoBoSung": [],
        "DanhSachGiayToKetQua": [],
        **copy.deepcopy(PERSONAL),
    }
    body.update(changes)
    return body


ASKED = {
    "HoSoBoSungId": 7,
    "NguoiYeuCauBoSung": "canbo.an",
    "NoiDungBoSung": f"Đề nghị {NAME} bổ sung bản vẽ, gọi {PHONE}",
    "NgayBoSung": "20250318100000",
    "NgayTiepNhanBoSung": "",
    "TrangThaiBoSung": False,
    "NgayHenTraTruoc": "2025-03-28T17:00:00",
    "NgayHenTraMoi": None,
}
SUPPLIED = {**ASKED, "NgayTiepNhanBoSung": "20250321150000", "TrangThaiBoSung": True, "NgayHenTraMoi": "20250402170000"}
FINISHED = {
    "TrangThaiHoSo": "10",
    "NgayHenTra": "20250402170000",
    "NgayKetThucXuLy": "20250327160000",
    "NgayTra": "20250328090000",
    "DanhSachHoSoBoSung": [SUPPLIED],
    "DanhSachGiayToKetQua": [
        {"TenGiayTo": "Giấy phép", "DuongDanTepTinKetQua": f"https://motcua.example.vn/kq/{NAME}.pdf"}
    ],
}


def snap(**changes: Any) -> Snapshot:
    return Snapshot.model_validate(dossier(**changes))


FOUR = (
    snap(),
    snap(TrangThaiHoSo="5", DanhSachHoSoBoSung=[ASKED]),
    snap(TrangThaiHoSo="4", NgayHenTra="20250402170000", DanhSachHoSoBoSung=[SUPPLIED]),
    snap(**FINISHED),
)


def run(snapshots: tuple[Snapshot, ...] | list[Snapshot], officer: str | None = "CB-004512") -> list[Diff]:
    """Feed snapshots in order as the adapter would, keeping what each diff says to keep."""
    kept: Kept | None = None
    diffs = []
    for s in snapshots:
        diff = snapshot_events(kept, s, unit_id=UNIT, source=SOURCE, officer_of=officer)
        kept = diff.kept or kept
        diffs.append(diff)
    return diffs


def parsed(diff: Diff) -> list[Any]:
    return [parse_evidence(e, now=NOW, source_required=True) for e in diff.events]


# --- reading the bodies -------------------------------------------------------------------------------------------


def test_the_portal_time_is_vietnam_time_and_empty_means_absent() -> None:
    s = snap()
    assert s.received_at == datetime(2025, 3, 14, 9, 30, tzinfo=VN_TZ)
    assert s.received_at.astimezone(UTC) == datetime(2025, 3, 14, 2, 30, tzinfo=UTC)
    assert s.finished_at is None and s.returned_at is None
    assert s.status == 2 and s.channel == 2 and s.paid_online == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-03-14 09:30", "yyyyMMddHHmmss"),
        ("20251314093000", "yyyyMMddHHmmss"),
        ("18991231000000", "must lie between 2000-01-01 and 2100-01-01"),
        ("21000101080000", "must lie between"),
        (20250314093000, "yyyyMMddHHmmss"),
    ],
)
def test_a_bad_time_is_refused_naming_the_field(value: object, message: str) -> None:
    call = parse_call({"service": "DongBoHoSoMC", "isUpdating": "False", "data": [dossier(NgayTiepNhan=value)]})
    assert isinstance(call, SyncDossiers)
    refused = call.data[0]
    assert isinstance(refused, Refused) and refused.dossier_code == "000.00.12.H40-250314-0001"
    assert [e.field for e in refused.errors] == ["data.0.NgayTiepNhan"] and message in refused.errors[0].message


def test_one_bad_dossier_is_refused_alone_and_the_others_are_read() -> None:
    call = parse_call(
        {"service": "DongBoHoSoMC", "isUpdating": "True", "data": [dossier(), dossier(TrangThaiHoSo="11"), dossier()]}
    )
    assert isinstance(call, SyncDossiers) and call.updating is True
    assert [type(item).__name__ for item in call.data] == ["Snapshot", "Refused", "Snapshot"]
    refused = call.data[1]
    assert isinstance(refused, Refused)
    assert refused.errors == (FieldError(field="data.1.TrangThaiHoSo", message="must be at most 10"),)


def test_the_three_shapes_of_the_call() -> None:
    steps = parse_call({"service": "CapNhatTienDoHoSoMC", "data": [step("canbo.an", "20250314093000")]})
    assert isinstance(steps, SyncSteps) and isinstance(steps.data[0], Step)
    bare = parse_call([dossier()], service="DongBoHoSoMC")
    assert isinstance(bare, SyncDossiers) and bare.updating is False
    with_session = parse_call(
        {"service": "DongBoHoSoMC", "session": "abc", "madonvi": "H40.12.05", "data": [dossier()]}
    )
    assert isinstance(with_session, SyncDossiers) and with_session.unit_code == "H40.12.05"
    assert "abc" not in repr(with_session)  # the session is a credential: never shown


@pytest.mark.parametrize(
    ("body", "service", "field", "message"),
    [
        ({"service": "XoaHoSo", "data": [{}]}, None, "service", "must be one of: DongBoHoSoMC, CapNhatTienDoHoSoMC"),
        ([{}], None, "service", "a bare list needs the service in the URL"),
        ({"service": "CapNhatTienDoHoSoMC", "data": [{}]}, "DongBoHoSoMC", "service", "must be DongBoHoSoMC"),
        ({"service": "DongBoHoSoMC", "data": []}, None, "data", "must have at least 1 item"),
        ({"service": "DongBoHoSoMC", "data": [{}] * 1001}, None, "data", "must have at most 1000 items"),
        ({"service": "DongBoHoSoMC", "isUpdating": "Maybe", "data": [{}]}, None, "isUpdating", "must be 0 or 1"),
        ("text", None, "body", "must be a JSON object or array"),
    ],
)
def test_a_bad_call_is_refused_naming_the_field(body: object, service: str | None, field: str, message: str) -> None:
    with pytest.raises(EvidenceInvalid) as refused:
        parse_call(body, service=service)
    assert refused.value.details[0].field == field and message in refused.value.details[0].message


def test_nested_lists_are_bounded() -> None:
    refused = parse_call({"service": "DongBoHoSoMC", "data": [dossier(TaiLieuNop=[{}] * 201)]}).data[0]
    assert isinstance(refused, Refused)
    assert refused.errors[0] == FieldError(field="data.0.TaiLieuNop", message="must have at most 200 items")


def test_long_or_controlled_codes_are_refused() -> None:
    refused = parse_call({"service": "DongBoHoSoMC", "data": [dossier(MaHoSo="x" * 201, MaTTHC="a\x00b")]}).data[0]
    assert isinstance(refused, Refused) and refused.dossier_code is None
    assert {e.field for e in refused.errors} == {"data.0.MaHoSo", "data.0.MaTTHC"}


def test_personal_data_never_reaches_a_parsed_snapshot() -> None:
    call = parse_call({"service": "DongBoHoSoMC", "data": [dossier(**FINISHED)]})
    shown = [item.model_dump_json(by_alias=True) + item.model_dump_json() + repr(item) for item in call.data]
    for text in shown:
        for secret in SECRETS:
            assert secret not in text
        for name in (*PERSONAL, "NoiDungBoSung", "TenTepDinhKem", "DuongDanTaiTepTin", "NguoiYeuCauBoSung"):
            assert f'"{name}"' not in text
        assert "example.vn" not in text  # neither file links nor result links are kept
    assert isinstance(call.data[0], Snapshot) and call.data[0].results[0].has_file is True


def test_personal_data_never_reaches_a_parsed_step() -> None:
    body = step("canbo.an", "20250314093000") | {"NoiDungXuLy": f"Đã gọi {NAME} qua số {PHONE}"}
    text = Step.model_validate(body).model_dump_json(by_alias=True)
    assert NAME not in text and PHONE not in text and "NoiDungXuLy" not in text


# --- snapshots become events --------------------------------------------------------------------------------------


def test_four_snapshots_give_received_then_processed_with_the_supplement_wait() -> None:
    diffs = run(FOUR)
    kinds = [[e["type"] for e in d.events] for d in diffs]
    assert kinds == [["procedure.received"], ["procedure.received"], ["procedure.received"], ["procedure.processed"]]
    events = [parsed(d) for d in diffs]
    first, asked, supplied = events[0][0], events[1][0], events[2][0]
    assert isinstance(first, ProcedureReceivedEvent) and first.payload.supplements is None
    assert first.payload.channel == "online" and first.payload.fee_required is True
    assert first.officer_id == "CB-004512" and first.unit_id == UNIT and first.source == SOURCE
    assert isinstance(asked, ProcedureReceivedEvent) and asked.occurred_at > first.occurred_at  # the latest counts
    assert asked.payload.supplements is not None and asked.payload.supplements[0].supplied_at is None
    assert isinstance(supplied, ProcedureReceivedEvent) and supplied.occurred_at > asked.occurred_at
    # the due date is the one before the supplement: our rules push it by the wait themselves
    assert supplied.payload.due_at == datetime(2025, 3, 28, 17, tzinfo=VN_TZ)
    done = events[3][0]
    assert isinstance(done, ProcedureProcessedEvent)
    assert done.payload.status == "resolved" and done.payload.finished_at == datetime(2025, 3, 27, 16, tzinfo=VN_TZ)
    assert done.payload.supplement_requests == 1 and done.payload.supplements is not None
    wait = done.payload.supplements[0]
    assert (wait.requested_at, wait.supplied_at) == (
        datetime(2025, 3, 18, 10, tzinfo=VN_TZ),
        datetime(2025, 3, 21, 15, tzinfo=VN_TZ),
    )
    assert done.payload.due_at == datetime(2025, 3, 28, 17, tzinfo=VN_TZ)
    assert (done.payload.paid_online, done.payload.digitized, done.payload.e_result) == (True, True, True)
    assert done.payload.data_reused is False and done.payload.fee_required is True
    assert not any(d.problems for d in diffs)


def test_the_same_snapshot_twice_yields_the_same_ids_and_after_it_was_kept_nothing() -> None:
    once = snapshot_events(None, FOUR[3], unit_id=UNIT, source=SOURCE, officer_of=None)
    again = snapshot_events(None, FOUR[3], unit_id=UNIT, source=SOURCE, officer_of=None)
    assert [e["event_id"] for e in once.events] == [e["event_id"] for e in again.events]
    assert len(once.events) == 2  # received and processed, from a finished dossier seen first
    assert snapshot_events(once.kept, FOUR[3], unit_id=UNIT, source=SOURCE, officer_of=None).events == ()
    replayed = run([*FOUR, *FOUR])
    assert all(d.events == () for d in replayed[4:])


def test_an_older_snapshot_after_a_newer_one_yields_nothing() -> None:
    diffs = run([FOUR[3], FOUR[0], FOUR[1]])
    assert diffs[1].events == () and diffs[1].kept is None and diffs[2].events == ()


def test_a_corrected_finish_time_retracts_the_old_event_and_sends_the_corrected_one() -> None:
    late = snap(**{**FINISHED, "NgayKetThucXuLy": "20250404160000", "NgayTra": "20250404170000"})
    diffs = run([*FOUR, late])
    old = diffs[3].events[0]
    retraction, corrected = parsed(diffs[4])
    assert isinstance(retraction, EvidenceRetractedEvent) and retraction.payload.target_event_id == old["event_id"]
    assert isinstance(corrected, ProcedureProcessedEvent) and corrected.event_id != old["event_id"]
    assert corrected.payload.finished_at == datetime(2025, 4, 4, 16, tzinfo=VN_TZ)
    # and correcting it back is counted again: a new id, not the retracted one
    back = run([*FOUR, late, snap(**{**FINISHED, "NgayTra": "20250405090000"})])[5]
    again = next(e for e in back.events if e["type"] == "procedure.processed")
    assert again["event_id"] not in (old["event_id"], corrected.event_id)
    assert again["payload"]["finished_at"] == old["payload"]["finished_at"]


def test_a_changed_officer_is_a_correction_too() -> None:
    first = snapshot_events(None, FOUR[3], unit_id=UNIT, source=SOURCE, officer_of=None)
    second = snapshot_events(first.kept, FOUR[3], unit_id=UNIT, source=SOURCE, officer_of="CB-9")
    kinds = [e["type"] for e in second.events]
    assert kinds == ["evidence.retracted", "procedure.received", "evidence.retracted", "procedure.processed"]
    assert all(e.get("officer_id") == "CB-9" for e in second.events if e["type"] != "evidence.retracted")


@pytest.mark.parametrize(
    ("status", "expected"), [("3", "rejected"), ("7", "withdrawn"), ("8", "stopped"), ("9", "resolved")]
)
def test_statuses_map_to_the_contract(status: str, expected: str) -> None:
    s = snap(TrangThaiHoSo=status, NgayKetThucXuLy="20250320100000", NgayTuChoi="20250315100000")
    events = parsed(snapshot_events(None, s, unit_id=UNIT, source=SOURCE, officer_of=None))
    processed = [e for e in events if isinstance(e, ProcedureProcessedEvent)]
    assert [e.payload.status for e in processed] == [expected]
    assert [e.type for e in events].count("procedure.received") == (0 if status == "3" else 1)
    if status == "3":  # refused at the door: the refusal's date
        assert processed[0].payload.finished_at == datetime(2025, 3, 15, 10, tzinfo=VN_TZ)


@pytest.mark.parametrize(("channel", "expected"), [("1", "counter"), ("2", "online"), ("3", "postal")])
def test_the_channel_comes_from_kenh_thuc_hien(channel: str, expected: str) -> None:
    events = parsed(snapshot_events(None, snap(KenhThucHien=channel), unit_id=UNIT, source=SOURCE, officer_of=None))
    assert isinstance(events[0], ProcedureReceivedEvent) and events[0].payload.channel == expected


def test_a_dossier_without_channel_or_due_is_reported_not_guessed() -> None:
    no_channel = snapshot_events(None, snap(KenhThucHien=""), unit_id=UNIT, source=SOURCE, officer_of=None)
    assert no_channel.events == () and no_channel.problems[0].field == "KenhThucHien"
    no_due = snapshot_events(None, snap(NgayHenTra=""), unit_id=UNIT, source=SOURCE, officer_of=None)
    assert no_due.events == () and no_due.problems[0].field == "NgayHenTra"
    # a later snapshot that cannot tell a fact does not unsay the one already sent
    first = snapshot_events(None, FOUR[0], unit_id=UNIT, source=SOURCE, officer_of=None)
    later = snapshot_events(first.kept, snap(KenhThucHien="", TrangThaiHoSo="4"), unit_id=UNIT, source=SOURCE,
                            officer_of=None)  # fmt: skip
    assert later.events == () and later.kept is not None and later.kept.facts == first.kept.facts  # type: ignore[union-attr]


def test_reuse_fees_and_online_payment_flags() -> None:
    base = {**FINISHED, "DanhSachGiayToKetQua": [{"DuongDanTepTinKetQua": ""}]}
    free = snap(**base, DanhSachLePhi=[{"Gia": "0"}], DuocThanhToanTrucTuyen="3",
                TaiLieuNop=[{"DuocSoHoa": "0", "DuocTaiSuDung": "1", "DuocLayTuKhoDMQG": "0"}])  # fmt: skip
    done = parsed(snapshot_events(None, free, unit_id=UNIT, source=SOURCE, officer_of=None))[-1]
    assert isinstance(done, ProcedureProcessedEvent)
    assert (done.payload.fee_required, done.payload.paid_online, done.payload.digitized) == (False, False, False)
    assert (done.payload.e_result, done.payload.data_reused) == (False, True)
    store = snap(**base, TaiLieuNop=[{"DuocTaiSuDung": "2", "DuocLayTuKhoDMQG": "1"}], HoSoCoThanhPhanSoHoa="1")
    done = parsed(snapshot_events(None, store, unit_id=UNIT, source=SOURCE, officer_of=None))[-1]
    assert isinstance(done, ProcedureProcessedEvent) and done.payload.data_reused and done.payload.digitized


def test_what_is_kept_survives_json() -> None:
    diffs = run(FOUR[:3])
    kept = diffs[-1].kept
    assert kept is not None
    restored = load_kept(json.loads(json.dumps(dump_kept(kept))))
    assert restored == kept
    assert snapshot_events(restored, FOUR[2], unit_id=UNIT, source=SOURCE, officer_of="CB-004512").events == ()


def test_an_unsafe_dossier_code_gives_a_valid_event_id() -> None:
    odd = snap(MaHoSo="HS 2025/03/14 số 1")
    for event in parsed(snapshot_events(None, odd, unit_id=UNIT, source=SOURCE, officer_of=None)):
        assert event.event_id.startswith("dvcqg:h")


# --- officers and units -------------------------------------------------------------------------------------------


def step(user: str, at: str) -> dict[str, Any]:
    return {"MaHoSo": "000.00.12.H40-250314-0001", "NguoiXuLy": user, "ChucDanh": "Chuyên viên",
            "ThoiDiemXuLy": at, "TrangThai": "4", "NoiDungXuLy": "Thẩm định"}  # fmt: skip


def test_the_officer_comes_from_the_operators_mapping_never_guessed() -> None:
    mapping = {"canbo.an": "CB-004512"}
    assert step_officer(Step.model_validate(step("canbo.an", "20250314093000")), mapping) == "CB-004512"
    unknown = step_officer(Step.model_validate(step("canbo.binh", "20250314093000")), mapping)
    assert unknown == FieldError(field="NguoiXuLy", message="'canbo.binh' is not mapped to an officer")
    steps = [
        Step.model_validate(step(u, t)) for u, t in [("canbo.an", "20250327160000"), ("canbo.binh", "20250320000000")]
    ]
    officer, problems = dossier_officer(steps[:1], mapping)
    assert officer == "CB-004512" and problems == []


def test_the_latest_mapped_step_names_the_officer() -> None:
    mapping = {"canbo.an": "CB-1", "canbo.chi": "CB-3"}
    steps = [
        Step.model_validate(step(u, t))
        for u, t in [("canbo.chi", "20250327160000"), ("canbo.an", "20250314093000"), ("canbo.binh", "20250328000000")]
    ]
    officer, problems = dossier_officer(steps, mapping)
    assert officer == "CB-3" and [p.field for p in problems] == ["NguoiXuLy"]  # the latest is unmapped: reported
    assert dossier_officer(steps[2:], mapping)[0] is None


def test_a_step_with_a_bad_time_is_refused() -> None:
    refused = parse_call({"service": "CapNhatTienDoHoSoMC", "data": [step("canbo.an", "")]}).data[0]
    assert isinstance(refused, Refused) and refused.errors[0].field == "data.0.ThoiDiemXuLy"


def test_the_unit_is_the_sources_own_or_mapped_and_an_unknown_one_is_refused_with_its_value() -> None:
    units = frozenset({"H40.12.05", "H40.12.06"})
    mapping = {"000.00.12.H40": "H40.12.06"}
    assert unit_of("H40.12.05", units, mapping) == "H40.12.05"
    assert unit_of("000.00.12.H40", units, mapping) == "H40.12.06"
    refused = unit_of("000.00.99.H40", units, mapping)
    assert isinstance(refused, FieldError) and refused.field == "madonvi" and "'000.00.99.H40'" in refused.message
    assert isinstance(unit_of(None, units, mapping), FieldError)
    assert isinstance(unit_of("H40.12.07", frozenset({"*"}), {}), FieldError)  # '*' is not expanded here


def test_personal_data_is_absent_from_everything_produced() -> None:
    diffs = run([*FOUR, snap(**{**FINISHED, "NgayKetThucXuLy": "20250404160000"})])
    call = parse_call({"service": "DongBoHoSoMC", "data": [dossier(**FINISHED), dossier(TrangThaiHoSo="x")]})
    out = json.dumps(
        [
            [d.events for d in diffs],
            [dump_kept(d.kept) for d in diffs if d.kept],
            [[p.model_dump() for p in d.problems] for d in diffs],
            [item.model_dump(mode="json") for item in call.data],
            [repr(item) for item in call.data],
        ],
        ensure_ascii=False,
    )
    for secret in SECRETS:
        assert secret not in out
