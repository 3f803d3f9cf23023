"""Settings of the notify service, from NOTIFY_* environment variables."""

from pydantic_settings import SettingsConfigDict

from thidua.runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    """Notify service settings (env prefix NOTIFY_; Kafka and database from the global names)."""

    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore", populate_by_name=True)

    http_port: int = 8084
    group_id: str = "thidua-notify"
