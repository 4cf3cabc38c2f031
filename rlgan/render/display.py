"""Start pygame's display and font modules (never audio) and hand out the bundled font.

Every window in rlgan goes through :func:`init_display`, so pygame is set up one way:
``pygame.display.init()`` and ``pygame.font.init()`` only (``pygame.init()`` would also open
the audio device, which prints ALSA errors on machines without sound). Headless use works
with ``SDL_VIDEODRIVER=dummy``; :func:`use_headless_driver` sets it for the caller.

Without a display (no X11 or Wayland server) and without ``SDL_VIDEODRIVER``, SDL quietly
falls back to its ``offscreen`` driver: a window would be drawn that nobody can see.
:func:`require_window` (called by every :class:`~rlgan.render.viewer.Viewer`) refuses that
with a :class:`~rlgan.common.errors.ConfigError`, unless an off-screen driver was asked for.
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


#: SDL's video drivers that draw into memory only: no window a person can see.
OFFSCREEN_DRIVERS = ("dummy", "offscreen")


def fell_back_offscreen(driver: str, requested: str | None) -> bool:
    """Whether SDL chose the off-screen ``driver`` although ``requested`` did not ask for it.

    ``requested`` is ``SDL_VIDEODRIVER`` (a driver name or a comma-separated list; None or
    empty: SDL picks the first driver that starts).
    """
    asked = {name.strip().lower() for name in (requested or "").split(",") if name.strip()}
    return driver.lower() in OFFSCREEN_DRIVERS and driver.lower() not in asked


def require_window(what: str = "a window", *, instead: str = "") -> None:
    """Start the display; a ConfigError when only an off-screen driver could start.

    Args:
        what: what wants the window, for the message (e.g. ``"render.live=true"``).
        instead: the caller's own way around it, put in the message before the generic
            ones, e.g. ``"add headless=true to draw off-screen"``.

    """
    init_display()
    driver = pygame.display.get_driver()
    if not fell_back_offscreen(driver, os.environ.get("SDL_VIDEODRIVER")):
        return
    pygame.display.quit()  # the next attempt (e.g. once DISPLAY is set) starts afresh
    raise ConfigError(
        f"Cannot open a window for {what}: no display was found (DISPLAY="
        f"{os.environ.get('DISPLAY', '')!r}, WAYLAND_DISPLAY="
        f"{os.environ.get('WAYLAND_DISPLAY', '')!r}), so pygame could only draw off-screen "
        f"(SDL's {driver!r} driver) and nothing would be seen. "
        + (f"{instead[0].upper()}{instead[1:]}, or run " if instead else "Run ")
        + "it where a display is available (ssh -X too), start a virtual display "
        "(Xvfb :99 & export DISPLAY=:99), or set SDL_VIDEODRIVER=dummy to draw off-screen "
        "on purpose."
    )


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
