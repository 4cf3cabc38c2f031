"""The package layering of docs/architecture.md, enforced on every import (lazy ones too).

Each rlgan package may import only the packages below it; the test reads every module's
``import`` statements with :mod:`ast`, including those inside functions, so a lazy import
cannot hide a loop (such as the old envs -> render -> rl -> envs one).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: package -> the rlgan packages its modules may import (itself always allowed).
ALLOWED: dict[str, set[str]] = {
    "rlgan.common": set(),
    "rlgan.nets": {"rlgan.common"},
    "rlgan.envs": {"rlgan.common"},
    "rlgan.render": {"rlgan.common"},
    "rlgan.rl": {"rlgan.common", "rlgan.nets", "rlgan.envs"},
    "rlgan.gan": {"rlgan.common", "rlgan.nets", "rlgan.render"},
    "rlgan.arena": {"rlgan.common", "rlgan.nets", "rlgan.envs", "rlgan.rl", "rlgan.render"},
    "rlgan.apps": {
        "rlgan.common",
        "rlgan.nets",
        "rlgan.envs",
        "rlgan.render",
        "rlgan.rl",
        "rlgan.gan",
        "rlgan.arena",
    },
    "rlgan.sweep": {"rlgan.common", "rlgan.rl", "rlgan.gan", "rlgan.arena"},
}
#: Where each package's source lives (conf/ and envs/ are mapped into the package).
SOURCES = {
    "rlgan.envs": ROOT / "envs",
    **{name: ROOT / name.replace(".", "/") for name in ALLOWED if name != "rlgan.envs"},
}


def _package_of(module: str) -> str | None:
    """The layered package a dotted module name belongs to (None for others)."""
    for name in sorted(ALLOWED, key=len, reverse=True):
        if module == name or module.startswith(name + "."):
            return name
    return None


def _imports(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every absolute rlgan import in a file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name.startswith("rlgan")]


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_the_layers_below_it(package: str) -> None:
    source = SOURCES[package]
    if not source.is_dir():
        pytest.skip(f"{package} has no modules yet")
    allowed = ALLOWED[package] | {package}
    wrong = []
    for path in sorted(source.rglob("*.py")):
        for line, module in _imports(path):
            target = _package_of(module)
            if target is not None and target not in allowed:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, f"{package} may import only {sorted(allowed)}:\n" + "\n".join(wrong)
