"""The pygame window of ``render_mode="human"``, through the shared ``rlgan.render.Viewer``."""

from __future__ import annotations

import numpy as np


class HumanWindow:
    """Open the shared renderer's window lazily and show frames in it.

    ``rlgan.render`` (pygame) is imported only here, on the first frame, so the environments
    import and run without a display.
    """

    def __init__(self, size: int, caption: str, fps: int) -> None:
        """Open a ``size`` x ``size`` window titled ``caption`` that shows ``fps`` frames/s."""
        from rlgan.render import Viewer

        self._viewer = Viewer(size=(size, size), caption=caption, fps=fps)
        self.open = True

    def show(self, frame: np.ndarray, hud: list[str] | None = None) -> bool:
        """Show ``frame`` (HxWx3 uint8) with ``hud`` lines; False once the user closed it."""
        if self.open:
            self.open = bool(self._viewer.show(frame, hud=hud))
        return self.open

    def close(self) -> None:
        """Close the window and release pygame's display."""
        self._viewer.close()
        self.open = False
