"""Calls to the services' public HTTP APIs; every failure becomes a value the pages can explain."""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urlencode

import httpx
from pydantic import BaseModel, ValidationError

from schemas.http.scoring import Rulebook
from services.dashboard import pages
from services.dashboard.config import Settings


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


M = TypeVar("M", bound=BaseModel)


def parsed(model: type[M], answer: Upstream) -> M | None:
    """A useful answer as the contract's model (schemas/http); None when there is none or it does not parse, so the
    page shows the service's panel as for any failed call — an upstream answer never crashes a page."""
    if not answer.ok:
        return None
    try:
        # The models read past fields they do not know (schemas.http.common.Answer): a newer service's answer opens.
        return model.model_validate(answer.body)
    except ValidationError:
        return None


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


class Bearer(Protocol):
    """Whoever a call is made for: only the token matters upstream."""

    @property
    def token(self) -> str: ...


class Services:
    """The services' public APIs as the dashboard calls them: one client for the app's life, anonymous reads reused."""

    def __init__(self, cfg: Settings, clock: Callable[[], float]) -> None:
        self.cfg, self.clock = cfg, clock
        self.scoring, self.awards = cfg.scoring_url.rstrip("/"), cfg.awards_url.rstrip("/")
        self.notify, self.evidence = cfg.notify_url.rstrip("/"), cfg.evidence_url.rstrip("/")
        self.public = PublicCache(seconds=cfg.public_cache_seconds)
        self.clients: list[httpx.AsyncClient] = []

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[None]:
        """The app's one client, closed with the app."""
        self.clients.append(httpx.AsyncClient(timeout=self.cfg.timeout, headers={"Accept": "application/json"}))
        try:
            yield
        finally:
            for client in self.clients:
                await client.aclose()
            self.clients.clear()

    async def fetch(
        self, url: str, params: dict[str, str] | None = None, *, user: Bearer | None = None, json: Any = None
    ) -> Upstream:
        """GET (POST with a JSON body) for the user's token; anonymous GETs reused for a few seconds."""
        method = "GET" if json is None else "POST"
        token = user.token if user else None
        # Anonymous reads are public and the same for everyone: a few seconds' reuse bounds their fan-out.
        key = f"{url}?{urlencode(sorted((params or {}).items()))}"
        if token is None and json is None and (known := self.public.get(key, self.clock())) is not None:
            return known
        if not self.clients:  # used without the lifespan (e.g. a bare ASGI transport): one client per call
            async with httpx.AsyncClient(timeout=self.cfg.timeout) as client:
                answer = await call(client, method, url, params=params, token=token, json=json)
        else:
            answer = await call(self.clients[0], method, url, params=params, token=token, json=json)
        if token is None and json is None:
            self.public.put(key, answer, self.clock())
        return answer

    async def send(self, method: str, url: str, *, token: str, json: Any) -> Upstream:
        """A long write (an imported file) on its own client with a generous timeout."""
        async with httpx.AsyncClient(timeout=max(self.cfg.timeout, 60.0)) as http:
            return await call(http, method, url, token=token, json=json)

    def unit_url(self, unit_id: str, suffix: str = "") -> str:
        return f"{self.scoring}/v1/units/{quote(unit_id, safe='')}{suffix}"

    def tracking_url(self, officer_id: str, suffix: str = "") -> str:
        return f"{self.scoring}/v1/officers/{quote(officer_id, safe='')}/tracking{suffix}"

    async def rulebook(self) -> Upstream:
        """Scoring's active rulebook (public)."""
        return await self.fetch(f"{self.scoring}/v1/rulebook")

    async def movement_stages(self) -> list[str]:
        """The configured movements' stages, from scoring's active rulebook (none when it does not answer)."""
        return stages_of(await self.rulebook())

    async def group_names(self) -> dict[str, str]:
        """{group code: name} of the active rulebook's service-index groups (the file may head columns by either)."""
        return group_names_of(await self.rulebook())


def stages_of(rulebook: Upstream) -> list[str]:
    """The configured movements' stages in a rulebook answer (none when scoring did not answer)."""
    return pages.movement_stages(book.stages) if (book := parsed(Rulebook, rulebook)) else []


def group_names_of(rulebook: Upstream) -> dict[str, str]:
    """{group code: name} of the service-index groups in a rulebook answer: the rule file's own names."""
    book = parsed(Rulebook, rulebook)
    # The rule file itself is free-form in the contract (the rulebook reads it): its groups are read as written.
    groups = book.content.get("index", {}).get("groups", {}) if book else {}
    return {str(c): str(g.get("name", c)) for c, g in groups.items() if isinstance(g, dict)}
