"""Failed sign-ins counted per client: past the limit in a window, the client waits before trying again."""

from __future__ import annotations

import math
from collections import OrderedDict, deque

MAX_CLIENTS = 10_000  # the client with the oldest failure goes first beyond this: memory stays bounded


class SignInThrottle:
    """At most `attempts` failed sign-ins per client within `window` seconds (an LRU of clients)."""

    def __init__(self, *, attempts: int, window: float = 60.0, limit: int = MAX_CLIENTS) -> None:
        self.attempts, self.window, self.limit = attempts, window, limit
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def wait(self, client: str, now: float) -> int:
        """Whole seconds client must wait before its next attempt (0: it may try now)."""
        failures = self._failures.get(client)
        if failures is None:
            return 0
        while failures and now - failures[0] >= self.window:
            failures.popleft()
        if not failures:
            del self._failures[client]
            return 0
        if len(failures) < self.attempts:
            return 0
        return max(1, math.ceil(failures[0] + self.window - now))

    def failed(self, client: str, now: float) -> None:
        """One more failed attempt by client."""
        failures = self._failures.setdefault(client, deque(maxlen=self.attempts))
        failures.append(now)
        self._failures.move_to_end(client)
        while len(self._failures) > self.limit:
            self._failures.popitem(last=False)

    def succeeded(self, client: str) -> None:
        """A right token: the client's count starts again."""
        self._failures.pop(client, None)
