"""The one line every run ends with, shared by ``rlgan-rl`` and ``rlgan-gan``.

Both commands print the same fields in the same order, so a person (or a ``grep``) reads
either the same way::

    rlgan-rl: ok: PPO on CartPole-v1, 60,000 steps in 41.2 s, eval return 500.0 ± 0.0 over
    10 episodes, solved at 40,000 steps; objective eval/mean_reward = 500; run folder outputs/...

The app supplies what ran, how far it got and its own details; this module formats the
status, the progress, the wall time, the objective and the run folder.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field


def format_value(value: float | int | None, digits: int = 4) -> str:
    """A metric value for people: ``digits`` significant digits, ``n/a`` when missing or NaN."""
    if value is None or isinstance(value, bool):
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    value = float(value)
    if not math.isfinite(value):
        return "n/a" if math.isnan(value) else str(value)
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if 10**digits <= abs(value) < 1e15:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


@dataclass(frozen=True)
class RunSummary:
    """What the one-line summary of a run says.

    Attributes:
        command: the command's name (``rlgan-rl``, ``rlgan-gan``).
        status: the run's ``status`` (``ok``, ``interrupted``, ...).
        what: what ran, e.g. ``PPO on CartPole-v1``.
        done: how far it got, in the app's unit (timesteps, iterations).
        unit: that unit's name, plural (``steps``, ``iterations``).
        wall_time_s: wall-clock seconds over all of the run's sessions.
        details: the app's own facts (its evaluation, whether it solved), in order.
        objective: the metric the run returns to a sweeper.
        value: that metric's value (NaN or None when not available).
        run_dir: the run folder.

    """

    command: str
    status: str
    what: str
    done: int | None
    unit: str
    wall_time_s: float | None
    objective: str
    value: float | None
    run_dir: str | os.PathLike
    details: Sequence[str] = field(default_factory=tuple)

    def line(self) -> str:
        """The summary as one line of text."""
        done = "?" if self.done is None else f"{int(self.done):,}"
        wall = "?" if self.wall_time_s is None else f"{float(self.wall_time_s):.1f}"
        parts = [f"{self.what}, {done} {self.unit} in {wall} s", *self.details]
        return (
            f"{self.command}: {self.status}: {', '.join(parts)}; "
            f"objective {self.objective} = {format_value(self.value)}; "
            f"run folder {self.run_dir}"
        )
