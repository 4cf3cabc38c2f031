"""Evaluate a policy for N episodes, run side by side on a vector env of several copies.

Single-env evaluation was about half the wall clock of a CartPole PPO run (measured), so
the N episodes are spread evenly over the sub-environments of one ``VecEnv``, each playing
a share fixed in advance, so short episodes do not bias the mean.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import VecEnv, VecMonitor, is_vecenv_wrapped

from rlgan.rl.normalization import sync_normalization


@dataclass
class EvalResult:
    """Returns and lengths of the evaluated episodes, with their summary statistics."""

    returns: list[float] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    successes: list[bool] = field(default_factory=list)

    @property
    def mean(self) -> float:
        """Mean episode return."""
        return float(np.mean(self.returns)) if self.returns else float("nan")

    @property
    def std(self) -> float:
        """Standard deviation of the episode returns."""
        return float(np.std(self.returns)) if self.returns else float("nan")

    @property
    def episodes(self) -> int:
        """Number of evaluated episodes."""
        return len(self.returns)

    @property
    def success_rate(self) -> float | None:
        """Fraction of episodes ending with ``info["is_success"]`` true (None: env has none)."""
        return float(np.mean(self.successes)) if self.successes else None

    @property
    def mean_length(self) -> float:
        """Mean episode length in steps."""
        return float(np.mean(self.lengths)) if self.lengths else float("nan")

    def summary(self) -> dict[str, Any]:
        """The ``eval/*`` metrics of this evaluation."""
        return {
            "eval/mean_reward": self.mean,
            "eval/std_reward": self.std,
            "eval/episodes": self.episodes,
            "eval/success_rate": self.success_rate,
        }


def eval_env_count(episodes: int, max_envs: int) -> int:
    """How many parallel envs to evaluate ``episodes`` episodes on (at most ``max_envs``)."""
    return max(1, min(int(episodes), int(max_envs)))


def takes_action_masks(model: Any) -> bool:
    """True when ``model.predict`` accepts ``action_masks`` (sb3-contrib's MaskablePPO)."""
    try:
        return "action_masks" in inspect.signature(model.predict).parameters
    except (TypeError, ValueError):
        return False


def mask_reader(model: Any, env: VecEnv) -> Callable[[], np.ndarray] | None:
    """A function returning ``env``'s current action masks when ``model`` uses them, else None.

    A maskable model acts on the valid actions only, as it was trained; on an env without
    ``action_masks()`` it acts unmasked.
    """
    if not takes_action_masks(model):
        return None
    from sb3_contrib.common.maskable.utils import get_action_masks, is_masking_supported

    if not is_masking_supported(env):
        return None
    return lambda: get_action_masks(env)


def evaluate_model(
    model: BaseAlgorithm, env: VecEnv, episodes: int, deterministic: bool = True
) -> EvalResult:
    """Run ``episodes`` full episodes of ``model`` on ``env`` (no training); return them.

    Sub-environment ``i`` of ``n`` plays ``(episodes + i) // n`` episodes, fixed in advance,
    so short episodes do not crowd out long ones (the split SB3's ``evaluate_policy`` uses,
    with the same returns for the same env). With a ``Monitor``/``VecMonitor`` the episode
    statistics are the monitor's: an episode ends when the monitor says so, not at every
    ``done`` of a wrapper such as Atari's life loss. Environments that report
    ``info["is_success"]`` at the end of an episode also get a success rate. The loop touches
    ``infos`` only when an episode ends (no per-step callback), which keeps the evaluations
    of a CartPole run as cheap as SB3's own.

    A recurrent policy (RecurrentPPO) carries its hidden state from step to step, reset in
    each sub-environment whose episode just ended; a maskable one (MaskablePPO) gets the
    env's action masks at every step (:func:`mask_reader`). When the model trains behind
    ``VecNormalize``, ``env`` (an evaluation env behind its own, frozen ``VecNormalize``)
    first takes the training statistics of the moment, as SB3's ``EvalCallback`` does.
    """
    get_env = getattr(model, "get_env", None)  # anything with SB3's predict() evaluates
    sync_normalization(get_env() if callable(get_env) else None, env)
    n_envs = env.num_envs
    targets = np.array([(int(episodes) + i) // n_envs for i in range(n_envs)], dtype=int)
    counts = np.zeros(n_envs, dtype=int)
    running_return = np.zeros(n_envs)
    running_length = np.zeros(n_envs, dtype=int)
    monitored = is_vecenv_wrapped(env, VecMonitor) or env.env_is_wrapped(Monitor)[0]
    result = EvalResult()
    observations = env.reset()
    states = None
    episode_starts = np.ones(n_envs, dtype=bool)
    read_masks = mask_reader(model, env)
    while (counts < targets).any():
        masks = {} if read_masks is None else {"action_masks": read_masks()}
        actions, states = model.predict(
            observations,
            state=states,
            episode_start=episode_starts,
            deterministic=deterministic,
            **masks,
        )
        observations, rewards, dones, infos = env.step(actions)
        running_return += rewards
        running_length += 1
        episode_starts = dones
        if not dones.any():
            continue
        for i in np.flatnonzero(dones):
            info = infos[i]
            if counts[i] < targets[i] and (not monitored or "episode" in info):
                if monitored:
                    result.returns.append(float(info["episode"]["r"]))
                    result.lengths.append(int(info["episode"]["l"]))
                else:
                    result.returns.append(float(running_return[i]))
                    result.lengths.append(int(running_length[i]))
                if "is_success" in info:
                    result.successes.append(bool(info["is_success"]))
                counts[i] += 1
            running_return[i] = 0.0
            running_length[i] = 0
    return result


def evaluate_run(
    source: str,
    episodes: int,
    max_envs: int = 10,
    seed: int = 0,
    which: str = "best",
    trust: bool = False,
    env_cfg: Any = None,
    algo: str | None = None,
) -> float:
    """``evaluate=<source>``: load a model, print mean ± std return; return the mean.

    ``source`` is an rlgan-rl run folder, an RL Zoo agent folder or a plain SB3 ``.zip``
    (played on ``env_cfg``, the command's ``env``; ``algo`` names its algorithm when the zip
    cannot tell): :func:`rlgan.rl.foreign.load_policy`. The model acts behind its
    observation pipeline (normalization statistics, frame stacking). The line printed names
    the model file actually evaluated (a damaged ``best_model.zip`` falls back to
    ``model.zip``, then to the newest loadable checkpoint). ``trust=True`` loads files
    without the allow-list check (files made elsewhere).
    """
    from rlgan.rl.env_factory import env_name
    from rlgan.rl.foreign import load_policy

    loaded = load_policy(
        source,
        which=which,
        device="cpu",
        trust=trust,
        knob="evaluate",
        env_cfg=env_cfg,
        algo=algo,
    )
    env = loaded.make_vec_env(eval_env_count(episodes, max_envs), seed + 20_000)
    cfg = loaded.config
    try:
        result = evaluate_model(
            loaded.model, env, episodes, bool(cfg.get("eval", {}).get("deterministic", True))
        )
    finally:
        env.close()
    print(
        f"rlgan-rl: {loaded.path}: {loaded.algo_name.upper()} on "
        f"{env_name(loaded.env_config)}: mean return {result.mean:.2f} ± {result.std:.2f} over "
        f"{result.episodes} episodes (mean length {result.mean_length:.1f}"
        + ("" if result.success_rate is None else f", success {result.success_rate:.0%}")
        + ")"
    )
    return result.mean
