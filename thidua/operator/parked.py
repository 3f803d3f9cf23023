"""`thidua parked`: list the records each service parked, and replay them after a fix."""

from __future__ import annotations

import asyncio
import os
import sys

import asyncpg
import httpx


async def listing(database_url: str, services: list[str], *, include_replayed: bool) -> list[dict[str, object]]:
    """Parked records of the services, read from each service's `parked` table."""
    conn = await asyncpg.connect(database_url)
    found: list[dict[str, object]] = []
    try:
        for service in services:
            exists = await conn.fetchval("SELECT to_regclass($1)", f'"{service}".parked')
            if exists is None:
                continue
            rows = await conn.fetch(
                f'SELECT id, topic, "partition", "offset", error, attempts, parked_at, replayed_at'
                f' FROM "{service}".parked WHERE $1 OR replayed_at IS NULL ORDER BY id',
                include_replayed,
            )
            found += [{"service": service, **dict(r)} for r in rows]
    finally:
        await conn.close()
    return found


def print_listing(rows: list[dict[str, object]]) -> None:
    if not rows:
        print("no parked records")
        return
    for r in rows:
        error = str(r["error"]).strip().splitlines()[-1] if r["error"] else ""
        state = f"replayed {r['replayed_at']:%Y-%m-%d %H:%M}" if r["replayed_at"] else "open"
        print(
            f"{r['service']:<9} #{r['id']:<6} {r['topic']}[{r['partition']}]@{r['offset']}  "
            f"{r['parked_at']:%Y-%m-%d %H:%M:%S}  {r['attempts']} attempt(s)  {state}\n          {error[:200]}"
        )


async def replay(service: str, token: str, ids: list[int] | None) -> dict[str, object]:
    """Ask the running service to hand the records to its handler again (its inbox makes it exactly once)."""
    from thidua.operator.localinfra.stack import SERVICES  # the one list of services, ports and port variables

    svc = next(s for s in SERVICES if s.name == service)
    port = int(os.environ.get(svc.port_env, svc.port))
    body = {"all": True} if ids is None else {"ids": ids}
    async with httpx.AsyncClient(timeout=120) as http:
        answer = await http.post(
            f"http://127.0.0.1:{port}/v1/parked/replay", json=body, headers={"Authorization": f"Bearer {token}"}
        )
    if answer.status_code != 200:
        print(f"refused by {service} ({answer.status_code}): {answer.text[:500]}", file=sys.stderr)
        return {"replayed": 0, "outcomes": []}
    result: dict[str, object] = answer.json()
    return result


def run_replay(database_url: str, service: str, ids: list[int] | None) -> int:
    """Mint a short-lived admin token for the call, replay, print each outcome."""
    from thidua.runtime.tokens import add_token

    async def go() -> int:
        token = await add_token(database_url, role="admin", unit_id=None, label="thidua parked replay")
        result = await replay(service, token, ids)
        found = result.get("outcomes")
        outcomes: list[dict[str, object]] = found if isinstance(found, list) else []
        for o in outcomes:
            print(f"#{o['id']}: " + ("replayed" if o["replayed"] else f"still parked: {o.get('error', '')}"))
        print(f"{result.get('replayed', 0)} replayed")
        return 0 if all(o["replayed"] for o in outcomes) else 1

    return asyncio.run(go())
