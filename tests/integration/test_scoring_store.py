"""The scoring store's set-based statements on a real PostgreSQL: the inbox claim says exactly which events are new
(repeats within a batch and across batches), the case and attribution probes find exactly the stored keys, and a
written case carries its transaction's revision."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from services.scoring.adapters import case_store, inbox_store, score_store, tracking_store
from thidua.runtime.db import create_pool, prepare_schema

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "scoring" / "migrations"
AT = datetime(2025, 3, 13, 2, 30, tzinfo=UTC)


async def _connect(url: str) -> asyncpg.Connection:
    pool = await create_pool(url, schema="scoring", max_size=1)
    try:
        await prepare_schema(pool, schema="scoring", directory=MIGRATIONS)
    finally:
        await pool.close()
    return await asyncpg.connect(url, server_settings={"search_path": "scoring"})


async def _queue_pair(url: str, schema: str) -> tuple[asyncpg.Connection, asyncpg.Connection]:
    """A pass's connection and a batch's (which gives up after 2 s of lock wait) on a schema of their own: no service
    of the session takes its queues' rows."""
    pool = await create_pool(url, schema=schema, max_size=1)
    try:
        await prepare_schema(pool, schema=schema, directory=MIGRATIONS)
    finally:
        await pool.close()
    return (
        await asyncpg.connect(url, server_settings={"search_path": schema}),
        await asyncpg.connect(url, server_settings={"search_path": schema, "lock_timeout": "2s"}),
    )


def _row(event_id: str) -> tuple[str, str, str, str, str | None, int | None]:
    return ("src", event_id, "procedure.processed", "U1", f"dossier|U1|{event_id}", 1)


async def test_the_claim_returns_only_the_new_events(database_url: str) -> None:
    conn = await _connect(database_url)
    try:
        async with conn.transaction():
            assert await inbox_store.claim(conn, [_row("a"), _row("b")]) == {("src", "a"), ("src", "b")}
        async with conn.transaction():
            fresh = await inbox_store.claim(conn, [_row("b"), _row("c"), _row("c"), _row("d")])
        assert fresh == {("src", "c"), ("src", "d")}
        async with conn.transaction():
            assert await inbox_store.claim(conn, [_row("a"), _row("d")]) == set()
        targets = await inbox_store.targets(conn, [("src", "a"), ("src", "zz"), ("other", "b")])
        assert targets == {("src", "a"): "dossier|U1|a"}
    finally:
        await conn.close()


async def test_the_probes_find_exactly_the_stored_cases_and_stamp_their_revision(database_url: str) -> None:
    conn = await _connect(database_url)
    try:
        rows = [(k, "U1", c, '{"slots": {}}', None, None, AT, None) for k, c in (("dossier", "A"), ("complaint", "B"))]
        async with conn.transaction():
            await case_store.save_cases(conn, rows)
            await tracking_store.attribute(conn, [("O1", "dossier", "U1", "A"), ("O2", "dossier", "U1", "A")])
            xid = int(await conn.fetchval("SELECT pg_current_xact_id()::text::bigint"))
        revisions = await conn.fetch("SELECT revision FROM cases ORDER BY case_id")
        assert [r["revision"] for r in revisions] == [xid, xid]
        wanted = [("dossier", "U1", "A"), ("dossier", "U1", "B"), ("complaint", "U1", "B"), ("complaint", "U2", "B")]
        async with conn.transaction():
            found = await case_store.lock_cases(conn, wanted)
        assert found == {("dossier", "U1", "A"): ({"slots": {}}, AT), ("complaint", "U1", "B"): ({"slots": {}}, AT)}
        officers = await tracking_store.case_officers(conn, wanted)
        assert officers == {("dossier", "U1", "A"): {"O1", "O2"}}
        async with conn.transaction():  # a writer that leaves the revision alone is still stamped by the trigger
            await case_store.take_off_clock(conn, ("dossier", "U1", "A"))
            later = int(await conn.fetchval("SELECT pg_current_xact_id()::text::bigint"))
        assert await conn.fetchval("SELECT revision FROM cases WHERE case_id = 'A'") == later != xid
    finally:
        await conn.close()


async def test_a_batch_queues_a_subject_the_rescorer_holds_without_waiting(database_url: str) -> None:
    """The rescorer's claim is held for its whole pass; a batch marking the same subject meanwhile must not wait
    for it (it used to: an upsert on the claimed row), and its row stays queued for the next pass."""
    rescorer, batch = await _queue_pair(database_url, "scoring_queue_test")
    later = datetime(2025, 3, 13, 2, 31, tzinfo=UTC)
    try:
        await rescorer.execute("DELETE FROM dirty")
        await score_store.mark_dirty(rescorer, [("unit", "U1", "U1", "2025-03"), ("unit", "U2", "U2", "2025-03")], AT)
        await score_store.mark_dirty(rescorer, [("unit", "U1", "U1", "2025-03")], later)
        async with rescorer.transaction():
            # The limit counts standings: U1's two rows leave together, U2 waits for the next pass.
            taken = await score_store.take_dirty(rescorer, "unit", 1)
            assert [(r["subject_id"], r["accepted_at"]) for r in taken] == [("U1", AT)]
            async with batch.transaction():
                await score_store.mark_dirty(batch, [("unit", "U1", "U1", "2025-03")], later)  # no lock wait
                assert await score_store.take_dirty(batch, "unit", 10) == []  # one pass of a kind at a time
        left = await rescorer.fetch("SELECT subject_id, accepted_at FROM dirty ORDER BY subject_id")
        assert [(r["subject_id"], r["accepted_at"]) for r in left] == [("U1", later), ("U2", AT)]
    finally:
        await rescorer.close()
        await batch.close()


async def test_a_batch_queues_an_officer_the_tracking_pass_holds_without_waiting(database_url: str) -> None:
    """The tracking pass holds the officers it took for its whole pass (migration 014): a batch queueing one of them
    meanwhile must not wait, and its row stays for the next pass; only officers of the directory are queued."""
    tracker, batch = await _queue_pair(database_url, "scoring_tracking_queue_test")
    later = datetime(2025, 3, 13, 2, 31, tzinfo=UTC)
    try:
        await tracker.execute("DELETE FROM tracking_dirty")
        await tracker.execute(
            "INSERT INTO officers VALUES ('O1', 'U1', 'A', 'civil_servant', NULL, $1), ('O2', 'U1', 'B',"
            " 'civil_servant', NULL, $1) ON CONFLICT DO NOTHING",
            AT,
        )
        await tracking_store.queue(tracker, ["O1", "O2", "NOT-REGISTERED"], AT)
        await tracking_store.queue(tracker, ["O1"], later)
        async with tracker.transaction():
            # The limit counts officers: O1's two rows leave together, O2 waits for the next pass.
            assert await tracking_store.take_queued(tracker, 1) == ["O1"]
            async with batch.transaction():
                await tracking_store.queue(batch, ["O1"], later)  # no lock wait
                assert await tracking_store.take_queued(batch, 10) == []  # one pass at a time
        left = await tracker.fetch("SELECT officer_id, queued_at FROM tracking_dirty ORDER BY officer_id")
        assert [(r["officer_id"], r["queued_at"]) for r in left] == [("O1", later), ("O2", AT)]
    finally:
        await tracker.close()
        await batch.close()
