"""requirements-runtime.lock (what the image installs) against requirements.lock and pyproject's dependencies.

The runtime lock must be exactly the closure of [project].dependencies, each pin equal to the development lock's:
no test or lint tool in the image, nothing the services import left out, no version the tests never ran.
"""

import re
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DEPENDENCIES = [Requirement(entry) for entry in PYPROJECT["project"]["dependencies"]]
DEV = [Requirement(entry) for entry in PYPROJECT["project"]["optional-dependencies"]["dev"]]


def normalize(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """name -> version of a lock file's `name==version` lines."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep and version, f"{path.name}: not an exact pin: {line!r}"
        assert normalize(name) not in found, f"{path.name}: {name} pinned twice"
        found[normalize(name)] = version.strip()
    return found


RUNTIME = pins(ROOT / "requirements-runtime.lock")
DEVELOPMENT = pins(ROOT / "requirements.lock")


def closure(requirements: list[Requirement]) -> set[str]:
    """The names of requirements and everything they require, as installed here, environment markers evaluated
    (this interpreter: the image's Python 3.11 on Linux)."""
    seen: set[tuple[str, frozenset[str]]] = set()
    pending = [(requirement, frozenset[str]()) for requirement in requirements]
    while pending:
        requirement, parent_extras = pending.pop()
        if requirement.marker is not None and not any(
            requirement.marker.evaluate({"extra": extra}) for extra in (parent_extras or {""})
        ):
            continue
        key = (normalize(requirement.name), frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            requires = distribution(requirement.name).requires or []
        except PackageNotFoundError:
            pytest.fail(f"{requirement.name} is required but not installed: run `make install`")
        pending += [(Requirement(entry), frozenset(requirement.extras)) for entry in requires]
    return {name for name, _ in seen}


def test_every_runtime_pin_is_the_development_pin() -> None:
    different = {
        name: (version, DEVELOPMENT.get(name)) for name, version in RUNTIME.items() if DEVELOPMENT.get(name) != version
    }
    assert not different, f"requirements-runtime.lock differs from requirements.lock (runtime, dev): {different}"


def test_every_direct_dependency_is_pinned_as_declared() -> None:
    for requirement in DEPENDENCIES:
        name = normalize(requirement.name)
        assert name in RUNTIME, f"{requirement.name} ([project].dependencies) is missing from requirements-runtime.lock"
        assert RUNTIME[name] in requirement.specifier, f"{requirement}: the runtime lock pins {RUNTIME[name]}"


def test_no_development_tool_is_in_the_runtime_lock() -> None:
    needed = closure(DEPENDENCIES)
    dev_only = {normalize(requirement.name) for requirement in DEV} - needed
    assert {"pytest", "mypy", "ruff", "selenium", "kubernetes-validate", "schemathesis"} <= dev_only
    assert not dev_only & set(RUNTIME), f"development tools in requirements-runtime.lock: {dev_only & set(RUNTIME)}"


def test_the_runtime_lock_is_exactly_the_closure_of_the_dependencies() -> None:
    needed = closure(DEPENDENCIES)
    assert not needed - set(RUNTIME), (
        f"required at run time but not in requirements-runtime.lock: {needed - set(RUNTIME)}"
    )
    assert not set(RUNTIME) - needed, f"in requirements-runtime.lock but required by nothing: {set(RUNTIME) - needed}"
