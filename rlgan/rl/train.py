"""Train one agent from a composed ``rl`` config: :func:`train` (also evaluate / resume modes).

Order of work: validate everything (:mod:`rlgan.rl.validate`), build the envs and the model
(or load the latest checkpoint when resuming), train with periodic evaluation and checkpoints,
then save ``model.zip``, run the final evaluation, write ``metrics.json`` and the learning
curve, and print a one-line summary. Ctrl-C or SIGTERM stops training cleanly: a checkpoint is
written, ``status`` becomes ``interrupted`` and ``resume=<run dir>`` continues later.
"""

from __future__ import annotations

import logging
import math
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, CallbackList
from stable_baselines3.common.vec_env import VecEnv

from rlgan.common.device import resolve_device, set_torch_threads
from rlgan.common.errors import ConfigError
from rlgan.common.lifecycle import (
    ResumePlan,
    RunInterrupted,
    RunKind,
    RunLifecycle,
    StopRequest,
    clean_after_crash,
)
from rlgan.common.progress import want_progress
from rlgan.common.run_dir import (
    current_run_dir,
)
from rlgan.common.seeding import seed_everything
from rlgan.common.writable import require_writable_dir
from rlgan.rl.callbacks import (
    PeriodicCheckpointCallback,
    PeriodicEvalCallback,
    RunState,
    StopOnRequest,
)
from rlgan.rl.env_factory import make_vec_env
from rlgan.rl.evaluate import EvalResult, eval_env_count, evaluate_model, evaluate_run
from rlgan.rl.hyperparams import sb3_hyperparams
from rlgan.rl.model_io import (
    BEST_MODEL,
    FINAL_MODEL,
    MODEL_SUFFIX,
    copy_model,
    load_checkpoint,
    save_checkpoint,
    save_model,
)
from rlgan.rl.normalization import wrap_vec_env
from rlgan.rl.policy import has_custom_net, is_mlp_policy
from rlgan.rl.run_logger import make_run_logger
from rlgan.rl.run_summary import objective_value, plot_learning_curve, summary_line
from rlgan.rl.validate import CheckedConfig, check_config
from rlgan.rl.zoo_source import resolve_hyperparams_source

log = logging.getLogger(__name__)

#: Offset between the training envs' seed and the evaluation envs' seed.
EVAL_SEED_OFFSET = 10_000


def choose_device(cfg: DictConfig) -> str:
    """The torch device for the model; ``auto`` keeps MLP policies on the CPU (SB3's advice)."""
    spec = str(cfg.get("device", "auto"))
    device = resolve_device(spec)
    if spec == "auto" and device.type == "cuda" and is_mlp_policy(cfg):
        log.info(
            "device=auto: training on the CPU although a CUDA GPU is present: SB3 runs "
            "small MLP policies faster on the CPU (pass device=cuda to use the GPU anyway)."
        )
        return "cpu"
    return str(device)


#: How the run lifecycle plans resumes and re-runs of rlgan-rl's runs.
RL_RUNS = RunKind(
    "rl",
    budget_key="total_timesteps",
    step_key="timesteps",
    checkpoint_suffix=MODEL_SUFFIX,
    resume_knobs=("progress_bar", "threads", "device", "log.stdout", "trust"),
)


def build_model(cfg: DictConfig, checked: CheckedConfig, env: VecEnv, device: str) -> BaseAlgorithm:
    """A fresh SB3 model from what validation resolved (policy network from the ``net`` group).

    A net or features extractor of your own (``net._target_``) that SB3 cannot build into the
    policy is a ConfigError naming ``net._target_``.
    """
    hyperparams = sb3_hyperparams(checked.hyperparams, checked.action_space)
    try:
        return checked.algo.algo_class(
            checked.policy,
            env,
            policy_kwargs=checked.policy_kwargs,
            seed=int(cfg.seed),
            device=device,
            verbose=0,
            **hyperparams,
        )
    except ConfigError:
        raise
    except Exception as err:
        if not has_custom_net(cfg):
            raise
        raise ConfigError(
            f"Invalid net._target_={cfg.net.get('_target_')!r}: building the "
            f"{checked.algo_name} policy with it failed ({type(err).__name__}: "
            f"{str(err).strip().splitlines()[0] if str(err).strip() else ''}). "
            "See docs/extending.md for what a network or features extractor "
            "class receives."
        ) from err


