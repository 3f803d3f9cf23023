"""python -m schemas.export [--check]: write (or verify) the JSON Schema of every contract model."""

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from schemas import tables, topics
from schemas.evidence import evidence_adapter
from schemas.outputs import Alert, NominationChanged, OfficerRating, RejectedEvidence, StandingChanged

DIRECTORY = Path(__file__).parent / "jsonschema"
MODELS: dict[str, type[BaseModel]] = {
    "standing_changed.json": StandingChanged,
    "officer_rating.json": OfficerRating,
    "alert.json": Alert,
    "nomination_changed.json": NominationChanged,
    "rejected_evidence.json": RejectedEvidence,
}


def _render(document: dict[str, Any]) -> str:
    """Pretty, sorted, newline-terminated: the same bytes on every run."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def asyncapi(schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """An AsyncAPI 3.0 document of the topics, their messages and who sends and receives them, built from the
    same models and from the topics' declarations (schemas/topics.py)."""
    # Payloads refer to the JSON Schema files beside this document (their $defs stay resolvable).
    messages = {
        name.removesuffix(".json"): {
            "name": name.removesuffix(".json"),
            "contentType": "application/json",
            "payload": {"$ref": f"./{name}"},
        }
        for name in schemas
    }
    channels = {
        spec.name: {
            "address": spec.name,
            "description": spec.description,
            "bindings": {"kafka": {"partitions": spec.partitions, "topicConfiguration": dict(spec.configs)}},
            "messages": {spec.message: {"$ref": f"#/components/messages/{spec.message}"}},
        }
        for spec in topics.TOPICS
    }
    operations = {
        f"{service}.{action}.{spec.name}": {
            "action": action,
            "channel": {"$ref": f"#/channels/{spec.name}"},
            "summary": f"{service} {'publishes to' if action == 'send' else 'consumes'} {spec.name}",
        }
        for spec in topics.TOPICS
        for action, services in (("send", spec.producers), ("receive", spec.consumers))
        for service in services
    }
    info = {
        "title": "Thi đua public contract",
        "version": "1.0.0",
        "description": "Kafka topics of contract v1; keys are unit ids or subject ids.",
    }
    return {
        "asyncapi": "3.0.0",
        "info": info,
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def generated() -> dict[str, str]:
    """File name -> JSON Schema text (and the AsyncAPI document), deterministic."""
    evidence = {
        "title": "EvidenceEvent",
        "description": "Evidence envelope v1 (any type).",
        **evidence_adapter().json_schema(),
    }
    documents: dict[str, dict[str, Any]] = {"evidence.json": evidence}
    documents.update({name: model.model_json_schema() for name, model in MODELS.items()})
    documents["asyncapi.json"] = asyncapi(dict(documents))
    return {name: _render(document) for name, document in documents.items()}


def drift(directory: Path = DIRECTORY) -> list[str]:
    """Names of the files on disk that are missing or differ from what the models generate."""
    return [
        name
        for name, text in generated().items()
        if not (directory / name).is_file() or (directory / name).read_text(encoding="utf-8") != text
    ]


def write(directory: Path = DIRECTORY) -> list[str]:
    """Write every schema file; return their names."""
    directory.mkdir(parents=True, exist_ok=True)
    files = generated()
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return sorted(files)


def main(argv: list[str] | None = None) -> int:
    """Write the files and the READMEs' topic tables, or with --check report drift (exit 1) and write nothing."""
    args = sys.argv[1:] if argv is None else argv
    if "--check" in args:
        stale = drift() + tables.drift()
        if stale:
            print("JSON Schemas or topic tables out of date (run `make schemas`): " + ", ".join(stale))
            return 1
        print("JSON Schemas and topic tables up to date")
        return 0
    names = write()
    print(f"wrote {len(names)} schemas to {DIRECTORY}")
    for readme in tables.write():
        print(f"rewrote the topic table of {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
