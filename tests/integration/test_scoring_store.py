"""The scoring store's set-based statements on a real PostgreSQL: the inbox claim says exactly which events are new
(repeats within a batch and across batches), the case and attribution probes find exactly the stored keys, a
written case carries its transaction's revision, the culture inputs of several periods read at once are each
period's own, and a rescorer's memory of the facts' sums is read again exactly where a fact changed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from services.scoring.adapters import case_store, fact_store, inbox_store, score_store, tracking_store
from services.scoring.adapters.fact_memo import FactMemo
from services.scoring.domain.evidence import Fact
from services.scoring.domain.periods import parse_period
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


async def _own_schema(url: str, schema: str) -> asyncpg.Connection:
    """A connection to a migrated schema of the test's own: no service of the session reads or takes its rows."""
    pool = await create_pool(url, schema=schema, max_size=1)
    try:
        await prepare_schema(pool, schema=schema, directory=MIGRATIONS)
    finally:
        await pool.close()
    return await asyncpg.connect(url, server_settings={"search_path": schema})


async def _queue_pair(url: str, schema: str) -> tuple[asyncpg.Connection, asyncpg.Connection]:
    """A pass's connection and a batch's (which gives up after 2 s of lock wait) on a schema of their own."""
    return (
        await _own_schema(url, schema),
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


def _fact(kind: str, unit: str, officer: str | None, day: str, **data: object) -> Fact:
    return Fact(kind, unit, officer, datetime.fromisoformat(f"{day}T03:00:00+00:00"), dict(data))


async def test_the_culture_inputs_of_several_periods_are_each_periods_own(database_url: str) -> None:
    conn = await _own_schema(database_url, "store_culture")
    facts = [
        _fact("training", "U1", "O1", "2025-03-10", topic="office_culture"),
        _fact("training", "U1", "O1", "2025-05-10", topic="office_culture"),  # the same officer: trained once
        _fact("training", "U1", "O2", "2025-03-11", topic="other"),  # a topic the movement does not count
        _fact("training", "U1", "O3", "2025-03-12", topic="office_culture"),  # retracted below
        _fact("inspection", "U1", None, "2025-03-20", findings=[{"code": "A", "count": 2}, {"code": "B"}]),
        _fact("discipline", "U1", "O2", "2025-04-02"),
        _fact("returned", "U1", "O1", "2025-03-05"),  # another kind of fact: not a culture input
        _fact("training", "U2", "O9", "2025-06-30", topic="office_culture"),
        _fact("catalogue", "U1", None, "2025-02-01", procedure_code="P1", online=True, published=True),
        _fact("catalogue", "U1", None, "2025-04-15", procedure_code="P1", online=False, published=True),
        _fact("catalogue", "U1", None, "2025-06-01", procedure_code="P2", online=True, published=False),
    ]
    try:
        async with conn.transaction():
            await conn.execute("TRUNCATE facts")
            await fact_store.insert_facts(conn, [("src", f"e{n}", fact, n == 3) for n, fact in enumerate(facts)])
        wanted = {"2025-03": ["U1"], "2025-Q2": ["U1", "U2"], "2025": ["U1", "U2"]}
        topics, weights = ["office_culture"], {"A": 1.5}
        together = await FactMemo().culture_inputs_of_periods(  # a memory of its own: everything is read
            conn, {label: (parse_period(label), units) for label, units in wanted.items()}, topics, weights, {}
        )
        for label, units in wanted.items():  # the same as each period read alone
            alone = await fact_store.culture_inputs(conn, parse_period(label), units, topics, weights, {})
            assert together[label] == alone, label
        march, quarter, year = together["2025-03"]["U1"], together["2025-Q2"]["U1"], together["2025"]["U1"]
        assert (march["trained"], march["inspections"], march["findings"], march["disciplined"]) == (1, 1, 4.0, 0)
        assert (quarter["trained"], quarter["inspections"], quarter["disciplined"]) == (1, 0, 1)
        assert (year["trained"], year["inspections"], year["disciplined"]) == (1, 1, 1)
        # The catalogue as it stood at each period's end: P1 went offline in April, P2 came in June.
        assert (march["procedures"], march["procedures_online"], march["procedures_published"]) == (1, 1, 1)
        assert (quarter["procedures"], quarter["procedures_online"], quarter["procedures_published"]) == (2, 1, 1)
        assert together["2025-Q2"]["U2"]["trained"] == 1 and "U2" not in together["2025-03"]
    finally:
        await conn.close()


async def test_a_rescorers_memory_of_the_facts_is_read_again_exactly_where_a_fact_changed(database_url: str) -> None:
    conn = await _own_schema(database_url, "store_fact_memo")
    writer = await asyncpg.connect(database_url, server_settings={"search_path": "store_fact_memo"})
    topics, weights = ["office_culture"], {"A": 1.5}
    units = {label: (parse_period(label), ["U1", "U2"]) for label in ("2025-03", "2025")}
    officers = {label: (parse_period(label), ["O1", "O2"]) for label in ("2025-03", "2025")}
    memo = FactMemo()

    async def both() -> tuple[dict[str, dict[str, dict[str, float]]], dict[str, dict[str, tuple[float, int]]]]:
        """What the memory answers, checked against a read of everything, in one pass's transaction."""
        async with conn.transaction():
            got = await memo.culture_inputs_of_periods(conn, units, topics, weights, {})
            assert got == {
                label: await fact_store.culture_inputs(conn, p, us, topics, weights, {})
                for label, (p, us) in units.items()
            }
            hours = await memo.officer_inputs_of_periods(conn, officers)
            read = await fact_store.officer_sums(conn, [(lb, p, o) for lb, (p, os) in officers.items() for o in os])
            assert hours == {lb: {o: read[(lb, o)] for o in os} for lb, (_, os) in officers.items()}
        return got, hours

    async def settle() -> None:
        """Wait until every transaction that wrote a fact is older than the oldest one running (in this shared
        cluster another test's transaction may still run): the counts below are then exact."""
        for _ in range(200):
            horizon, _, _ = await fact_store.fact_revisions(conn, None)
            if horizon > await conn.fetchval("SELECT max(revision) FROM facts"):
                return
            await asyncio.sleep(0.05)
        raise AssertionError("a transaction of the cluster ran for 10 s")

    async def add(event_id: str, fact: Fact) -> None:
        await fact_store.insert_facts(writer, [("src", event_id, fact, False)])

    try:
        await conn.execute("TRUNCATE facts")
        await add("t1", _fact("training", "U1", "O1", "2025-03-10", topic="office_culture", hours=4))
        await add("t2", _fact("training", "U2", "O2", "2025-03-11", topic="office_culture", hours=2))
        await settle()
        culture, hours = await both()
        assert memo.read == 8 and memo.kept == 0  # 2 units and 2 officers, 2 periods each
        assert culture["2025"]["U1"]["trained"] == 1 and hours["2025"]["O1"] == (4.0, 0)
        await both()
        assert memo.read == 8 and memo.kept == 8  # nothing changed: nothing read again
        await add("r1", _fact("returned", "U1", "O1", "2025-03-12"))  # a kind neither sum reads
        await both()
        assert memo.read == 8 and memo.kept == 16
        # A new fact of U1 and O1: only they are read again, in every period.
        await add("t3", _fact("training", "U1", "O3", "2025-03-12", topic="office_culture", hours=8))
        await add("d1", _fact("discipline", "U1", "O1", "2025-05-02"))
        culture, hours = await both()
        assert memo.read == 8 + 2 + 2  # U1 (it has O3's training and O1's decision) and O1, both periods
        assert (culture["2025"]["U1"]["trained"], culture["2025"]["U1"]["disciplined"]) == (2, 1)
        assert hours["2025"]["O1"] == (4.0, 1) and hours["2025-03"]["O1"] == (4.0, 0)
        # A retraction changes the fact in place: it is seen too.
        await fact_store.retract_facts(writer, [("src", "t2")])
        culture, hours = await both()
        assert culture["2025"]["U2"]["trained"] == 0 and hours["2025"]["O2"] == (0.0, 0)
        # A fact written by a transaction still running while the memory looked, committed afterwards.
        async with writer.transaction():
            await add("t4", _fact("training", "U2", "O2", "2025-03-20", topic="office_culture", hours=3))
            # A younger transaction finishes first: what it wrote is seen, the older one's write is still to come.
            await fact_store.insert_facts(conn, [("src", "t5", _fact("training", "U3", "O4", "2025-03-21"), False)])
            culture, hours = await both()
            assert culture["2025"]["U2"]["trained"] == 0  # not committed yet
        culture, hours = await both()
        assert culture["2025"]["U2"]["trained"] == 1 and hours["2025"]["O2"] == (3.0, 0)
        # Other topics or weights: every unit is read again.
        before = memo.read
        async with conn.transaction():
            await memo.culture_inputs_of_periods(conn, units, ["other"], weights, {})
        assert memo.read == before + 4
        # Past its capacity a memory starts again empty (4 subjects kept here, room for 3).
        small = FactMemo(capacity=3)
        for _ in range(2):
            await small.culture_inputs_of_periods(conn, units, topics, weights, {})
            await small.officer_inputs_of_periods(conn, officers)
        assert small.read == 16 and small.kept == 0  # the second round found 4 kept, emptied it and read again
    finally:
        await conn.close()
        await writer.close()
