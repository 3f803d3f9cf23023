"""The national portal's sync format (DongBoHoSoMC, CapNhatTienDoHoSoMC) as it arrives, bounded and stripped.

Upstream one-stop systems push whole-dossier snapshots and processing steps to the national public service portal
(Cổng Dịch vụ công quốc gia, DVCQG); these models read those bodies as they are. Field names are the portal's
(aliases); attributes are ours. Only what the adapter needs is declared: every other field, and above all the
applicant's personal data (ChuHoSo, MaDoiTuong, SoGiayToChuHoSo, Email, SoDienThoai, Fax, ThongTinKhac,
TrichYeuHoSo, GhiChu, DinhDanhCHS, NoiDungBoSung, NoiDungXuLy, file names and links), is read and dropped here: it
never reaches a parsed model. Meanings marked "guess" are not confirmed by a public specification
(docs/contract.md, "Upstream: the national portal's format")."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

from schemas.bounds import EARLIEST, LATEST, MAX_ABS_NUMBER
from schemas.common import _no_control
from schemas.errors import EvidenceInvalid, FieldError, describe, dotted
from schemas.vietnam import VN_TZ

MAX_DOSSIERS = 1000
"""Dossiers (or steps) in one call: as many as envelopes in one evidence batch."""
MAX_NESTED = 200
"""Items in a snapshot's nested lists (documents, fees, supplement requests, result papers)."""
SYNC_DOSSIERS = "DongBoHoSoMC"
SYNC_STEPS = "CapNhatTienDoHoSoMC"
STATUSES: dict[int, str] = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung",
    6: "Nghĩa vụ tài chính",
    7: "Công dân rút",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
"""TrangThaiHoSo, as one upstream system seeds them (its codes 5, 6 and 8 have been seen reported as 9)."""

_COMPACT = re.compile(r"^[0-9]{14}\Z")
# C# DateTime as JSON (the nested supplement dates of one upstream, a guess): local time, maybe with an offset.
_ISO = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?([Zz]|[+-][0-9]{2}:[0-9]{2})?\Z"
)
_TIME_HINT = 'must be a time yyyyMMddHHmmss in Vietnam time (e.g. 20250314093000) or "" when absent'


def _portal_time(value: object) -> datetime | None:
    """yyyyMMddHHmmss in Asia/Ho_Chi_Minh (no offset) → an aware datetime; "" or null → absent."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError(_TIME_HINT)
    try:
        if _COMPACT.match(value):
            when = datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=VN_TZ)
        elif _ISO.match(value):
            head, tail = value[:19], value[19:].lstrip(".0123456789")
            parsed = datetime.fromisoformat(head + tail.replace("z", "Z").replace("Z", "+00:00"))
            when = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=VN_TZ)
        else:
            raise ValueError(_TIME_HINT)
    except ValueError:
        raise ValueError(_TIME_HINT) from None
    if not EARLIEST <= when < LATEST:
        raise ValueError(f"must lie between {EARLIEST.date().isoformat()} and {LATEST.date().isoformat()}")
    return when


def _text(value: object) -> object:
    """The portal writes codes as strings, sometimes as numbers: both are text here ("" = absent)."""
    if isinstance(value, bool):
        raise ValueError("must be a string")
    if isinstance(value, int):
        return str(value)
    if value == "":
        return None
    return value


def _small_int(value: object) -> object:
    """A code such as "2" or 2 → 2; "" or null → absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,3}", value):
        return int(value)
    return value


_TRUE, _FALSE = frozenset({"1", "true"}), frozenset({"0", "false", ""})


def _flag(value: object) -> object:
    """1, "1", true, "True" → True; 0, "0", false, "False", "", null → False."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    raise ValueError('must be 0 or 1 ("0", "1", true or false)')


def _price(value: object) -> float | None:
    """Gia: a number or a numeric string; what cannot be read is unknown (the fee still counts as listed)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        amount = float(value) if isinstance(value, int | float | str) else None
    except ValueError:
        return None
    if amount is None or not -MAX_ABS_NUMBER <= amount <= MAX_ABS_NUMBER:  # NaN fails both comparisons
        return None
    return amount


def _listed(value: object) -> object:
    """A nested list that is absent (null or "") is empty."""
    return [] if value is None or value == "" else value


PortalTime = Annotated[datetime | None, BeforeValidator(_portal_time)]
PortalCode = Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=200), AfterValidator(_no_control)]


