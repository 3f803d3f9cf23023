"""Settings of the scoring service, from SCORING_* environment variables."""

from pydantic_settings import SettingsConfigDict

from thidua.runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    """Scoring service settings (env prefix SCORING_; Kafka and database from the global names)."""

    model_config = SettingsConfigDict(env_prefix="SCORING_", extra="ignore", populate_by_name=True)

    http_port: int = 8082
    group_id: str = "thidua-scoring"
