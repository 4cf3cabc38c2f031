"""The rlgan_optuna Hydra sweeper plugin is discovered from this install and from a wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DISCOVER = (
    "from hydra.core.plugins import Plugins; from hydra.plugins.sweeper import Sweeper;"
    "import hydra_plugins.rlgan_optuna as p;"
    "print(p.__file__);"
    "print(*sorted(c.__name__ for c in Plugins.instance().discover(Sweeper)))"
)


def test_plugin_discovered_in_this_install() -> None:
    from hydra.core.plugins import Plugins
    from hydra.plugins.sweeper import Sweeper

    names = {f"{c.__module__}.{c.__name__}" for c in Plugins.instance().discover(Sweeper)}
    assert "hydra_plugins.rlgan_optuna.rlgan_optuna_sweeper.RlganOptunaSweeper" in names


@pytest.mark.slow
def test_plugin_discovered_from_built_wheel(tmp_path: Path) -> None:
    wheel_dir = tmp_path / "wheel"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(REPO), "-w", str(wheel_dir)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = wheel_dir.glob("rlgan-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "hydra_plugins/rlgan_optuna/rlgan_optuna_sweeper.py" in names
    assert not any(n.startswith("hydra_plugins/__init__") for n in names)  # namespace
    assert "rlgan/rl/presets/hparams_search/ppo_cartpole.yaml" in names
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    # -S: no site-packages .pth files, so the editable install's import hook is not active;
    # the wheel's files come first, the venv's other packages after them.
    env = dict(os.environ, PYTHONPATH=f"{target}{os.pathsep}{sysconfig.get_paths()['purelib']}")
    proc = subprocess.run(
        [sys.executable, "-S", "-c", DISCOVER],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    location, sweepers = proc.stdout.strip().splitlines()
    assert location.startswith(str(target))
    assert "RlganOptunaSweeper" in sweepers.split()
