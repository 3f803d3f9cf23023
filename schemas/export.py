"""python -m schemas.export [--check]: write (or verify) the JSON Schema of every contract model."""

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from schemas.evidence import EVIDENCE_ADAPTER
from schemas.outputs import Alert, NominationChanged, RejectedEvidence, StandingChanged

DIRECTORY = Path(__file__).parent / "jsonschema"
MODELS: dict[str, type[BaseModel]] = {
    "standing_changed.json": StandingChanged,
    "alert.json": Alert,
    "nomination_changed.json": NominationChanged,
    "rejected_evidence.json": RejectedEvidence,
}


def generated() -> dict[str, str]:
    """File name -> JSON Schema text, deterministic."""
    schemas: dict[str, dict[str, Any]] = {"evidence.json": EVIDENCE_ADAPTER.json_schema()}
    schemas.update({name: model.model_json_schema() for name, model in MODELS.items()})
    return {name: json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            for name, doc in schemas.items()}


def drift() -> list[str]:
    """Names of the files on disk that differ from what the models generate."""
    return [name for name, text in generated().items()
            if not (DIRECTORY / name).exists() or (DIRECTORY / name).read_text(encoding="utf-8") != text]


def main(argv: list[str]) -> int:
    """Write the files, or with --check report drift and exit 1."""
    if "--check" in argv:
        stale = drift()
        if stale:
            print("JSON Schemas out of date (run `make schemas`): " + ", ".join(stale))
            return 1
        print("JSON Schemas up to date")
        return 0
    DIRECTORY.mkdir(exist_ok=True)
    for name, text in generated().items():
        (DIRECTORY / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(generated())} schemas to {DIRECTORY}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
