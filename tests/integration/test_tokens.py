"""Token lifecycle through the real services and the real `thidua token` command: a revoked, expired or rotated-away
token gets 401 at every service; /metrics behind METRICS_PUBLIC=false; a council vote's audit row names the
voter's token."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from schemas import topics
from services.awards.app import create_app as awards_app
from services.awards.config import Settings as AwardsSettings
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.notify.app import create_app as notify_app
from services.notify.config import Settings as NotifySettings
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import running_app
from thidua.runtime.auth import TokenNotRotatable
from thidua.runtime.tokens import issue_token, list_tokens, revoke_token, rotate_token
from thidua.testing.database import fetch

pytestmark = pytest.mark.integration

CONSUMED = {
    "evidence": [topics.EVIDENCE_INBOUND],
    "scoring": [topics.EVIDENCE_ACCEPTED],
    "awards": [topics.EVIDENCE_ACCEPTED, topics.STANDINGS_CHANGED, topics.RATINGS],
    "notify": [topics.ALERTS, topics.NOMINATIONS, topics.STANDINGS_CHANGED, topics.EVIDENCE_ACCEPTED],
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def groups(kafka: str) -> str:
    suffix = uuid.uuid4().hex[:6]
    for service, consumed in CONSUMED.items():
        for topic in consumed:
            await start_group_at_end(kafka, f"tok-{service}-{suffix}.{topic}", topic)
    return suffix


async def expire(database_url: str, token_id: int) -> None:
    await fetch(database_url, "UPDATE auth.tokens SET expires_at = now() - interval '1 second' WHERE id = $1", token_id)


async def test_revoked_expired_and_rotated_tokens_get_401_at_every_service(
    kafka_bootstrap: str, database_url: str
) -> None:
    suffix = await groups(kafka_bootstrap)
    unit = "T" + uuid.uuid4().hex[:5].upper() + ".01"
    live_id, live = await issue_token(database_url, role="admin", unit_id=None, label="vận hành")
    revoked_id, revoked = await issue_token(database_url, role="admin", unit_id=None, label="cũ")
    expired_id, expired = await issue_token(database_url, role="admin", unit_id=None, label="hết hạn", expires_days=30)
    later_id, later = await issue_token(database_url, role="admin", unit_id=None, label="còn hạn", expires_days=30)
    old_id, old = await issue_token(database_url, role="admin", unit_id=None, label="đổi")
    unit_id, unit_token = await issue_token(database_url, role="unit", unit_id=unit, label="văn thư", expires_days=1)
    assert len({live_id, revoked_id, expired_id, later_id, old_id, unit_id}) == 6
    assert (await revoke_token(database_url, revoked_id) or {}).get("revoked_at") is not None
    assert await revoke_token(database_url, 987654321) is None
    await expire(database_url, expired_id)
    new_id, new = await rotate_token(database_url, old_id)
    assert new_id > old_id and new != old
    with pytest.raises(TokenNotRotatable):
        await rotate_token(database_url, old_id)  # a revoked token is not brought back
    with pytest.raises(TokenNotRotatable):
        await rotate_token(database_url, 987654321)

    listing = {r["id"]: r for r in await list_tokens(database_url)}
    assert listing[old_id]["replaced_by"] == new_id and listing[new_id]["label"] == "đổi"
    assert [listing[i]["live"] for i in (live_id, revoked_id, expired_id, later_id, old_id, new_id)] == [
        True,
        False,
        False,
        True,
        False,
        True,
    ]
    assert all(live not in json.dumps(r, default=str) for r in listing.values())

    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    apps = {
        "evidence": evidence_app(EvidenceSettings(**common, group_id=f"tok-evidence-{suffix}", metrics_public=True)),
        "scoring": scoring_app(ScoringSettings(**common, group_id=f"tok-scoring-{suffix}")),
        "awards": awards_app(AwardsSettings(**common, group_id=f"tok-awards-{suffix}")),
        "notify": notify_app(NotifySettings(**common, group_id=f"tok-notify-{suffix}", digest_enabled=False)),
    }
    async with (
        running_app(apps["evidence"]) as ev,
        running_app(apps["scoring"]) as sc,
        running_app(apps["awards"]) as aw,
        running_app(apps["notify"]) as nt,
        httpx.AsyncClient() as http,
    ):
        for name, base in (("evidence", ev), ("scoring", sc), ("awards", aw), ("notify", nt)):
            for token, status in ((live, 200), (later, 200), (new, 200), (revoked, 401), (expired, 401), (old, 401)):
                answer = await http.get(f"{base}/v1/parked", headers=bearer(token))
                assert answer.status_code == status, (name, token == revoked, token == expired, answer.text)
                if status == 401:
                    assert answer.json()["details"][0]["field"] == "Authorization"

        # A unit token: its inbox until it expires, then 401 there too.
        inbox = f"{nt}/v1/units/{unit}/notifications"
        assert (await http.get(inbox, headers=bearer(unit_token))).status_code == 200
        await expire(database_url, unit_id)
        assert (await http.get(inbox, headers=bearer(unit_token))).status_code == 401

        # /metrics: admin only by default; public with METRICS_PUBLIC=true (then a stale token does not matter).
        assert (await http.get(f"{ev}/metrics")).status_code == 200
        assert (await http.get(f"{ev}/metrics", headers=bearer(revoked))).status_code == 200
        assert (await http.get(f"{nt}/metrics")).status_code == 401
        assert (await http.get(f"{nt}/metrics", headers=bearer(revoked))).status_code == 401
        _, council = await issue_token(database_url, role="council", unit_id=None, label="hội đồng")
        assert (await http.get(f"{nt}/metrics", headers=bearer(council))).status_code == 403
        private = await http.get(f"{nt}/metrics", headers=bearer(live))
        assert private.status_code == 200 and "thidua_" in private.text


async def test_a_council_vote_is_audited_with_the_voters_token(kafka_bootstrap: str, database_url: str) -> None:
    suffix = await groups(kafka_bootstrap)
    unit = "V" + uuid.uuid4().hex[:5].upper() + ".01"
    council_id, council = await issue_token(database_url, role="council", unit_id=None, label="Hội đồng TĐKT")
    admin_id, admin = await issue_token(database_url, role="admin", unit_id=None, label="vận hành")
    app = awards_app(
        AwardsSettings(
            kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=f"tok-awards-{suffix}"
        )
    )
    nid = f"tap_the_lao_dong_tien_tien:2025:unit:{unit}"
    async with running_app(app) as base, httpx.AsyncClient(base_url=base) as http:
        now = datetime.now(UTC)
        await fetch(
            database_url,
            "INSERT INTO awards.nominations (id, title, year, subject_kind, subject_id,"
            " unit_id, status, cash_multiple, rule_version, criteria, evidence_ids, created_at,"
            " updated_at) VALUES ($1, 'tap_the_lao_dong_tien_tien', 2025, 'unit', $2, $2,"
            " 'proposed', 0.8, 'test', '[]', '[]', $3, $3)",
            nid,
            unit,
            now,
        )
        no_quorum = await http.post(
            f"/v1/nominations/{nid}/votes",
            headers=bearer(admin),
            json={"members_total": 15, "members_present": 5, "votes_for": 5},
        )
        assert no_quorum.status_code == 409, no_quorum.text
        decided = await http.post(
            f"/v1/nominations/{nid}/votes",
            headers=bearer(council),
            json={"members_total": 15, "members_present": 15, "votes_for": 3},
        )
        assert decided.status_code == 200 and decided.json()["status"] == "rejected", decided.text
        rows = await fetch(
            database_url, "SELECT to_status, actor FROM awards.audit WHERE nomination_id = $1 ORDER BY id", nid
        )
        assert [(r["to_status"], r["actor"]) for r in rows] == [
            ("proposed", f"admin:token#{admin_id}"),
            ("rejected", f"council:token#{council_id}"),
        ]
        history = await http.get(f"/v1/nominations/{nid}", headers=bearer(council))
        assert f"council:token#{council_id}" in history.text


async def test_the_token_command_lists_revokes_rotates_and_expires(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}

    async def thidua(*args: str) -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "thidua.operator.cli",
            "token",
            *args,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        return proc.returncode or 0, out.decode(), err.decode()

    code, out, _ = await thidua("add", "--role", "council", "--label", "Hội đồng", "--expires-days", "30")
    assert code == 0 and "expires in 30 days" in out
    first_id = int(re.search(r"token #(\d+)", out).group(1))  # type: ignore[union-attr]
    first = out.strip().splitlines()[-1]
    assert first.startswith("td_")
    code, out, _ = await thidua("add", "--role", "unit", "--unit", "H40.12.05")
    unit_id = int(re.search(r"token #(\d+)", out).group(1))  # type: ignore[union-attr]
    assert code == 0
    code, _, err = await thidua("add", "--role", "admin", "--expires-days", "-1")
    assert code == 2 and "days" in err

    code, out, _ = await thidua("rotate", str(first_id))
    assert code == 0 and f"token #{first_id} revoked" in out
    second_id = int(re.search(r"replacement #(\d+)", out).group(1))  # type: ignore[union-attr]
    second = out.strip().splitlines()[-1]
    assert second.startswith("td_") and second != first
    code, out, _ = await thidua("revoke", str(unit_id))
    assert code == 0 and "revoked" in out and "401" in out
    code, _, err = await thidua("revoke", "987654")
    assert code == 2 and "no token #987654" in err
    code, _, err = await thidua("rotate", str(unit_id))
    assert code == 2 and "revoked" in err

    code, out, _ = await thidua("list")
    assert code == 0 and first not in out and second not in out and "td_" not in out
    lines = {int(line.split()[0]): line for line in out.splitlines()[1:]}
    assert out.splitlines()[0].split() == [
        "id",
        "role",
        "unit/source",
        "label",
        "created",
        "expires",
        "revoked",
        "state",
    ]
    assert "council" in lines[first_id] and f"rotated to #{second_id}" in lines[first_id]
    assert "Hội đồng" in lines[second_id] and lines[second_id].rstrip().endswith("live")
    assert "H40.12.05" in lines[unit_id] and "revoked" in lines[unit_id]
    [row] = await fetch(
        database_url, "SELECT expires_at - created_at AS lifetime FROM auth.tokens WHERE id = $1", second_id
    )
    assert abs(row["lifetime"].total_seconds() - 30 * 86400) < 60  # the replacement keeps the lifetime
