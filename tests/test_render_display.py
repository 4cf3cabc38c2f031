"""No display and no off-screen driver asked for: a clear error (exit 2), not a hidden window."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rlgan.render.display import fell_back_offscreen

PROBE = "import pygame; pygame.display.init(); print(pygame.display.get_driver())"


@pytest.mark.parametrize(
    ("driver", "requested", "fell_back"),
    [
        ("offscreen", None, True),  # SDL's quiet fallback without a display
        ("dummy", "", True),
        ("offscreen", "x11,offscreen", False),  # asked for
        ("dummy", "dummy", False),  # SDL_VIDEODRIVER=dummy / headless=true
        ("x11", None, False),
        ("wayland", "wayland", False),
    ],
)
def test_offscreen_fallback_is_told_from_a_chosen_driver(driver, requested, fell_back):
    assert fell_back_offscreen(driver, requested) is fell_back


@pytest.fixture(scope="module")
def no_display_env() -> dict[str, str]:
    """The environment of a machine without a display (skip where SDL still finds one)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SDL_VIDEODRIVER", "DISPLAY", "WAYLAND_DISPLAY")
    }
    env["SDL_AUDIODRIVER"] = "dummy"
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    driver = probe.stdout.strip().splitlines()[-1] if probe.stdout.strip() else ""
    if probe.returncode == 0 and driver not in ("offscreen", "dummy"):
        pytest.skip(f"SDL opens a {driver!r} display here even without DISPLAY")
    return env


def test_live_gan_view_without_a_display_is_a_config_error(no_display_env):
    script = (
        "from rlgan.common.errors import ConfigError\n"
        "from rlgan.render.live import LiveGANView\n"
        "try:\n"
        "    LiveGANView()\n"
        "except ConfigError as err:\n"
        "    print('refused:', err)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=no_display_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "refused: Cannot open a window for render.live=true" in result.stdout
    assert "render.live=false" in result.stdout and "SDL_VIDEODRIVER=dummy" in result.stdout


def test_watch_without_a_display_exits_2_and_headless_still_works(no_display_env, tmp_path: Path):
    command = [sys.executable, "-c", "from rlgan.apps.watch import main; main()"]
    result = subprocess.run(
        [*command, "env.id=CartPole-v1"],
        env=no_display_env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    assert "rlgan-watch: error: Cannot open a window for rlgan-watch" in result.stderr
    assert "headless=true" in result.stderr and "Traceback" not in result.stderr
    headless = subprocess.run(
        [*command, "env.id=CartPole-v1", "headless=true", "max_frames=3", "fps=0"],
        env=no_display_env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert headless.returncode == 0, headless.stderr
    assert "3 frames" in headless.stdout


def test_gan_live_view_without_a_display_exits_2_before_any_work(no_display_env, tmp_path: Path):
    """rlgan-gan render.live=true is refused before data, models or a run folder exist."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from rlgan.gan.cli import main; main()",
            "data=grid25",
            "model=mlp",
            "render.live=true",
            "hydra.run.dir=run",
        ],
        env=no_display_env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "render.live=true" in result.stdout + result.stderr
    assert not (tmp_path / "run").exists()
