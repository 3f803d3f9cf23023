"""Settings of the evidence service, from EVIDENCE_* environment variables."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from thidua.runtime.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "migrations"


class Settings(ServiceSettings):
    """Evidence service settings (env prefix EVIDENCE_; Kafka and database from the global names)."""

    model_config = SettingsConfigDict(env_prefix="EVIDENCE_", extra="ignore", populate_by_name=True)

    http_port: int = 8081
    group_id: str = "thidua-evidence"
    # Limits of POST /v1/events: the request body in bytes and the items per request.
    max_body_bytes: int = Field(8 * 1024 * 1024, ge=1024)
    max_items: int = Field(1000, ge=1, le=10000)
    # Messages the outbox relay publishes per transaction.
    relay_batch: int = Field(5000, ge=1, le=50000)
    # Ingest-only replicas may leave publishing to others: the outbox waits for any relay.
    relay_enabled: bool = True
    # Lifetime of a session of POST /v1/dvcqg/login (the national portal's own sign-in flow), in minutes.
    dvcqg_session_minutes: int = Field(30, ge=1, le=24 * 60)
