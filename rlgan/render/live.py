"""The live view of a GAN's training: ``rlgan-gan render.live=true``.

The trainer owns the loop and asks :meth:`LiveGANView.due` whether to draw, so it computes
the (costly) decision surface only when it will be shown::

    view = LiveGANView(every=50)
    for step in range(steps):
        ...
        if view.due(step):
            view.update(step, losses={"d": d_loss, "g": g_loss}, real=x, fake=g_x,
                        heatmap=(xs, ys, d_prob_grid))
    view.close()

Closing the window (button, Esc or q) only stops the drawing: later calls are no-ops and
training goes on. A class-conditional run passes the names of the classes it shows
(``classes=``): the number keys 0-9 (top row or keypad) pick one of them, ``a`` shows all
again, and the runner reads :attr:`LiveGANView.selected_class` before drawing. Without a
display (and without ``headless=True`` or ``SDL_VIDEODRIVER=dummy``) the view refuses to
start with a :class:`~rlgan.common.errors.ConfigError`; :func:`require_live_window` makes the
same check for a runner that wants to refuse ``render.live=true`` before training.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pygame

from rlgan.common.errors import require_positive
from rlgan.common.imaging import heatmap_points
from rlgan.render.display import require_window, use_headless_driver
from rlgan.render.gan_canvas import decision_surface, image_grid
from rlgan.render.panels import Panel, Sparkline, TextPanel, format_value
from rlgan.render.viewer import Viewer

log = logging.getLogger(__name__)

#: Colours of the loss sparklines, in order.
SPARK_COLORS = ((110, 200, 255), (255, 170, 40), (140, 220, 120), (230, 120, 200))
POLL_INTERVAL_S = 0.1
#: HUD rows of the live view: the step and the latest metrics side by side
HUD_ROWS = 1
#: Keys that pick a class (index = digit) and the key that shows every class again.
CLASS_KEYS: dict[int, int] = {
    **{getattr(pygame, f"K_{d}"): d for d in range(10)},
    **{getattr(pygame, f"K_KP{d}"): d for d in range(10)},
}
ALL_CLASSES_KEY = pygame.K_a


def require_live_window() -> None:
    """A ConfigError, before any training, when ``render.live=true`` has no display to use.

    Passes with a display, and with ``SDL_VIDEODRIVER=dummy`` (drawing off-screen on purpose).
    """
    require_window(
        "render.live=true (the live GAN view)",
        instead="set render.live=false to train without the view",
    )


class LiveGANView:
    """A window that shows a GAN's state every ``every`` steps (see the module docstring).

    Args:
        every: draw at most once per this many steps.
        size: window size; the left square shows the samples, the right column the curves.
        caption: window title.
        history: how many recorded loss values each sparkline keeps.
        headless: draw off-screen (SDL's dummy driver), e.g. for tests and screenshots.
        classes: names of the classes a conditional run shows (at most 10): the number keys
            pick one (:attr:`selected_class`), ``a`` shows all; empty: no class keys.

    """

    def __init__(
        self,
        every: int = 50,
        size: tuple[int, int] = (900, 600),
        caption: str = "rlgan-gan",
        *,
        history: int = 300,
        headless: bool = False,
        classes: Sequence[str] = (),
    ) -> None:
        require_positive("render.every", every)
        if headless:
            use_headless_driver()
        else:
            require_live_window()
        width, height = (int(v) for v in size)
        panel_width = max(220, width - height)
        self.every = int(every)
        self._history_len = max(2, int(history))
        self._viewer = Viewer(
            size=(width, height),
            caption=caption,
            fps=0,
            panel_width=min(panel_width, width - 100),
            hud_rows=HUD_ROWS,
        )
        self._history: dict[str, deque[float]] = {}
        self._metrics: dict[str, float] = {}
        self._last_drawn: int | None = None
        self._two_d = True
        self._last_poll = time.monotonic()
        self.draw_count = 0
        self.classes = [str(c) for c in classes][: len(set(CLASS_KEYS.values()))]
        #: Index into :attr:`classes` of the class picked with the number keys (None: all).
        self.selected_class: int | None = None

    @property
    def closed(self) -> bool:
        """True once the window was closed; updates are then no-ops."""
        return self._viewer.closed

    def due(self, step: int) -> bool:
        """True when :meth:`update` at ``step`` will draw (every ``every`` steps, while open)."""
        if self._viewer.closed:
            return False
        now = time.monotonic()
        if now - self._last_poll > POLL_INTERVAL_S:  # keep the window responsive, see closes
            self._last_poll = now
            if not self._poll():
                return False
        return self._last_drawn is None or step - self._last_drawn >= self.every

    def _poll(self) -> bool:
        """Handle window events and the class keys; False once the window is closed."""
        if not self._viewer.poll():
            return False
        for key in self._viewer.take_keys():
            if key == ALL_CLASSES_KEY:
                self.selected_class = None
            elif key in CLASS_KEYS and CLASS_KEYS[key] < len(self.classes):
                self.selected_class = CLASS_KEYS[key]
        return True

    def update(
        self,
        step: int,
        *,
        losses: dict[str, float],
        metrics: dict[str, float] | None = None,
        real: np.ndarray | None = None,
        fake: np.ndarray | None = None,
        heatmap: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
        images: np.ndarray | None = None,
        columns: int | None = None,
    ) -> None:
        """Record ``losses`` (and ``metrics``); redraw when :meth:`due`.

        ``real``/``fake``: (N, 2) points; ``heatmap``: ``(xs, ys, grid)`` with
        ``grid[i, j]`` = D's probability that ``(xs[j], ys[i])`` is real; ``images``:
        (B, C, H, W) samples in [0, 1], tiled ``columns`` wide (None: a square-ish grid).
        Give the 2-D arguments or ``images``.
        """
        if self._viewer.closed:
            return
        self._record(losses, metrics)
        if not self.due(step):
            return
        if not self._poll():
            return
        self._last_drawn = step
        self._viewer.draw(
            self._canvas(real, fake, heatmap, images, columns), self._hud(step), self._panels()
        )
        self._viewer.present()
        self.draw_count += 1

    def _record(self, losses: dict[str, float], metrics: dict[str, float] | None) -> None:
        """Append the newest values to the sparkline histories."""
        for name, value in {**losses, **(metrics or {})}.items():
            key = f"loss/{name}" if name in losses and "/" not in name else name
            if key not in self._history:
                self._history[key] = deque(maxlen=self._history_len)
            self._history[key].append(float(value))
        self._metrics.update({k: float(v) for k, v in (metrics or {}).items()})

    def _canvas(
        self,
        real: np.ndarray | None,
        fake: np.ndarray | None,
        heatmap: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
        images: np.ndarray | None,
        columns: int | None = None,
    ) -> pygame.Surface | None:
        """The sample picture for the frame area (None when nothing was given)."""
        size = self._viewer.frame_rect.size
        self._two_d = images is None
        if images is not None:
            return image_grid(size, images, columns=columns)
        if real is not None or fake is not None or heatmap is not None:
            return decision_surface(size, real=real, fake=fake, heatmap=heatmap)
        return None

    def _hud(self, step: int) -> list[str]:
        """The step, the picked class (conditional runs) and the latest metrics."""
        lines = [f"step {step}"]
        if self.classes:
            shown = "all" if self.selected_class is None else self.classes[self.selected_class]
            lines.append(f"class {shown} (keys 0-{len(self.classes) - 1}, a: all)")
        lines += [f"{name} {format_value(value)}" for name, value in self._metrics.items()]
        return lines

    def _panels(self) -> list[Panel]:
        """One sparkline per loss and metric (at most six), then the legend."""
        panels: list[Panel] = []
        for index, (name, values) in enumerate(list(self._history.items())[:6]):
            panels.append(
                Sparkline(list(values), title=name, color=SPARK_COLORS[index % len(SPARK_COLORS)])
            )
        if self._two_d:
            panels.append(
                TextPanel(
                    [
                        "blue: real data / D says real",
                        "orange: generated / D says fake",
                        "white: D undecided (0.5)",
                    ],
                    title="legend",
                )
            )
        return panels

    def save_screenshot(self, path: str | os.PathLike) -> Path | None:
        """Save the window as a PNG; None (and a log line) when it was already closed."""
        if self._viewer.closed:
            log.info("live view closed; no screenshot saved to %s", path)
            return None
        return self._viewer.screenshot(path)

    def close(self) -> None:
        """Close the window (idempotent)."""
        self._viewer.close()

    def __enter__(self) -> LiveGANView:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: The points to evaluate D on for a decision surface: ``heatmap_grid(bounds, resolution)``
#: returns ``(xs, ys, points)``; pass ``heatmap=(xs, ys, p.reshape(len(ys), len(xs)))`` with
#: ``p = sigmoid(D(points))`` to :meth:`LiveGANView.update`.
heatmap_grid = heatmap_points
