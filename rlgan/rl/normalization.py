"""A model's observation pipeline: SB3's ``VecNormalize`` statistics and ``VecFrameStack``.

Two ``env`` knobs change what a policy sees (docs/rl.md):

- ``env.normalize``: ``false``, ``true`` (SB3's ``VecNormalize`` with its defaults) or a
  mapping of its options (``norm_obs``, ``norm_reward``, ``clip_obs``, ``clip_reward``,
  ``gamma``, ``epsilon``; ``gamma: null`` is the algorithm's discount, as RL Zoo does);
- ``env.frame_stack``: ``N >= 1``, the last N observations side by side (``VecFrameStack``;
  1 is off).

Training normalizes with running statistics; evaluation uses the training statistics
without updating them and without normalizing rewards (``training=False``,
``norm_reward=False``, as RL Zoo does). The statistics are part of the model: every model
file ``X.zip`` of a normalized run has a companion ``X.vecnormalize.npz``
(:data:`NORMALIZE_SUFFIX`), written before the zip. It holds plain arrays (mean, var, count
of the observation and return statistics) and a JSON text of the options, read with
``numpy.load(allow_pickle=False)``: loading it never unpickles anything.

:class:`ObservationPipeline` applies the same steps to one environment's observations
(``rlgan-watch`` plays a single, rendered environment).
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces
from stable_baselines3.common.running_mean_std import RunningMeanStd
from stable_baselines3.common.vec_env import VecEnv, VecFrameStack, VecNormalize
from stable_baselines3.common.vec_env.stacked_observations import StackedObservations

from rlgan.common.atomic import atomic_write
from rlgan.common.errors import ConfigError
from rlgan.common.loading import DamagedFileError, require_nonempty
from rlgan.rl.knobs import NORMALIZE_DEFAULTS, frame_stack_size, is_number, normalize_settings

_FLAGS = ("norm_obs", "norm_reward")

#: Companion of a model file ``X.zip``: ``X.vecnormalize.npz``.
NORMALIZE_SUFFIX = ".vecnormalize.npz"
#: Identifies (and versions) rlgan's normalization files.
FORMAT = "rlgan-vecnormalize-1"
#: Discount used when neither ``env.normalize.gamma`` nor the algorithm has one (SB3's).
DEFAULT_GAMMA = 0.99


@dataclass(frozen=True)
class PipelineSpec:
    """What an ``env`` config asks of the observation pipeline (checked)."""

    #: ``VecNormalize`` options (None: no normalization).
    normalize: dict[str, Any] | None = None
    #: Observations stacked side by side (1: none).
    frame_stack: int = 1

    @classmethod
    def from_env_config(cls, env_cfg: Any) -> PipelineSpec:
        """The spec of an ``env`` config (keys absent in older runs: nothing to do)."""
        get = env_cfg.get if hasattr(env_cfg, "get") else (lambda key, default=None: default)
        return cls(
            normalize_settings(get("normalize", None)),
            frame_stack_size(get("frame_stack", None)),
        )

    @property
    def active(self) -> bool:
        """True when the pipeline changes anything."""
        return self.normalize is not None or self.frame_stack > 1


def check_normalizable(spec: PipelineSpec, observation_space: spaces.Space, env_id: str) -> None:
    """ConfigError when ``env.normalize`` normalizes observations VecNormalize cannot."""
    if spec.normalize is None or not spec.normalize["norm_obs"]:
        return
    parts = (
        observation_space.spaces
        if isinstance(observation_space, spaces.Dict)
        else {"": observation_space}
    )
    bad = [key for key, space in parts.items() if not isinstance(space, spaces.Box)]
    if bad:
        what = f"its observation {bad[0]!r}" if bad[0] else "its observation space"
        raise ConfigError(
            f"Invalid env.normalize for env.id={env_id!r}: {what} is "
            f"{type(parts[bad[0]]).__name__}, and VecNormalize normalizes Box observations "
            "only. Use env.normalize={norm_obs: false, norm_reward: true} to normalize "
            "rewards alone, or env.normalize=false."
        )


# ---- the statistics -----------------------------------------------------------------------
@dataclass
class NormalizationStats:
    """A ``VecNormalize``'s options and running statistics (what a model needs to act)."""

    #: The options, as :data:`NORMALIZE_DEFAULTS` (``gamma`` resolved to a number).
    settings: dict[str, Any]
    #: Observation statistics: one per Box observation, or per key of ``norm_obs_keys``.
    obs_rms: RunningMeanStd | dict[str, RunningMeanStd]
    ret_rms: RunningMeanStd = field(default_factory=RunningMeanStd)
    #: The Dict-observation keys that are normalized (None: a Box observation).
    norm_obs_keys: list[str] | None = None

    @classmethod
    def from_env(cls, env: VecNormalize) -> NormalizationStats:
        """A copy of ``env``'s options and statistics."""
        return cls(
            settings={name: _plain_number(getattr(env, name)) for name in NORMALIZE_DEFAULTS},
            obs_rms=copy.deepcopy(env.obs_rms),
            ret_rms=copy.deepcopy(env.ret_rms),
            norm_obs_keys=None if env.norm_obs_keys is None else list(env.norm_obs_keys),
        )

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> NormalizationStats:
        """From the attributes of a ``VecNormalize`` (e.g. the state RL Zoo pickles).

        Raises :class:`DamagedFileError` when an attribute is missing or malformed.
        """
        try:
            settings = {name: _plain_number(state[name]) for name in NORMALIZE_DEFAULTS}
            obs_rms, ret_rms = state["obs_rms"], state["ret_rms"]
            keys = state.get("norm_obs_keys")
            stats = cls(
                settings=settings,
                obs_rms=_rms_of(obs_rms),
                ret_rms=_rms_of(ret_rms),
                norm_obs_keys=None if keys is None else [str(key) for key in keys],
            )
        except (KeyError, TypeError, AttributeError, ValueError) as err:
            raise DamagedFileError(f"it is not VecNormalize statistics ({err!r})") from None
        stats.check()
        return stats

    def check(self) -> None:
        """DamagedFileError when an option or statistic is not usable (e.g. not finite)."""
        for name in _FLAGS:
            if not isinstance(self.settings.get(name), bool):
                raise DamagedFileError(f"its option {name} is not true or false")
        for name in ("clip_obs", "clip_reward", "gamma", "epsilon"):
            value = self.settings.get(name)
            if not is_number(value) or not np.isfinite(value):
                raise DamagedFileError(f"its option {name}={value!r} is not a finite number")
        for label, rms in self._rms_items():
            for part in (rms.mean, rms.var, np.asarray(rms.count)):
                if not np.all(np.isfinite(part)):
                    raise DamagedFileError(f"its statistics {label} are not finite")
            if np.any(np.asarray(rms.var) < 0):
                raise DamagedFileError(f"its statistics {label} have a negative variance")

    def _rms_items(self) -> list[tuple[str, RunningMeanStd]]:
        """``[(label, statistics)]``: the observation ones, then the return's."""
        if isinstance(self.obs_rms, dict):
            items = [(f"obs:{key}", rms) for key, rms in self.obs_rms.items()]
        else:
            items = [("obs", self.obs_rms)]
        return [*items, ("ret", self.ret_rms)]

    def apply_to(self, env: VecNormalize) -> None:
        """Set ``env``'s statistics (copies) and options to these, keeping ``training``."""
        for name in ("norm_obs", "clip_obs", "clip_reward", "gamma", "epsilon"):
            setattr(env, name, self.settings[name])
        if env.training:  # evaluation envs never normalize rewards
            env.norm_reward = bool(self.settings["norm_reward"])
        env.obs_rms = copy.deepcopy(self.obs_rms)
        env.ret_rms = copy.deepcopy(self.ret_rms)
        env.norm_obs_keys = None if self.norm_obs_keys is None else list(self.norm_obs_keys)

    def normalize_observation(self, obs: Any) -> Any:
        """``obs`` normalized as ``VecNormalize`` does (statistics not updated)."""
        if not self.settings["norm_obs"]:
            return obs
        clip, eps = float(self.settings["clip_obs"]), float(self.settings["epsilon"])

        def scale(value: Any, rms: RunningMeanStd) -> np.ndarray:
            normalized = (np.asarray(value) - rms.mean) / np.sqrt(rms.var + eps)
            return np.clip(normalized, -clip, clip).astype(np.float32)

        if isinstance(obs, dict) and isinstance(self.obs_rms, dict):
            return {
                key: scale(value, self.obs_rms[key]) if key in self.obs_rms else value
                for key, value in obs.items()
            }
        assert isinstance(self.obs_rms, RunningMeanStd)
        return scale(obs, self.obs_rms)

    # ---- on disk ----------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Atomically write the options and statistics to ``path`` (``.npz``, plain arrays)."""
        arrays: dict[str, np.ndarray] = {"format": np.array(FORMAT)}
        meta = {"settings": self.settings, "norm_obs_keys": self.norm_obs_keys}
        arrays["meta"] = np.array(json.dumps(meta))
        for label, rms in self._rms_items():
            arrays[f"{label}:mean"] = np.asarray(rms.mean, dtype=np.float64)
            arrays[f"{label}:var"] = np.asarray(rms.var, dtype=np.float64)
            arrays[f"{label}:count"] = np.asarray(float(rms.count), dtype=np.float64)
        return atomic_write(path, lambda handle: np.savez(handle, **arrays))

    @classmethod
    def load(cls, path: str | os.PathLike) -> NormalizationStats:
        """Read a file written by :meth:`save`; DamagedFileError naming why it is unusable."""
        path = Path(path)
        require_nonempty(path)
        try:
            with np.load(path, allow_pickle=False) as archive:
                files = {key: archive[key] for key in archive.files}
        except Exception as err:  # noqa: BLE001 - any unreadable file is damaged
            raise DamagedFileError(f"it is not a readable .npz file ({err})") from None
        if str(files.get("format", "")) != FORMAT:
            raise DamagedFileError(f"it is not an rlgan normalization file ({FORMAT})")
        try:
            meta = json.loads(str(files["meta"]))
            keys = meta["norm_obs_keys"]
            obs_rms: RunningMeanStd | dict[str, RunningMeanStd] = (
                _rms_from(files, "obs")
                if keys is None
                else {str(key): _rms_from(files, f"obs:{key}") for key in keys}
            )
            stats = cls(meta["settings"], obs_rms, _rms_from(files, "ret"), keys)
        except (KeyError, TypeError, ValueError) as err:
            raise DamagedFileError(f"it lacks or garbles the entry {err}") from None
        stats.check()
        return stats


