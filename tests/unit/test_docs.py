"""docs/contract.md names everything the code publishes, and citations point into docs/, never outside the repo.

Checks: every Kafka topic of schemas/topics.py and every evidence type (the `type` literals of the envelope
classes) is named in docs/contract.md; so is every HTTP path of the four services' OpenAPI documents (apps built
in-process, no server); no file of schemas/, thidua/, docs/ or the README cites a bare `domain.md` or
`contract.md` (documents that are not in the repository); and a citation of a section of docs/rules.md or
docs/contract.md names a heading that exists there."""

from __future__ import annotations

import re
import typing
from functools import cache
from pathlib import Path

import pytest

from schemas.evidence import EVIDENCE_TYPES, EvidenceEvent
from schemas.topics import TOPICS, source_inbound
from thidua import registry

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "docs" / "contract.md"
RULES = ROOT / "docs" / "rules.md"
SERVICES = ("evidence", "scoring", "awards", "notify")
TEXT_SUFFIXES = {".py", ".md", ".toml", ".json", ".html", ".txt", ".cfg", ".ini", ".yaml", ".yml"}

# A bare citation: `domain.md` / `contract.md` not written as `docs/...` (a path outside the repository or
# a document that no longer exists).
BARE_CITATION = re.compile(r"(?<![\w/.-])(domain|contract)\.md\b|(?<!docs)/(domain|contract)\.md\b")
# docs/rules.md or docs/contract.md, a comma and a quoted section: the section must be a heading of that file.
SECTION_CITATION = re.compile(r"docs/(rules|contract)\.md,? [\"“]([^\"”]+)[\"”]")


@cache
def contract_text() -> str:
    return CONTRACT.read_text(encoding="utf-8")


def named(name: str) -> bool:
    """name appears in docs/contract.md as a whole name (not only as the prefix of a longer one)."""
    return re.search(rf"(?<![\w.{{}}/-]){re.escape(name)}(?![\w.{{}}/-])", contract_text()) is not None


def evidence_types() -> list[str]:
    """The discriminator literals of the envelope classes: the evidence types the code accepts."""
    union = typing.get_args(EvidenceEvent)[0]
    found = [typing.get_args(cls.model_fields["type"].annotation)[0] for cls in typing.get_args(union)]
    return sorted(found)


def headings(path: Path) -> list[str]:
    return [line.lstrip("#").strip() for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")]


def scanned_files() -> list[Path]:
    """The files whose citations must point into docs/: schemas/, thidua/, services/, docs/ and the README."""
    files = [ROOT / "README.md"]
    for folder in ("schemas", "thidua", "services", "docs"):
        files += [
            p
            for p in sorted((ROOT / folder).rglob("*"))
            if p.is_file() and p.suffix in TEXT_SUFFIXES and "__pycache__" not in p.parts
        ]
    return files


def test_every_topic_is_in_the_contract() -> None:
    missing = [spec.name for spec in TOPICS if not named(spec.name)]
    assert not missing, f"topics of schemas/topics.py missing from docs/contract.md: {missing}"
    assert named(source_inbound("<source>")), "the per-source inbound topic evidence.inbound.v1.<source>"


def test_every_evidence_type_is_in_the_contract() -> None:
    types = evidence_types()
    assert sorted(EVIDENCE_TYPES) == types, "EVIDENCE_TYPES and the envelope classes disagree"
    missing = [t for t in types if not named(f"`{t}`")]
    assert not missing, f"evidence types missing from docs/contract.md: {missing}"


def test_the_four_services_are_registered() -> None:
    assert set(SERVICES) <= set(registry.names())


@pytest.mark.parametrize("name", SERVICES)
def test_every_http_path_is_in_the_contract(name: str) -> None:
    spec = registry.service(name)
    paths = spec.create_app(spec.settings()).openapi()["paths"]
    assert paths, f"{name} has no HTTP paths"
    missing = sorted(path for path in paths if not named(path))
    assert not missing, f"HTTP paths of {name} missing from docs/contract.md: {missing}"


def test_no_bare_citation_of_documents_outside_the_repository() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in scanned_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BARE_CITATION.search(line)
    ]
    assert not found, "cite docs/rules.md or docs/contract.md instead:\n" + "\n".join(found)


def test_cited_sections_exist() -> None:
    targets = {"rules": headings(RULES), "contract": headings(CONTRACT)}
    files = [
        *scanned_files(),
        *sorted((ROOT / "tests" / "unit").glob("*.py")),
        *sorted((ROOT / "services").rglob("*.toml")),
        *sorted((ROOT / "services").rglob("*.py")),
    ]
    wrong = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        # A citation may run over two lines of a comment or docstring.
        for match in SECTION_CITATION.finditer(re.sub(r"\s*\n\s*(#\s*)?", " ", text)):
            document, section = match.group(1), match.group(2)
            if not any(heading.startswith(section) for heading in targets[document]):
                wrong.append(f"{path.relative_to(ROOT)}: docs/{document}.md, {section!r}")
    assert not wrong, "citations of sections that docs/ does not have:\n" + "\n".join(wrong)


def test_the_bare_citation_pattern() -> None:
    assert BARE_CITATION.search("(domain.md §3)")
    assert BARE_CITATION.search("contract.md's topic table")
    assert BARE_CITATION.search("see notes/contract.md")
    assert not BARE_CITATION.search('docs/rules.md, "Individuals"')
    assert not BARE_CITATION.search("(`docs/contract.md`)")