MaybeCode = Annotated[PortalCode | None, BeforeValidator(_text)]
SmallInt = Annotated[Annotated[int, Field(ge=0, le=99)] | None, BeforeValidator(_small_int)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Price = Annotated[float | None, BeforeValidator(_price)]


class Portal(BaseModel):
    """Base of the portal's models: frozen; unknown fields read and dropped (the bodies carry more than we keep)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=False)


class Document(Portal):
    """TaiLieuNop[]: one submitted document; its name and link are dropped (they may name the applicant)."""

    part_code: MaybeCode = Field(None, alias="MaThanhPhanHoSo")
    digitized: Flag = Field(False, alias="DuocSoHoa")
    reused: SmallInt = Field(None, alias="DuocTaiSuDung")
    """0/1/2 (guess: 0 no, 1 reused, 2 reusable)."""
    from_national_store: Flag = Field(False, alias="DuocLayTuKhoDMQG")
    """Taken from the national data store (one upstream defaults it to 1: a guess that it is meaningful)."""


class Fee(Portal):
    """DanhSachLePhi[]: one fee or charge; only its code, kind and price are kept."""

    fee_code: MaybeCode = Field(None, alias="MaPhiLePhi")
    kind: MaybeCode = Field(None, alias="LoaiPhiLePhi")
    price: Price = Field(None, alias="Gia")


class Supplement(Portal):
    """DanhSachHoSoBoSung[]: one request to complete the dossier; who and what (NoiDungBoSung) are dropped."""

    request_id: MaybeCode = Field(None, alias="HoSoBoSungId")
    requested_at: PortalTime = Field(None, alias="NgayBoSung")
    supplied_at: PortalTime = Field(None, alias="NgayTiepNhanBoSung")
    done: SmallInt = Field(None, alias="TrangThaiBoSung")
    due_before: PortalTime = Field(None, alias="NgayHenTraTruoc")
    due_after: PortalTime = Field(None, alias="NgayHenTraMoi")

    @field_validator("done", mode="before")
    @classmethod
    def _bool_state(cls, value: object) -> object:
        """TrangThaiBoSung is a boolean in one upstream: kept as 0/1."""
        return int(value) if isinstance(value, bool) else value


class ResultPaper(Portal):
    """DanhSachGiayToKetQua[]: one result document; only whether a result file is linked is kept."""

    has_file: bool = Field(False, alias="DuongDanTepTinKetQua")

    @field_validator("has_file", mode="before")
    @classmethod
    def _linked(cls, value: object) -> bool:
        """A non-empty link = an electronic result; the link itself is never kept."""
        return isinstance(value, str) and value.strip() != ""


Documents = Annotated[list[Document], BeforeValidator(_listed), Field(max_length=MAX_NESTED)]
Fees = Annotated[list[Fee], BeforeValidator(_listed), Field(max_length=MAX_NESTED)]
Supplements = Annotated[list[Supplement], BeforeValidator(_listed), Field(max_length=MAX_NESTED)]
ResultPapers = Annotated[list[ResultPaper], BeforeValidator(_listed), Field(max_length=MAX_NESTED)]


class Snapshot(Portal):
    """One dossier as the portal receives it (DongBoHoSoMC data[]): what the adapter needs, nothing personal."""

    dossier_code: PortalCode = Field(alias="MaHoSo")
    procedure_code: PortalCode = Field(alias="MaTTHC")
    field_code: MaybeCode = Field(None, alias="MaLinhVuc")
    unit_code: MaybeCode = Field(None, alias="MaDonVi")
    """The handling unit's code on the dossier (the call's madonvi otherwise)."""
    handling_unit: MaybeCode = Field(None, alias="DonViXuLy")
    """The handling unit's name, or its mã định danh in one upstream (guess: not used to find the unit)."""
    applicant_kind: SmallInt = Field(None, alias="LoaiDoiTuong")
    """1 citizen, 2 enterprise, 3 state body, 4 other: a category, not personal data."""
    submitted_at: PortalTime = Field(None, alias="NgayNopHoSo")
    received_at: PortalTime = Field(None, alias="NgayTiepNhan")
    due_at: PortalTime = Field(None, alias="NgayHenTra")
    finished_at: PortalTime = Field(None, alias="NgayKetThucXuLy")
    returned_at: PortalTime = Field(None, alias="NgayTra")
    refused_at: PortalTime = Field(None, alias="NgayTuChoi")
    status: Annotated[int, BeforeValidator(_small_int), Field(ge=1, le=10)] = Field(alias="TrangThaiHoSo")
    delivery: SmallInt = Field(None, alias="HinhThuc")
    """Guess: how the result is delivered, 0 at the desk, 1 by post."""
    channel: SmallInt = Field(None, alias="KenhThucHien")
    """1 counter, 2 online, 3 postal (absent in older upstreams)."""
    has_digitized_parts: Flag = Field(False, alias="HoSoCoThanhPhanSoHoa")
    paid_online: SmallInt = Field(None, alias="DuocThanhToanTrucTuyen")
    """0/1/3: 1 paid online; the meanings of 0 and 3 are a guess (not paid online)."""
    documents: Documents = Field(default_factory=list, alias="TaiLieuNop")
    fees: Fees = Field(default_factory=list, alias="DanhSachLePhi")
    supplements: Supplements = Field(default_factory=list, alias="DanhSachHoSoBoSung")
    results: ResultPapers = Field(default_factory=list, alias="DanhSachGiayToKetQua")

    def latest(self) -> datetime | None:
        """The latest moment the snapshot states (due dates excluded: they are promises, not happenings)."""
        moments = [self.submitted_at, self.received_at, self.finished_at, self.returned_at, self.refused_at]
        moments += [s.requested_at for s in self.supplements] + [s.supplied_at for s in self.supplements]
        known = [m for m in moments if m is not None]
        return max(known) if known else None