def _plain_number(value: Any) -> Any:
    """NumPy scalars as Python numbers / bools (JSON-ready)."""
    return value.item() if isinstance(value, np.generic) else value


def _rms_of(value: Any) -> RunningMeanStd | dict[str, RunningMeanStd]:
    """A fresh :class:`RunningMeanStd` (or dict of them) with ``value``'s mean, var, count."""
    if isinstance(value, dict):
        return {str(key): _rms_of(item) for key, item in value.items()}  # type: ignore[misc]
    rms = RunningMeanStd(shape=np.shape(value.mean))
    rms.mean = np.asarray(value.mean, dtype=np.float64)
    rms.var = np.asarray(value.var, dtype=np.float64)
    rms.count = float(value.count)
    return rms


def _rms_from(files: dict[str, np.ndarray], label: str) -> RunningMeanStd:
    """The statistics stored under ``label`` in a normalization file."""
    mean, var = files[f"{label}:mean"], files[f"{label}:var"]
    if mean.shape != var.shape:
        raise ValueError(f"'{label}' (mean {mean.shape}, var {var.shape})")
    rms = RunningMeanStd(shape=mean.shape)
    rms.mean, rms.var, rms.count = mean, var, float(files[f"{label}:count"])
    return rms


def normalization_path(model_path: str | os.PathLike) -> Path:
    """The companion ``X.vecnormalize.npz`` of a model file ``X.zip``."""
    path = Path(model_path)
    return path.with_name(path.stem + NORMALIZE_SUFFIX)


