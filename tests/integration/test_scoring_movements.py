"""Movements as data on real PostgreSQL (issue 24): an upgrade to a rule file with new movements fills their stages
from the evidence already received, as a from-scratch computation under it would."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from services.scoring.app import create_app as scoring_app
from services.scoring.config import RULES
from services.scoring.config import Settings as ScoringSettings
from services.scoring.handlers.rebuild import rebuild
from tests.integration.scoring_support import province
from tests.integration.support import running_app
from tests.integration.test_scoring_rebuild import NOW, _prepare, _state
from thidua.testing.database import create_database, drop_database
from thidua.testing.infra import Infrastructure

P = "MV"
LOCAL_PLAN = """
[[movements]]
code = "ke_hoach_tinh"
name = "Kế hoạch thi đua của tỉnh giai đoạn 2024–2026"
source = "Local policy: the province's own plan (test)"
from = 2024
to = 2026
"""


def _rule_files(directory: Path) -> tuple[Path, Path]:
    """A deployment's rule file before movements (no [[movements]]: the stage 2019-2025 alone) and the one after,
    with an extra movement: both next to the real calendar."""
    text = RULES.read_text(encoding="utf-8")
    before = text[: text.index("[[movements]]")] + text[text.index("\n[index]\n") :]
    (directory / "calendar").symlink_to(RULES.parent / "calendar")
    old, new = directory / "old.toml", directory / "rulebook.toml"
    old.write_text(before.replace('version = "2026.3"', 'version = "test.before-movements"'), encoding="utf-8")
    new.write_text(text.replace('version = "2026.3"', 'version = "test.movements"') + LOCAL_PLAN, encoding="utf-8")
    return old, new


async def test_a_rebuild_under_a_rule_file_with_new_movements_fills_their_stages(
    infra: Infrastructure, database_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    old, new = _rule_files(tmp_path)
    await _prepare(database_url, old, province(P))
    before = await _state(database_url)
    assert {c[3] for c in before["counters"]} >= {"2025", "2019-2025"}
    assert not {c[3] for c in before["counters"]} & {"2024-2026", "2025-2027", "2025-2030"}

    report = await rebuild(database_url, periods=None, rules_file=new, now=NOW, workers=0)

    assert {"2019-2025", "2024-2026", "2025-2027", "2025-2030", "2019-2022"} <= set(report.periods)
    after = await _state(database_url)
    scratch = await create_database(infra.database_url)
    try:
        await _prepare(scratch, new, province(P))
        assert after == await _state(scratch)  # as if the movements had been configured from the start
    finally:
        await drop_database(infra.database_url, scratch)
    # Every case of the province is in 2025: each stage containing 2025 counts exactly what the year counts.
    by_period: dict[str, list[tuple[object, ...]]] = {}
    for kind, subject, unit, period, counter, num, den in after["counters"]:
        by_period.setdefault(period, []).append((kind, subject, unit, counter, num, den))
    assert by_period["2024-2026"] == by_period["2025"] == by_period["2025-2030"] == by_period["2019-2025"]
    scored = {(u[0], u[1]) for u in after["units"]}
    assert {(f"{P}.01", "2024-2026"), (f"{P}.01", "2025-2030")} <= scored
    assert not any(u[1] == "2019-2022" for u in after["units"])  # the sơ kết 2022 stage: no evidence, no score

    # Through the scoring API: the new stage is a period of the standings, an unconfigured one is 422 on `period`,
    # and GET /v1/rulebook lists the movements with their stages.
    settings = ScoringSettings(
        kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=f"test-mv-{uuid.uuid4().hex[:6]}"
    )
    async with running_app(scoring_app(settings)) as url, httpx.AsyncClient() as http:
        stage = await http.get(f"{url}/v1/standings", params={"period": "2024-2026"})
        unknown = await http.get(f"{url}/v1/standings", params={"period": "2031-2035"})
        legacy = await http.get(f"{url}/v1/standings", params={"period": "2019-2025"})
        book = (await http.get(f"{url}/v1/rulebook")).json()
    assert stage.status_code == 200 and {r["subject_id"] for r in stage.json()["rows"]} >= {f"{P}.01", f"{P}.02"}
    assert legacy.status_code == 200 and legacy.json()["rows"]
    assert unknown.status_code == 422
    [detail] = unknown.json()["details"]
    assert detail["field"] == "period" and "not a stage of a configured movement" in detail["message"]
    assert book["version"] == "test.movements" and "2024-2026" in book["stages"]
    plan = book["movements"][-1]
    assert (plan["code"], plan["period"], plan["closed"]) == ("ke_hoach_tinh", "2024-2026", False)
    assert [s["period"] for s in book["movements"][0]["stages"]] == ["2019-2022", "2019-2025"]
