"""The pygame window of ``render_mode="human"``: a frame with a few HUD lines, nothing more.

The environments draw with pygame directly, as Gymnasium's own environments do, so that they
depend on no other rlgan package than ``rlgan.common`` (rlgan's full viewer,
``rlgan.render.Viewer``, is a layer above them). pygame is imported only here, when the first
frame is shown, and only its display and font modules are started (never audio).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from rlgan.common.errors import ConfigError

#: HUD text: size in pixels, colour, and the alpha of the dark box behind it
HUD_SIZE, HUD_COLOUR, HUD_ALPHA = 18, (235, 235, 235), 160


def import_pygame() -> Any:
    """Import pygame quietly (no support prompt; SDL audio off unless the caller chose one)."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    import pygame

    return pygame


def _start_pygame() -> Any:
    """Import pygame and start its display and font modules; a clear error without display."""
    pygame = import_pygame()
    try:
        pygame.display.init()
        pygame.font.init()
    except pygame.error as err:
        raise ConfigError(
            f"Cannot open a window for render_mode='human': pygame could not start a video "
            f"driver ({err}). Use render_mode='rgb_array', a machine with a display, a "
            "virtual one (Xvfb), or SDL_VIDEODRIVER=dummy."
        ) from err
    return pygame


class HumanWindow:
    """A ``size`` x ``size`` pygame window that shows frames at ``fps`` frames per second."""

    def __init__(self, size: int, caption: str, fps: int) -> None:
        """Open the window titled ``caption``."""
        self._pygame = _start_pygame()
        self._surface = self._pygame.display.set_mode((size, size))
        self._pygame.display.set_caption(caption)
        self._clock = self._pygame.time.Clock()
        self._font = self._pygame.font.Font(None, HUD_SIZE)
        self.fps = int(fps)
        self.open = True

    def show(self, frame: np.ndarray, hud: list[str] | None = None) -> bool:
        """Show ``frame`` (HxWx3 uint8) with ``hud`` lines; False once the user closed it."""
        if not self.open:
            return False
        pygame = self._pygame
        for event in pygame.event.get():
            if event.type == pygame.QUIT or (
                event.type == pygame.KEYDOWN and event.key in (pygame.K_ESCAPE, pygame.K_q)
            ):
                self.close()
                return False
        image = pygame.surfarray.make_surface(
            np.ascontiguousarray(frame[:, :, :3]).transpose(1, 0, 2)
        )
        if image.get_size() != self._surface.get_size():
            image = pygame.transform.scale(image, self._surface.get_size())
        self._surface.blit(image, (0, 0))
        self._draw_hud(hud or [])
        pygame.display.flip()
        self._clock.tick(self.fps)
        return True

    def _draw_hud(self, lines: list[str]) -> None:
        """Text lines at the top left, on a translucent dark box."""
        if not lines:
            return
        rendered = [self._font.render(str(line), True, HUD_COLOUR) for line in lines]
        pad = 4
        width = max(text.get_width() for text in rendered) + 2 * pad
        height = sum(text.get_height() for text in rendered) + 2 * pad
        box = self._pygame.Surface((width, height), self._pygame.SRCALPHA)
        box.fill((0, 0, 0, HUD_ALPHA))
        self._surface.blit(box, (6, 6))
        y = 6 + pad
        for text in rendered:
            self._surface.blit(text, (6 + pad, y))
            y += text.get_height()

    def close(self) -> None:
        """Close the window and release pygame's display."""
        if self.open and self._pygame.display.get_init():
            self._pygame.display.quit()
        self.open = False
