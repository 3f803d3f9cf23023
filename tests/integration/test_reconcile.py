"""Reconciliation with the official Decision 766 index through the real scoring service (real Kafka, real
PostgreSQL): an office imports the portal's published results of a period, reads them beside ours with the
difference explained, and a unit whose service index differs beyond the setting is alerted on alerts.v1."""

from __future__ import annotations

import json
import random
import uuid
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from schemas import topics
from services.dashboard.app import create_app as web_app
from services.dashboard.config import Settings as WebSettings
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from tests.integration.kafka_tools import read_topic, start_group_at_end
from tests.integration.scoring_support import event, processed
from tests.integration.support import eventually, running_app
from tests.integration.test_dashboard import csrf, sign_in
from thidua.runtime.kafka_access import kafka_options
from thidua.runtime.tokens import issue_token

T = "+07:00"
PERIOD = "2025-03"


def _unit(
    prefix: str, unit: str, level: str, late_every: int, admin_code: str | None, base: int
) -> list[dict[str, Any]]:
    """A unit with 20 finished dossiers of March 2025, one in late_every late."""
    payload: dict[str, Any] = {"name": f"Đơn vị {unit}", "level": level, "cluster_id": f"K-{prefix}"}
    if admin_code:
        payload["admin_code"] = admin_code
    events = [event(f"{unit}-u", "unit.registered", unit, payload, occurred=f"2025-03-01T08:00:00{T}")]
    for k in range(20):
        late = k % late_every == 0
        events.append(
            processed(
                base + k,
                unit,
                code=f"{unit}-HS{k}",
                finished=f"2025-03-{20 if late else 13}T09:30:00{T}",
            )
        )
    return [{**e, "event_id": f"{prefix}-{e['event_id']}", "source": f"rc-{prefix.lower()}"} for e in events]


async def _publish(bootstrap: str, events: list[dict[str, Any]]) -> None:
    """The events as evidence accepts them: on evidence.accepted.v1, keyed by unit."""
    producer = AIOKafkaProducer(**kafka_options(bootstrap))
    await producer.start()
    try:
        for e in events:
            await producer.send_and_wait(topics.EVIDENCE_ACCEPTED, json.dumps(e).encode(), key=e["unit_id"].encode())
    finally:
        await producer.stop()


