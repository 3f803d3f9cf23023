"""The operator's app (thidua/operator/) stands apart from the library: no service and no library module imports it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPERATOR = "thidua.operator"
# The old places that re-export the operator's modules for callers not yet moved (issue 28): importing them is
# importing the operator's app.
OLD_PLACES = ("thidua.cli", "thidua.localinfra")
# What still imports the operator's app, and why; each line may only go.
KNOWN: dict[str, set[str]] = {
    # `python -m services.dashboard` runs `thidua dashboard`; it could serve the registered app itself.
    "services/dashboard/__main__.py": {"thidua.cli", "thidua.cli.main"},
}


def imported(path: Path) -> set[str]:
    """Every module a file imports, by its absolute dotted name."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def operator_imports(path: Path) -> set[str]:
    """The imports of a file that reach the operator's app."""
    return {
        name
        for name in imported(path)
        for root in (OPERATOR, *OLD_PLACES)
        if name == root or name.startswith(root + ".")
    }


def library_files() -> list[Path]:
    """The services, the contracts and the library every service imports (the kit without its operator's app)."""
    files = [*ROOT.glob("services/**/*.py"), *ROOT.glob("schemas/**/*.py"), *ROOT.glob("thidua/runtime/**/*.py")]
    return sorted([*files, ROOT / "thidua" / "registry.py"])


def test_no_service_or_library_module_imports_the_operators_app() -> None:
    found = {path.relative_to(ROOT).as_posix(): names for path in library_files() if (names := operator_imports(path))}
    assert {path: names - KNOWN.get(path, set()) for path, names in found.items()} == {path: set() for path in found}
    assert set(KNOWN) <= set(found), "a known import is gone: remove its line from KNOWN"


def test_the_check_sees_an_import_of_the_operators_app(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import thidua.operator.demo\nfrom thidua.operator import cli\nfrom thidua import registry\n"
        "from thidua.localinfra.process import free_port\n",
        encoding="utf-8",
    )
    assert operator_imports(module) == {
        "thidua.operator.demo",
        "thidua.operator",
        "thidua.operator.cli",
        "thidua.localinfra.process",
        "thidua.localinfra.process.free_port",
    }


def test_the_operators_app_lives_under_thidua_operator() -> None:
    kit = {p.name for p in (ROOT / "thidua").iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}
    # The library (runtime, registry, testing support) and the re-exports of the old places still imported (cli.py
    # by the dashboard's `python -m services.dashboard`, localinfra by the dashboard's and the browser's tests).
    assert kit <= {
        "__init__.py",
        "runtime",
        "registry.py",
        "testing",
        "operator",
        "cli.py",
        "localinfra",
    }
    assert (ROOT / "thidua" / "operator" / "cli.py").exists()
