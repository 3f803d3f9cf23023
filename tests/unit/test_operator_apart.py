"""The operator's app (thidua/operator/) stands apart from the library: no service and no library module imports it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPERATOR = "thidua.operator"


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
    return {name for name in imported(path) if name == OPERATOR or name.startswith(OPERATOR + ".")}


def library_files() -> list[Path]:
    """The services, the contracts and the library every service imports (the kit without its operator's app)."""
    files = [*ROOT.glob("services/**/*.py"), *ROOT.glob("schemas/**/*.py"), *ROOT.glob("thidua/runtime/**/*.py")]
    return sorted([*files, ROOT / "thidua" / "registry.py"])


def test_no_service_or_library_module_imports_the_operators_app() -> None:
    found = {path.relative_to(ROOT).as_posix(): names for path in library_files() if (names := operator_imports(path))}
    assert found == {}


def test_the_check_sees_an_import_of_the_operators_app(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import thidua.operator.demo\nfrom thidua.operator import cli\nfrom thidua import registry\n"
        "from thidua.operator.localinfra.process import free_port\n",
        encoding="utf-8",
    )
    assert operator_imports(module) == {
        "thidua.operator.demo",
        "thidua.operator",
        "thidua.operator.cli",
        "thidua.operator.localinfra.process",
        "thidua.operator.localinfra.process.free_port",
    }


def test_the_operators_app_lives_under_thidua_operator() -> None:
    kit = {p.name for p in (ROOT / "thidua").iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}
    # The library (runtime, registry, testing support) and the operator's app; the old places' re-exports are gone.
    assert kit <= {"__init__.py", "runtime", "registry.py", "testing", "operator"}
    assert (ROOT / "thidua" / "operator" / "cli.py").exists()
