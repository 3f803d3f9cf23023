"""Part of the demo's one-stop feed as the national portal's calls (DongBoHoSoMC snapshots, CapNhatTienDoHoSoMC steps).

Pure: no I/O, no clock. One department and two communes (`PORTAL_UNITS`) speak the portal's language, as a province's
one-stop system that points its existing DVCQG sync at us: their dossiers are sent as whole-dossier snapshots
(received; supplement requested and received for some; finished and returned) with the officers' processing steps,
over `POST /v1/dvcqg` by the one-stop demo source, instead of envelopes. Everything else stays an envelope.

The calls are made from the envelopes the generators already draw (`thidua/operator/demo*.py`), so
their streams stay byte for byte what they were, and a dossier keeps its verdict: a supplement is added only to a
dossier finished on time (its wait can only help it). The snapshots carry an applicant's name, phone, e-mail and
free texts as an upstream's do: the door must drop them (docs/contract.md, "Upstream: the national portal's format").
Unit codes and upstream user names are the operator's mappings (`unit_code_mappings`, `officer_user_mappings`);
Sở Tư pháp and Xã Ý Yên send codes other than our unit ids, Xã Hải Hậu sends its own id (no mapping needed).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from schemas.dvcqg import SYNC_DOSSIERS, SYNC_STEPS
from thidua.operator.demo_units import FAMILY, GIVEN, SOURCE_ONE_STOP, VN, Event, province

TimedEvent = tuple[datetime, str, dict[str, Any]]
"""(moment to send it, channel, body), as thidua.demo_present's live stream."""
PORTAL = "dvcqg"
"""The channel of a portal call: its body is the call (`{"service", "data", "madonvi", ...}`), sent by PORTAL_SOURCE."""
PORTAL_SOURCE = SOURCE_ONE_STOP
"""The source whose one-stop system speaks the portal's language (its token authenticates the calls)."""
CHANNEL_CODES = {"counter": "1", "online": "2", "postal": "3"}
"""Our channel → KenhThucHien."""


@dataclass(frozen=True)
class PortalUnit:
    """A demo unit whose dossiers arrive as portal calls: the code its one-stop system sends, its users' prefix."""

    unit_id: str
    code: str
    """MaDonVi / madonvi as upstream writes it."""
    users: str
    """Prefix of its upstream user names (NguoiXuLy), e.g. stp.cb001."""


PORTAL_UNITS = (
    # ILLUSTRATIVE codes: a department's electronic identification code (mã định danh, 000.00.xx.H40 style), a
    # commune's Decision 19/2025 code (thidua.operator.demo_map.ADMIN_CODES), and a commune that sends our own id.
    PortalUnit("H40.11", "000.00.11.H40", "stp"),  # Sở Tư pháp
    PortalUnit("H40.40.03", "H40.40.03", "haihau"),  # Xã Hải Hậu
    PortalUnit("H40.40.05", "13684", "yyen"),  # Xã Ý Yên
)
SUPPLEMENT_SHARE = 0.15
"""Share of the on-time dossiers whose applicant is asked to complete them (yêu cầu bổ sung)."""
ROUND = 300
"""Dossiers gathered before the backfill sends their calls, stage by stage (a one-stop system catching up)."""


def unit_code_mappings(units: Sequence[PortalUnit] = PORTAL_UNITS) -> dict[str, str]:
    """The operator's unit-code mappings the demo registers: upstream code → unit id (codes equal to ids need none)."""
    return {u.code: u.unit_id for u in units if u.code != u.unit_id}


def username(unit: PortalUnit, officer_id: str) -> str:
    """The upstream user name of an officer (H4011-CB007 → stp.cb007)."""
    return f"{unit.users}.{officer_id.rsplit('-', 1)[-1].lower()}"


def officer_user_mappings(seed: int, units: Sequence[PortalUnit] = PORTAL_UNITS) -> dict[str, str]:
    """The operator's upstream-user mappings the demo registers: user name → officer id, every officer of the units."""
    officers = {u.unit_id: u.officers for u in province(random.Random(seed))}
    return {username(p, o): o for p in units for o in officers.get(p.unit_id, ())}


