"""The Ray launcher, run in its own environment (``rlgan[ray]`` clashes with the main venv).

Ray (~360 MB, cloudpickle 2.x) lives in a separate virtualenv: ``RLGAN_RAY_PYTHON`` names its
python, else ``.venv-ray/bin/python`` at the repository root is used (docs/sweeps.md, "Ray",
has the commands that create it; about 110 s here). Without one this test is skipped with a
loud warning in pytest's summary, never silently.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOY_APP = Path(__file__).with_name("test_sweep_toy_app.py")


def ray_python() -> str | None:
    """The python of the Ray environment, or ``None`` when there is none."""
    named = os.environ.get("RLGAN_RAY_PYTHON")
    if named:
        return named
    default = REPO / ".venv-ray" / "bin" / "python"
    return str(default) if default.is_file() else None


@pytest.mark.slow
def test_ray_launcher_local_cluster(tmp_path: Path) -> None:
    python = ray_python()
    if python is None:
        message = (
            "Ray launcher test NOT RUN: no Ray environment. Create one with "
            "`python -m venv .venv-ray && .venv-ray/bin/pip install torch==2.13.0 "
            "-e '.[ray]'` or set RLGAN_RAY_PYTHON (see docs/sweeps.md)."
        )
        warnings.warn(message, UserWarning, stacklevel=1)
        pytest.skip(message)
    sweep = tmp_path / "ray"
    # Ray's socket paths must be short, and it writes under $HOME/.ray: keep both private.
    ray_tmp = Path(tempfile.mkdtemp(prefix="rlray", dir="/tmp"))
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env.update(HOME=str(tmp_path), RAY_AUTH_MODE="disabled", RAY_USAGE_STATS_ENABLED="0")
    try:
        proc = subprocess.run(
            [
                python,
                str(TOY_APP),
                "-m",
                "x=1,3",
                "seed=0,1",
                "hydra/launcher=ray",
                "+hydra.launcher.ray.init.num_cpus=2",
                f"+hydra.launcher.ray.init._temp_dir={ray_tmp}",
                f"hydra.sweep.dir={sweep}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
            env=env,
        )
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    metrics = [json.loads((sweep / str(i) / "metrics.json").read_text()) for i in range(4)]
    assert [m["score"] for m in metrics] == pytest.approx([6.0, 6.1, 10.0, 10.1])
    assert os.getpid() not in {m["pid"] for m in metrics}