def chosen_algo(cfg: DictConfig, overrides: Sequence[str] | None = None) -> str | None:
    """The algorithm the command line chose (``algo=<name>``), None when it chose none.

    ``evaluate=<model.zip>`` reads the algorithm from the zip; this only settles the cases the
    zip cannot (TD3 and DDPG save the same policy) or checks the zip against the choice.
    """
    from rlgan.rl.zoo_source import hydra_task_overrides

    given = overrides if overrides is not None else hydra_task_overrides()
    for item in given or ():
        key, _, value = str(item).partition("=")
        if key.lstrip("+") in ("algo", "algo.name") and value:
            return str(cfg.algo.name) if "algo" in cfg else value
    return None


def train(
    cfg: DictConfig,
    run_dir: str | Path | None = None,
    callbacks: list[BaseCallback] | None = None,
    overrides: Sequence[str] | None = None,
) -> float:
    """Train (or evaluate / resume, see the config's ``evaluate`` and ``resume``).

    Returns the objective named by ``cfg.objective`` (NaN when not available). ``callbacks``
    are extra SB3 callbacks run after the runner's own (for tests and experiments). An
    interrupted run (Ctrl-C, SIGTERM) is checkpointed and recorded, then
    :class:`~rlgan.common.lifecycle.RunInterrupted` (a ``KeyboardInterrupt``) propagates.
    A fresh run first picks its hyperparameters' source (:mod:`rlgan.rl.zoo_source`);
    ``overrides`` are the command line's for a composed ``cfg`` (default: Hydra's).
    """
    if cfg.get("evaluate"):
        if cfg.get("resume"):
            RL_RUNS.plan_resume(cfg)  # refuses resume= with evaluate=
        return evaluate_run(
            str(cfg.evaluate),
            episodes=int(cfg.eval.final_episodes or cfg.eval.episodes),
            max_envs=int(cfg.eval.n_envs),
            seed=int(cfg.seed),
            trust=bool(cfg.get("trust", False)),
            env_cfg=cfg.get("env"),
            algo=chosen_algo(cfg, overrides),
        )
    if not cfg.get("resume"):  # a resumed run keeps its saved (resolved) config
        cfg, _ = resolve_hyperparams_source(cfg, overrides)
    start = RL_RUNS.start(cfg, run_dir)
    if start.existing is not None:  # a no-op resume or a finished sweep job
        RL_RUNS.announce(start.existing)
        return objective_value(start.existing.metrics, str(start.cfg.objective))
    cfg, run_dir, plan = start.cfg, start.run_dir, start.resume
    if plan is not None and "algo" not in cfg:
        raise ConfigError(
            f"Invalid resume={str(plan.run_dir)!r}: its saved config has no algo section; the "
            "run folder is damaged."
        )
    checked = check_config(cfg)
    device = choose_device(cfg)
    run_dir = require_writable_dir(
        run_dir if run_dir is not None else current_run_dir(None), "run dir"
    ).resolve()
    set_torch_threads(cfg.get("threads", 1))
    return _Run(cfg, checked, run_dir, device, plan).execute(callbacks or [])


def _close_quietly(env: VecEnv) -> None:
    """Close ``env``; after Ctrl-C its worker processes may already be gone, which is fine."""
    try:
        env.close()
    except (EOFError, OSError, BrokenPipeError) as err:
        log.debug("closing the environments: %s", err)


