"""Apache Kafka 4 in KRaft mode from Maven Central jars, run as a plain Java process."""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path

from pydantic import SecretStr

from thidua.operator.localinfra.process import cache_dir, port_open, spawn, stop, wait_until
from thidua.operator.localinfra.secret_files import write_secret
from thidua.runtime.kafka_access import KafkaAccess

KAFKA_VERSION = os.environ.get("THIDUA_KAFKA_VERSION", "4.1.1")
LOG4J_VERSION = "2.24.3"

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.thidua</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>{kafka}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId>
      <version>{log4j}</version></dependency>
    <!-- Kafka pulls slf4j-api 1.7, whose log4j binding is log4j-slf4j-impl (not the slf4j2 one). -->
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId>
      <version>{log4j}</version></dependency>
  </dependencies>
</project>
"""

_LOG4J2 = """status = error
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka.server.KafkaServer
logger.kafka.level = INFO
"""


def ensure_jars(version: str = KAFKA_VERSION) -> Path:
    """Fetch the broker's jars once with Maven and return the cached directory."""
    home = cache_dir() / f"kafka-{version}"
    libs = home / "libs"
    if (home / ".complete").exists():
        return libs
    if shutil.which("mvn") is None or shutil.which("java") is None:
        raise RuntimeError("Java 17+ and Maven are needed to fetch and run Kafka (apt-get install maven)")
    home.mkdir(parents=True, exist_ok=True)
    (home / "pom.xml").write_text(_POM.format(kafka=version, log4j=LOG4J_VERSION))
    print(f"==> fetching Apache Kafka {version} jars from Maven Central into {libs} (first run only)", flush=True)
    started = time.monotonic()
    shutil.rmtree(libs, ignore_errors=True)
    subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "--no-transfer-progress",
            "-Dstyle.color=never",
            "-f",
            str(home / "pom.xml"),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={libs}",
        ],
        check=True,
    )
    (home / "log4j2.properties").write_text(_LOG4J2)
    (home / ".complete").write_text(version)
    print(f"==> Kafka jars ready in {time.monotonic() - started:.1f}s", flush=True)
    return libs


def kafka_ready(access: KafkaAccess | str, timeout: float = 3.0) -> bool:
    """True when the broker answers a metadata request (a TCP connect alone is too early)."""
    from aiokafka.admin import AIOKafkaAdminClient

    options = KafkaAccess.coerce(access).aiokafka_options()

    async def probe() -> bool:
        admin = AIOKafkaAdminClient(**options, request_timeout_ms=int(timeout * 1000))
        try:
            await asyncio.wait_for(admin.start(), timeout)
            cluster = await asyncio.wait_for(admin.describe_cluster(), timeout)
            return bool(cluster.get("brokers"))
        except Exception:
            return False
        finally:
            await admin.close()

    result: list[bool] = []
    # A fresh thread has no running event loop, so this works from sync and async callers alike.
    thread = threading.Thread(target=lambda: result.append(asyncio.run(probe())), daemon=True)
    thread.start()
    thread.join(timeout * 3)
    return bool(result and result[0])


_SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule"
_PLAIN_LOGIN = "org.apache.kafka.common.security.plain.PlainLoginModule"
ADMIN = "admin"
"""The broker's super user (super.users): it provisions topics, service and source principals and their ACLs."""


