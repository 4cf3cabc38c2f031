"""SB3 callbacks of a run: periodic evaluation, periodic atomic checkpoints, and yours.

Evaluation also keeps the best model, tracks when the env was solved and stops early.

Both share one :class:`RunState` (what a resumed run needs to continue its bookkeeping); it is
saved beside each checkpoint as ``step_<timesteps>.state.json``.

:func:`build_user_callbacks` instantiates the config's ``callbacks`` (any SB3
``BaseCallback``, each ``{_target_: <dotted path>, <kwargs>}``); they run after the runner's
own, so they see each evaluation's ``eval/*`` values already logged.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.vec_env import VecEnv

from rlgan.common.errors import ConfigError
from rlgan.rl.evaluate import EvalResult, evaluate_model
from rlgan.rl.model_io import BEST_MODEL, save_checkpoint, save_model
from rlgan.rl.targets import call_target, target_entries, target_partial

#: What a ``callbacks`` entry must name (for error messages).
CALLBACK_TARGET = "a stable-baselines3 BaseCallback class (or a function returning one)"


def build_user_callbacks(entries: Any) -> list[BaseCallback]:
    """Instantiate the config's ``callbacks`` (a list, or a mapping name -> entry).

    Each entry is ``{_target_: <dotted path>, <kwargs>}`` and must give an SB3
    ``BaseCallback``; anything else is a one-paragraph ConfigError naming the entry.
    """
    built = []
    for knob, spec in target_entries(entries, "callbacks"):
        callback = call_target(target_partial(spec, knob, CALLBACK_TARGET), knob)
        if not isinstance(callback, BaseCallback):
            raise ConfigError(
                f"Invalid {knob}: {spec['_target_']} gave a "
                f"{type(callback).__name__}, not {CALLBACK_TARGET}."
            )
        built.append(callback)
    return built


class StopOnRequest(BaseCallback):
    """Ends ``model.learn`` cleanly after the current step once a stop was requested.

    ``stop`` is the run's :class:`rlgan.common.lifecycle.StopRequest` (SIGINT / SIGTERM);
    both ``rlgan-rl`` and ``rlgan-arena`` pass it to every ``learn`` call.
    """

    def __init__(self, stop: Any) -> None:
        super().__init__()
        self.stop = stop

    def _on_step(self) -> bool:
        """False (stop learning) once SIGINT / SIGTERM arrived."""
        return not self.stop.requested


@dataclass
class RunState:
    """Bookkeeping that survives a resume (timesteps themselves live in the model)."""

    best_mean_reward: float = -math.inf
    solved_at_timesteps: int | None = None
    consecutive_solves: int = 0
    evaluations: int = 0
    next_eval: int = 0
    next_checkpoint: int = 0
    wall_time_s: float = 0.0
    last_eval_step: int | None = None
    last_eval: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``-inf`` becomes ``None``)."""
        data = asdict(self)
        if not math.isfinite(data["best_mean_reward"]):
            data["best_mean_reward"] = None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunState:
        """Rebuild from :meth:`to_dict` output (unknown keys are ignored)."""
        names = {f.name for f in fields(cls)}
        state = cls(**{k: v for k, v in data.items() if k in names})
        if state.best_mean_reward is None:
            state.best_mean_reward = -math.inf
        return state


