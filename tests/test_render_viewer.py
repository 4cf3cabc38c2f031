"""Headless tests of the shared pygame Viewer, its panels and its recorder."""

from __future__ import annotations

import imageio.v3 as iio
import numpy as np
import pygame
import pytest

from rlgan.common.errors import ConfigError
from rlgan.render import BarChart, FrameRecorder, Sparkline, TextPanel, Viewer
from rlgan.render.viewer import _open_viewers, frame_to_surface


def _checker(height: int = 60, width: int = 90) -> np.ndarray:
    frame = np.zeros((height, width, 3), dtype=np.uint8)
    frame[::2, ::2] = (200, 40, 40)
    frame[1::2, 1::2] = (40, 200, 40)
    return frame


@pytest.fixture()
def viewer():
    view = Viewer(size=(400, 300), caption="test", fps=0, panel_width=150)
    yield view
    view.close()


def test_show_draws_frame_hud_and_panels(viewer, tmp_path):
    frame = _checker()
    assert viewer.show(frame)
    plain = viewer.capture()
    assert viewer.show(
        frame,
        hud=["episode 1", "return 12.0"],
        panels=[
            BarChart(
                [0.25, 0.75], ["left", "right"], highlight=1, title="policy", value_range=(0, 1)
            ),
            Sparkline([1.0, 3.0, 2.0, 5.0], title="return"),
            TextPanel(["a line"], title="info"),
        ],
    )
    path = viewer.screenshot(tmp_path / "shot.png")
    shot = iio.imread(path)
    assert shot.shape == (300, 400, 3)
    assert len(np.unique(shot.reshape(-1, 3), axis=0)) > 10  # not blank
    # The HUD sits in the top-left corner: pixels differ there, and only there, in the frame.
    assert (shot[5:40, 5:80] != plain[5:40, 5:80]).any()
    assert (shot[200:290, 10:240] == plain[200:290, 10:240]).all()
    # The panel column now holds the accent-coloured highlighted bar.
    panel = shot[:, 250:]
    assert (np.abs(panel.astype(int) - (255, 170, 40)).sum(axis=2) < 10).any()
    assert not (np.abs(plain[:, 250:].astype(int) - (255, 170, 40)).sum(axis=2) < 10).any()


def test_frame_is_scaled_to_fit_keeping_aspect(viewer):
    frame = np.full((10, 25, 3), 255, dtype=np.uint8)  # 2.5:1, fits the 250-wide area
    viewer.show(frame)
    shot = viewer.capture()
    white = np.argwhere((shot == 255).all(axis=2))
    rows, cols = white[:, 0], white[:, 1]
    assert cols.min() == 0 and cols.max() == 249
    assert rows.max() - rows.min() + 1 == 100
    assert abs((rows.min() + rows.max()) / 2 - 150) <= 1  # centred vertically


def test_posted_keys_are_reported_and_quit_key_closes(viewer):
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE))
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RIGHT))
    assert viewer.show(_checker())
    assert viewer.take_keys() == [pygame.K_SPACE, pygame.K_RIGHT]
    assert viewer.take_keys() == []
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE))
    assert viewer.show(_checker()) is False
    assert viewer.closed
    assert viewer.show(_checker()) is False


def test_window_close_event_closes():
    view = Viewer(size=(120, 80), caption="close me", fps=0)
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    assert view.show(_checker()) is False
    assert view.closed and id(view) not in _open_viewers
    view.close()  # idempotent


def test_frame_conversion_accepts_grey_float_and_rejects_bad_shapes():
    assert frame_to_surface(np.zeros((4, 5), dtype=np.uint8)).get_size() == (5, 4)
    surface = frame_to_surface(np.ones((4, 5, 3), dtype=np.float32))
    assert surface.get_at((0, 0))[:3] == (255, 255, 255)
    with pytest.raises(ValueError, match="not an image"):
        frame_to_surface(np.zeros((4, 5, 2), dtype=np.uint8))


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_viewer_records_presented_frames(tmp_path, suffix):
    path = tmp_path / f"clip{suffix}"
    with Viewer(size=(64, 48), fps=0) as view:
        view.start_recording(path, fps=10)
        for shade in (0, 120, 240):
            view.show(np.full((48, 64, 3), shade, dtype=np.uint8))
        assert view.stop_recording() == path
    frames = iio.imread(path, index=None)
    assert frames.shape[0] == 3 and frames.shape[1:3] == (48, 64)
    assert frames[0].mean() < 20 and frames[-1].mean() > 200
    assert not list(tmp_path.glob(".*partial*"))


def test_recorder_rejects_unknown_suffix_and_missing_folder(tmp_path):
    with pytest.raises(ConfigError, match=r"record='.*clip.avi'.*\.gif or \.mp4"):
        FrameRecorder(tmp_path / "clip.avi")
    with pytest.raises(ConfigError, match="does not exist"):
        FrameRecorder(tmp_path / "nope" / "clip.gif")
    empty = FrameRecorder(tmp_path / "empty.gif")
    assert empty.close() is None and not (tmp_path / "empty.gif").exists()


def test_viewer_rejects_bad_size():
    with pytest.raises(ValueError, match="size"):
        Viewer(size=(0, 100))


class _Swatch:
    """A tiny panel written the way docs/render.md says: one class, two methods."""

    def __init__(self, color: tuple[int, int, int], height: int | None = None) -> None:
        self.color, self.height = color, height

    def preferred_height(self) -> int | None:
        return self.height

    def draw(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        surface.fill(self.color, rect)


def test_a_new_panel_is_one_class(viewer):
    from rlgan.render import Panel

    fixed, flexible = _Swatch((250, 0, 250), height=40), _Swatch((0, 250, 0))
    assert isinstance(fixed, Panel)
    assert viewer.show(_checker(), panels=[fixed, flexible])
    column = viewer.capture()[:, 400 - 150 :]
    magenta = (column == (250, 0, 250)).all(axis=2).any(axis=1)
    green = (column == (0, 250, 0)).all(axis=2).any(axis=1)
    assert magenta.sum() == 40  # its preferred height
    assert green.sum() == 300 - 3 * 6 - 40  # the rest of the column, less the gaps
    assert np.flatnonzero(magenta).max() < np.flatnonzero(green).min()  # stacked top-down


def test_an_object_without_the_panel_methods_is_refused(viewer):
    class NotAPanel:
        def draw(self, surface, rect):
            pass

    with pytest.raises(TypeError, match="NotAPanel is not a viewer panel"):
        viewer.show(_checker(), panels=[NotAPanel()])
