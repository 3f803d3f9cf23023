"""Who a Kafka client is: bootstrap servers, security protocol and SASL credentials, defined once for every client.

Every client of the project (services' consumers and producers, topic provisioning, the CLI, the demo, tests)
builds its connection options from one `KafkaAccess`, so switching a deployment from PLAINTEXT to SASL/SCRAM
or SASL_SSL is a matter of environment variables (docs/operations.md).
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

Protocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
Mechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]


class KafkaAccess(BaseModel):
    """One principal's way into the cluster (the broker's own SASL mechanism; TLS where the protocol says SSL)."""

    model_config = ConfigDict(frozen=True)

    bootstrap: str = Field(min_length=1, max_length=1000)
    security_protocol: Protocol = "PLAINTEXT"
    sasl_mechanism: Mechanism = "SCRAM-SHA-512"
    username: str | None = Field(None, min_length=1, max_length=200)
    password: SecretStr | None = None
    ssl_cafile: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> KafkaAccess:
        """KAFKA_BOOTSTRAP_SERVERS, KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_USERNAME, KAFKA_PASSWORD,
        KAFKA_SSL_CAFILE."""
        env = os.environ if environ is None else environ
        return cls(
            bootstrap=env.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
            security_protocol=env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT"),
            sasl_mechanism=env.get("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"),
            username=env.get("KAFKA_USERNAME") or None,
            password=SecretStr(env["KAFKA_PASSWORD"]) if env.get("KAFKA_PASSWORD") else None,
            ssl_cafile=env.get("KAFKA_SSL_CAFILE") or None,
        )

    @classmethod
    def coerce(cls, value: KafkaAccess | str) -> KafkaAccess:
        """value itself, or for bare bootstrap servers: that cluster with this process's credentials (env)."""
        if isinstance(value, KafkaAccess):
            return value
        return cls.from_env({**os.environ, "KAFKA_BOOTSTRAP_SERVERS": value})

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol.startswith("SASL")

    @property
    def uses_tls(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")

    def as_user(self, username: str, password: str) -> KafkaAccess:
        """The same cluster, as another principal."""
        return self.model_copy(update={"username": username, "password": SecretStr(password)})

    def as_env(self) -> dict[str, str]:
        """The environment variables that give a child process this access."""
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "KAFKA_SECURITY_PROTOCOL": self.security_protocol,
            "KAFKA_SASL_MECHANISM": self.sasl_mechanism,
        }
        if self.username:
            env["KAFKA_USERNAME"] = self.username
        if self.password:
            env["KAFKA_PASSWORD"] = self.password.get_secret_value()
        if self.ssl_cafile:
            env["KAFKA_SSL_CAFILE"] = self.ssl_cafile
        return env

    def _secret(self) -> str:
        return self.password.get_secret_value() if self.password else ""

    def ssl_context(self) -> ssl.SSLContext | None:
        """Server verification against KAFKA_SSL_CAFILE (or the system's CAs) when the protocol uses TLS."""
        return ssl.create_default_context(cafile=self.ssl_cafile) if self.uses_tls else None

    def aiokafka_options(self) -> dict[str, Any]:
        """Keyword arguments for aiokafka's producer, consumer and admin client."""
        options: dict[str, Any] = {"bootstrap_servers": self.bootstrap, "security_protocol": self.security_protocol}
        if self.uses_sasl:
            options.update(
                sasl_mechanism=self.sasl_mechanism,
                sasl_plain_username=self.username or "",
                sasl_plain_password=self._secret(),
            )
        if self.uses_tls:
            options["ssl_context"] = self.ssl_context()
        return options

    def faststream_security(self) -> Any:
        """FastStream's security object for the broker (None on PLAINTEXT)."""
        from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

        context = self.ssl_context()
        if not self.uses_sasl:
            return BaseSecurity(ssl_context=context) if context else None
        kind = {"SCRAM-SHA-512": SASLScram512, "SCRAM-SHA-256": SASLScram256, "PLAIN": SASLPlaintext}
        return kind[self.sasl_mechanism](
            username=self.username or "", password=self._secret(), ssl_context=context, use_ssl=self.uses_tls
        )

    def confluent_config(self) -> dict[str, str]:
        """Configuration for confluent-kafka's AdminClient (users and ACLs, which aiokafka cannot manage)."""
        config = {"bootstrap.servers": self.bootstrap, "security.protocol": self.security_protocol}
        if self.uses_sasl:
            config.update(
                {
                    "sasl.mechanism": self.sasl_mechanism,
                    "sasl.username": self.username or "",
                    "sasl.password": self._secret(),
                }
            )
        if self.uses_tls and self.ssl_cafile:
            config["ssl.ca.location"] = self.ssl_cafile
        return config


def kafka_options(value: KafkaAccess | str) -> dict[str, Any]:
    """aiokafka keyword arguments for value (see KafkaAccess.coerce)."""
    return KafkaAccess.coerce(value).aiokafka_options()
