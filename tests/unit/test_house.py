"""The shape of the house: the kit below the apps, no import cycles, no copied blocks, the same rooms everywhere."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("evidence", "scoring", "awards", "notify")
PACKAGES = ("schemas", "thidua", "services")
README_SECTIONS = [
    "Purpose",
    "Consumes and publishes",
    "HTTP API",
    "Rooms",
    "Configuration",
    "Rules and sources",
    "Tests",
]
ROOMS = ("domain", "handlers", "adapters", "views.py", "api.py", "app.py", "config.py", "migrations", "README.md")
MIN_BLOCK = 6


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Project modules imported by the module (relative imports resolved; function-level imports included)."""
    out = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(path, name, known) for name, path in modules.items()}


def test_the_platform_kit_never_imports_a_service() -> None:
    offending = sorted(
        f"{m} -> {t}"
        for m, targets in _graph().items()
        if m.startswith(("thidua", "schemas"))
        for t in targets
        if t.startswith("services")
    )
    assert not offending, "\n".join(offending)


def test_services_never_import_each_other() -> None:
    offending = sorted(
        f"{m} -> {t}"
        for m, targets in _graph().items()
        if m.startswith("services.")
        for t in targets
        if t.startswith("services.") and t.split(".")[1] != m.split(".")[1]
    )
    assert not offending, "\n".join(offending)


def test_no_import_cycle() -> None:
    graph = {m: {t for t in ts if t != m and not m.startswith(t + ".")} for m, ts in _graph().items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert not cycles, cycles


def _normalised_lines(path: Path) -> list[tuple[int, str]]:
    lines = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        text = line.strip()
        if not text or text.startswith(("#", "import ", "from ", '"""', ")", "]", "}")) or len(text) < 4:
            continue
        lines.append((number, re.sub(r"\s+", " ", text)))
    return lines


def test_no_block_of_six_repeated_lines_across_services() -> None:
    seen: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for path in sorted((ROOT / "services").rglob("*.py")):
        lines = _normalised_lines(path)
        for i in range(len(lines) - MIN_BLOCK + 1):
            block = tuple(text for _, text in lines[i : i + MIN_BLOCK])
            seen[block].append(f"{path.relative_to(ROOT)}:{lines[i][0]}")
    repeated = {block: places for block, places in seen.items() if len(places) > 1}
    assert not repeated, "\n\n".join(f"{places}\n" + "\n".join(block) for block, places in list(repeated.items())[:5])


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_same_rooms(service: str) -> None:
    home = ROOT / "services" / service
    missing = [room for room in ROOMS if not (home / room).exists()]
    assert not missing, f"services/{service} lacks {missing}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_readme_has_the_same_sections(service: str) -> None:
    text = (ROOT / "services" / service / "README.md").read_text()
    sections = [line[3:].strip() for line in text.splitlines() if line.startswith("## ")]
    assert sections == README_SECTIONS