class _Run:
    """One training session of a run folder (fresh or resumed)."""

    def __init__(
        self,
        cfg: DictConfig,
        checked: CheckedConfig,
        run_dir: Path,
        device: str,
        plan: ResumePlan | None,
    ) -> None:
        self.cfg, self.checked, self.run_dir = cfg, checked, run_dir
        self.device, self.plan = device, plan
        self.resuming = plan is not None
        self.state = RunState()
        self.last_eval: EvalResult | None = None
        self.started = time.perf_counter()

    def wall_time(self) -> float:
        """Wall-clock seconds of this run over all its sessions."""
        return self.state.wall_time_s + (time.perf_counter() - self.started)

    def execute(self, extra_callbacks: list[BaseCallback]) -> float:
        """Build (or load), train, save and report; returns the objective.

        Nothing is written to the run folder until the model is built or its checkpoint
        loaded, so a resume that cannot load leaves the run as it was.
        """
        cfg = self.cfg
        seed = seed_everything(int(cfg.seed))
        checked = self.checked
        env = make_vec_env(cfg.env, int(cfg.env.n_envs), seed, checked.vectorization)
        eval_env: VecEnv | None = None
        try:
            env = wrap_vec_env(env, checked.pipeline, training=True, gamma=checked.gamma)
            n_eval = eval_env_count(
                max(cfg.eval.episodes, cfg.eval.final_episodes), cfg.eval.n_envs
            )
            eval_env = make_vec_env(cfg.env, n_eval, seed + EVAL_SEED_OFFSET, checked.vectorization)
            eval_env = wrap_vec_env(eval_env, checked.pipeline, training=False)
            model, resumed_from = self._model(env)
        except BaseException:
            _close_quietly(env)
            if eval_env is not None:
                _close_quietly(eval_env)
            raise
        if self.resuming:
            clean_after_crash(self.run_dir, resumed_from, step_column="step")
        lifecycle = RunLifecycle(
            "rl",
            self.run_dir,
            cfg,
            self._base_metrics(model),
            resumed_from=resumed_from,
            applied=self.plan.applied if self.plan else None,
        )
        with lifecycle as life:
            life.on_close(lambda: _close_quietly(eval_env))
            life.on_close(lambda: _close_quietly(env))
            logger = make_run_logger(self.run_dir, bool(cfg.log.tensorboard), bool(cfg.log.stdout))
            life.on_close(logger.close)  # flushes TensorBoard
            model.set_logger(logger)
            self.life = life
            stop = self._learn(model, eval_env, extra_callbacks)
            return self._finish(model, eval_env, stop)

    def _model(self, env: VecEnv) -> tuple[BaseAlgorithm, int | None]:
        """A fresh model, or the newest loadable checkpoint's when resuming (and its step)."""
        if not self.resuming:
            return build_model(self.cfg, self.checked, env, self.device), None
        loaded = load_checkpoint(
            self.run_dir,
            self.checked.algo_name,
            env,
            self.device,
            trust=bool(self.cfg.get("trust", False)),
        )
        assert loaded is not None, "RL_RUNS.start checked that a checkpoint exists"
        model, state = loaded[0], loaded[1]
        self.state = RunState.from_dict(state)
        log.info(
            "resuming %s from its checkpoint at %d timesteps", self.run_dir, model.num_timesteps
        )
        return model, int(model.num_timesteps)

    def _learn(
        self, model: BaseAlgorithm, eval_env: VecEnv, extra_callbacks: list[BaseCallback]
    ) -> int | None:
        """Train up to ``total_timesteps``; the signal number when interrupted, else None."""
        cfg = self.cfg
        remaining = int(cfg.total_timesteps) - int(model.num_timesteps)
        if remaining <= 0:
            log.info(
                "nothing to train: the run already has %d of %d timesteps",
                model.num_timesteps,
                cfg.total_timesteps,
            )
            return None
        evaluator = PeriodicEvalCallback(
            eval_env,
            self.state,
            self.run_dir,
            freq=cfg.eval.freq,
            episodes=cfg.eval.episodes,
            deterministic=bool(cfg.eval.deterministic),
            threshold=self.checked.reward_threshold,
            stop_on_solve=int(cfg.get("stop_on_solve", 0)),
            on_evaluation=self._on_evaluation,
        )
        checkpointer = PeriodicCheckpointCallback(
            self.state,
            self.run_dir,
            freq=cfg.checkpoint.freq,
            keep=cfg.checkpoint.keep,
            replay_buffer=bool(cfg.checkpoint.replay_buffer),
            state_extra=self._state_extra,
        )
        show_bar = want_progress(cfg.get("progress_bar", "auto"), sys.stdout)
        with StopRequest() as stop:
            callback = CallbackList(
                [
                    StopOnRequest(stop),
                    evaluator,
                    checkpointer,
                    *self.checked.callbacks,
                    *extra_callbacks,
                ]
            )
            try:
                model.learn(
                    total_timesteps=remaining,
                    callback=callback,
                    reset_num_timesteps=not self.resuming,
                    progress_bar=show_bar,
                )
            except KeyboardInterrupt as err:
                log.warning("interrupted at %d timesteps: saving a checkpoint", model.num_timesteps)
                return getattr(err, "signum", signal.SIGINT)
        if stop.requested:
            log.warning("stopped at %d timesteps: saving a checkpoint", model.num_timesteps)
        return stop.signum

    def _on_evaluation(self, result: EvalResult) -> None:
        """After each periodic evaluation: remember it and refresh ``metrics.json``."""
        self.last_eval = result
        self.life.record(self._base_metrics(None))

    def _state_extra(self) -> dict[str, Any]:
        """Values saved with a checkpoint that the callbacks do not track themselves."""
        return {"wall_time_s": self.wall_time()}

    def _finish(self, model: BaseAlgorithm, eval_env: VecEnv, stop: int | None) -> float:
        """Checkpoint, save the final model, final evaluation, metrics, plot, summary.

        When ``stop`` is a signal number the run was interrupted: it is checkpointed, recorded
        ``interrupted``, and :class:`RunInterrupted` is raised for the command's exit status.
        """
        cfg = self.cfg
        state = {**self.state.to_dict(), **self._state_extra()}
        save_checkpoint(
            model, self.run_dir, state, bool(cfg.checkpoint.replay_buffer), int(cfg.checkpoint.keep)
        )
        interrupted = stop is not None
        if not interrupted:
            save_model(model, self.run_dir / FINAL_MODEL)
            if cfg.eval.final_episodes > 0:
                self._final_evaluation(model, eval_env)
            if not (self.run_dir / BEST_MODEL).is_file():
                copy_model(self.run_dir / FINAL_MODEL, self.run_dir / BEST_MODEL)
        metrics = self._base_metrics(model)
        plot_learning_curve(
            self.run_dir,
            f"{cfg.algo.name.upper()} on {self.checked.env_id}",
            self.checked.reward_threshold,
        )
        if interrupted:
            self.life.record(metrics, status="interrupted")
            print(summary_line(self.life.metrics, self.run_dir))
            print(f"rlgan-rl: continue with: rlgan-rl resume={self.run_dir}")
            raise RunInterrupted(stop)
        self.life.finish(metrics)
        print(summary_line(self.life.metrics, self.run_dir))
        return objective_value(self.life.metrics, str(cfg.objective))

    def _final_evaluation(self, model: BaseAlgorithm, eval_env: VecEnv) -> None:
        """Evaluate the final model; log it unless a periodic evaluation just did."""
        cfg = self.cfg
        result = evaluate_model(
            model, eval_env, cfg.eval.final_episodes, bool(cfg.eval.deterministic)
        )
        self.last_eval = result
        self.state.last_eval = result.summary()
        step = int(model.num_timesteps)
        if self.state.last_eval_step != step:
            for key, value in (
                ("eval/mean_reward", result.mean),
                ("eval/std_reward", result.std),
                ("eval/mean_ep_length", result.mean_length),
                ("eval/episodes", result.episodes),
                ("eval/success_rate", result.success_rate),
            ):
                if value is not None:
                    model.logger.record(key, value)
            model.logger.dump(step)
            self.state.last_eval_step = step
        if result.mean > self.state.best_mean_reward:
            self.state.best_mean_reward = result.mean
            save_model(model, self.run_dir / BEST_MODEL)
        threshold = self.checked.reward_threshold
        if (
            threshold is not None
            and result.mean >= threshold
            and self.state.solved_at_timesteps is None
        ):
            self.state.solved_at_timesteps = step

    def _base_metrics(self, model: BaseAlgorithm | None) -> dict[str, Any]:
        """The fields every ``metrics.json`` of this run holds (status is the lifecycle's)."""
        cfg = self.cfg
        last = self.last_eval.summary() if self.last_eval else (self.state.last_eval or {})
        best = self.state.best_mean_reward
        metrics: dict[str, Any] = {
            "algo": self.checked.algo_name,
            "env_id": self.checked.env_id,
            "seed": int(cfg.seed),
            "hyperparams_source": cfg.get("hyperparams_source"),
            "objective": str(cfg.objective),
            "total_timesteps": int(cfg.total_timesteps),
            "n_envs": int(cfg.env.n_envs),
            "vectorization": self.checked.vectorization,
            "device": self.device,
            "reward_threshold": self.checked.reward_threshold,
            "wall_time_s": round(self.wall_time(), 3),
            "eval/mean_reward": last.get("eval/mean_reward"),
            "eval/std_reward": last.get("eval/std_reward"),
            "eval/episodes": last.get("eval/episodes", 0),
            "eval/success_rate": last.get("eval/success_rate"),
            "eval/best_mean_reward": best if math.isfinite(best) else None,
            "eval/evaluations": self.state.evaluations,
            "solved_at_timesteps": self.state.solved_at_timesteps,
        }
        if model is not None:
            metrics["timesteps"] = int(model.num_timesteps)
        elif self.state.last_eval_step is not None:
            metrics["timesteps"] = int(self.state.last_eval_step)
        return metrics
