"""The run's own knobs of ``rlgan-arena``, checked before the runner (torch, SB3) is imported.

``rlgan-arena total_timesteps=-5`` or ``selfplay.window=0`` is refused by
:func:`check_run_knobs` before the runner is imported (:mod:`rlgan.arena.cli`), so a refused
command costs Hydra's start-up only; :func:`rlgan.arena.validate.check_config` calls it again
with everything else.
"""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf

from rlgan.arena.metrics import OBJECTIVES
from rlgan.arena.schedule import SelfPlaySettings
from rlgan.common.errors import invalid_choice, require, require_int
from rlgan.common.metrics import check_objective
from rlgan.common.progress import check_progress

#: Integer knobs of the run: (knob, minimum, what it counts).
ARENA_COUNTS: tuple[tuple[str, int, str], ...] = (
    ("total_timesteps", 1, "arena steps of the whole run, both teams' turns together"),
    ("seed", 0, "the run's random seed"),
    ("threads", 1, "torch CPU threads"),
    ("env.n_arenas", 1, "arenas stepped side by side"),
    ("eval.freq", 0, "arena steps between evaluation matches; 0: only the final one"),
    ("eval.games", 1, "games per pairing of an evaluation"),
    ("checkpoint.freq", 0, "arena steps between checkpoints; 0: only at the end"),
    ("checkpoint.keep", 0, "newest checkpoints kept; 0: all"),
    ("best_response.total_timesteps", 1, "arena steps each best response of exploit= trains"),
    ("best_response.games", 1, "games that rate each best response of exploit="),
)
#: Whose final policy ``exploit=`` trains best responses against.
EXPLOIT_AGAINST = ("red", "blue", "both")


def _select(cfg: DictConfig, knob: str) -> Any:
    """The value at a dotted ``knob`` (None when absent)."""
    return OmegaConf.select(cfg, knob, default=None)


def check_run_knobs(cfg: DictConfig) -> None:
    """The run's own knobs (counts, objective, progress bar, ELO); no torch or SB3 needed."""
    for knob, minimum, meaning in ARENA_COUNTS:
        require_int(knob, _select(cfg, knob), minimum, meaning=meaning)
    check_objective(cfg.get("objective"), OBJECTIVES)
    check_progress(cfg.get("progress_bar", "auto"))
    for knob, positive in (("elo.k", True), ("elo.initial", False)):
        value = _select(cfg, knob)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        require(
            ok and (value > 0 or not positive),
            f"Invalid {knob}={value!r}: it must be a number"
            + (" > 0 (how far one game moves a rating; ML-Agents uses 16)." if positive else "."),
        )
    SelfPlaySettings.from_config(cfg.get("selfplay") or {})
    against = _select(cfg, "best_response.against")
    if against not in EXPLOIT_AGAINST:
        raise invalid_choice(
            "best_response.against",
            against,
            EXPLOIT_AGAINST,
            "Whose final policy exploit=<run dir> trains fresh best responses against.",
        )
