"""The one window class of rlgan: show RGB frames with a HUD bar and side panels.

Used by ``rlgan-watch`` and by the live GAN view. Minimal use::

    viewer = Viewer(size=(600, 400), caption="CartPole", fps=30)
    while viewer.show(env.render(), hud=[f"step {t}"]):
        ...
    viewer.close()

``show`` returns False once the window was closed (window button, Esc or q). pygame has one
display per process, so one Viewer is open at a time (a second one re-uses the window).

The window is split into three rectangles (:attr:`Viewer.layout`) that never overlap: the
HUD bar across the top, the playfield (where frames go) below it on the left, and the panel
column on the right. The HUD never covers the frame.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pygame

from rlgan.render.display import require_window
from rlgan.render.panels import BACKGROUND, HudLine, Panel, draw_hud, hud_height
from rlgan.render.recorder import FrameRecorder

#: Keys that close a window unless the caller passes other ``quit_keys``.
DEFAULT_QUIT_KEYS = (pygame.K_ESCAPE, pygame.K_q)

_open_viewers: set[int] = set()


@dataclass(frozen=True)
class Layout:
    """Where a :class:`Viewer` draws; the three rectangles never overlap.

    Attributes:
        hud: the HUD bar across the top of the window (zero height when there is none).
        frame: the playfield, below the bar and left of the panels: frames are drawn here.
        panel: the panel column on the right, below the bar (zero width when there is none).

    """

    hud: pygame.Rect
    frame: pygame.Rect
    panel: pygame.Rect


class Viewer:
    """A pygame window that draws frames scaled to fit, a HUD bar and side panels.

    Args:
        size: window size ``(width, height)`` in pixels, HUD bar and panel column included.
        caption: window title.
        fps: frame-rate limit of :meth:`show` (``0``: no limit); may be changed later.
        panel_width: width of the right-hand column for panels (``0``: none).
        hud_rows: height of the HUD bar in text rows; HUD lines beyond it flow into further
            columns. ``None``: the bar grows to the longest HUD shown so far (it never
            shrinks, so the frame does not jump when a line comes and goes).
        quit_keys: keys that close the window (default Esc and q; ``()`` for none).

    Raises:
        ConfigError: when there is no display to open a window on and no off-screen driver
            was asked for (see :func:`rlgan.render.display.require_window`).

    """

    def __init__(
        self,
        size: tuple[int, int] = (640, 480),
        caption: str = "rlgan",
        fps: int = 30,
        *,
        panel_width: int = 0,
        hud_rows: int | None = None,
        quit_keys: Sequence[int] = DEFAULT_QUIT_KEYS,
    ) -> None:
        width, height = (int(v) for v in size)
        if width <= 0 or height <= 0 or not 0 <= panel_width < width:
            raise ValueError(
                f"Viewer size={tuple(size)!r} / panel_width={panel_width!r}: "
                "width and height must be > 0 and the panel narrower than the "
                "window."
            )
        if hud_rows is not None and (isinstance(hud_rows, bool) or int(hud_rows) < 0):
            raise ValueError(f"Viewer hud_rows={hud_rows!r}: a number of rows >= 0, or None.")
        require_window(f"the window {caption!r}")
        self.size = (width, height)
        self.caption = caption
        self.fps = int(fps)
        self.panel_width = int(panel_width)
        self.hud_rows = None if hud_rows is None else int(hud_rows)
        self._hud_bar = hud_height(self.hud_rows or 0)
        self.quit_keys = tuple(quit_keys)
        self.surface = pygame.display.set_mode(self.size)
        pygame.display.set_caption(caption)
        self._clock = pygame.time.Clock()
        self._keys: list[int] = []
        self._closed = False
        self._recorder: FrameRecorder | None = None
        self.frames_shown = 0
        _open_viewers.add(id(self))
        self.surface.fill(BACKGROUND)

    # ------------------------------------------------------------------ state and events
    @property
    def closed(self) -> bool:
        """True once the window was closed by the user or by :meth:`close`."""
        return self._closed

    @property
    def layout(self) -> Layout:
        """The HUD bar, playfield and panel rectangles as they are now (see :class:`Layout`)."""
        width, height = self.size
        bar = min(self._hud_bar, height - 1)
        below = height - bar
        return Layout(
            hud=pygame.Rect(0, 0, width, bar),
            frame=pygame.Rect(0, bar, width - self.panel_width, below),
            panel=pygame.Rect(width - self.panel_width, bar, self.panel_width, below),
        )

    @property
    def frame_rect(self) -> pygame.Rect:
        """The playfield: the area frames are drawn into (below the HUD, left of the panels)."""
        return self.layout.frame

    @property
    def panel_rect(self) -> pygame.Rect:
        """The right-hand panel column, below the HUD bar (zero width when there is none)."""
        return self.layout.panel

    def fit_hud(self, hud: Sequence[HudLine] | None) -> None:
        """Grow the HUD bar (``hud_rows=None`` only) so that ``hud`` fits in one column."""
        if self.hud_rows is None and hud:
            self._hud_bar = max(self._hud_bar, hud_height(len(hud)))

    def poll(self) -> bool:
        """Handle pending window events (close button, keys); False once closed."""
        if self._closed:
            return False
        for event in pygame.event.get():
            if event.type == pygame.QUIT or (
                event.type == pygame.KEYDOWN and event.key in self.quit_keys
            ):
                self.close()
                return False
            if event.type == pygame.KEYDOWN:
                self._keys.append(event.key)
        return True

    def take_keys(self) -> list[int]:
        """Keys pressed (pygame key codes) since the last call, oldest first."""
        keys, self._keys = self._keys, []
        return keys

    def held_keys(self, keys: Iterable[int] | None = None) -> set[int]:
        """The key codes of ``keys`` held down right now (for real-time keyboard control).

        ``keys`` defaults to the arrows, space, return, a few letters and digits 0-4.
        """
        if self._closed:
            return set()
        pressed = pygame.key.get_pressed()
        return {code for code in (_TRACKED_KEYS if keys is None else keys) if pressed[code]}

    def tick(self) -> float:
        """Wait to keep :attr:`fps`; return the measured frame rate."""
        self._clock.tick(self.fps if self.fps > 0 else 0)
        return self.measured_fps

    @property
    def measured_fps(self) -> float:
        """Frames per second actually shown (averaged over the last few frames)."""
        return float(self._clock.get_fps())

    # ------------------------------------------------------------------ drawing
    def show(
        self,
        frame: np.ndarray | pygame.Surface | None,
        hud: Sequence[HudLine] | None = None,
        panels: Sequence[Panel] = (),
    ) -> bool:
        """Draw ``frame`` (H x W x 3 uint8) scaled to fit, the HUD and panels; present it.

        ``hud`` lines are strings, or ``(text, (r, g, b))`` for a highlighted line.

        Handles window events first and waits to keep :attr:`fps`. Returns False (drawing
        nothing) once the window was closed.
        """
        if not self.poll():
            return False
        self.draw(frame, hud, panels)
        self.present()
        self.tick()
        return True

    def draw(
        self,
        frame: np.ndarray | pygame.Surface | None,
        hud: Sequence[HudLine] | None = None,
        panels: Sequence[Panel] = (),
    ) -> None:
        """Draw into the back buffer without presenting it (see :meth:`present`)."""
        if self._closed:
            return
        self.fit_hud(hud)
        layout = self.layout
        self.surface.fill(BACKGROUND)
        if frame is not None:
            self.blit_frame(frame, layout.frame)
        if layout.hud.height:
            draw_hud(self.surface, list(hud or ()), layout.hud)
        if panels and self.panel_width:
            self.draw_panels(panels)

    def blit_frame(self, frame: np.ndarray | pygame.Surface, rect: pygame.Rect) -> pygame.Rect:
        """Blit an RGB frame into ``rect``, scaled to fit and centred; return where it went."""
        image = frame_to_surface(frame)
        src_w, src_h = image.get_size()
        scale = min(rect.width / src_w, rect.height / src_h)
        dst = (max(1, round(src_w * scale)), max(1, round(src_h * scale)))
        if dst != (src_w, src_h):
            smooth = scale < 1.0 or abs(scale - round(scale)) > 1e-6
            image = (pygame.transform.smoothscale if smooth else pygame.transform.scale)(image, dst)
        target = image.get_rect(center=rect.center)
        previous_clip = self.surface.get_clip()
        self.surface.set_clip(rect)
        try:
            self.surface.blit(image, target)
        finally:
            self.surface.set_clip(previous_clip)
        return target

    def draw_panels(self, panels: Sequence[Panel]) -> None:
        """Stack ``panels`` (see :class:`~rlgan.render.panels.Panel`) top-down in the column.

        A panel whose ``preferred_height()`` is a number gets that height; those that return
        None share the rest equally.
        """
        column = self.panel_rect
        gap = 6
        fixed: dict[int, int] = {}
        for index, panel in enumerate(panels):
            if not isinstance(panel, Panel):
                raise TypeError(
                    f"{type(panel).__name__} is not a viewer panel: a panel needs "
                    "preferred_height() and draw(surface, rect) (see "
                    "rlgan.render.panels.Panel)."
                )
            height = panel.preferred_height()
            if height is not None:
                fixed[index] = int(height)
        flexible = len(panels) - len(fixed)
        free = column.height - gap * (len(panels) + 1) - sum(fixed.values())
        share = free // flexible if flexible else 0
        y = column.y + gap
        for index, panel in enumerate(panels):
            height = fixed.get(index, share)
            rect = pygame.Rect(column.x + gap, y, column.width - 2 * gap, max(0, height))
            panel.draw(self.surface, rect)
            y += height + gap

    def present(self) -> None:
        """Show the back buffer on screen and hand it to the recorder, if recording."""
        if self._closed:
            return
        pygame.display.flip()
        self.frames_shown += 1
        if self._recorder is not None:
            self._recorder.add(self.capture())

    # ------------------------------------------------------------------ output
    def capture(self) -> np.ndarray:
        """The window's current content as an H x W x 3 uint8 array."""
        return np.ascontiguousarray(pygame.surfarray.array3d(self.surface).transpose(1, 0, 2))

    def screenshot(self, path: str | os.PathLike) -> Path:
        """Save the window's current content as a PNG (or any pygame image format)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(self.surface, str(path))
        return path

    def start_recording(self, path: str | os.PathLike, fps: int | None = None) -> None:
        """Record every presented frame to ``path`` (``.gif`` or ``.mp4``)."""
        self.stop_recording()
        self._recorder = FrameRecorder(path, fps=fps or self.fps or 30)

    def stop_recording(self) -> Path | None:
        """Finish the recording, if any; return the written file."""
        recorder, self._recorder = self._recorder, None
        return recorder.close() if recorder is not None else None

    @property
    def recording(self) -> bool:
        """True while frames are being recorded."""
        return self._recorder is not None

    def close(self) -> None:
        """Finish any recording and close the window (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self.stop_recording()
        _open_viewers.discard(id(self))
        if not _open_viewers and pygame.display.get_init():
            pygame.display.quit()

    def __enter__(self) -> Viewer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # interpreter shutdown may have removed pygame
            self.close()


def frame_to_surface(frame: np.ndarray | pygame.Surface) -> pygame.Surface:
    """Turn an H x W x 3 (or x 4, or H x W grey) image into a pygame surface.

    A pygame surface is returned as it is.
    uint8 values are used as they are; float images are taken as values in ``[0, 1]``.
    """
    if isinstance(frame, pygame.Surface):
        return frame
    array = np.asarray(frame)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4) or 0 in array.shape[:2]:
        raise ValueError(
            f"frame of shape {array.shape} is not an image: expected "
            "(height, width, 3) RGB, (height, width, 4) RGBA or (height, width)."
        )
    array = array[:, :, :3]
    if array.dtype != np.uint8:
        scale = 255.0 if np.issubdtype(array.dtype, np.floating) else 1.0
        array = np.clip(array * scale, 0, 255).astype(np.uint8)
    array = np.ascontiguousarray(array)
    height, width = array.shape[:2]
    return pygame.image.frombuffer(array.tobytes(), (width, height), "RGB")


_TRACKED_KEYS = (
    pygame.K_LEFT,
    pygame.K_RIGHT,
    pygame.K_UP,
    pygame.K_DOWN,
    pygame.K_SPACE,
    pygame.K_w,
    pygame.K_a,
    pygame.K_s,
    pygame.K_d,
    pygame.K_x,
    pygame.K_z,
    pygame.K_c,
    pygame.K_RETURN,
    pygame.K_0,
    pygame.K_1,
    pygame.K_2,
    pygame.K_3,
    pygame.K_4,
)
