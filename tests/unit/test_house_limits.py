"""House rules measured (issue 28): no module over 400 lines, no function over 80, in the code that ships.

The modules and functions still over a limit are listed with the size they had when the rule was written: each may
only shrink (a list that only gets shorter), and nothing new may join it. Measured from the source, not asserted."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("services", "schemas", "thidua")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80

# Still over the limit: path -> lines when listed (to be split; never to grow).
LONG_MODULES: dict[str, int] = {}
# Still over the limit: "path:qualified name" -> lines when listed.
LONG_FUNCTIONS: dict[str, int] = {}


def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def module_lengths() -> dict[str, int]:
    """Lines of every shipped module, by path from the repository's root."""
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8").count("\n") for p in _sources()}


def function_lengths() -> dict[str, int]:
    """Lines of every function (nested ones too, under their own name), by "path:name"."""
    found: dict[str, int] = {}
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None:
                key = f"{path.relative_to(ROOT)}:{node.name}"
                found[key] = max(found.get(key, 0), node.end_lineno - node.lineno + 1)
    return found


def _over(measured: dict[str, int], limit: int, listed: dict[str, int]) -> list[str]:
    problems = []
    for name, lines in sorted(measured.items()):
        if lines <= limit:
            continue
        if name not in listed:
            problems.append(f"{name}: {lines} lines (limit {limit})")
        elif lines > listed[name]:
            problems.append(f"{name}: grew to {lines} lines (listed at {listed[name]}; split it instead)")
    return problems


def test_no_new_module_over_400_lines_and_none_grows() -> None:
    assert _over(module_lengths(), MAX_MODULE_LINES, LONG_MODULES) == []


def test_no_new_function_over_80_lines_and_none_grows() -> None:
    assert _over(function_lengths(), MAX_FUNCTION_LINES, LONG_FUNCTIONS) == []


def test_the_lists_name_only_what_is_still_over() -> None:
    """A split module or function leaves the list: the list says exactly what remains to do."""
    modules, functions = module_lengths(), function_lengths()
    stale = [m for m in LONG_MODULES if modules.get(m, 0) <= MAX_MODULE_LINES]
    stale += [f for f in LONG_FUNCTIONS if functions.get(f, 0) <= MAX_FUNCTION_LINES]
    assert stale == []


def test_the_measure_sees_a_long_function() -> None:
    """The measure itself: a function of 81 lines is over, one of 80 is not."""
    assert _over({"x.py:f": 81, "x.py:g": 80}, MAX_FUNCTION_LINES, {}) == ["x.py:f: 81 lines (limit 80)"]
