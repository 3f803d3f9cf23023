"""The in-memory fakes' unit of work: all or nothing, as a PostgreSQL transaction."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class AllOrNothing:
    """A fake store whose tables are its attributes: a unit of work that fails puts them back as they were."""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Keep a copy of the tables; put it back when the unit of work fails."""
        saved = copy.deepcopy(self.__dict__)
        try:
            yield
        except BaseException:
            self.__dict__.update(saved)
            raise
