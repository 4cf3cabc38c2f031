"""``rlgan-watch``: watch a trained agent, a random agent, or play an environment yourself.

::

    rlgan-watch run=outputs/rl/<date>/<time>          # the run's best model, 3 episodes
    rlgan-watch run=<dir> which=final episodes=0      # final model, until the window closes
    rlgan-watch env.id=Acrobot-v1                     # a random agent on any Gymnasium id
    rlgan-watch env.id=rlgan/Pursuit-v0 play=true     # you play, with the arrow keys
    rlgan-watch env.id=rlgan/Pursuit-v0 env.kwargs.num_pursuers=1 play=true
    rlgan-watch run=<dir> record=cartpole.gif headless=true max_frames=300
    rlgan-watch model=ppo.zip env.id=CartPole-v1      # a model saved by plain SB3
    rlgan-watch run=logs/ppo/Pendulum-v1_1            # an RL Zoo agent folder
    rlgan-watch run=outputs/arena/<date>/<time> blue=first   # an rlgan-arena run (two teams)
    rlgan-watch run=<arena run> play=true team=blue   # you play one blue agent

``env.id`` and ``env.kwargs.<knob>`` are spelled as in ``rlgan-rl``; the old spellings
``env=<id>`` and ``env_kwargs=`` still work, with a one-line warning
(:func:`upgrade_overrides`).

Keys: space pause/resume, right arrow one step while paused, +/- speed, r reset the episode,
s screenshot, d deterministic/stochastic, q or Esc quit. Options are in
``conf/watch/watch.yaml``.

Importing this module costs Hydra only: pygame, numpy, torch and the agents are imported once a
session starts, so ``rlgan-watch --help`` and a command line Hydra refuses (exit 2, see
:mod:`rlgan.common.hydra_cli`) stay fast.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any

from omegaconf import DictConfig

from rlgan.apps.watch_config import WHICH_CHOICES, check_watch_config
from rlgan.apps.watch_session import WatchResult, WatchSession
from rlgan.common.hydra_cli import hydra_command

log = logging.getLogger(__name__)

__all__ = [
    "WHICH_CHOICES",
    "WatchResult",
    "WatchSession",
    "check_watch_config",
    "main",
    "upgrade_overrides",
    "watch",
    "watch_objective",
]

#: rlgan-watch's own config package: in ``rlgan.conf`` ``env`` is a config group, so Hydra
#: would take ``env=CartPole-v1`` for a file choice instead of a value.
WATCH_CONFIG_PATH = "pkg://rlgan.conf.watch"
#: Config nodes whose keys need no ``+``: ``env.kwargs.<knob>=...`` sets any constructor knob
#: (checked against the env's constructor, with close matches, when the env is made).
OPEN_NODES = ("env.kwargs",)
#: Deprecated spellings of rlgan-watch's knobs -> the names they have now (as in rlgan-rl).
RENAMED_KNOBS = {"env": "env.id", "env_kwargs": "env.kwargs"}


def upgrade_overrides(overrides: Sequence[str]) -> list[str]:
    """``overrides`` with the deprecated ``env=<id>`` / ``env_kwargs...`` spellings renamed.

    ``env=CartPole-v1`` becomes ``env.id=CartPole-v1``, ``env_kwargs.size=9`` becomes
    ``env.kwargs.size=9`` and ``env_kwargs={size: 9}`` becomes ``env.kwargs={size: 9}``, each
    with a one-line warning. ``env={id: ..., kwargs: ...}`` (a whole node), flags and every
    other override are returned unchanged, in order.
    """
    result = []
    for text in overrides:
        prefix = text[: len(text) - len(text.lstrip("+~"))]
        key, equals, value = text[len(prefix) :].partition("=")
        old = key.split(".", 1)[0]
        current = text.startswith("-") or not equals or old not in RENAMED_KNOBS
        whole_node = key == "env" and value.lstrip().startswith("{")
        if current or whole_node or key.startswith("env."):
            result.append(text)
            continue
        new_key = RENAMED_KNOBS[old] + key[len(old) :]
        new = f"{prefix}{new_key}={value}"
        log.warning("rlgan-watch: %s is deprecated (named as in rlgan-rl now): using %s", text, new)
        result.append(new)
    return result


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


@hydra_command(config_path=WATCH_CONFIG_PATH, config_name="watch", open_nodes=OPEN_NODES)
def _hydra_main(cfg: DictConfig) -> None:
    """``rlgan-watch`` once Hydra composed the config."""
    from rlgan.common.app import run_app

    run_app("rlgan-watch", watch_objective, cfg)


def main(cfg: DictConfig | None = None) -> Any:
    """Entry point of ``rlgan-watch`` (renames deprecated spellings on the command line)."""
    if cfg is None:
        sys.argv[1:] = upgrade_overrides(sys.argv[1:])
    return _hydra_main(cfg)
