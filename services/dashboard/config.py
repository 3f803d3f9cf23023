"""Configuration of the dashboard, from the environment (prefix WEB_, service URLs by their plain names)."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.common import Name


def _url(name: str, port: int) -> Any:
    return Field(f"http://127.0.0.1:{port}", validation_alias=AliasChoices(f"{name.upper()}_URL", f"{name}_url"))


class Settings(BaseSettings):
    """WEB_HTTP_HOST/PORT, WEB_SESSION_SECRET, WEB_TIMEOUT, …; SCORING_URL, AWARDS_URL, NOTIFY_URL, EVIDENCE_URL."""

    model_config = SettingsConfigDict(env_prefix="WEB_", extra="ignore", populate_by_name=True)

    http_host: str = "127.0.0.1"
    http_port: int = Field(8080, ge=1, le=65535)
    log_level: str = "INFO"
    # Log lines as JSON objects (containers, log shippers) or plain text (`make run`); read by serve().
    log_format: Literal["text", "json"] = Field("text", validation_alias=AliasChoices("LOG_FORMAT", "log_format"))
    # Signs the session cookie (a random session id once signed in; the token stays in the dashboard's memory);
    # unset: a random secret per process.
    session_secret: SecretStr | None = None
    # Seconds a sign-in lasts at most, however active (absolute lifetime).
    session_max_age: int = Field(8 * 3600, ge=60, le=30 * 24 * 3600)
    # Seconds without a request after which a sign-in ends (idle lifetime).
    session_idle_timeout: int = Field(1800, ge=60, le=24 * 3600)
    # Seconds between checks that a signed-in token is still live (a revoked token ends its sessions).
    session_recheck_seconds: int = Field(60, ge=5, le=3600)
    # The dashboard is served over HTTPS (behind a TLS proxy): a Secure cookie named __Host-thidua_session, HSTS.
    cookie_secure: bool = False
    # Failed sign-ins per client (IP address) per minute; the next one is answered 429 with Retry-After.
    sign_in_attempts: int = Field(5, ge=1, le=1000)
    # Seconds an anonymous page's public answers (standings, scorecards) are reused; 0: ask every time.
    public_cache_seconds: float = Field(2.0, ge=0, le=300)
    # Seconds for one upstream request (the page waits at most about this long per call).
    timeout: float = Field(5.0, gt=0, le=120)
    # Seconds between refreshes of the live leaderboards.
    refresh_seconds: int = Field(10, ge=2, le=3600)
    # The issuer of every document (heading, place of the date line, signature): the province's name as written
    # in text; the default is the demo province on the map after 1 July 2025 (Resolution 202/2025/QH15).
    issuer_province: Name = "Ninh Bình"
    # "tỉnh" or "thành phố" (a city under the central government): "UBND TỈNH …", "toàn thành phố …".
    issuer_province_kind: Literal["tỉnh", "thành phố"] = "tỉnh"
    # The heading's first line, the issuer's parent body; unset: "UBND " + kind + province, in capitals.
    issuer_agency: Name | None = None
    # The place of the date line ("…, ngày … tháng … năm …"); unset: the province's name.
    issuer_place: Name | None = None
    # The issuing body, the heading's second line.
    issuer_body: Name = "HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG"
    # The signatory's titles above the signature, one line each (a JSON list).
    issuer_signatory_titles: list[Name] = Field(
        default_factory=lambda: ["TM. HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG", "CHỦ TỊCH"], min_length=1, max_length=4
    )
    # The signer's name under the signature; unset: left blank to sign by hand.
    issuer_signer: Name | None = None
    # Officials' single sign-on (OpenID Connect): the provider's issuer URL exactly as its tokens name it
    # (e.g. https://sso.example.gov.vn/realms/tinh); unset: sign-in by the provider is off (tokens still work).
    oidc_issuer: str | None = Field(None, max_length=2048, pattern=r"^https?://")
    # The dashboard's client id at the provider.
    oidc_client_id: str = Field("thidua-dashboard", min_length=1, max_length=200)
    # The client's secret (a confidential client); unset: a public client (PKCE only).
    oidc_client_secret: SecretStr | None = None
    # The scopes asked for, space-separated ("openid" first).
    oidc_scopes: str = Field("openid profile", pattern=r"^openid( [\x21-\x7e]+)*$", max_length=500)
    # The sign-in button's words: "Đăng nhập bằng <this>".
    oidc_provider_name: Name = "tài khoản công vụ của tỉnh"
    # The dashboard's public base URL (redirect URI <it>/auth/callback, back after sign-out <it>/);
    # unset: taken from each request (set it behind a proxy that rewrites the host).
    oidc_public_url: str | None = Field(None, max_length=2048, pattern=r"^https?://")
    # Whom a signed-in person with no rights asks to be given a role.
    oidc_help_contact: Name = "Văn phòng Hội đồng Thi đua - Khen thưởng"
    scoring_url: str = _url("scoring", 8082)
    awards_url: str = _url("awards", 8083)
    notify_url: str = _url("notify", 8084)
    evidence_url: str = _url("evidence", 8081)

    def form_targets(self) -> tuple[str, ...]:
        """Origins a form's redirect may reach besides the dashboard: the provider's (sign-out ends there too)."""
        if not self.oidc_issuer:
            return ()
        parts = urlsplit(self.oidc_issuer)
        return (f"{parts.scheme}://{parts.netloc}",)