class PeriodicEvalCallback(BaseCallback):
    """Every ``freq`` timesteps: evaluate on ``eval_env``, log ``eval/*``, keep the best model.

    Tracks the first evaluation at or above ``threshold`` (``solved_at_timesteps``) and stops
    training once ``stop_on_solve`` consecutive evaluations reach it (0: never stop early).
    ``freq=0`` disables periodic evaluation.
    """

    def __init__(
        self,
        eval_env: VecEnv,
        state: RunState,
        run_dir: str | os.PathLike,
        *,
        freq: int,
        episodes: int,
        deterministic: bool = True,
        threshold: float | None = None,
        stop_on_solve: int = 0,
        on_evaluation: Callable[[EvalResult], None] | None = None,
    ) -> None:
        super().__init__()
        self.eval_env = eval_env
        self.state = state
        self.run_dir = Path(run_dir)
        self.freq = int(freq)
        self.episodes = int(episodes)
        self.deterministic = deterministic
        self.threshold = threshold
        self.stop_on_solve = int(stop_on_solve)
        self.on_evaluation = on_evaluation

    def _on_training_start(self) -> None:
        """Schedule the first evaluation (a fresh run: after ``freq`` timesteps)."""
        if self.freq > 0 and self.state.next_eval <= self.num_timesteps:
            self.state.next_eval = (self.num_timesteps // self.freq + 1) * self.freq

    def _on_step(self) -> bool:
        """Evaluate when due; return False (stop) once the env is solved stably."""
        if self.freq <= 0 or self.num_timesteps < self.state.next_eval:
            return True
        while self.state.next_eval <= self.num_timesteps:
            self.state.next_eval += self.freq
        result = self.evaluate_now()
        return not self.should_stop(result)

    def evaluate_now(self) -> EvalResult:
        """Evaluate the current policy, log it, update the best model and the solve tracking."""
        result = evaluate_model(self.model, self.eval_env, self.episodes, self.deterministic)
        self.record(result)
        return result

    def record(self, result: EvalResult) -> None:
        """Log ``result`` at the current timestep and update the state and best model."""
        step = int(self.model.num_timesteps)
        self.logger.record("eval/mean_reward", result.mean)
        self.logger.record("eval/std_reward", result.std)
        self.logger.record("eval/mean_ep_length", result.mean_length)
        self.logger.record("eval/episodes", result.episodes)
        if result.success_rate is not None:
            self.logger.record("eval/success_rate", result.success_rate)
        self.logger.dump(step)
        self.state.evaluations += 1
        self.state.last_eval_step = step
        self.state.last_eval = result.summary()
        if result.mean > self.state.best_mean_reward:
            self.state.best_mean_reward = result.mean
            save_model(self.model, self.run_dir / BEST_MODEL)
        if self.threshold is not None and result.mean >= self.threshold:
            self.state.consecutive_solves += 1
            if self.state.solved_at_timesteps is None:
                self.state.solved_at_timesteps = step
        else:
            self.state.consecutive_solves = 0
        if self.on_evaluation is not None:
            self.on_evaluation(result)

    def should_stop(self, result: EvalResult) -> bool:
        """True once ``stop_on_solve`` consecutive evaluations reached the threshold."""
        return self.stop_on_solve > 0 and self.state.consecutive_solves >= self.stop_on_solve


class PeriodicCheckpointCallback(BaseCallback):
    """Every ``freq`` timesteps: atomically save model (+ replay buffer) and run state.

    ``freq=0`` disables periodic checkpoints (the runner still checkpoints at the end and on
    interruption). Only the ``keep`` newest checkpoints are kept (0: all).
    """

    def __init__(
        self,
        state: RunState,
        run_dir: str | os.PathLike,
        *,
        freq: int,
        keep: int,
        replay_buffer: bool,
        state_extra: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        super().__init__()
        self.state = state
        self.run_dir = Path(run_dir)
        self.freq = int(freq)
        self.keep = int(keep)
        self.replay_buffer = replay_buffer
        self.state_extra = state_extra

    def _on_training_start(self) -> None:
        """Schedule the first checkpoint."""
        if self.freq > 0 and self.state.next_checkpoint <= self.num_timesteps:
            self.state.next_checkpoint = (self.num_timesteps // self.freq + 1) * self.freq

    def _on_step(self) -> bool:
        """Checkpoint when due."""
        if self.freq > 0 and self.num_timesteps >= self.state.next_checkpoint:
            while self.state.next_checkpoint <= self.num_timesteps:
                self.state.next_checkpoint += self.freq
            self.save()
        return True

    def save(self) -> Path:
        """Write a checkpoint of the model now."""
        state = self.state.to_dict()
        if self.state_extra is not None:
            state.update(self.state_extra())
        return save_checkpoint(self.model, self.run_dir, state, self.replay_buffer, self.keep)