class Step(Portal):
    """One processing step (CapNhatTienDoHoSoMC data[]); what was done (NoiDungXuLy) is dropped."""

    dossier_code: PortalCode = Field(alias="MaHoSo")
    handler: MaybeCode = Field(None, alias="NguoiXuLy")
    """The upstream user who acted: the only officer attribution upstream gives (mapped by the operator)."""
    position: MaybeCode = Field(None, alias="ChucDanh")
    department: MaybeCode = Field(None, alias="PhongBanXuLy")
    acted_at: Annotated[datetime, BeforeValidator(_portal_time)] = Field(alias="ThoiDiemXuLy")
    status: Annotated[Annotated[int, Field(ge=1, le=10)] | None, BeforeValidator(_small_int)] = Field(
        None, alias="TrangThai"
    )
    started_at: PortalTime = Field(None, alias="NgayBatDau")
    step_due_at: PortalTime = Field(None, alias="NgayKetThucTheoQuyDinh")


class Refused(BaseModel):
    """One item of a call that could not be read: its position, its dossier code if readable, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int
    dossier_code: str | None
    errors: tuple[FieldError, ...]


def _items(model: type[Snapshot] | type[Step]) -> Any:
    """Each item of data read on its own, so one bad dossier is refused alone (the raw item is never kept)."""

    def read(value: object) -> object:
        if not isinstance(value, list):
            return value  # the list check refuses it
        out: list[object] = []
        for index, item in enumerate(value):
            try:
                out.append(model.model_validate(item))
            except ValidationError as error:
                errors = tuple(
                    FieldError(field=dotted(("data", index, *e["loc"])), message=describe(e))
                    for e in error.errors(include_url=False)
                )
                out.append(Refused(index=index, dossier_code=_code_of(item), errors=errors))
        return out

    return BeforeValidator(read)


def _code_of(item: object) -> str | None:
    """The MaHoSo of a refused item when it is a clean code (to name it in the answer), else None."""
    code = item.get("MaHoSo") if isinstance(item, dict) else None
    code = str(code) if isinstance(code, int) and not isinstance(code, bool) else code
    if isinstance(code, str) and 0 < len(code) <= 200 and re.fullmatch(r"[^\x00-\x1f\x7f]+", code):
        return code
    return None


Session = Annotated[SecretStr | None, Field(max_length=200)]
DataList = Field(min_length=1, max_length=MAX_DOSSIERS)


class SyncDossiers(Portal):
    """{"service": "DongBoHoSoMC", "isUpdating": "True"|"False", "data": [...], "session"?, "madonvi"?}."""

    service: Literal["DongBoHoSoMC"]
    updating: Flag = Field(False, alias="isUpdating")
    """The portal tells creation from update; the adapter does not need it (snapshots are diffed either way)."""
    data: Annotated[list[Snapshot | Refused], _items(Snapshot), DataList]
    session: Session = None
    unit_code: MaybeCode = Field(None, alias="madonvi")


class SyncSteps(Portal):
    """{"service": "CapNhatTienDoHoSoMC", "data": [...], "session"?, "madonvi"?}."""

    service: Literal["CapNhatTienDoHoSoMC"]
    data: Annotated[list[Step | Refused], _items(Step), DataList]
    session: Session = None
    unit_code: MaybeCode = Field(None, alias="madonvi")


Call = SyncDossiers | SyncSteps


def parse_call(body: object, *, service: str | None = None) -> Call:
    """Read one call: an object naming its service, or (the array-only variant) a bare list of the service the
    URL names. Raise EvidenceInvalid naming each refused field; a bad item is not an error here but a Refused."""
    if isinstance(body, list):
        if service is None:
            raise EvidenceInvalid([FieldError(field="service", message="a bare list needs the service in the URL")])
        body = {"service": service, "data": body}
    if not isinstance(body, dict):
        raise EvidenceInvalid([FieldError(field="body", message="must be a JSON object or array")])
    named = body.get("service")
    if service is not None and named != service:
        raise EvidenceInvalid([FieldError(field="service", message=f"must be {service}")])
    if named not in (SYNC_DOSSIERS, SYNC_STEPS):
        raise EvidenceInvalid([FieldError(field="service", message=f"must be one of: {SYNC_DOSSIERS}, {SYNC_STEPS}")])
    model: type[SyncDossiers] | type[SyncSteps] = SyncDossiers if named == SYNC_DOSSIERS else SyncSteps
    try:
        return model.model_validate(body)
    except ValidationError as error:
        raise EvidenceInvalid(
            [FieldError(field=dotted(tuple(e["loc"])), message=describe(e)) for e in error.errors(include_url=False)]
        ) from None
