"""Settings every service shares; each service subclasses it once with its own env prefix."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from thidua.runtime.kafka_access import KafkaAccess, Mechanism, Protocol


class ServiceSettings(BaseSettings):
    """Kafka and PostgreSQL come from the contract's global names; the rest is per service."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    kafka_bootstrap_servers: str = Field("127.0.0.1:9092", validation_alias="KAFKA_BOOTSTRAP_SERVERS")
    # The service's own Kafka principal (SASL/SCRAM on the local broker; SASL_SSL in production, operations.md).
    kafka_security_protocol: Protocol = Field("PLAINTEXT", validation_alias="KAFKA_SECURITY_PROTOCOL")
    kafka_sasl_mechanism: Mechanism = Field("SCRAM-SHA-512", validation_alias="KAFKA_SASL_MECHANISM")
    kafka_username: str | None = Field(None, validation_alias="KAFKA_USERNAME")
    kafka_password: SecretStr | None = Field(None, validation_alias="KAFKA_PASSWORD")
    kafka_ssl_cafile: str | None = Field(None, validation_alias="KAFKA_SSL_CAFILE")
    database_url: str = Field("postgresql://postgres@127.0.0.1:5432/postgres", validation_alias="DATABASE_URL")
    # The password of DATABASE_URL's role, kept out of the URL (a Kubernetes Secret, compose's .env); it fills in a
    # URL that has none.
    database_password: SecretStr | None = Field(None, validation_alias="DATABASE_PASSWORD")
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    log_level: str = "INFO"
    # Log lines as JSON objects (containers, log shippers) or plain text (`make run`); read by serve().
    log_format: Literal["text", "json"] = Field("text", validation_alias=AliasChoices("LOG_FORMAT", "log_format"))
    # Upper bound of records handed to one batch handler (one transaction each).
    max_batch: int = Field(2000, ge=1, le=50000)
    db_pool_size: int = Field(10, ge=1, le=100)
    # A record whose handling fails otherwise than transiently is tried this often, then parked.
    park_attempts: int = Field(3, ge=1, le=20)
    # A consumer with lag and no committed batch for this long is stalled: /readyz turns red, it re-subscribes.
    stall_seconds: float = Field(120.0, ge=5, le=3600)
    # true: GET /metrics and the details of GET /readyz (consumers, lag, parked) without a token; false (default,
    # make run included): an admin bearer token is required for them (401/403), /readyz alone says ok/not.
    metrics_public: bool = Field(False, validation_alias=AliasChoices("METRICS_PUBLIC", "metrics_public"))
    # true: the OpenAPI pages (/docs, /redoc, /openapi.json) without a token; false (default, make run
    # included): an admin bearer token is required for them (401/403).
    docs_public: bool = Field(False, validation_alias=AliasChoices("DOCS_PUBLIC", "docs_public"))
    # The province's OpenID Connect provider whose access tokens people's bearers may be (e.g.
    # https://sso.example.gov.vn/realms/thidua, exactly the tokens' `iss`); unset: provider tokens are refused (401).
    oidc_issuer: str | None = Field(None, validation_alias=AliasChoices("OIDC_ISSUER", "oidc_issuer"), max_length=2048)
    # The audience a provider's access token must name in `aud` to be accepted by the services.
    oidc_audience: str = Field(
        "thidua-api", validation_alias=AliasChoices("OIDC_AUDIENCE", "oidc_audience"), min_length=1, max_length=256
    )

    @model_validator(mode="after")
    def _database_password_into_url(self) -> ServiceSettings:
        if self.database_password is not None:
            self.database_url = with_password(self.database_url, self.database_password.get_secret_value())
        return self

    def kafka_access(self) -> KafkaAccess:
        """This service's way into the Kafka cluster."""
        return KafkaAccess(
            bootstrap=self.kafka_bootstrap_servers,
            security_protocol=self.kafka_security_protocol,
            sasl_mechanism=self.kafka_sasl_mechanism,
            username=self.kafka_username,
            password=self.kafka_password,
            ssl_cafile=self.kafka_ssl_cafile,
        )


def with_password(url: str, password: str) -> str:
    """url signing in with password, unless it names a password already."""
    parts = urlsplit(url)
    if parts.password is not None or "@" not in parts.netloc:
        return url
    user, host = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))


def operator_database_url() -> str:
    """The database of an operator's command: DATABASE_URL (with DATABASE_PASSWORD when set), else the local stack's
    PostgreSQL as its super user (the password `thidua run` generated into the state directory)."""
    if "DATABASE_URL" in os.environ:
        password = os.environ.get("DATABASE_PASSWORD")
        return with_password(os.environ["DATABASE_URL"], password) if password else os.environ["DATABASE_URL"]
    port = os.environ.get("THIDUA_POSTGRES_PORT", "15432")
    saved = Path(os.environ.get("THIDUA_STATE_DIR", ".state")) / "postgres.passwords" / "postgres"
    password = f":{saved.read_text().strip()}" if saved.is_file() else ""
    return f"postgresql://postgres{password}@127.0.0.1:{port}/postgres"
