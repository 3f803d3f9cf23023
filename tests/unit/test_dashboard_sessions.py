"""The dashboard's session store, sign-in throttle, public-answer cache and unit-id check, with the clock given."""

from __future__ import annotations

import pytest

from services.dashboard.security import security_headers, valid_unit_id
from services.dashboard.sessions import Session, SessionStore, session_key
from services.dashboard.throttle import SignInThrottle
from services.dashboard.upstream import PublicCache, Upstream


def signed(token: str = "td_x", at: float = 0.0) -> Session:
    return Session(token, "unit", "SO.TP", None, 1, created=at, seen=at, checked=at)


def test_a_session_is_found_by_its_random_id_and_only_its_hash_is_kept() -> None:
    store = SessionStore(idle_seconds=60, max_age_seconds=600)
    sid = store.open(signed())
    assert len(sid) >= 43 and store.get(sid, 1.0) is not None
    assert store.get(sid + "x", 1.0) is None and store.get(None, 1.0) is None
    assert sid not in store._rows and session_key(sid) in store._rows  # the id itself is never a key


def test_sessions_end_when_idle_and_at_their_absolute_age_however_active() -> None:
    store = SessionStore(idle_seconds=60, max_age_seconds=150)
    idle = store.open(signed())
    assert store.get(idle, 61.0) is None and store.get(idle, 1.0) is None  # gone, not just hidden
    busy = store.open(signed(at=100.0))
    for now in (150.0, 200.0, 249.0):  # each request within the idle time restarts the idle clock
        assert store.get(busy, now) is not None
    assert store.get(busy, 251.0) is None  # 151 s after sign-in: past the absolute lifetime


def test_sign_out_and_a_refused_token_end_the_sessions() -> None:
    store = SessionStore(idle_seconds=60, max_age_seconds=600)
    mine, same_token, other = store.open(signed("td_a")), store.open(signed("td_a")), store.open(signed("td_b"))
    store.end(mine)
    assert store.get(mine, 1.0) is None and store.get(same_token, 1.0) is not None
    assert store.end_token("td_a") == 1
    assert store.get(same_token, 1.0) is None and store.get(other, 1.0) is not None


def test_the_store_is_bounded_and_drops_the_longest_idle_session_first() -> None:
    store = SessionStore(idle_seconds=600, max_age_seconds=600, limit=3)
    first, second, third = (store.open(signed()) for _ in range(3))
    assert store.get(first, 1.0) is not None  # used again: now the most recent
    fourth = store.open(signed())
    assert len(store) == 3 and store.get(second, 2.0) is None
    assert all(store.get(s, 2.0) is not None for s in (first, third, fourth))


def test_failed_sign_ins_are_limited_per_client_within_the_window() -> None:
    throttle = SignInThrottle(attempts=5, window=60.0)
    for i in range(5):
        assert throttle.wait("10.0.0.1", float(i)) == 0
        throttle.failed("10.0.0.1", float(i))
    assert throttle.wait("10.0.0.1", 10.0) == 50  # the first failure leaves the window at t=60
    assert throttle.wait("10.0.0.2", 10.0) == 0  # another client is not held back
    assert throttle.wait("10.0.0.1", 60.0) == 0  # one failure has left the window: one more try
    throttle.succeeded("10.0.0.1")
    assert throttle.wait("10.0.0.1", 61.0) == 0


def test_the_throttle_remembers_a_bounded_number_of_clients() -> None:
    throttle = SignInThrottle(attempts=1, window=60.0, limit=100)
    for i in range(1000):
        throttle.failed(f"10.0.{i // 256}.{i % 256}", 0.0)
    assert len(throttle._failures) == 100 and throttle.wait("10.0.3.231", 1.0) > 0


def test_public_answers_are_reused_a_few_seconds_errors_never() -> None:
    cache = PublicCache(seconds=2.0, limit=2)
    cache.put("a", Upstream(200, {"x": 1}), 0.0)
    cache.put("down", Upstream(None, problem="timeout"), 0.0)
    cache.put("gone", Upstream(404, problem="HTTP 404"), 0.0)
    assert cache.get("a", 1.9) is not None and cache.get("a", 2.0) is None
    assert cache.get("down", 0.1) is None and cache.get("gone", 0.1) is not None
    cache.put("b", Upstream(200, {}), 0.0)
    assert cache.get("a", 0.1) is None  # bounded: the oldest answer went
    off = PublicCache(seconds=0)
    off.put("a", Upstream(200, {}), 0.0)
    assert off.get("a", 0.0) is None


@pytest.mark.parametrize("unit_id", ["SO.TP", "H40.40.01", "UB", "A.B"])
def test_unit_ids_of_the_contract_pass(unit_id: str) -> None:
    assert valid_unit_id(unit_id)


@pytest.mark.parametrize("unit_id", ["..", ".", "...", "../x", "SO/TP", "so.tp", "A", "A" * 33, "SO TP", "Đ.1", "A\n"])
def test_unit_ids_outside_the_contract_or_climbing_a_path_are_refused(unit_id: str) -> None:
    assert not valid_unit_id(unit_id)


def test_hsts_only_over_https() -> None:
    assert "Strict-Transport-Security" not in security_headers(tls=False)
    assert security_headers(tls=True)["Strict-Transport-Security"].startswith("max-age=")
    csp = security_headers(tls=False)["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_forms_may_reach_the_provider_only_when_one_is_configured() -> None:
    """Browsers apply form-action to the redirects after a form: sign-out's 303 to the provider needs its origin."""
    from services.dashboard.config import Settings

    assert "form-action 'self';" in security_headers(tls=False)["Content-Security-Policy"]
    cfg = Settings(oidc_issuer="https://sso.ninhbinh.gov.vn:8443/realms/tinh")
    assert cfg.form_targets() == ("https://sso.ninhbinh.gov.vn:8443",)
    csp = security_headers(tls=True, form_targets=cfg.form_targets())["Content-Security-Policy"]
    assert "form-action 'self' https://sso.ninhbinh.gov.vn:8443;" in csp and "default-src 'self';" in csp
    assert Settings().form_targets() == ()
