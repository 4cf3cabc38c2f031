"""The notebook API (``rlgan.train``, runs, rollouts, ``show()``) and docs/notebook.md's code.

The page's Python blocks run as one script in a fresh folder, with the tiny budgets the page
itself uses, so the walk-through cannot drift from what the API does.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import rlgan
from rlgan.common.errors import ConfigError
from rlgan.notebook import display_file, save_gif

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "notebook.md"


def _python_blocks(markdown: str) -> list[str]:
    """The ```python fenced blocks of a Markdown page, in order."""
    return re.findall(r"^```python\n(.*?)^```", markdown, flags=re.S | re.M)


def test_doc_code_blocks_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = _python_blocks(DOC.read_text())
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__notebook__"}
    exec(compile("\n".join(blocks), str(DOC), "exec"), namespace)  # noqa: S102 - our own doc

    run, played, gan = namespace["run"], namespace["played"], namespace["gan"]
    (rl_folder,) = (tmp_path / "outputs" / "rl").glob("*/*")
    assert run.folder == rl_folder.resolve()
    assert json.loads((rl_folder / "metrics.json").read_text())["status"] == "ok"
    assert (rl_folder / ".hydra" / "overrides.yaml").is_file()
    assert len(played.returns) == 1 and played.lengths[0] >= 1
    assert len(played.frames) == played.lengths[0] + 1  # the reset frame, then one per step
    assert played.frames[0].ndim == 3 and played.frames[0].dtype == np.uint8
    assert namespace["gif"] == rl_folder.resolve() / "rollout.gif"
    assert namespace["gif"].stat().st_size > 0
    assert namespace["more"].metrics["timesteps"] >= 3000  # resumed in the same folder
    (gan_folder,) = (tmp_path / "outputs" / "gan").glob("*/*")
    assert gan.folder == gan_folder.resolve()
    assert tuple(namespace["points"].shape) == (256, 2)
    assert namespace["timeline"].name == "timeline.gif"
    assert namespace["last_grid"].name.startswith("step_")


def test_bad_input_raises_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="total_timesteps"):
        rlgan.train("rl", ["total_timesteps=-5"])
    with pytest.raises(ConfigError, match="valid choices are rl, gan"):
        rlgan.train("arena")
    with pytest.raises(ConfigError, match="Could not find 'algo/nope'") as missing:
        rlgan.train("rl", ["algo=nope"])
    assert "Available options in 'algo'" in str(missing.value)
    assert "search path" not in str(missing.value)  # Hydra's internals, not the user's mistake
    with pytest.raises(ConfigError, match="list of strings"):
        rlgan.train("rl", "algo=dqn")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="Did you mean arena_size"):
        rlgan.train("rl", ["env=pursuit", "env.kwargs.arean_size=12"])
    assert not any(tmp_path.iterdir()), "nothing written"


def test_show_displays_inline_when_ipython_is_present(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    picture = save_gif([np.zeros((4, 4, 3), np.uint8)] * 2, tmp_path / "a.gif", fps=10)
    shown: list[object] = []
    ipython = types.ModuleType("IPython")
    display = types.ModuleType("IPython.display")
    display.Image = lambda filename: ("image", filename)  # type: ignore[attr-defined]
    display.display = shown.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display)
    assert display_file(picture) == picture
    assert shown == [("image", str(picture))]
    monkeypatch.setitem(sys.modules, "IPython.display", None)  # not importable
    assert display_file(picture) == picture
    assert capsys.readouterr().out.strip() == str(picture)


def test_gif_frames_last_one_over_fps_seconds(tmp_path: Path) -> None:
    from PIL import Image

    frames = [np.full((4, 4, 3), v, np.uint8) for v in (0, 255, 0)]
    path = save_gif(frames, tmp_path / "b.gif", fps=4)
    with Image.open(io.BytesIO(path.read_bytes())) as image:
        assert image.n_frames == 3
        assert image.info["duration"] == pytest.approx(250, abs=10)


def test_rlgan_train_is_lazy() -> None:
    code = (
        "import sys, rlgan\nrlgan.train, rlgan.load_run\n"
        "print(sorted(m for m in ('torch', 'stable_baselines3', 'pygame', 'gymnasium') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
