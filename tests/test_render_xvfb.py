"""The Viewer in a real X11 window on a virtual display (Xvfb), not the dummy driver."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

SCRIPT = r"""
import sys
import numpy as np
import pygame
from rlgan.render import Viewer

viewer = Viewer(size=(320, 240), caption="xvfb", fps=30)
frame = np.zeros((120, 160, 3), dtype=np.uint8)
frame[:, :80] = (250, 30, 30)
frame[:, 80:] = (30, 30, 250)
for _ in range(3):
    assert viewer.show(frame, hud=["real window"])
print("driver", pygame.display.get_driver())
pygame.image.save(pygame.display.get_surface(), sys.argv[1])
viewer.close()
"""


def _free_display() -> int:
    for number in range(90, 200):
        if (
            not Path(f"/tmp/.X{number}-lock").exists()
            and not Path(f"/tmp/.X11-unix/X{number}").exists()
        ):
            return number
    raise RuntimeError("no free X display number between :90 and :199")


@pytest.fixture()
def xvfb_display():
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        reason = (
            "Xvfb is not installed: this test needs a virtual X display. Install it "
            "(Debian/Ubuntu: apt-get install -y xvfb); .ci/run installs it."
        )
        if os.environ.get("RLGAN_REQUIRE_XVFB") == "1":
            pytest.fail(reason + " RLGAN_REQUIRE_XVFB=1 asks for the real window test.")
        pytest.skip(reason)
    number = _free_display()
    server = subprocess.Popen(
        [xvfb, f":{number}", "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"Xvfb :{number} did not start: "
                    f"{server.stderr.read().decode(errors='replace')[-500:]}"
                )
            time.sleep(0.05)
        yield f":{number}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def test_viewer_opens_a_real_x11_window(xvfb_display, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SDL_VIDEODRIVER"}
    env.update(DISPLAY=xvfb_display, SDL_AUDIODRIVER="dummy")
    shot = tmp_path / "window.png"
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(shot)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "driver x11" in result.stdout
    image = iio.imread(shot)
    assert image.shape == (240, 320, 3)
    # Left half of the frame red, right half blue (scaled 2x, centred), HUD on top-left.
    assert tuple(image[200, 40]) == (250, 30, 30)
    assert tuple(image[200, 280]) == (30, 30, 250)
    assert len(np.unique(image[:30, :120].reshape(-1, 3), axis=0)) > 5