async def test_decision_766_official_index_imported_beside_ours_with_the_gap_alerted(
    kafka_bootstrap: str, database_url: str
) -> None:
    prefix = "R" + uuid.uuid4().hex[:5].upper()
    ward, dept = f"{prefix}.01", f"{prefix}.02"
    code = f"9{random.randrange(10_000):04d}"  # a ward's 5-digit administrative code, unique to this test
    await start_group_at_end(kafka_bootstrap, f"test-rc-{prefix}.{topics.EVIDENCE_ACCEPTED}", topics.EVIDENCE_ACCEPTED)
    await _publish(
        kafka_bootstrap, _unit(prefix, ward, "ward", 10, code, 1000) + _unit(prefix, dept, "department", 4, None, 2000)
    )
    _, council = await issue_token(database_url, role="council", unit_id=None, label="reconcile")
    _, unit_token = await issue_token(database_url, role="unit", unit_id=dept, label="reconcile")
    scoring = scoring_app(
        ScoringSettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=database_url,
            group_id=f"test-rc-{prefix}",
            reconcile_alert_points=10,
        )
    )
    async with running_app(scoring) as url, httpx.AsyncClient(base_url=url) as http:
        cards: dict[str, dict[str, Any]] = {}

        async def scored() -> None:
            for u in (ward, dept):
                answer = await http.get(f"/v1/units/{u}/scorecard", params={"period": PERIOD})
                assert answer.status_code == 200 and answer.json()["service_index"] is not None, answer.text
                cards[u] = answer.json()

        await eventually(scored, timeout=60)
        ours = {u: cards[u]["service_index"] for u in cards}
        timeliness = {u: cards[u]["groups"]["timeliness"]["points"] for u in cards}
        assert ours[ward] > ours[dept]  # 2 late in 20 against 5 in 20
        official_ward = round(ours[ward] + 3, 2)  # within the setting: no alert
        official_dept = round(ours[dept] + 12.5, 2)  # beyond it: official_index_gap to the department
        body = {
            "file_name": "ket-qua-766-thang-3.xlsx",
            "rows": [
                # The portal names the ward by its administrative code, the department by its id.
                {"unit": code, "groups": {"timeliness": 20, "online": 15.5}, "total": official_ward},
                {"unit": dept, "groups": {"timeliness": 20}, "total": official_dept},
            ],
        }
        target = f"/v1/periods/{PERIOD}/official-index"

        # Who may import, and what is refused (nothing imported then).
        assert (await http.put(target, json=body)).status_code == 401
        refused = await http.put(target, json=body, headers={"Authorization": f"Bearer {unit_token}"})
        assert refused.status_code == 403
        council_auth = {"Authorization": f"Bearer {council}"}
        unknown = {"rows": [body["rows"][0], {"unit": "000.00.99.H99", "total": 50}]}
        answer = await http.put(target, json=unknown, headers=council_auth)
        assert answer.status_code == 422, answer.text
        [problem] = answer.json()["details"]
        assert problem["field"] == "rows.1.unit" and "'000.00.99.H99'" in problem["message"]
        bad_group = {"rows": [{"unit": dept, "groups": {"nhom_6": 1}, "total": 50}]}
        answer = await http.put(target, json=bad_group, headers=council_auth)
        assert answer.status_code == 422 and answer.json()["details"][0]["field"] == "rows.0.groups.nhom_6"
        too_high = {"rows": [{"unit": dept, "total": 100.5}]}
        answer = await http.put(target, json=too_high, headers=council_auth)
        assert answer.status_code == 422 and answer.json()["details"][0]["field"] == "rows.0.total"
        assert (await http.get(f"/v1/periods/{PERIOD}/reconciliation", params={"unit": dept})).status_code == 404

        answer = await http.put(target, json=body, headers=council_auth)
        assert answer.status_code == 200, answer.text
        assert answer.json()["rows"] == 2
        assert answer.json()["alerts"] == [{"unit_id": dept, "difference": round(ours[dept] - official_dept, 2)}]

        # Side by side (public), per unit and group, with the difference ours − official explained.
        shown = (await http.get(f"/v1/periods/{PERIOD}/reconciliation", params={"unit": dept})).json()
        assert shown["file_name"] == "ket-qua-766-thang-3.xlsx" and shown["imported_at"] and shown["rule_version"]
        assert {g["code"] for g in shown["groups"]} == {
            "publicity",
            "timeliness",
            "online",
            "digitisation",
            "satisfaction",
        }
        [d] = shown["units"]
        assert d["unit_id"] == dept and d["name"] == f"Đơn vị {dept}" and d["status"] == "compared"
        assert d["official"] == {"total": official_dept, "groups": {"timeliness": 20.0}}
        assert d["ours"]["total"] == ours[dept] and d["ours"]["groups"]["timeliness"] == round(timeliness[dept], 2)
        assert d["difference"]["total"] == round(ours[dept] - official_dept, 2)
        assert d["difference"]["groups"] == {"timeliness": round(timeliness[dept] - 20, 2)}
        [on_time] = d["explanations"]
        assert on_time["indicator"] == "on_time" and on_time["ours"]["numerator"] == 15
        assert on_time["ours"]["denominator"] == 20 and "theo ngày" in on_time["note"]
        every = (await http.get(f"/v1/periods/{PERIOD}/reconciliation")).json()
        w = next(u for u in every["units"] if u["unit_id"] == ward)
        assert w["given"] == code and w["difference"]["total"] == round(ours[ward] - official_ward, 2)
        assert {e["group"] for e in w["explanations"]} == {"timeliness", "online"}

        # The unit beyond the setting is told, once per figures; the other is not.
        def gap(r: Any) -> bool:
            # Other tests (hostile input) write what they like to alerts.v1: only alert objects count.
            doc = json.loads(r.value)
            return (
                isinstance(doc, dict) and doc.get("kind") == "official_index_gap" and doc.get("unit_id") in (ward, dept)
            )

        found = await read_topic(kafka_bootstrap, topics.ALERTS, gap, expect=1)
        assert len(found) == 1
        alert = json.loads(found[0].value)
        assert alert["unit_id"] == dept and alert["period"] == PERIOD and found[0].key == dept.encode()
        assert alert["data"]["official_total"] == official_dept and alert["data"]["our_total"] == ours[dept]

        # The same file again: the same alert (notify keeps one); a new file of the period replaces the old one.
        again = await http.put(target, json=body, headers=council_auth)
        assert again.status_code == 200
        repeated = await read_topic(kafka_bootstrap, topics.ALERTS, gap, expect=2)
        assert {json.loads(r.value)["alert_id"] for r in repeated} == {alert["alert_id"]}
        only_ward = {"rows": [{"unit": ward, "total": ours[ward]}]}
        assert (await http.put(target, json=only_ward, headers=council_auth)).status_code == 200
        replaced = (await http.get(f"/v1/periods/{PERIOD}/reconciliation")).json()
        mine = [u for u in replaced["units"] if u["unit_id"] in (ward, dept)]
        assert [u["unit_id"] for u in mine] == [ward] and replaced["file_name"] is None
        assert mine[0]["difference"] == {"total": 0.0, "groups": {}} and mine[0]["explanations"] == []

        # The dashboard: a council uploads the portal's file (CSV, decimal commas, group names as headers) and reads
        # the official figures beside ours, explained; a unit's token may not import.
        dead = "http://127.0.0.1:9"
        web = web_app(WebSettings(SCORING_URL=url, AWARDS_URL=dead, NOTIFY_URL=dead, EVIDENCE_URL=dead))
        csv = (
            "Mã đơn vị;Tên đơn vị;Tiến độ, kết quả giải quyết;Tổng điểm\n"
            f"{code};Phường;20;{str(official_ward).replace('.', ',')}\n"
            f"{dept};Sở;20;{str(official_dept).replace('.', ',')}\n"
        ).encode()
        async with running_app(web) as site:
            async with httpx.AsyncClient(base_url=site, timeout=60) as unit_browser:
                assert (await sign_in(unit_browser, unit_token)).status_code in (200, 303)
                assert (await unit_browser.get("/reconciliation/import")).status_code == 403
            async with httpx.AsyncClient(base_url=site, timeout=60) as browser:
                assert (await browser.get("/reconciliation/import")).status_code == 401
                assert (await sign_in(browser, council)).status_code in (200, 303)
                form = await browser.get("/reconciliation/import", params={"period": PERIOD})
                assert form.status_code == 200, form.text
                wrong = await browser.post(
                    "/reconciliation/import",
                    data={"csrf_token": csrf(form.text), "period": PERIOD},
                    files={"file": ("sai.csv", "Mã đơn vị;Tổng điểm\nXYZ;50\n".encode(), "text/csv")},
                )
                assert wrong.status_code == 422 and "Dòng 2, cột Mã đơn vị" in wrong.text and "XYZ" in wrong.text
                done = await browser.post(
                    "/reconciliation/import",
                    data={"csrf_token": csrf(form.text), "period": PERIOD},
                    files={"file": ("ket-qua.csv", csv, "text/csv")},
                )
                assert done.status_code == 200, done.text
                assert "Đã nhập 2 đơn vị" in done.text and f"{dept}</a>" in done.text
                shown = await browser.get(f"/units/{dept}/reconciliation", params={"period": PERIOD})
                assert shown.status_code == 200, shown.text
                assert "ket-qua.csv" in shown.text and "Vì sao khác" in shown.text and "theo ngày" in shown.text
                assert f"{official_dept:.2f}".replace(".", ",") in shown.text
            async with httpx.AsyncClient(base_url=site, timeout=60) as anyone:
                scorecard = await anyone.get(f"/units/{dept}", params={"period": PERIOD})
            assert f"/units/{dept}/reconciliation?period={PERIOD}" in scorecard.text
