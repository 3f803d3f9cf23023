"""Settings of the awards service, from AWARDS_* environment variables."""

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from thidua.runtime.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "migrations"
RULES = Path(__file__).parent / "rules" / "awards.toml"


class Settings(ServiceSettings):
    """Awards service settings (env prefix AWARDS_; Kafka and database from the global names)."""

    model_config = SettingsConfigDict(env_prefix="AWARDS_", extra="ignore", populate_by_name=True)

    http_port: int = 8083
    group_id: str = "thidua-awards"
    rules_file: Path = RULES
