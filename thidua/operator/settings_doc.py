"""Every environment variable of every registered service, read from the settings classes (docs/operations.md).

The settings classes are reached through `thidua.registry` (each spec names its class as "module:Class",
imported only here, when asked), never imported by name: the kit does not know the services. A variable is the
field's validation alias (KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL, METRICS_PUBLIC, SCORING_URL, …) or the class's
env prefix and the field's name in capitals (SCORING_TICK_SECONDS). Its meaning is the field's description, else
the comment written above the field in the class (or a base class), else a word from `_GENERIC`.
"""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, SecretStr
from pydantic.fields import FieldInfo

from thidua import registry

BEGIN = "<!-- settings:begin -->"
END = "<!-- settings:end -->"
ROOT = Path(__file__).resolve().parents[2]
SECRET = "(secret)"

# Fields that carry no comment of their own in the classes.
_GENERIC = {
    "kafka_bootstrap_servers": "Kafka brokers, host:port[,host:port…].",
    "kafka_sasl_mechanism": "SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN.",
    "kafka_username": "This service's Kafka user (SASL); unset on a PLAINTEXT cluster.",
    "kafka_password": "That user's password.",
    "kafka_ssl_cafile": "CA file that signed the brokers' certificates (SASL_SSL, SSL); the system's CAs when unset.",
    "database_url": "PostgreSQL connection URL; each service keeps its tables in its own schema, as its own role.",
    "http_host": "Address the HTTP server listens on.",
    "http_port": "Port the HTTP server listens on.",
    "log_level": "DEBUG, INFO, WARNING or ERROR.",
    "db_pool_size": "Connections in the service's PostgreSQL pool.",
    "max_batch": "Upper bound of records handed to one batch handler (one transaction each).",
    "group_id": "Kafka consumer group (keep the thidua-<service> prefix: the ACLs grant that).",
    "rules_file": "Rule file seeded at first start.",
}


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, the services that read it, its default and what it means."""

    env: str
    services: tuple[str, ...]
    default: str
    description: str


def env_name(model: type[BaseModel], name: str, field: FieldInfo) -> str:
    """The environment variable that sets field name of model."""
    alias = field.validation_alias
    if isinstance(alias, str):
        return alias.upper()
    if isinstance(alias, AliasChoices):
        first = next((choice for choice in alias.choices if isinstance(choice, str)), None)
        if first is not None:
            return first.upper()
    prefix = str(model.model_config.get("env_prefix") or "")
    return f"{prefix}{name}".upper()


def _is_secret(annotation: Any) -> bool:
    return annotation is SecretStr or "SecretStr" in repr(annotation)


def _show(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, Path):
        if value.is_absolute() and value.is_relative_to(ROOT):
            return value.relative_to(ROOT).as_posix()
        return value.as_posix()
    if isinstance(value, frozenset | set):
        return json.dumps(sorted(value), ensure_ascii=False)
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, sort_keys=isinstance(value, dict))
    if value == "":
        return '""'
    return str(value)


def default_of(field: FieldInfo) -> str:
    """The default as an operator would write it; "(secret)" for a secret."""
    if _is_secret(field.annotation):
        return SECRET
    if field.default_factory is not None:
        return _show(field.default_factory())  # type: ignore[call-arg]
    return _show(field.default)


_FIELD_LINE = re.compile(r"^(\s+)(\w+)\s*:")


def _comments(cls: type) -> dict[str, str]:
    """The `#` lines written right above each field of cls's body, joined."""
    try:
        lines = inspect.getsource(cls).splitlines()
    except (OSError, TypeError):
        return {}
    found: dict[str, str] = {}
    pending: list[str] = []
    for line in lines[1:]:
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("#").strip())
            continue
        match = _FIELD_LINE.match(line)
        if match and len(match.group(1)) == 4 and pending:
            found.setdefault(match.group(2), " ".join(pending))
        pending = []
    return found


def describe(model: type[BaseModel], name: str, field: FieldInfo) -> str:
    """The field's description, else the comment above it in the nearest class that has one, else a generic word."""
    if field.description:
        return field.description
    for cls in model.__mro__:
        if name in getattr(cls, "__annotations__", {}):
            comment = _comments(cls).get(name)
            if comment:
                return comment
    if name.endswith("_url") and name.removesuffix("_url") in registry.names():
        return f"Base URL of the {name.removesuffix('_url')} service's HTTP API."
    return _GENERIC.get(name, "")


def settings_of(model: type[BaseModel]) -> list[tuple[str, str, str]]:
    """(variable, default, meaning) of each field of a settings class, in the class's order."""
    return [
        (env_name(model, name, field), default_of(field), describe(model, name, field))
        for name, field in model.model_fields.items()
    ]


def collect() -> list[Setting]:
    """Every variable of every registered service, in start order; a variable several services read is one row."""
    order: list[str] = []
    merged: dict[str, tuple[list[str], str, str]] = {}
    for spec in registry.services():
        model = registry._load(spec.settings_class)
        for env, default, meaning in settings_of(model):
            if env in merged:
                services, first_default, first_meaning = merged[env]
                services.append(spec.name)
                if default != first_default:  # the same name with another default: say both
                    merged[env] = (services, f"{first_default}; {spec.name}: {default}", first_meaning or meaning)
                continue
            order.append(env)
            merged[env] = ([spec.name], default, meaning)
    return [Setting(env, tuple(merged[env][0]), merged[env][1], merged[env][2]) for env in order]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(settings: list[Setting] | None = None) -> str:
    """The table of docs/operations.md, "Environment variables"."""
    rows = ["| variable | services | default | meaning |", "|---|---|---|---|"]
    for s in settings if settings is not None else collect():
        rows.append(
            f"| `{s.env}` | {', '.join(s.services)} | `{_cell(s.default)}` | {_cell(s.description)} |".replace(
                "``", "` `"
            )
        )
    return "\n".join(rows) + "\n"


def env_file(settings: list[Setting] | None = None) -> str:
    """The same, as lines of an environment file (defaults commented out)."""
    out = []
    for s in settings if settings is not None else collect():
        out.append(f"# {s.description} ({', '.join(s.services)})" if s.description else f"# ({', '.join(s.services)})")
        out.append(f"# {s.env}={s.default}")
    return "\n".join(out) + "\n"


def table_in(text: str) -> str | None:
    """The table between the markers of a document, or None without markers."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        return None
    return text[start + len(BEGIN) : end].strip("\n") + "\n"


def with_table(text: str, table: str) -> str:
    """The document with its table between the markers replaced."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"no {BEGIN} … {END} markers in the document")
    return text[: start + len(BEGIN)] + "\n" + table + text[end:]
