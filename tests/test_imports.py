"""Imports stay light: a command's ``--help`` pays for Hydra and our config tree, not torch.

Each check runs in a fresh interpreter and looks at ``sys.modules`` after the import.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "stable_baselines3", "pygame")


def _imported_after(statement: str, watched: tuple[str, ...]) -> list[str]:
    """The modules of ``watched`` present in ``sys.modules`` after running ``statement``."""
    code = (
        f"import json, sys\n{statement}\n"
        f"print(json.dumps([m for m in {list(watched)!r} if m in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "module",
    [
        "rlgan",
        "rlgan.common",
        "rlgan.common.errors",
        "rlgan.rl",
        "rlgan.rl.cli",
        "rlgan.gan",
        "rlgan.gan.cli",
        "rlgan.render",
        "rlgan.apps",
        "rlgan.apps.watch",
        "rlgan.sweep",
        "rlgan.sweep.report",
    ],
)
def test_light_modules_import_no_torch_sb3_or_pygame(module: str) -> None:
    assert _imported_after(f"import {module}", HEAVY) == []


def test_common_app_imports_no_torch() -> None:
    assert _imported_after("import rlgan.common.app", HEAVY) == []


def test_import_rlgan_does_not_import_gymnasium() -> None:
    assert _imported_after("import rlgan", ("gymnasium", "numpy")) == []


def test_nets_import_only_torch() -> None:
    found = _imported_after(
        "import rlgan.nets", ("torch", "stable_baselines3", "gymnasium", "pygame")
    )
    assert found == ["torch"]


def test_lazy_reexports_still_work() -> None:
    statement = (
        "from rlgan.common import ConfigError, resolve_device, atomic_write_json\n"
        "from rlgan.render import Viewer, BarChart\n"
        "from rlgan.nets import MLP\n"
        "import rlgan.common, rlgan.render\n"
        "assert 'ConfigError' in dir(rlgan.common) and 'Viewer' in dir(rlgan.render)\n"
        "assert ConfigError.__module__ == 'rlgan.common.errors'"
    )
    assert _imported_after(statement, ()) == []


def test_unknown_attribute_is_an_attribute_error() -> None:
    statement = (
        "import rlgan.common\n"
        "try:\n    rlgan.common.nope\nexcept AttributeError as err:\n"
        "    assert 'nope' in str(err)\nelse:\n    raise SystemExit(1)"
    )
    assert _imported_after(statement, ()) == []


@pytest.mark.parametrize("order", ["rlgan_first", "gymnasium_first"])
def test_gymnasium_make_works_after_import_rlgan(order: str) -> None:
    imports = (
        "import rlgan\nimport gymnasium"
        if order == "rlgan_first"
        else "import gymnasium\nimport rlgan"
    )
    statement = (
        f"{imports}\n"
        "for env_id in ('rlgan/Pursuit-v0', 'rlgan/Maze-v0'):\n"
        "    gymnasium.make(env_id).close()"
    )
    assert _imported_after(statement, ()) == []


def test_registration_waits_for_gymnasium_submodule_imports() -> None:
    statement = (
        "import rlgan\nfrom gymnasium import spaces\nimport gymnasium\n"
        "assert 'rlgan/Pursuit-v0' in gymnasium.registry"
    )
    assert _imported_after(statement, ()) == []


def test_import_rlgan_envs_registers() -> None:
    statement = "import rlgan.envs\nimport gymnasium\nassert 'rlgan/Maze-v0' in gymnasium.registry"
    assert _imported_after(statement, ()) == []


def test_a_command_refused_by_rlgan_rls_own_checks_imports_no_runner() -> None:
    """``rlgan-rl total_timesteps=-5`` is refused before torch, SB3 or Gymnasium load."""
    code = (
        "import sys\n"
        "from rlgan.common.app import compose_config\n"
        "from rlgan.common.errors import ConfigError\n"
        "from rlgan.rl.cli import checked_train\n"
        "cfg = compose_config('rl', ['total_timesteps=-5'])\n"
        "try:\n"
        "    checked_train(cfg)\n"
        "except ConfigError as err:\n"
        "    assert 'total_timesteps=-5' in str(err), err\n"
        "else:\n"
        "    raise SystemExit('not refused')\n"
        "heavy = [m for m in ('torch', 'stable_baselines3', 'gymnasium') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_a_command_refused_by_rlgan_gans_own_checks_imports_no_torch() -> None:
    """``rlgan-gan train.batch_size=0`` is refused before torch loads."""
    code = (
        "import sys\n"
        "from rlgan.common.app import compose_config\n"
        "from rlgan.common.errors import ConfigError\n"
        "from rlgan.gan.cli import checked_train\n"
        "cfg = compose_config('gan', ['train.batch_size=0'])\n"
        "try:\n"
        "    checked_train(cfg)\n"
        "except ConfigError as err:\n"
        "    assert 'train.batch_size=0' in str(err), err\n"
        "else:\n"
        "    raise SystemExit('not refused')\n"
        "assert 'torch' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
