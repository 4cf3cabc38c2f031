"""The self-play schedule, with Unity ML-Agents' knobs and meanings.

One clock counts the run's arena steps (one step of one arena; ``n_arenas`` arenas advance it
by ``n_arenas`` per vector step). One team learns at a time, as in a GAN's alternation:

- ``team_change``: the learning team changes every ``team_change`` arena steps (red first,
  unless ``first_team`` says otherwise);
- ``save_steps``: the learning team saves a snapshot of itself into its pool every
  ``save_steps`` of its own learning steps (and when it stops learning, so that the other
  team meets its newest self);
- ``swap_steps``: every ``swap_steps`` arena steps the frozen opponent is swapped for one
  drawn from its pool: the latest snapshot with probability
  ``play_against_latest_model_ratio``, else one drawn uniformly from its newest ``window``
  snapshots (the latest among them).

One knob is rlgan's own: ``scripted_ratio``, the probability that a swap draws one of the
other team's scripted baselines instead (0 by default: pure self-play; 1: the team trains
against the scripts alone, the yardstick self-play's robustness is compared with).

:class:`SelfPlaySettings` holds the knobs (checked: bad values are one-paragraph
:class:`~rlgan.common.errors.ConfigError`); :class:`OpponentSampler` draws opponents from a
seeded generator whose state a checkpoint saves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from rlgan.common.errors import ConfigError, invalid_choice, require_int

#: The two teams: red pursues, blue evades.
TEAMS = ("red", "blue")
#: The knobs of the ``selfplay`` config node and what each one counts.
SELFPLAY_COUNTS: tuple[tuple[str, int, str], ...] = (
    ("team_change", 1, "arena steps between changes of the learning team"),
    ("save_steps", 1, "learning steps of a team between two snapshots of it"),
    ("swap_steps", 1, "arena steps between two swaps of the frozen opponent"),
    ("window", 1, "newest snapshots of a pool that opponents are drawn from"),
)

T = TypeVar("T")


def _probability(value: Any) -> bool:
    """Whether ``value`` is a number in [0, 1] (not a bool)."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return number and 0.0 <= float(value) <= 1.0


def other_team(team: str) -> str:
    """The team that plays against ``team``."""
    if team not in TEAMS:
        raise invalid_choice("team", team, TEAMS)
    return TEAMS[1 - TEAMS.index(team)]


def crossed(before: int, after: int, every: int) -> bool:
    """Whether a multiple of ``every`` lies in ``(before, after]`` (an event fell due)."""
    return after // every > before // every


def steps_to_next(step: int, every: int) -> int:
    """Steps from ``step`` to the next multiple of ``every`` (``every`` when on one)."""
    return every - step % every


@dataclass(frozen=True)
class SelfPlaySettings:
    """The self-play knobs (see the module docstring); build with :meth:`from_config`."""

    team_change: int
    save_steps: int
    swap_steps: int
    window: int
    play_against_latest_model_ratio: float
    first_team: str = "red"
    scripted_ratio: float = 0.0

    @classmethod
    def from_config(cls, node: Mapping[str, Any], where: str = "selfplay") -> SelfPlaySettings:
        """Check the ``selfplay`` config node; bad values raise one-paragraph ConfigErrors."""
        for knob, minimum, meaning in SELFPLAY_COUNTS:
            require_int(f"{where}.{knob}", node.get(knob), minimum, meaning=meaning)
        ratio = node.get("play_against_latest_model_ratio")
        if not _probability(ratio):
            raise ConfigError(
                f"Invalid {where}.play_against_latest_model_ratio={ratio!r}: it must be a "
                "number in [0, 1], the probability that a swap picks the other team's latest "
                "snapshot (else one drawn uniformly from its newest window snapshots); 1 "
                "always plays the latest, 0 always draws from the window."
            )
        scripted = node.get("scripted_ratio", 0.0)
        if not _probability(scripted):
            raise ConfigError(
                f"Invalid {where}.scripted_ratio={scripted!r}: it must be a number in [0, 1], "
                "the probability that a swap picks one of the other team's scripted baselines "
                "instead of a snapshot; 0 is pure self-play, 1 trains against the scripts alone."
            )
        first = node.get("first_team", "red")
        if first not in TEAMS:
            raise invalid_choice(f"{where}.first_team", first, TEAMS, "The team that learns first.")
        return cls(
            team_change=int(node["team_change"]),
            save_steps=int(node["save_steps"]),
            swap_steps=int(node["swap_steps"]),
            window=int(node["window"]),
            play_against_latest_model_ratio=float(ratio),
            first_team=str(first),
            scripted_ratio=float(scripted),
        )

    def learning_team(self, step: int) -> str:
        """The team that learns at arena step ``step``."""
        phase = int(step) // self.team_change
        first = TEAMS.index(self.first_team)
        return TEAMS[(first + phase) % 2]

    def learning_steps(self, total: int, team: str) -> int:
        """How many of the arena steps ``[0, total)`` ``team`` learns in."""
        phases, rest = divmod(int(total), self.team_change)
        first = TEAMS.index(team) == TEAMS.index(self.first_team)
        steps = (phases + (1 if first else 0)) // 2 * self.team_change
        if self.learning_team(phases * self.team_change) == team:
            steps += rest
        return steps

    def steps_to_next_event(self, step: int, team_step: int) -> int:
        """Arena steps from ``step`` until the next team change, swap or snapshot is due.

        ``team_step`` counts the learning team's own learning steps (its snapshot clock).
        """
        return min(
            steps_to_next(step, self.team_change),
            steps_to_next(step, self.swap_steps),
            steps_to_next(team_step, self.save_steps),
        )

    def team_changed(self, before: int, after: int) -> bool:
        """Whether the learning team changed between arena steps ``before`` and ``after``."""
        return crossed(before, after, self.team_change)

    def swap_due(self, before: int, after: int) -> bool:
        """Whether an opponent swap fell due between arena steps ``before`` and ``after``."""
        return crossed(before, after, self.swap_steps)

    def save_due(self, before: int, after: int) -> bool:
        """Whether a snapshot fell due between a team's learning steps ``before`` and ``after``."""
        return crossed(before, after, self.save_steps)


class OpponentSampler:
    """Draws the frozen opponent from a pool's newest snapshots, from a seeded generator."""

    def __init__(self, ratio: float, seed: int | np.random.Generator = 0) -> None:
        if not 0.0 <= float(ratio) <= 1.0:
            raise ValueError(f"ratio={ratio!r} is not a probability")
        self.ratio = float(ratio)
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)

    def draw(self, recent: Sequence[T]) -> T:
        """The latest of ``recent`` (oldest first) with probability ``ratio``, else a uniform one.

        The uniform draw is over all of ``recent``, the latest included (ML-Agents' window).
        """
        if not recent:
            raise ValueError("no snapshot to draw an opponent from")
        if self.rng.random() < self.ratio:
            return recent[-1]
        return recent[int(self.rng.integers(len(recent)))]

    def state(self) -> dict[str, Any]:
        """The generator's state (saved with a checkpoint, so a resume draws the same)."""
        return dict(self.rng.bit_generator.state)

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Restore the state :meth:`state` returned."""
        self.rng.bit_generator.state = dict(state)
