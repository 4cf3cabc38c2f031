"""Save and load the models of a run folder; every write is atomic (temp file, then rename).

Files: ``model.zip`` (final), ``best_model.zip`` (best evaluation), and
``checkpoints/step_<timesteps>.zip`` + ``step_<timesteps>.replay.pkl`` (off-policy replay
buffer) + ``step_<timesteps>.state.json`` (evaluation bookkeeping, for resuming).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from omegaconf import DictConfig
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm

from rlgan.common.atomic import atomic_write, atomic_write_json
from rlgan.common.errors import ConfigError, invalid_choice
from rlgan.common.run_dir import (
    checkpoint_path,
    latest_checkpoint,
    load_run_config,
    prune_checkpoints,
)
from rlgan.rl.algos import get_algo_class

FINAL_MODEL = "model.zip"
BEST_MODEL = "best_model.zip"
MODEL_SUFFIX = ".zip"
REPLAY_SUFFIX = ".replay.pkl"
STATE_SUFFIX = ".state.json"
WHICH_CHOICES = ("best", "final")


def save_model(model: BaseAlgorithm, path: str | os.PathLike) -> Path:
    """Atomically save ``model`` (SB3 zip) to ``path``."""
    return atomic_write(path, lambda handle: model.save(handle))


def save_checkpoint(model: BaseAlgorithm, run_dir: str | os.PathLike, state: dict[str, Any],
                    replay_buffer: bool = True, keep: int = 0) -> Path:
    """Write the checkpoint for ``model.num_timesteps``; keep the ``keep`` newest (0: all).

    The replay buffer (off-policy algorithms, ``replay_buffer=True``) and ``state`` are
    written before the model, so a model checkpoint on disk always has its companions.
    """
    step = int(model.num_timesteps)
    if replay_buffer and isinstance(model, OffPolicyAlgorithm) and model.replay_buffer is not None:
        atomic_write(checkpoint_path(run_dir, step, REPLAY_SUFFIX),
                     lambda handle: model.save_replay_buffer(handle))
    atomic_write_json(checkpoint_path(run_dir, step, STATE_SUFFIX), state)
    path = save_model(model, checkpoint_path(run_dir, step, MODEL_SUFFIX))
    for suffix in (MODEL_SUFFIX, REPLAY_SUFFIX, STATE_SUFFIX):
        prune_checkpoints(run_dir, suffix, keep)
    return path


def load_checkpoint(run_dir: str | os.PathLike, algo_name: str, env: Any,
                    device: str = "auto") -> tuple[BaseAlgorithm, dict[str, Any]] | None:
    """Load the newest checkpoint of ``run_dir`` (with its replay buffer and state), or None."""
    import json

    found = latest_checkpoint(run_dir, MODEL_SUFFIX)
    if found is None:
        return None
    step, path = found
    model = get_algo_class(algo_name).load(path, env=env, device=device)
    replay = checkpoint_path(run_dir, step, REPLAY_SUFFIX)
    if isinstance(model, OffPolicyAlgorithm) and replay.is_file():
        model.load_replay_buffer(replay)
    state_path = checkpoint_path(run_dir, step, STATE_SUFFIX)
    state = json.loads(state_path.read_text()) if state_path.is_file() else {}
    return model, state


def run_model_path(run_dir: str | os.PathLike, which: str = "best") -> Path:
    """The model file of a run: ``best`` (falls back to final) or ``final`` (model.zip)."""
    if which not in WHICH_CHOICES:
        raise invalid_choice("which", which, WHICH_CHOICES)
    run_dir = Path(run_dir)
    order = (BEST_MODEL, FINAL_MODEL) if which == "best" else (FINAL_MODEL,)
    for name in order:
        if (run_dir / name).is_file():
            return run_dir / name
    found = latest_checkpoint(run_dir, MODEL_SUFFIX)
    if found is not None:
        return found[1]
    raise ConfigError(f"Invalid run folder {str(run_dir)!r}: it holds no trained model "
                      f"({' or '.join(order)} or checkpoints/step_*.zip). Pass the folder of "
                      "an rlgan-rl run that has saved a model.")


def load_run_model(run_dir: str | os.PathLike, which: str = "best", device: str = "cpu"
                   ) -> tuple[BaseAlgorithm, DictConfig]:
    """Load a run's model (``best``: best_model.zip, else model.zip) and its config."""
    cfg = load_run_config(run_dir, "run")
    if cfg.get("app") != "rl" or "algo" not in cfg:
        raise ConfigError(f"Invalid run folder {str(run_dir)!r}: it is not an rlgan-rl run "
                          f"(its config has app={cfg.get('app')!r}). Pass a folder written "
                          "by rlgan-rl.")
    path = run_model_path(run_dir, which)
    model = get_algo_class(str(cfg.algo.name)).load(path, device=device)
    return model, cfg
