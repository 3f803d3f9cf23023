"""Apache Kafka 4 in KRaft mode from Maven Central jars, run as a plain Java process."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path

from thidua.localinfra.process import cache_dir, port_open, spawn, stop, wait_until

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
    print(f"==> fetching Apache Kafka {version} jars from Maven Central into {libs} (first run only)",
          flush=True)
    started = time.monotonic()
    shutil.rmtree(libs, ignore_errors=True)
    subprocess.run(
        ["mvn", "-q", "-B", "--no-transfer-progress", "-Dstyle.color=never", "-f", str(home / "pom.xml"),
         "dependency:copy-dependencies",
         f"-DoutputDirectory={libs}"],
        check=True,
    )
    (home / "log4j2.properties").write_text(_LOG4J2)
    (home / ".complete").write_text(version)
    print(f"==> Kafka jars ready in {time.monotonic() - started:.1f}s", flush=True)
    return libs


def kafka_ready(bootstrap: str, timeout: float = 3.0) -> bool:
    """True when the broker answers a metadata request (a TCP connect alone is too early)."""
    from aiokafka.admin import AIOKafkaAdminClient

    async def probe() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
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


class LocalKafka:
    """A single-node broker+controller listening on loopback, data under data_dir."""

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

    def _write_config(self) -> Path:
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.bootstrap.servers": f"127.0.0.1:{self.controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
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
        path = self.data_dir / "server.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        return path

    def start(self, *, timeout: float = 90.0) -> None:
        """Format storage on first use, start the broker and wait for a metadata answer."""
        libs = ensure_jars()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        classpath = f"{libs}/*"
        if not (self.data_dir / "logs" / "meta.properties").exists():
            subprocess.run(
                ["java", "-cp", classpath, "kafka.tools.StorageTool", "format", "--standalone",
                 f"--cluster-id={_cluster_id()}", "-c", str(config)],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        log4j = libs.parent / "log4j2.properties"
        self.proc = spawn(
            ["java", f"-Xmx{self.heap}", f"-Xms{self.heap}", "-XX:+UseG1GC", "-cp", classpath,
             f"-Dlog4j2.configurationFile={log4j}", "kafka.Kafka", str(config)],
            log_path=self.log_path,
        )
        wait_until(lambda: port_open(self.port) and kafka_ready(self.bootstrap), timeout=timeout,
                   what="Kafka broker",
                   proc=self.proc, log_path=self.log_path)

    def stop(self) -> None:
        """Controlled shutdown (SIGTERM), killed after 30 s."""
        if self.proc is not None:
            stop(self.proc, timeout=30)
            self.proc = None


def _cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (it may start with "-", hence the
    --cluster-id=... form: as a separate argument the storage tool would take it for an option)."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
