"""rlgan's renderer, a library: one pygame :class:`Viewer` behind the apps' windows.

- :class:`Viewer` (:mod:`~rlgan.render.viewer`): open a window, show RGB frames scaled to fit
  with a HUD and side panels, keys, fps limit, screenshots, GIF/MP4 recording;
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

from importlib import import_module
from typing import TYPE_CHECKING, Any

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

__all__ = ["BarChart", "FrameRecorder", "LiveGANView", "Panel", "Sparkline", "TextPanel", "Viewer"]


def __getattr__(name: str) -> Any:
    """Import a re-exported name's module on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the lazy re-exports included."""
    return sorted(set(globals()) | set(_LAZY))
