"""Settings of the evidence service, from EVIDENCE_* environment variables."""

from pydantic_settings import SettingsConfigDict

from thidua.runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    """Evidence service settings (env prefix EVIDENCE_; Kafka and database from the global names)."""

    model_config = SettingsConfigDict(env_prefix="EVIDENCE_", extra="ignore", populate_by_name=True)

    http_port: int = 8081
    group_id: str = "thidua-evidence"