class LocalKafka:
    """A single-node broker+controller on loopback, data under data_dir, every client authenticated.

    Clients speak SASL_PLAINTEXT with SCRAM-SHA-512 (the credentials live in the cluster metadata, salted and
    hashed); the controller listener uses SASL/PLAIN with the admin's password from the broker's own config.
    The StandardAuthorizer denies what no ACL allows; only the admin is a super user. TLS is for production
    (docs/operations.md): on loopback it would add nothing but certificates to manage.
    """

    def __init__(self, data_dir: Path, *, port: int, controller_port: int, heap: str = "512m") -> None:
        self.data_dir = data_dir
        self.port = port
        self.controller_port = controller_port
        self.heap = heap
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "broker.log"

    @property
    def _password_file(self) -> Path:
        return self.data_dir / "admin.password"

    @property
    def admin_access(self) -> KafkaAccess:
        """The super user's access (its password is generated on first start and kept in data_dir, mode 0600)."""
        return KafkaAccess(
            bootstrap=self.bootstrap,
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="SCRAM-SHA-512",
            username=ADMIN,
            password=SecretStr(self._password_file.read_text().strip()),
        )

    def _write_config(self, *, secured: bool = True) -> Path:
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.bootstrap.servers": f"127.0.0.1:{self.controller_port}",
            "listeners": f"SASL_PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"SASL_PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "SASL_PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
            "log.dirs": str(self.data_dir / "logs"),
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "6",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            # Topics are created by the project with explicit settings, never by accident.
            "auto.create.topics.enable": "false",
            "num.network.threads": "2",
            "num.io.threads": "4",
        }
        if secured:
            secret = self._password_file.read_text().strip()
            props.update(
                {
                    "sasl.enabled.mechanisms": "SCRAM-SHA-512",
                    "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
                    "listener.name.sasl_plaintext.sasl.enabled.mechanisms": "SCRAM-SHA-512",
                    "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config": (
                        f'{_SCRAM_LOGIN} required username="{ADMIN}" password="{secret}";'
                    ),
                    # SCRAM credentials live in the metadata the controller serves, so the controller itself uses PLAIN.
                    "sasl.mechanism.controller.protocol": "PLAIN",
                    "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
                    "listener.name.controller.plain.sasl.jaas.config": (
                        f'{_PLAIN_LOGIN} required username="{ADMIN}" password="{secret}" user_{ADMIN}="{secret}";'
                    ),
                    "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                    "super.users": f"User:{ADMIN}",
                    "allow.everyone.if.no.acl.found": "false",
                }
            )
        else:  # only to upgrade a data directory made before SCRAM (see start)
            props.update(
                {
                    "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
                    "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
                    "inter.broker.listener.name": "PLAINTEXT",
                    "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                }
            )
        path = self.data_dir / "server.properties"
        write_secret(path, "".join(f"{k}={v}\n" for k, v in props.items()))  # it holds the admin's password
        return path

    def start(self, *, timeout: float = 90.0) -> None:
        """Format storage (with the admin's SCRAM credential) on first use, start, wait for a metadata answer."""
        libs = ensure_jars()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        formatted = (self.data_dir / "logs" / "meta.properties").exists()
        if formatted and not self._password_file.exists():
            self._upgrade_to_scram(timeout=timeout)
        if not self._password_file.exists():
            write_secret(self._password_file, secrets.token_urlsafe(24))
        config = self._write_config()
        if not formatted:
            secret = self._password_file.read_text().strip()
            subprocess.run(
                [
                    "java",
                    "-cp",
                    f"{libs}/*",
                    "kafka.tools.StorageTool",
                    "format",
                    "--standalone",
                    f"--cluster-id={_cluster_id()}",
                    "-c",
                    str(config),
                    "--add-scram",
                    f"SCRAM-SHA-512=[name={ADMIN},password={secret}]",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        self._run(config, self.admin_access, timeout=timeout)

    def _run(self, config: Path, access: KafkaAccess, *, timeout: float) -> None:
        libs = ensure_jars()
        log4j = libs.parent / "log4j2.properties"
        self.proc = spawn(
            [
                "java",
                f"-Xmx{self.heap}",
                f"-Xms{self.heap}",
                "-XX:+UseG1GC",
                "-cp",
                f"{libs}/*",
                f"-Dlog4j2.configurationFile={log4j}",
                "kafka.Kafka",
                str(config),
            ],
            log_path=self.log_path,
        )
        wait_until(
            lambda: port_open(self.port) and kafka_ready(access),
            timeout=timeout,
            what="Kafka broker",
            proc=self.proc,
            log_path=self.log_path,
        )

    def _upgrade_to_scram(self, *, timeout: float) -> None:
        """A data directory from before SCRAM: start it once without authentication, add the admin's SCRAM
        credential, stop. Its topics and offsets are kept."""
        from confluent_kafka.admin import (
            AdminClient,
            ScramCredentialInfo,
            ScramMechanism,
            UserScramCredentialUpsertion,
        )

        secret = secrets.token_urlsafe(24)
        self._run(self._write_config(secured=False), KafkaAccess(bootstrap=self.bootstrap), timeout=timeout)

        def add_admin() -> None:  # the client is gone when this returns, before the broker stops
            admin = AdminClient({"bootstrap.servers": self.bootstrap})
            upsert = UserScramCredentialUpsertion(
                ADMIN, ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), secret.encode()
            )
            for future in admin.alter_user_scram_credentials([upsert]).values():
                future.result(timeout)

        try:
            add_admin()
        finally:
            self.stop()
        write_secret(self._password_file, secret)

    def stop(self) -> None:
        """Controlled shutdown (SIGTERM), killed after 30 s."""
        if self.proc is not None:
            stop(self.proc, timeout=30)
            self.proc = None


def _cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (it may start with "-", hence the
    --cluster-id=... form: as a separate argument the storage tool would take it for an option)."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
