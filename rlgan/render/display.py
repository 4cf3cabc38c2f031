"""Start pygame's display and font modules (never audio) and hand out the bundled font.

Every window in rlgan goes through :func:`init_display`, so pygame is set up one way:
``pygame.display.init()`` and ``pygame.font.init()`` only (``pygame.init()`` would also open
the audio device, which prints ALSA errors on machines without sound). Headless use works
with ``SDL_VIDEODRIVER=dummy``; :func:`use_headless_driver` sets it for the caller.
"""

from __future__ import annotations

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
# rlgan plays no sound; Gymnasium's renderers call pygame.init(), which would open ALSA.
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame  # noqa: E402

from rlgan.common.errors import ConfigError  # noqa: E402


def use_headless_driver() -> None:
    """Select SDL's off-screen ``dummy`` video driver (call before the first window opens)."""
    if pygame.display.get_init() and pygame.display.get_driver() != "dummy":
        pygame.display.quit()
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


def init_display() -> None:
    """Initialise pygame's display and font modules; a clear error when no display exists."""
    try:
        if not pygame.display.get_init():
            pygame.display.init()
        if not pygame.font.get_init():
            pygame.font.init()
    except pygame.error as err:
        driver = os.environ.get("SDL_VIDEODRIVER", "<default>")
        raise ConfigError(
            f"Cannot open a window: pygame could not start a video driver "
            f"(SDL_VIDEODRIVER={driver!r}, DISPLAY={os.environ.get('DISPLAY', '')!r}): {err}. "
            "Run on a machine with a display, start a virtual one (Xvfb), or run headless "
            "with SDL_VIDEODRIVER=dummy (rlgan-watch: headless=true)."
        ) from err


_fonts: dict[int, pygame.font.Font] = {}


def get_font(size: int = 18) -> pygame.font.Font:
    """The bundled default pygame font at ``size`` pixels (cached).

    A cached font dies when someone calls ``pygame.quit()`` (Gymnasium's classic-control
    environments do on ``close()``); it is then loaded again.
    """
    init_display()
    font = _fonts.get(size)
    if font is not None:
        try:
            font.size("x")
            return font
        except pygame.error:
            pass
    font = _fonts[size] = pygame.font.Font(None, size)
    return font
