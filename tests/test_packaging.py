"""Packaging: the wheel ships conf/ and envs/ inside rlgan, and works from a fresh venv.

The fresh-venv test installs the built wheel with ``--no-deps`` and borrows the third-party
dependencies of the running environment through a ``.pth`` file, so it needs no network: what
it checks is our package (its files, its entry points, its config lookup), not PyPI.
"""

from __future__ import annotations

import re
import site
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    """The shell commands in README's "Quick start" code block."""
    text = (REPO / "README.md").read_text()
    block = re.search(r"## Quick start.*?```(?:bash|sh)?\n(.*?)```", text, re.S)
    assert block, "README.md needs a '## Quick start' section with a code block"
    return [
        line.strip()
        for line in block.group(1).splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def test_readme_gives_two_commands_and_ci_runs_the_test_one() -> None:
    commands = _readme_commands()
    assert len(commands) == 2, commands
    run_cmd, test_cmd = commands
    assert "rlgan-rl" in run_cmd and ".ci/install" in run_cmd
    assert "pytest" in test_cmd and ".ci/install" in test_cmd
    ci_lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert test_cmd in ci_lines, f"{test_cmd!r} must appear verbatim in .ci/run"


def _source_modules() -> set[str]:
    """Module files the wheel must contain, as paths inside the wheel.

    Folders are mapped to package paths with pyproject's ``package-dir`` (the longest
    matching folder wins, e.g. ``rlgan/sweep/hydra_plugins`` -> ``hydra_plugins``).
    """
    package_dir = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"
    ]
    folders = sorted(
        ((folder, pkg.replace(".", "/")) for pkg, folder in package_dir.items()),
        key=lambda item: -len(item[0]),
    )
    expected = set()
    for top in ("rlgan", "conf", "envs"):
        for path in (REPO / top).rglob("*"):
            if path.suffix not in {".py", ".yaml"} or "__pycache__" in path.parts:
                continue
            rel = path.relative_to(REPO).as_posix()
            folder, target = next((f, t) for f, t in folders if rel.startswith(f + "/"))
            expected.add(f"{target}/{rel[len(folder) + 1 :]}")
    return expected


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build rlgan's wheel once (no isolation: uses the installed setuptools)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("rlgan-*.whl")
    return built


@pytest.mark.slow
def test_wheel_contains_every_module_and_no_top_level_envs(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = _source_modules() - names
    assert not missing, f"not in the wheel (add the sub-package to pyproject): {sorted(missing)}"
    top_level = {name.split("/")[0] for name in names if not name.startswith("rlgan-")}
    assert top_level <= {"rlgan", "hydra_plugins"}, top_level


@pytest.mark.slow
def test_wheel_in_fresh_venv_runs_outside_the_source_tree(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    # Borrow third-party packages from this environment (no network in tests).
    fresh_site = subprocess.run(
        [str(py), "-c", "import sysconfig;print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    deps = {sysconfig.get_paths()["purelib"], *site.getsitepackages()}
    Path(fresh_site, "_borrowed_deps.pth").write_text("\n".join(sorted(deps)) + "\n")

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    where = subprocess.run(
        [
            str(py),
            "-c",
            "import rlgan, rlgan.conf; print(rlgan.__file__);print(rlgan.conf.__file__)",
        ],
        cwd=outside,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert all(path.startswith(str(venv)) for path in where), where

    job = subprocess.run(
        [str(venv / "bin" / "rlgan-rl"), "--cfg", "job"],
        cwd=outside,
        capture_output=True,
        text=True,
    )
    assert job.returncode == 0, job.stderr
    assert "app: rl" in job.stdout

    nets = subprocess.run(
        [str(py), "-c", "from rlgan.nets import MLP; print(MLP(3, 2))"],
        cwd=outside,
        capture_output=True,
        text=True,
    )
    assert nets.returncode == 0 and "Linear" in nets.stdout, nets.stderr

    no_envs = subprocess.run(
        [str(py), "-c", "import importlib.util as u;print(u.find_spec('envs') is None)"],
        cwd=outside,
        capture_output=True,
        text=True,
        check=True,
    )
    assert no_envs.stdout.strip() == "True"
