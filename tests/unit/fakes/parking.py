"""A parking lot that keeps what it parks in a list: the runtime's routing and decoding without a database."""

from __future__ import annotations

from aiokafka import ConsumerRecord

from thidua.runtime.parking import ParkingLot


class MemoryParking(ParkingLot):
    """A parking lot that keeps what it parks in a list (no database)."""

    def __init__(self) -> None:
        super().__init__("unit", lambda: None, attempts=1)
        self.parked: list[tuple[int, str]] = []

    async def park(self, topic: str, record: ConsumerRecord[bytes, bytes], error: str, attempts: int) -> None:
        self.parked.append((record.offset, error))
