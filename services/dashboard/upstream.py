"""Calls to the services' public HTTP APIs; every failure becomes a value the pages can explain."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Upstream:
    """The answer of one upstream call: the JSON body, or why there is none."""

    status: int | None  # None: no HTTP answer at all (connection refused, timeout, bad JSON)
    body: Any = None
    problem: str | None = None  # a technical note for the error panel ("connection refused", "HTTP 503")

    @property
    def ok(self) -> bool:
        return self.problem is None and self.status is not None and 200 <= self.status < 300

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def denied(self) -> bool:
        return self.status in (401, 403)

    def reasons(self) -> list[str]:
        """The messages of the contract's error details ({"details": [{"field", "message"}]})."""
        details = self.body.get("details") if isinstance(self.body, dict) else None
        return [str(d.get("message")) for d in details or [] if isinstance(d, dict) and d.get("message")]


async def call(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    params: dict[str, str] | None = None,
    token: str | None = None,
    json: Any = None,
) -> Upstream:
    """One request answered with JSON; never raises for network or HTTP errors."""
    if token is not None and not token.isascii():  # an HTTP header holds ASCII only: no such token exists
        return Upstream(401, problem="mã truy cập không hợp lệ")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = await client.request(method, url, params=params, headers=headers, json=json)
    except httpx.TimeoutException:
        return Upstream(None, problem="hết thời gian chờ (timeout)")
    except (httpx.HTTPError, UnicodeError, ValueError) as exc:  # ValueError: a header or URL httpx cannot send
        return Upstream(None, problem=f"không kết nối được ({type(exc).__name__})")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not 200 <= response.status_code < 300:
        detail = body.get("error") if isinstance(body, dict) else None
        return Upstream(
            response.status_code, body, problem=f"HTTP {response.status_code}" + (f": {detail}" if detail else "")
        )
    if body is None:
        return Upstream(response.status_code, None, problem="câu trả lời không phải JSON")
    return Upstream(response.status_code, body)


class PublicCache:
    """Answers to anonymous GETs (public standings and scorecards) kept a few seconds, at most `limit` of them:
    many visitors of one page cost the services one call per address and period, not one each."""

    def __init__(self, *, seconds: float, limit: int = 512) -> None:
        self.seconds, self.limit = seconds, limit
        self._answers: OrderedDict[str, tuple[float, Upstream]] = OrderedDict()

    def get(self, key: str, now: float) -> Upstream | None:
        """The answer still fresh under key, if any."""
        found = self._answers.get(key)
        if found is None or now - found[0] >= self.seconds:
            return None
        return found[1]

    def put(self, key: str, answer: Upstream, now: float) -> None:
        """Keep a useful answer (data or 404); errors are asked again next time so an outage heals at once."""
        if self.seconds <= 0 or not (answer.ok or answer.not_found):
            return
        self._answers[key] = (now, answer)
        self._answers.move_to_end(key)
        while len(self._answers) > self.limit:
            self._answers.popitem(last=False)
