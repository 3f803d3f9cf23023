"""The portal's door without I/O: what is kept of a call reads back as it was read, and holds nothing personal."""

from __future__ import annotations

import json

from schemas import topics
from schemas.dvcqg import Snapshot, Step, SyncDossiers, SyncSteps, parse_call
from services.evidence.domain.dvcqg_body import call_body, encoded, snapshot_body
from services.evidence.handlers.dvcqg_kafka import Unreadable, decode, scrub
from tests.unit.test_dvcqg import ASKED, FINISHED, SECRETS, SUPPLIED, dossier

STEP = {"MaHoSo": "HS-1", "NguoiXuLy": "canbo.an", "ThoiDiemXuLy": "20250314093000", "NoiDungXuLy": SECRETS[0]}


def test_a_snapshot_kept_reads_back_equal_and_without_personal_data() -> None:
    for changes in ({}, {"DanhSachHoSoBoSung": [ASKED]}, {"DanhSachHoSoBoSung": [SUPPLIED]}, FINISHED):
        read = Snapshot.model_validate(dossier(**changes))
        body = snapshot_body(read)
        assert Snapshot.model_validate(json.loads(encoded(body))) == read
        assert not any(secret in json.dumps(body, ensure_ascii=False) for secret in SECRETS)
    assert Snapshot.model_validate(snapshot_body(Snapshot.model_validate(dossier(**FINISHED)))).results[0].has_file


def test_a_parked_portal_record_keeps_the_call_as_read_and_replays_to_it() -> None:
    raw = json.dumps(
        {"service": "DongBoHoSoMC", "session": "s3cret", "madonvi": "X1", "data": [dossier(**FINISHED), {"x": 1}]},
        ensure_ascii=False,
    ).encode()
    kept = scrub(raw)
    assert kept is not None
    text = kept.decode()
    assert not any(secret in text for secret in (*SECRETS, "s3cret"))
    replayed, original = decode(kept), decode(raw)
    assert isinstance(replayed, SyncDossiers) and isinstance(original, SyncDossiers)
    assert replayed.data == original.data[:1] and replayed.unit_code == "X1"  # the unreadable item is not kept
    steps = decode(encoded(call_body(parse_call({"service": "CapNhatTienDoHoSoMC", "data": [STEP]}))))
    assert isinstance(steps, SyncSteps) and isinstance(steps.data[0], Step) and steps.data[0].handler == "canbo.an"
    assert (
        SECRETS[0]
        not in (scrub(json.dumps({"service": "CapNhatTienDoHoSoMC", "data": [STEP]}).encode()) or b"").decode()
    )


def test_an_unreadable_record_is_refused_with_reasons_and_parked_empty() -> None:
    for raw in (b"{", b'{"service": "XoaHoSo", "data": [1]}', json.dumps([dossier()]).encode(), None):
        read = decode(raw)
        assert isinstance(read, Unreadable) and read.errors
        assert scrub(raw) == b""


def test_the_portal_topic_names_its_source() -> None:
    assert topics.source_dvcqg("motcua-ninhbinh") == "evidence.dvcqg.v1.motcua-ninhbinh"
    assert topics.dvcqg_source("evidence.dvcqg.v1.motcua-ninhbinh") == "motcua-ninhbinh"
    assert topics.dvcqg_source("evidence.dvcqg.v1.") is None
    assert topics.dvcqg_source(topics.source_inbound("motcua-ninhbinh")) is None
    assert topics.inbound_source(topics.source_dvcqg("motcua-ninhbinh")) is None
