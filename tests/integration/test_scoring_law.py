"""Law-faithful standings through the real evidence and scoring services (real Kafka, real PostgreSQL): a unit
without enough dossier evidence is listed "chưa đủ dữ liệu" and never ranked (Decision 766/QĐ-TTg), an
unanswered complaint past its 15-working-day clock (ending with its 15th working day) raises complaint_overdue on
alerts.v1, and the wait for the citizen's supplement is counted in working days (Labour Code 2019 art. 112)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx

from schemas import topics
from schemas.vietnam import VN_TZ
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from services.scoring.app import create_app as scoring_app
from services.scoring.config import RULES
from services.scoring.config import Settings as ScoringSettings
from services.scoring.domain.calendar import load_calendar
from services.scoring.domain.working_time import working_deadline
from tests.integration.kafka_tools import read_topic, start_group_at_end
from tests.integration.scoring_support import event, processed
from tests.integration.support import eventually, running_app

T = "+07:00"


def _unit(unit: str, n: int, base: int, officers: int = 4) -> list[dict[str, Any]]:
    """A registered unit in cluster K-LAW with officers who all trained (a perfect office-culture record)."""
    events = [
        event(
            f"{unit}-u",
            "unit.registered",
            unit,
            {"name": f"Đơn vị {unit}", "level": "department", "cluster_id": "K-LAW", "cluster_name": "Khối luật"},
        )
    ]
    for k in range(officers):
        o = f"{unit}-CB{k}"
        events.append(
            event(
                f"{o}-reg",
                "officer.registered",
                unit,
                {"full_name": f"Cán bộ {k}", "category": "civil_servant"},
                officer=o,
            )
        )
        events.append(
            event(
                f"{o}-tr",
                "training.completed",
                unit,
                {
                    "course_code": "VHCS",
                    "title": "Văn hóa công sở",
                    "hours": 8,
                    "topic": "office_culture",
                    "completed_at": f"2025-03-05T08:00:00{T}",
                },
                officer=o,
            )
        )
    for k in range(n):
        late = k % 4 == 0  # a quarter late: this unit cannot reach a perfect service index
        events.append(
            processed(
                base + k,
                unit,
                code=f"{unit}-HS{k}",
                officer=f"{unit}-CB{k % officers}",
                finished=f"2025-03-{20 if late else 13}T09:30:00{T}",
            )
        )
    return events


async def test_decision_766_units_below_min_dossiers_are_listed_unranked_and_never_lead(
    kafka_bootstrap: str, database_url: str
) -> None:
    prefix = "L" + uuid.uuid4().hex[:5].upper()
    few, enough, none = f"{prefix}.01", f"{prefix}.02", f"{prefix}.03"
    # `few` is perfect on 19 dossiers, `enough` is 75 % on time on 20, `none` has no dossiers at all.
    perfect_few = _unit(few, 0, 0)
    for k in range(19):
        perfect_few.append(
            processed(1000 + k, few, code=f"{few}-HS{k}", officer=f"{few}-CB0", finished=f"2025-03-13T09:30:00{T}")
        )
    events = perfect_few + _unit(enough, 20, 2000) + _unit(none, 0, 3000)
    events = [{**e, "event_id": f"{prefix}-{e['event_id']}"} for e in events]
    token = await add_source(database_url, name=f"law-{prefix.lower()}", units=["*"])
    group = f"test-law-{uuid.uuid4().hex[:6]}"
    await start_group_at_end(kafka_bootstrap, f"{group}.{topics.EVIDENCE_ACCEPTED}", topics.EVIDENCE_ACCEPTED)
    evidence = evidence_app(
        EvidenceSettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=database_url,
            group_id=f"test-ev-{uuid.uuid4().hex[:6]}",
        )
    )
    scoring = scoring_app(
        ScoringSettings(
            kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=group, tick_seconds=0.5
        )
    )
    async with (
        running_app(evidence) as ev_url,
        running_app(scoring) as sc_url,
        httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
    ):
        for start in range(0, len(events), 50):
            answer = await http.post(
                f"{ev_url}/v1/events",
                json=[{k: v for k, v in e.items() if k != "source"} for e in events[start : start + 50]],
            )
            assert {r["status"] for r in answer.json()} == {"accepted"}, answer.text

        async def listed() -> dict[str, Any]:
            body = (await http.get(f"{sc_url}/v1/standings", params={"period": "2025-03", "cluster": "K-LAW"})).json()
            mine = {r["subject_id"] for r in body["rows"] if r["subject_id"].startswith(prefix)}
            unranked = {r["subject_id"]: r for r in body["unranked"] if r["subject_id"].startswith(prefix)}
            assert mine == {enough} and set(unranked) == {few, none}, body
            return body

        await eventually(listed, timeout=60)
        body = await listed()
        unranked = {r["subject_id"]: r for r in body["unranked"]}
        assert unranked[few]["status_label"] == "Chưa đủ dữ liệu"
        assert (unranked[few]["dossiers"], unranked[few]["min_dossiers"]) == (19, 20)
        assert unranked[none]["dossiers"] == 0
        [row] = [r for r in body["rows"] if r["subject_id"] == enough]
        assert row["rank"] == 1
        card = (await http.get(f"{sc_url}/v1/units/{few}/scorecard", params={"period": "2025-03"})).json()
        assert card["score"] is None and card["band"] is None and card["status"] == "insufficient_data"
        assert card["culture_index"] == 100  # a perfect culture record no longer makes a leader
        assert any("19 hồ sơ" in note for note in card["notes"])

        # The twentieth dossier: now ranked, and (perfect on time) it leads the cluster.
        twentieth = processed(1019, few, code=f"{few}-HS19", officer=f"{few}-CB0", finished=f"2025-03-13T09:30:00{T}")
        twentieth = {k: v for k, v in twentieth.items() if k != "source"} | {"event_id": f"{prefix}-e-1019"}
        answer = await http.post(f"{ev_url}/v1/events", json=twentieth)
        assert answer.json()[0]["status"] == "accepted", answer.text

        async def leads() -> None:
            body = (await http.get(f"{sc_url}/v1/standings", params={"period": "2025-03", "cluster": "K-LAW"})).json()
            ranks = {r["subject_id"]: r["rank"] for r in body["rows"] if r["subject_id"].startswith(prefix)}
            assert ranks == {few: 1, enough: 2}, body

        await eventually(leads, timeout=60)


def _every_day_working_rulebook(directory: Path, now: datetime) -> Path:
    """A copy of the rulebook next to the real calendar, except that the years around now work every day."""
    (directory / "calendar").mkdir()
    local = now.astimezone(VN_TZ).date()
    years = {(local + timedelta(days=k)).year for k in (-30, 0, 30)}
    for path in sorted((RULES.parent / "calendar").glob("*.toml")):
        if int(path.stem) not in years:
            (directory / "calendar" / path.name).symlink_to(path)
    for year in years:
        weekends = [date(year, 1, 1) + timedelta(days=k) for k in range(366)]
        weekends = [d for d in weekends if d.year == year and d.weekday() >= 5]
        listed = ", ".join(f'"{d.isoformat()}"' for d in weekends)
        (directory / "calendar" / f"{year}.toml").write_text(
            f"year = {year}\nholidays = []\nworking_weekends = [{listed}]\n", encoding="utf-8"
        )
    text = RULES.read_text(encoding="utf-8").replace('version = "2026.3"', 'version = "test.every-day"')
    assert 'version = "test.every-day"' in text
    (directory / "rulebook.toml").write_text(text, encoding="utf-8")
    return directory / "rulebook.toml"


async def test_decision_766_complaint_past_its_answer_clock_raises_complaint_overdue(
    kafka_bootstrap: str, database_url: str, tmp_path: Path
) -> None:
    prefix = "P" + uuid.uuid4().hex[:5].upper()
    unit = f"{prefix}.01"
    now = datetime.now(UTC)
    # A rulebook whose calendar works every day around now, so that some 15-working-day clock ended (at a local
    # midnight, the end of its 15th working day) within the alert horizon whatever the weekday the test runs on.
    rules_file = _every_day_working_rulebook(tmp_path, now)
    calendar = load_calendar(rules_file.parent / "calendar")
    # Received so that its deadline (the end of the 15th working day) fell within the last hours: overdue, and news.
    received = now - timedelta(days=14)
    while working_deadline(calendar, received, 15) > now - timedelta(minutes=5):
        received -= timedelta(hours=1)
    group = f"test-pakn-{uuid.uuid4().hex[:6]}"
    await start_group_at_end(kafka_bootstrap, f"{group}.{topics.EVIDENCE_ACCEPTED}", topics.EVIDENCE_ACCEPTED)
    token = await add_source(database_url, name=f"pakn-{prefix.lower()}", units=["*"])
    evidence = evidence_app(
        EvidenceSettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=database_url,
            group_id=f"test-ev-{uuid.uuid4().hex[:6]}",
        )
    )
    scoring = scoring_app(
        ScoringSettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=database_url,
            group_id=group,
            tick_seconds=0.5,
            rules_file=rules_file,
        )
    )
    complaint = {
        "event_id": f"{prefix}-c1",
        "type": "complaint.received",
        "schema_version": 1,
        "occurred_at": received.isoformat(),
        "unit_id": unit,
        "payload": {"complaint_id": f"{prefix}-PA1", "category": "procedure", "received_at": received.isoformat()},
    }
    async with (
        running_app(evidence) as ev_url,
        running_app(scoring),
        httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
    ):
        answer = await http.post(f"{ev_url}/v1/events", json=complaint)
        assert answer.json()[0]["status"] == "accepted", answer.text
        [alert] = await read_topic(
            kafka_bootstrap, topics.ALERTS, lambda r: prefix.encode() in (r.value or b""), expect=1, timeout=30
        )
    body = json.loads(alert.value or b"")
    assert (body["kind"], body["unit_id"], body["subject_id"]) == ("complaint_overdue", unit, f"{prefix}-PA1")
    assert body["condition_key"] == f"complaint_overdue:{unit}:{prefix}-PA1" and body["priority"] == "high"
    assert datetime.fromisoformat(body["data"]["due_at"]) == working_deadline(calendar, received, 15)
    assert datetime.fromisoformat(body["data"]["due_at"]).astimezone(VN_TZ).time() == time(0)  # ends with the day


def _dossier_with_supplements(prefix: str, unit: str, supplied: str) -> dict[str, Any]:
    """A dossier due Mon 2/3/2026 17:00, finished Wed 11/3 09:00 (6.7 working days over due), after the citizen was
    asked on Wed 11/2 08:00 and supplied at `supplied`."""
    code = f"{unit}-HS1"
    return event(
        f"{prefix}-{unit}-p",
        "procedure.processed",
        unit,
        {
            "dossier_code": code,
            "procedure_code": "1.001",
            "channel": "online",
            "received_at": f"2026-02-10T09:00:00{T}",
            "due_at": f"2026-03-02T17:00:00{T}",
            "finished_at": f"2026-03-11T09:00:00{T}",
            "status": "resolved",
            "supplement_requests": 1,
            "supplement_days": 12,  # calendar days, as the old reading took them: ignored, the dates count
            "fee_required": False,
            "paid_online": False,
            "digitized": True,
            "e_result": True,
            "data_reused": False,
            "supplements": [{"requested_at": f"2026-02-11T08:00:00{T}", "supplied_at": supplied}],
        },
        officer=f"{unit}-CB0",
        occurred=f"2026-03-11T09:00:00{T}",
    )


async def test_decision_766_supplement_wait_across_tet_2026_is_counted_in_working_days(
    kafka_bootstrap: str, database_url: str
) -> None:
    """Decision 766/QĐ-TTg (finished − waiting ≤ due) with the Labour Code 2019 art. 112 days off, through evidence and
    scoring: a wait of 12 calendar days over Tết 2026 is 3 working days and does not excuse 6.7 working days over due
    (late); a wait of 10 working days (supplied Wed 4/3) does (on time)."""
    prefix = "S" + uuid.uuid4().hex[:5].upper()
    tet, longer = f"{prefix}.01", f"{prefix}.02"
    events = _unit(tet, 0, 0, officers=1) + _unit(longer, 0, 0, officers=1)
    events += [
        _dossier_with_supplements(prefix, tet, f"2026-02-23T08:00:00{T}"),
        _dossier_with_supplements(prefix, longer, f"2026-03-04T08:00:00{T}"),
    ]
    events = [{**e, "event_id": f"{prefix}-{e['event_id']}"} for e in events]
    token = await add_source(database_url, name=f"tet-{prefix.lower()}", units=["*"])
    group = f"test-tet-{uuid.uuid4().hex[:6]}"
    await start_group_at_end(kafka_bootstrap, f"{group}.{topics.EVIDENCE_ACCEPTED}", topics.EVIDENCE_ACCEPTED)
    evidence = evidence_app(
        EvidenceSettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=database_url,
            group_id=f"test-ev-{uuid.uuid4().hex[:6]}",
        )
    )
    scoring = scoring_app(
        ScoringSettings(
            kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=group, tick_seconds=0.5
        )
    )
    async with (
        running_app(evidence) as ev_url,
        running_app(scoring) as sc_url,
        httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
    ):
        answer = await http.post(
            f"{ev_url}/v1/events", json=[{k: v for k, v in e.items() if k != "source"} for e in events]
        )
        assert {r["status"] for r in answer.json()} == {"accepted"}, answer.text

        found: dict[str, tuple[float, float]] = {}

        async def judged() -> None:
            for unit in (tet, longer):
                card = await http.get(f"{sc_url}/v1/units/{unit}/scorecard", params={"period": "2026-03"})
                assert card.status_code == 200, card.text
                [on_time] = [i for i in card.json()["indicators"] if i["code"] == "on_time"]
                assert on_time["denominator"] == 1, on_time
                found[unit] = (on_time["numerator"], on_time["denominator"])

        await eventually(judged, timeout=60)
    assert found == {tet: (0, 1), longer: (1, 1)}
