"""All SQL of the notify service."""

from collections.abc import Sequence

import asyncpg
from aiokafka import ConsumerRecord


async def record_received(conn: asyncpg.Connection, records: Sequence[ConsumerRecord[bytes, bytes]]) -> int:
    """Insert the batch's positions in one statement; return how many were new."""
    rows = await conn.fetch(
        'INSERT INTO received (topic, partition, "offset", key)'
        " SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[])"
        ' ON CONFLICT DO NOTHING RETURNING "offset"',
        [r.topic for r in records], [r.partition for r in records], [r.offset for r in records],
        [r.key.decode(errors="replace") if r.key else None for r in records],
    )
    return len(rows)
