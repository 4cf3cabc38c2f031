"""The side panel of ``rlgan-watch``: which panels it shows, top-down.

Each entry of :data:`WATCH_PANELS` is a function of the running session that returns a
:class:`~rlgan.render.panels.Panel` (or None to skip it this frame). To add a panel to
``rlgan-watch``, write the panel class (docs/render.md, "Adding a viewer panel") and append a
function that builds it to :data:`WATCH_PANELS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rlgan.render.panels import Panel, Sparkline, TextPanel

if TYPE_CHECKING:
    from rlgan.apps.watch_session import WatchSession

#: the viewer's own keys, shown while an agent plays
KEY_HELP = ("space pause, -> step, +/- speed", "r reset, s screenshot, d det/stoch, q quit")
#: how many recent episode returns the sparkline shows
RETURNS_SHOWN = 50

PanelSource = Callable[["WatchSession"], Panel | None]


def actions_panel(session: WatchSession) -> Panel | None:
    """Your keys in play mode; else the agent's action values (probabilities, Q-values)."""
    if session.control is not None:
        return TextPanel(
            [session.control.help, "space pause, r reset", "s screenshot, q quit"], title="keys"
        )
    return session.decision().panel(session.names)


def returns_panel(session: WatchSession) -> Panel:
    """A sparkline of the recent episode returns (the running one before the first ends)."""
    returns = session.result.returns[-RETURNS_SHOWN:] or [session.episode_return]
    return Sparkline(returns, title="episode return")


def viewer_keys_panel(session: WatchSession) -> Panel | None:
    """The viewer's keys, while an agent plays (d only for a trained agent)."""
    if session.control is not None:
        return None
    lines = list(KEY_HELP)
    if session.random:
        lines[-1] = lines[-1].replace(" d det/stoch,", "")
    return TextPanel(lines, title="keys")


def team_panel(team: str) -> PanelSource:
    """The panel of one team's action values, for environments with teams (an arena run)."""

    def source(session: WatchSession) -> Panel | None:
        panel = getattr(session.env, "team_panel", None)
        return panel(team, session.names) if callable(panel) else None

    source.__name__ = f"{team}_panel"
    return source


#: rlgan-watch's panels, top-down: append a function here to add one.
WATCH_PANELS: list[PanelSource] = [
    actions_panel,
    team_panel("red"),
    team_panel("blue"),
    returns_panel,
    viewer_keys_panel,
]


def watch_panels(session: WatchSession) -> list[Panel]:
    """The panels of :data:`WATCH_PANELS` for this frame."""
    return [panel for source in WATCH_PANELS if (panel := source(session)) is not None]
