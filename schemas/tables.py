"""The topic tables of the READMEs and of docs/contract.md, written from the topics' declarations (schemas/topics.py)
between two markers."""

from __future__ import annotations

import re
from pathlib import Path

from schemas import topics

ROOT = Path(__file__).resolve().parent.parent
BEGIN = "<!-- topics: generated from schemas/topics.py by `python -m schemas.export`; edit the topics there -->"
END = "<!-- /topics -->"
_BLOCK = re.compile(re.escape(BEGIN) + r"\n.*?" + re.escape(END), re.DOTALL)


def _who(names: tuple[str, ...]) -> str:
    return ", ".join(names) or "operators"  # no service: the operators (replays, reading refusals)


def system_table() -> str:
    """Every topic: its message, who writes it and who reads it."""
    rows = [
        f"| `{spec.name}` | `{spec.message}` | {_who(spec.producers)} | {_who(spec.consumers)} |"
        for spec in topics.TOPICS
    ]
    rows += [
        f"| `{family.prefix}<source>` | `{family.message}` | the source's own Kafka user | {_who(family.consumers)} |"
        for family in topics.FAMILIES
    ]
    return "\n".join(["| topic | message | written by | read by |", "|---|---|---|---|", *rows])


def service_table(service: str) -> str:
    """What one service reads and writes, with the other ends of each topic."""
    rows = [
        f"| consumes | `{spec.name}` | `{spec.message}` | {_who(spec.producers)} |"
        for spec in topics.TOPICS
        if service in spec.consumers
    ]
    rows += [
        f"| consumes | `{family.prefix}<source>` | `{family.message}` | the source's own Kafka user |"
        for family in topics.FAMILIES
        if service in family.consumers
    ]
    rows += [
        f"| produces | `{spec.name}` | `{spec.message}` | {_who(spec.consumers)} |"
        for spec in topics.TOPICS
        if service in spec.producers
    ]
    return "\n".join(["| | topic | message | other end |", "|---|---|---|---|", *rows])


def _retention(configs: dict[str, str]) -> str:
    ms = configs.get("retention.ms")
    if ms is None:
        return "the broker's default"
    return "kept (`-1`)" if ms == "-1" else f"{int(ms) // 86_400_000} days"


def contract_table() -> str:
    """The contract's table: every topic with its message, its two ends, what it carries, partitions, retention."""
    rows = [
        f"| `{spec.name}` | `{spec.message}` | {_who(spec.producers)} → {_who(spec.consumers)} | {spec.description} "
        f"| {spec.partitions} | {_retention(spec.configs)} |"
        for spec in topics.TOPICS
    ]
    rows += [
        f"| `{family.prefix}<source>` | `{family.message}` | the source's Kafka user `source-<source>`, and only it → "
        f"{_who(family.consumers)} | {family.description} | {family.partitions} each | {_retention(family.configs)} |"
        for family in topics.FAMILIES
    ]
    header = "| topic | message | producer → consumers | content | partitions | retention |"
    return "\n".join([header, "|---|---|---|---|---|---|", *rows])


def tables() -> dict[Path, str]:
    """README (and the contract's) path -> the table it carries."""
    found = {ROOT / "README.md": system_table(), ROOT / "docs/contract.md": contract_table()}
    found.update({ROOT / "services" / name / "README.md": service_table(name) for name in topics.kafka_services()})
    return found


def rewritten(text: str, table: str) -> str:
    """text with its generated block holding table (text must have the markers)."""
    if not _BLOCK.search(text):
        raise ValueError("no topics table markers")
    return _BLOCK.sub(lambda _: f"{BEGIN}\n{table}\n{END}", text, count=1)


def drift() -> list[str]:
    """READMEs whose table differs from the topics' declarations (or that lack the markers)."""
    stale = []
    for path, table in tables().items():
        text = path.read_text(encoding="utf-8")
        if not _BLOCK.search(text) or rewritten(text, table) != text:
            stale.append(str(path.relative_to(ROOT)))
    return stale


def write() -> list[str]:
    """Rewrite each README's table; return the READMEs changed."""
    changed = []
    for path, table in tables().items():
        text = path.read_text(encoding="utf-8")
        new = rewritten(text, table)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(str(path.relative_to(ROOT)))
    return changed
