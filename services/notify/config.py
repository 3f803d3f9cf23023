"""Settings of the notify service, from NOTIFY_* environment variables."""

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from services.notify.adapters.sealing import check_key
from services.notify.domain.addresses import AllowList, parse_allow
from thidua.runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    """Notify service settings (env prefix NOTIFY_; Kafka and database from the global names)."""

    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore", populate_by_name=True)

    http_port: int = 8084
    group_id: str = "thidua-notify"
    # Links in messages point at the dashboard.
    public_base_url: str = "http://127.0.0.1:8080"
    # A condition notified less than this long ago (by event time) is not notified again (flapping).
    damping_seconds: float = Field(3600.0, ge=0)
    # This many dossier_overdue (or, counted apart, complaint_overdue) conditions of one unit within the window
    # tell its parent unit, once a window per kind.
    escalation_threshold: int = Field(3, ge=1)
    escalation_window_seconds: float = Field(24 * 3600.0, gt=0)
    # Push deliveries: attempts before parking, and the exponential backoff (with jitter) between them.
    max_attempts: int = Field(5, ge=1)
    retry_base_seconds: float = Field(2.0, gt=0)
    retry_max_seconds: float = Field(3600.0, gt=0)
    delivery_poll_seconds: float = Field(1.0, gt=0)
    delivery_batch: int = Field(50, ge=1, le=1000)
    # A claimed delivery is retried by anyone after this long (the sender crashed mid-attempt).
    delivery_lease_seconds: float = Field(120.0, gt=0)
    webhook_timeout_seconds: float = Field(10.0, gt=0)
    # Webhooks reach public addresses only; these comma-separated host names, IP addresses or CIDR blocks are
    # admitted as well (on-premises receivers, e.g. "10.20.0.0/16,hooks.so-tttt.local"; tests: "127.0.0.1").
    webhook_allow: str = ""
    # The binding contract's untimestamped X-Signature (no replay protection) beside X-Thidua-Signature; false
    # once every unit's receiver checks X-Thidua-Signature (docs/notify.md, "Verifying a webhook").
    webhook_legacy_signature: bool = True
    # The Fernet key webhook secrets are encrypted with in notify.channels (NOTIFY_SECRET_KEY; production: from the
    # secret store). Empty: one is generated on first start and kept in notify.keys (see docs/notify.md).
    secret_key: SecretStr = SecretStr("")
    # E-mail over SMTP (plain, no auth: a local relay).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "thidua@localhost"
    smtp_timeout_seconds: float = Field(10.0, gt=0)
    # Zalo Official Account messages: off while the OA access token is empty (adapters/channels/zalo.py).
    zalo_access_token: SecretStr = SecretStr("")
    zalo_api_url: str = "https://openapi.zalo.me/v3.0/oa/message/cs"
    # The daily digest of low-priority items is assembled at this local (UTC+7) hour or later, once a day.
    digest_hour: int = Field(7, ge=0, le=23)
    digest_check_seconds: float = Field(60.0, gt=0)
    digest_enabled: bool = True

    @field_validator("webhook_allow")
    @classmethod
    def _allow_parses(cls, value: str) -> str:
        parse_allow(value)
        return value

    @field_validator("secret_key")
    @classmethod
    def _key_is_fernet(cls, value: SecretStr) -> SecretStr:
        if value.get_secret_value():
            try:
                check_key(value.get_secret_value())
            except ValueError:
                raise ValueError("NOTIFY_SECRET_KEY must be a Fernet key: 32 url-safe base64-encoded bytes") from None
        return value

    @property
    def webhook_allow_list(self) -> AllowList:
        return parse_allow(self.webhook_allow)
