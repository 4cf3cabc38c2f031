"""rlgan's renderer, a library: one pygame :class:`Viewer` behind the apps' windows.

- :class:`Viewer` (:mod:`~rlgan.render.viewer`): open a window, show RGB frames scaled to fit
  below a HUD bar and beside side panels (never under them), keys, fps limit, screenshots,
  GIF/MP4 recording; a clear error when there is no display (:mod:`~rlgan.render.display`);
- panels (:mod:`~rlgan.render.panels`): the :class:`Panel` protocol and :class:`BarChart`,
  :class:`Sparkline`, :class:`TextPanel`;
- :class:`FrameRecorder` (:mod:`~rlgan.render.recorder`): frames to GIF/MP4;
- :class:`~rlgan.render.live.LiveGANView`: the live view of a GAN's training;
- key maps for playing an environment (:mod:`~rlgan.render.keys`).

It imports no other rlgan package than ``rlgan.common``: ``rlgan-watch``, which puts a runner's
agents in the window, is an app (:mod:`rlgan.apps.watch`).

pygame starts only its display and font modules (never audio) and runs headless with
``SDL_VIDEODRIVER=dummy``. The names above are re-exported lazily (PEP 562), so importing
this package (e.g. for ``rlgan-watch --help``) does not import pygame.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from rlgan.common.lazy import lazy_exports

if TYPE_CHECKING:
    from rlgan.render.live import LiveGANView
    from rlgan.render.panels import BarChart, Panel, Sparkline, TextPanel
    from rlgan.render.recorder import FrameRecorder
    from rlgan.render.viewer import Viewer

#: Re-exported name -> the module that defines it.
_LAZY = {
    "BarChart": "rlgan.render.panels",
    "FrameRecorder": "rlgan.render.recorder",
    "LiveGANView": "rlgan.render.live",
    "Panel": "rlgan.render.panels",
    "Sparkline": "rlgan.render.panels",
    "TextPanel": "rlgan.render.panels",
    "Viewer": "rlgan.render.viewer",
}

# Every module here imports pygame: its banner is not for our users.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

__all__ = ["BarChart", "FrameRecorder", "LiveGANView", "Panel", "Sparkline", "TextPanel", "Viewer"]

__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
