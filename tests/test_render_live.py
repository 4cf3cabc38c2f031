"""The live GAN view, driven headless: 2-D decision surface, image grid, closing."""

from __future__ import annotations

import imageio.v3 as iio
import numpy as np
import pygame
import pytest

from rlgan.common.errors import ConfigError
from rlgan.render.gan_canvas import FAKE_COLOR, REAL_COLOR, probability_colors
from rlgan.render.live import LiveGANView, heatmap_grid


def _near(image: np.ndarray, color) -> np.ndarray:
    return np.abs(image.astype(int) - np.asarray(color, dtype=int)).sum(axis=-1) < 12


@pytest.fixture()
def view():
    live = LiveGANView(every=50, size=(900, 600), headless=True)
    yield live
    live.close()


def _grid25(rng: np.random.Generator, n: int = 500) -> np.ndarray:
    centers = np.array([(i, j) for i in range(-2, 3) for j in range(-2, 3)], float) * 2
    return centers[rng.integers(0, 25, n)] + rng.normal(0, 0.05, (n, 2))


def test_two_d_view_shows_heat_map_points_and_curves(view, tmp_path):
    rng = np.random.default_rng(0)
    real, fake = _grid25(rng), rng.normal(0, 1.5, (500, 2))
    xs, ys, points = heatmap_grid((-5, 5, -5, 5), resolution=40)
    prob = 1 / (1 + np.exp(-(points[:, 0])))  # D says real on the right half
    assert view.due(0)
    view.update(
        0,
        losses={"d": 1.2, "g": 0.8},
        metrics={"modes": 3.0},
        real=real,
        fake=fake,
        heatmap=(xs, ys, prob.reshape(len(ys), len(xs))),
    )
    view.update(
        50,
        losses={"d": 1.0, "g": 0.9},
        metrics={"modes": 7.0},
        real=real,
        fake=fake,
        heatmap=(xs, ys, prob.reshape(len(ys), len(xs))),
    )
    shot = iio.imread(view.save_screenshot(tmp_path / "live.png"))
    assert shot.shape == (600, 900, 3)
    plot = shot[:, :600]
    # The heat map: orange (fake) on the left, blue (real) on the right of the plane.
    assert _near(plot[300, 20], FAKE_COLOR).all() and _near(plot[300, 585], REAL_COLOR).all()
    assert _near(plot, (10, 60, 150)).sum() > 200  # real points
    assert _near(plot, (200, 80, 0)).sum() > 200  # generated points
    assert (shot[:40, :150] != plot[300, 20]).any(axis=-1).sum() > 50  # HUD text
    assert view.draw_count == 2


def test_image_samples_are_tiled(view, tmp_path):
    images = np.zeros((16, 1, 8, 8), dtype=np.float32)
    images[:, :, 2:6, 2:6] = 1.0  # white squares on black
    view.update(0, losses={"d": 0.5, "g": 0.5}, images=images)
    shot = view._viewer.capture()[:, :600]
    white = (shot > 250).all(axis=-1)
    black = (shot < 5).all(axis=-1)
    assert white.sum() > 16 * 100 and black.sum() > 16 * 100
    rows = np.flatnonzero(white.any(axis=1))
    assert len(np.flatnonzero(np.diff(rows) > 1)) == 3  # four rows of tiles


def test_updates_between_due_steps_only_record_losses(view):
    for step in range(100):
        if view.due(step):
            view.update(step, losses={"d": float(step)}, real=np.zeros((4, 2)))
        else:
            view.update(step, losses={"d": float(step)})
    assert view.draw_count == 2  # steps 0 and 50: the rest cost one append each
    assert list(view._history["loss/d"])[-1] == 99.0
    assert not view.due(99) and view.due(100)  # 100 - 50 >= 50: due again


def test_closing_the_window_stops_drawing_but_not_the_caller(tmp_path):
    view = LiveGANView(every=1, size=(400, 300), headless=True)
    view.update(0, losses={"d": 1.0}, real=np.zeros((3, 2)))
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    view.update(1, losses={"d": 1.0}, real=np.zeros((3, 2)))
    assert view.closed and view.draw_count == 1
    assert view.due(5) is False
    view.update(5, losses={"d": 1.0}, images=np.zeros((4, 3, 8, 8)))  # a no-op
    assert view.draw_count == 1
    assert view.save_screenshot(tmp_path / "x.png") is None
    view.close()


def test_probability_colors_and_bad_arguments():
    colors = probability_colors(np.array([0.0, 0.5, 1.0]))
    assert tuple(colors[0]) == tuple(FAKE_COLOR.astype(int))
    assert tuple(colors[2]) == tuple(REAL_COLOR.astype(int))
    assert colors[1].min() > 225  # undecided is near white
    with pytest.raises(ConfigError, match="render.every=0"):
        LiveGANView(every=0, headless=True)
    with pytest.raises(ValueError, match="bounds"):
        heatmap_grid((1, 0, 0, 1))


def test_accepts_meshgrid_heat_maps_and_torch_images(view):
    torch = pytest.importorskip("torch")
    xs, ys = np.linspace(-1, 1, 30), np.linspace(-2, 2, 20)
    grid_x, grid_y = np.meshgrid(xs, ys)  # as the GAN runner passes them
    prob = (grid_y > 0).astype(float)  # real above y = 0 (y points up on screen)
    view.update(
        0,
        losses={"loss/d": 1.0},
        real=np.zeros((2, 2)),
        fake=np.ones((2, 2)),
        heatmap=(grid_x, grid_y, prob),
    )
    shot = view._viewer.capture()
    assert _near(shot[100, 300], REAL_COLOR).all() and _near(shot[500, 300], FAKE_COLOR).all()
    assert "loss/d" in view._history  # already-namespaced names are kept as they are
    view.update(50, losses={"loss/d": 0.9}, images=torch.rand(16, 3, 8, 8))
    assert view.draw_count == 2