def compact(at: datetime) -> str:
    """The portal's time: yyyyMMddHHmmss in Vietnam time, no offset."""
    return at.astimezone(VN).strftime("%Y%m%d%H%M%S")


@dataclass(frozen=True)
class Stage:
    """One item of a dossier's portal traffic: its stage (the order calls are sent in), service and body item."""

    stage: int
    service: str
    item: dict[str, Any]


RECEIPT_STEP, RECEIVED, ASKED, SUPPLIED, WORK_STEPS, FINISHED = range(6)


def _applicant(code: str) -> dict[str, Any]:
    """A fictitious applicant (as an upstream sends one): what the door must drop."""
    rng = random.Random(f"portal|applicant|{code}")
    family, given = rng.choice(FAMILY), rng.choice(GIVEN)
    phone = f"09{rng.randrange(10**8):08d}"
    mail = f"{given.split()[-1].lower()}{rng.randrange(1000):03d}@example.vn"
    return {"name": f"{family} {given}", "phone": phone, "email": mail}


def _draw(code: str, what: str) -> float:
    """A number in [0, 1) fixed by the dossier and the question (no generator's draws move)."""
    digest = hashlib.sha256(f"portal|{what}|{code}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def dossier_stages(body: dict[str, Any], unit: PortalUnit, *, received_only: bool = False) -> list[Stage]:
    """A procedure.processed (or, with received_only, procedure.received) envelope as the portal's items, in order:
    the receipt step, the received snapshot, for some the supplement asked and answered, the processing steps and
    the finished snapshot."""
    p = body["payload"]
    code, officer = p["dossier_code"], body.get("officer_id")
    received, due = datetime.fromisoformat(p["received_at"]), datetime.fromisoformat(p["due_at"])
    finished = None if received_only else datetime.fromisoformat(p["finished_at"])
    person = _applicant(code)
    user = username(unit, officer) if officer else ""
    snapshot = _received_snapshot(p, unit, person, received, due)
    step = {"MaHoSo": code, "NguoiXuLy": user, "ChucDanh": "Chuyên viên", "PhongBanXuLy": "Bộ phận một cửa"}
    step |= {"NgayKetThucTheoQuyDinh": compact(due)}
    out = [
        Stage(
            RECEIPT_STEP,
            SYNC_STEPS,
            step
            | {
                "ThoiDiemXuLy": compact(received),
                "NgayBatDau": compact(received),
                "TrangThai": "2",
                "NoiDungXuLy": f"Tiếp nhận hồ sơ của {person['name']}",
            },
        ),
        Stage(RECEIVED, SYNC_DOSSIERS, snapshot),
    ]
    if finished is None:
        return out
    if finished <= due and _draw(code, "supplement") < SUPPLEMENT_SHARE:
        supplement = _supplement(snapshot, user, person, (received, finished, due))
        out += supplement
        snapshot = supplement[-1].item
    working = received + (finished - received) * 0.1
    for at, status, what in ((working, "4", "Thụ lý, thẩm định hồ sơ"), (finished, "9", "Hoàn thành xử lý")):
        item = step | {"ThoiDiemXuLy": compact(at), "NgayBatDau": compact(working), "TrangThai": status}
        out.append(Stage(WORK_STEPS, SYNC_STEPS, item | {"NoiDungXuLy": f"{what} của {person['name']}"}))
    out.append(Stage(FINISHED, SYNC_DOSSIERS, snapshot | _finished(p, person, finished)))
    return out


def _received_snapshot(
    p: dict[str, Any], unit: PortalUnit, person: dict[str, Any], received: datetime, due: datetime
) -> dict[str, Any]:
    """The dossier's snapshot as received (TrangThaiHoSo 2)."""
    return {
        "MaHoSo": p["dossier_code"],
        "MaTTHC": p["procedure_code"],
        "MaDonVi": unit.code,
        "ChuHoSo": person["name"],
        "LoaiDoiTuong": "1",
        "SoDienThoai": person["phone"],
        "Email": person["email"],
        "TrichYeuHoSo": f"Hồ sơ {p['procedure_code']} của {person['name']}",
        "KenhThucHien": CHANNEL_CODES[p["channel"]],
        "NgayNopHoSo": compact(received - timedelta(minutes=20)),
        "NgayTiepNhan": compact(received),
        "NgayHenTra": compact(due),
        "NgayKetThucXuLy": "",
        "NgayTra": "",
        "TrangThaiHoSo": "2",
        "HinhThuc": "0",
        "TaiLieuNop": [],
        "DanhSachLePhi": (
            [{"TenPhiLePhi": "Lệ phí", "MaPhiLePhi": "LP01", "HinhThucThu": "1", "Gia": "50000", "LoaiPhiLePhi": "1"}]
            if p["fee_required"]
            else []
        ),
        "DanhSachHoSoBoSung": [],
        "DanhSachGiayToKetQua": [],
    }


def _supplement(
    snapshot: dict[str, Any], user: str, person: dict[str, Any], times: tuple[datetime, datetime, datetime]
) -> list[Stage]:
    """A supplement asked (TrangThaiHoSo 5) and answered (4), the due date pushed by the wait."""
    received, finished, due = times
    code = snapshot["MaHoSo"]
    span = finished - received
    asked, supplied = received + span * 0.3, received + span * 0.5
    request = {
        "HoSoBoSungId": f"{code}-BS1",
        "NguoiYeuCauBoSung": user,
        "NoiDungBoSung": f"Đề nghị {person['name']} bổ sung bản sao giấy tờ",
        "NgayBoSung": compact(asked),
        "NgayTiepNhanBoSung": "",
        "TrangThaiBoSung": "0",
        "NgayHenTraTruoc": compact(due),
        "NgayHenTraMoi": "",
    }
    snapshot = snapshot | {"TrangThaiHoSo": "5", "DanhSachHoSoBoSung": [request]}
    out = [Stage(ASKED, SYNC_DOSSIERS, snapshot)]
    moved = due + (supplied - asked)  # upstream pushes the due date by the wait (NgayHenTraMoi)
    request = request | {"NgayTiepNhanBoSung": compact(supplied), "TrangThaiBoSung": "1"}
    request |= {"NgayHenTraMoi": compact(moved)}
    snapshot = snapshot | {"TrangThaiHoSo": "4", "NgayHenTra": compact(moved), "DanhSachHoSoBoSung": [request]}
    out.append(Stage(SUPPLIED, SYNC_DOSSIERS, snapshot))
    return out


def _finished(p: dict[str, Any], person: dict[str, Any], finished: datetime) -> dict[str, Any]:
    """What the finished snapshot changes (TrangThaiHoSo 10): dates, documents, payment and results."""
    code = p["dossier_code"]
    documents = [
        {
            "TepDinhKemId": f"{code}-TL1",
            "TenTepDinhKem": f"Don_de_nghi_{person['name'].replace(' ', '_')}.pdf",
            "MaThanhPhanHoSo": "TP01",
            "DuongDanTaiTepTin": f"https://motcua.example.vn/tep/{code}/1.pdf",
            "DuocSoHoa": "1" if p["digitized"] else "0",
            "DuocTaiSuDung": "1" if p["data_reused"] else "0",
            "DuocLayTuKhoDMQG": "0",
        }
    ]
    results = [{"TenGiayTo": "Kết quả giải quyết", "DuongDanTepTinKetQua": f"https://motcua.example.vn/kq/{code}.pdf"}]
    return {
        "TrangThaiHoSo": "10",
        "NgayKetThucXuLy": compact(finished),
        "NgayTra": compact(finished),
        "HoSoCoThanhPhanSoHoa": "1" if p["digitized"] else "0",
        "DuocThanhToanTrucTuyen": "1" if p["paid_online"] else "0",
        "TaiLieuNop": documents,
        "DanhSachGiayToKetQua": results if p["e_result"] else [],
    }


def call(service: str, unit: PortalUnit, items: list[dict[str, Any]], *, updating: bool = True) -> dict[str, Any]:
    """One portal call of a unit's items."""
    body: dict[str, Any] = {"service": service, "madonvi": unit.code, "data": items}
    if service == SYNC_DOSSIERS:
        body["isUpdating"] = "True" if updating else "False"
    return body


def _by_unit(units: Sequence[PortalUnit]) -> dict[str, PortalUnit]:
    return {u.unit_id: u for u in units}


def _replaced(body: dict[str, Any], units: dict[str, PortalUnit]) -> PortalUnit | None:
    """The portal unit whose dossier this envelope is (it is then sent as portal calls instead)."""
    if body.get("source") != PORTAL_SOURCE or body["type"] not in ("procedure.processed", "procedure.received"):
        return None
    return units.get(body["unit_id"])


def portal_backfill(
    stream: Iterable[Event], *, units: Sequence[PortalUnit] = PORTAL_UNITS, per_round: int = ROUND
) -> Iterator[Event]:
    """The stream with the portal units' dossiers as portal calls (channel PORTAL) instead of envelopes: every
    per_round dossiers, their items stage by stage, one call per stage and unit (a dossier's stages in order)."""
    known = _by_unit(units)
    pending: list[tuple[PortalUnit, list[Stage]]] = []
    for channel, body in stream:
        unit = _replaced(body, known)
        if unit is None:
            yield channel, body
            continue
        pending.append((unit, dossier_stages(body, unit, received_only=body["type"] == "procedure.received")))
        if len(pending) >= per_round:
            yield from _staged(pending)
            pending = []
    yield from _staged(pending)


def _staged(dossiers: list[tuple[PortalUnit, list[Stage]]]) -> Iterator[Event]:
    """The dossiers' items as calls: stage after stage, per unit in order of appearance."""
    for stage in range(FINISHED + 1):
        per_unit: dict[str, tuple[PortalUnit, list[Stage]]] = {}
        for unit, stages in dossiers:
            for s in stages:
                if s.stage == stage:
                    per_unit.setdefault(unit.unit_id, (unit, []))[1].append(s)
        for unit, found in per_unit.values():
            items = [s.item for s in found]
            yield PORTAL, call(found[0].service, unit, items, updating=stage != RECEIVED)


def portal_live(stream: Iterable[TimedEvent], *, units: Sequence[PortalUnit] = PORTAL_UNITS) -> Iterator[TimedEvent]:
    """The live stream with the portal units' dossiers as portal calls at the moment their envelope would go: a
    receipt as its step and snapshot, a finish as its steps and the finished snapshot (the receipt's too when the
    dossier was received before the stream began). The procedure a receipt named is the one its finish states."""
    known = _by_unit(units)
    opened: dict[str, str] = {}  # dossier → procedure code of its receipt (the live generator draws it twice)
    for at, channel, body in stream:
        unit = _replaced(body, known)
        if unit is None:
            yield at, channel, body
            continue
        code = body["payload"]["dossier_code"]
        if body["type"] == "procedure.received":
            opened[code] = body["payload"]["procedure_code"]
            stages = dossier_stages(body, unit, received_only=True)
        else:
            procedure = opened.pop(code, None)
            if procedure is not None:  # received in this stream: only what follows the receipt
                payload = body["payload"] | {"procedure_code": procedure}
                stages = [s for s in dossier_stages(body | {"payload": payload}, unit) if s.stage > RECEIVED]
            else:
                stages = dossier_stages(body, unit)
        for s in stages:
            yield at, PORTAL, call(s.service, unit, [s.item], updating=s.stage != RECEIVED)


MAX_ITEMS = 500
"""Items in one call the sender makes (the door takes up to 1000)."""


def merge_calls(calls: Iterable[dict[str, Any]], *, max_items: int = MAX_ITEMS) -> list[dict[str, Any]]:
    """Consecutive calls of the same service, unit and kind merged into fewer (order kept); a snapshot call never
    holds a dossier twice (its next snapshot waits for the next call)."""
    out: list[dict[str, Any]] = []
    codes: set[str] = set()
    for c in calls:
        last = out[-1] if out else None
        fresh = {item["MaHoSo"] for item in c["data"]}
        if (
            last is not None
            and all(last.get(k) == c.get(k) for k in ("service", "madonvi", "isUpdating"))
            and len(last["data"]) + len(c["data"]) <= max_items
            and (c["service"] == SYNC_STEPS or not codes & fresh)
        ):
            last["data"] = [*last["data"], *c["data"]]
            codes |= fresh
            continue
        out.append({**c, "data": list(c["data"])})
        codes = set(fresh)
    return out
