"""rlgan's renderer: one pygame :class:`Viewer` behind every window.

- :class:`Viewer` (:mod:`~rlgan.render.viewer`): open a window, show RGB frames scaled to fit
  with a HUD and side panels, keys, fps limit, screenshots, GIF/MP4 recording;
- panels (:mod:`~rlgan.render.panels`): :class:`BarChart`, :class:`Sparkline`,
  :class:`TextPanel`;
- :class:`FrameRecorder` (:mod:`~rlgan.render.recorder`): frames to GIF/MP4;
- :class:`~rlgan.render.live.LiveGANView`: the live view of a GAN's training;
- ``rlgan-watch`` (:mod:`~rlgan.render.watch`): watch a trained agent, a random one, or play.

pygame starts only its display and font modules (never audio) and runs headless with
``SDL_VIDEODRIVER=dummy``.
"""

from rlgan.render.live import LiveGANView
from rlgan.render.panels import BarChart, Sparkline, TextPanel
from rlgan.render.recorder import FrameRecorder
from rlgan.render.viewer import Viewer

__all__ = ["BarChart", "FrameRecorder", "LiveGANView", "Sparkline", "TextPanel", "Viewer"]
