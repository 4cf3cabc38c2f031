"""``rlgan-watch``: watch a trained agent, a random agent, or play an environment yourself.

::

    rlgan-watch run=outputs/rl/<date>/<time>          # the run's best model, 3 episodes
    rlgan-watch run=<dir> which=final episodes=0      # final model, until the window closes
    rlgan-watch env=Acrobot-v1                        # a random agent on any Gymnasium id
    rlgan-watch env=rlgan/Pursuit-v0 play=true        # you play, with the arrow keys
    rlgan-watch run=<dir> record=cartpole.gif headless=true max_frames=300

Keys: space pause/resume, right arrow one step while paused, +/- speed, r reset the episode,
s screenshot, d deterministic/stochastic, q or Esc quit. Options are in
``conf/watch/watch.yaml``.

Importing this module costs Hydra only: pygame, numpy, torch and the agents are imported once a
session starts, so ``rlgan-watch --help`` and a command line Hydra refuses (exit 2, see
:mod:`rlgan.common.hydra_cli`) stay fast.
"""

from __future__ import annotations

from omegaconf import DictConfig

from rlgan.apps.watch_config import WHICH_CHOICES, check_watch_config
from rlgan.apps.watch_session import WatchResult, WatchSession
from rlgan.common.hydra_cli import hydra_command

__all__ = [
    "WHICH_CHOICES",
    "WatchResult",
    "WatchSession",
    "check_watch_config",
    "main",
    "watch",
    "watch_objective",
]

#: rlgan-watch's own config package: in ``rlgan.conf`` ``env`` is a config group, so Hydra
#: would take ``env=CartPole-v1`` for a file choice instead of a value.
WATCH_CONFIG_PATH = "pkg://rlgan.conf.watch"


def watch(cfg: DictConfig) -> WatchResult:
    """Run ``rlgan-watch`` with a composed config (see ``conf/watch/watch.yaml``)."""
    return WatchSession(cfg).run()


def watch_objective(cfg: DictConfig) -> float:
    """:func:`watch`, returning the mean return of the finished episodes (NaN when none)."""
    import numpy as np

    result = watch(cfg)
    if result.recording is not None:
        print(f"rlgan-watch: recording saved to {result.recording}")
    mean = float(np.mean(result.returns)) if result.returns else float("nan")
    print(
        f"rlgan-watch: {len(result.returns)} episode(s), mean return {mean:.2f}, "
        f"{result.frames} frames"
    )
    return mean


@hydra_command(config_path=WATCH_CONFIG_PATH, config_name="watch")
def main(cfg: DictConfig) -> None:
    """Entry point of ``rlgan-watch``."""
    from rlgan.common.app import run_app

    run_app("rlgan-watch", watch_objective, cfg)