# ---- vector environments ------------------------------------------------------------------
def find_vec_normalize(env: Any) -> VecNormalize | None:
    """The ``VecNormalize`` among ``env``'s wrappers (None when there is none)."""
    while env is not None:
        if isinstance(env, VecNormalize):
            return env
        env = getattr(env, "venv", None)
    return None


def wrap_vec_env(
    venv: VecEnv,
    spec: PipelineSpec,
    *,
    training: bool,
    gamma: float | None = None,
    stats: NormalizationStats | None = None,
) -> VecEnv:
    """``venv`` behind the pipeline: ``VecNormalize`` (when asked), then ``VecFrameStack``.

    ``training=False`` gives an evaluation env: statistics frozen, rewards not normalized.
    ``gamma`` is the algorithm's discount (used when ``env.normalize.gamma`` is null);
    ``stats`` (saved statistics) replace the fresh ones.
    """
    settings = spec.normalize if stats is None else stats.settings
    if settings is not None:
        options = {name: settings[name] for name in NORMALIZE_DEFAULTS}
        if options["gamma"] is None:
            options["gamma"] = DEFAULT_GAMMA if gamma is None else float(gamma)
        if not training:
            options["norm_reward"] = False
        keys = None if stats is None else stats.norm_obs_keys
        venv = VecNormalize(venv, training=training, norm_obs_keys=keys, **options)
        if stats is not None:
            stats.apply_to(venv)
    if spec.frame_stack > 1:
        venv = VecFrameStack(venv, spec.frame_stack)
    return venv


