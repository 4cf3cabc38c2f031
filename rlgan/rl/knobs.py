"""The run's own knobs of ``rlgan-rl``, checked without importing torch, SB3 or Gymnasium.

``rlgan-rl total_timesteps=-5`` is refused by :func:`check_run_knobs` before the runner is
imported (:mod:`rlgan.rl.cli`), so a refused command costs Hydra's start-up only; the full
check (:func:`rlgan.rl.validate.check_config`) calls it again with everything else.
"""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig

from rlgan.common.errors import invalid_choice, require_int
from rlgan.common.progress import check_progress
from rlgan.rl.metrics import OBJECTIVES

#: Integer knobs of the run: (knob, minimum, what it counts).
RUN_COUNTS: tuple[tuple[str, int, str], ...] = (
    ("seed", 0, "the run's random seed"),
    ("threads", 1, "torch CPU threads"),
    ("stop_on_solve", 0, "consecutive solved evaluations before stopping; 0: never stop"),
    ("eval.freq", 0, "timesteps between evaluations; 0: only the final one"),
    ("eval.episodes", 1, "episodes per periodic evaluation"),
    ("eval.final_episodes", 0, "episodes of the final evaluation; 0: skip it"),
    ("eval.n_envs", 1, "evaluation envs run side by side"),
    ("checkpoint.freq", 0, "timesteps between checkpoints; 0: only at the end"),
    ("checkpoint.keep", 0, "newest checkpoints kept; 0: all"),
    ("algo.n_envs", 1, "the algorithm's default for env.n_envs"),
)
_DEFAULTS = {"threads": 1, "stop_on_solve": 0, "algo.n_envs": 1}


def _select(cfg: DictConfig, knob: str) -> Any:
    """The value at a dotted ``knob`` (e.g. ``eval.freq``), or its default when absent."""
    node: Any = cfg
    for part in knob.split("."):
        if node is None or part not in node:
            return _DEFAULTS.get(knob)
        node = node[part]
    return node


def check_run_knobs(cfg: DictConfig) -> None:
    """Check the top-level knobs (timesteps, seeds, threads, eval, checkpoint, objective).

    ``device`` is checked by :func:`rlgan.rl.validate.check_config` (it needs torch).
    """
    require_int(
        "total_timesteps",
        cfg.get("total_timesteps"),
        1,
        meaning="a positive number of environment steps to train for, e.g. total_timesteps=100000",
    )
    for knob, minimum, meaning in RUN_COUNTS:
        require_int(knob, _select(cfg, knob), minimum, meaning=meaning)
    if cfg.get("objective") not in OBJECTIVES:
        raise invalid_choice(
            "objective",
            cfg.get("objective"),
            OBJECTIVES,
            "It names the metric the run returns to a Hydra sweeper.",
        )
    check_progress(cfg.get("progress_bar", "auto"))
