"""Configuration of the dashboard, from the environment (prefix WEB_, service URLs by their plain names)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    """WEB_HTTP_HOST, WEB_HTTP_PORT, WEB_ADMIN_TOKEN, WEB_TIMEOUT; SCORING_URL, AWARDS_URL, NOTIFY_URL."""

    model_config = SettingsConfigDict(env_prefix="WEB_", extra="ignore", populate_by_name=True)

    http_host: str = "127.0.0.1"
    http_port: int = Field(8080, ge=1, le=65535)
    log_level: str = "INFO"
    admin_token: str | None = None
    # Seconds for one upstream request (the page waits at most about this long per call).
    timeout: float = Field(5.0, gt=0, le=120)
    # Seconds between refreshes of the live leaderboards.
    refresh_seconds: int = Field(10, ge=2, le=3600)
    scoring_url: str = Field("http://127.0.0.1:8082", validation_alias=AliasChoices("SCORING_URL", "scoring_url"))
    awards_url: str = Field("http://127.0.0.1:8083", validation_alias=AliasChoices("AWARDS_URL", "awards_url"))
    notify_url: str = Field("http://127.0.0.1:8084", validation_alias=AliasChoices("NOTIFY_URL", "notify_url"))