def sync_normalization(source: Any, target: Any) -> None:
    """Copy the running statistics of ``source``'s ``VecNormalize`` into ``target``'s.

    Evaluation thus uses the training statistics of the moment (as SB3's ``EvalCallback``
    does); nothing happens unless both envs normalize.
    """
    if source is None or target is None:
        return
    train_norm, eval_norm = find_vec_normalize(source), find_vec_normalize(target)
    if train_norm is None or eval_norm is None or train_norm is eval_norm:
        return
    eval_norm.obs_rms = copy.deepcopy(train_norm.obs_rms)
    eval_norm.ret_rms = copy.deepcopy(train_norm.ret_rms)


# ---- one environment (rlgan-watch) ----------------------------------------------------------
class ObservationPipeline:
    """The pipeline for one environment's observations: normalize, then stack.

    :meth:`start` takes the first observation of an episode, :meth:`step` each later one;
    both return what the policy sees, exactly as the vector pipeline would give it.
    """

    def __init__(
        self,
        spec: PipelineSpec,
        observation_space: spaces.Space,
        stats: NormalizationStats | None = None,
    ) -> None:
        if spec.normalize is not None and stats is None:
            raise ConfigError(
                "The model was trained with env.normalize, but its normalization statistics "
                "were not loaded; it cannot be played without them."
            )
        self.stats = stats
        self._stack: StackedObservations | None = None
        self.observation_space = observation_space  # VecNormalize keeps the env's space
        if spec.frame_stack > 1:
            self._stack = StackedObservations(1, spec.frame_stack, self.observation_space)
            self.observation_space = self._stack.stacked_observation_space

    def _batched(self, obs: Any) -> Any:
        """``obs`` normalized, as a batch of one."""
        if self.stats is not None:
            obs = self.stats.normalize_observation(obs)
        if isinstance(obs, dict):
            return {key: np.asarray(value)[None] for key, value in obs.items()}
        return np.asarray(obs)[None]

    @staticmethod
    def _single(batch: Any) -> Any:
        """The one observation of a batch of one."""
        if isinstance(batch, dict):
            return {key: value[0] for key, value in batch.items()}
        return batch[0]

    def start(self, obs: Any) -> Any:
        """The policy's view of an episode's first observation (the stack restarts)."""
        if self._stack is None:
            return self._single(self._batched(obs))
        return self._single(self._stack.reset(self._batched(obs)))

    def step(self, obs: Any) -> Any:
        """The policy's view of the next observation of the same episode."""
        if self._stack is None:
            return self._single(self._batched(obs))
        stacked, _ = self._stack.update(self._batched(obs), np.zeros(1, dtype=bool), [{}])
        return self._single(stacked)
