"""Headless tests of the shared pygame Viewer, its panels and its recorder."""

from __future__ import annotations

import imageio.v3 as iio
import numpy as np
import pygame
import pytest

from rlgan.common.errors import ConfigError
from rlgan.render import BarChart, FrameRecorder, Sparkline, TextPanel, Viewer
from rlgan.render.panels import ACCENT, hud_height
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
    hud = ["episode 1", "return 12.0"]
    panels = [
        BarChart([0.25, 0.75], ["left", "right"], highlight=1, title="policy", value_range=(0, 1)),
        Sparkline([1.0, 3.0, 2.0, 5.0], title="return"),
        TextPanel(["a line"], title="info"),
    ]
    assert viewer.show(frame, hud=hud, panels=panels)
    path = viewer.screenshot(tmp_path / "shot.png")
    shot = iio.imread(path)
    assert viewer.show(frame)  # the same layout (the HUD bar stays), no HUD text, no panels
    plain = viewer.capture()
    assert shot.shape == (300, 400, 3)
    assert len(np.unique(shot.reshape(-1, 3), axis=0)) > 10  # not blank
    layout = viewer.layout
    assert layout.hud.height == hud_height(len(hud)) and layout.hud.top == 0
    # The HUD text is in its bar and nowhere in the playfield.
    assert _differs(shot, plain, layout.hud)
    assert not _differs(shot, plain, layout.frame)
    # The panel column holds the accent-coloured highlighted bar.
    panel = _crop(shot, layout.panel)
    assert (np.abs(panel.astype(int) - (255, 170, 40)).sum(axis=2) < 10).any()
    assert not (
        np.abs(_crop(plain, layout.panel).astype(int) - (255, 170, 40)).sum(axis=2) < 10
    ).any()


def _crop(image: np.ndarray, rect: pygame.Rect) -> np.ndarray:
    return image[rect.top : rect.bottom, rect.left : rect.right]


def _differs(a: np.ndarray, b: np.ndarray, rect: pygame.Rect) -> bool:
    return bool((_crop(a, rect) != _crop(b, rect)).any())


@pytest.mark.parametrize(("hud_rows", "panel_width"), [(None, 150), (2, 150), (1, 0), (3, 0)])
def test_hud_never_overlaps_the_playfield(hud_rows, panel_width):
    """Many long HUD lines stay in the bar: every pixel of the frame is the frame's own."""
    magenta = (250, 0, 250)
    frame = np.zeros((60, 80, 3), dtype=np.uint8)
    frame[:] = magenta
    hud = [f"a long HUD line number {i} that does not fit" for i in range(9)]
    hud.append(("PAUSED: space resumes", ACCENT))
    with Viewer(size=(400, 300), fps=0, panel_width=panel_width, hud_rows=hud_rows) as view:
        view.show(frame, hud=hud)
        shot = view.capture()
        layout = view.layout
        for one, other in [("hud", "frame"), ("hud", "panel"), ("frame", "panel")]:
            assert not getattr(layout, one).colliderect(getattr(layout, other)), (one, other)
        assert layout.hud.union(layout.frame).union(layout.panel) == pygame.Rect(0, 0, 400, 300)
        rows = len(hud) if hud_rows is None else hud_rows
        assert layout.hud.height == hud_height(rows)
        # The frame keeps its aspect, fills the playfield's height or width, and is all magenta.
        target = view.blit_frame(frame, layout.frame)
        assert layout.frame.contains(target)
        assert target.width == layout.frame.width or target.height == layout.frame.height
        assert (_crop(shot, target) == magenta).all()
        # Only the frame is magenta: the bar holds text (and the accent status line).
        assert ((shot == magenta).all(axis=2)).sum() == target.width * target.height
        bar = _crop(shot, layout.hud)
        assert len(np.unique(bar.reshape(-1, 3), axis=0)) > 5


def test_the_hud_bar_grows_to_fit_and_never_shrinks():
    with Viewer(size=(300, 200), fps=0) as view:
        assert view.layout.hud.height == 0 and view.frame_rect == pygame.Rect(0, 0, 300, 200)
        view.show(_checker(), hud=["one", "two"])
        assert view.layout.hud.height == hud_height(2)
        view.show(_checker(), hud=["one", "two", "three", "four"])
        assert view.layout.hud.height == hud_height(4)
        view.show(_checker(), hud=["one"])  # the frame does not jump back
        assert view.layout.hud.height == hud_height(4)
        assert view.frame_rect.top == hud_height(4)
    with pytest.raises(ValueError, match="hud_rows=-1"):
        Viewer(size=(300, 200), hud_rows=-1)


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
