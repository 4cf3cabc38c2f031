"""An SB3 ``VecEnv`` over Gymnasium's native (batched) vector environments.

Gymnasium environments can ship a *native* vector implementation (``vector_entry_point``)
that steps all sub-environments with array operations: CartPole's runs ~10x faster than SB3's
``DummyVecEnv`` over 64 single environments. SB3 cannot use them directly (SB3 issues #1745,
#1608): SB3 expects *same-step* autoreset (a finished sub-environment is reset inside the step
that finished it; the last observation travels in ``infos[i]["terminal_observation"]``), while
Gymnasium's native vector environments use *next-step* autoreset (the step after the end
resets it and ignores its action).

:class:`NativeVecEnv` translates exactly: right after a step it resets only the finished
sub-environments, so every transition SB3 sees is the one a ``DummyVecEnv`` would have
produced. How a finished subset is reset depends on what the vector environment offers,
tried in this order:

1. ``metadata["autoreset_mode"] == SAME_STEP``: nothing to do, the final observation is read
   from ``infos["final_obs"]``;
2. a *partial reset* function registered for its class with :func:`register_partial_reset`
   (built in: Gymnasium's ``CartPoleVectorEnv``, whose reset cannot take a mask; the function
   makes the same random draw the environment's own next-step autoreset would make);
3. ``reset(options={"reset_mask": mask})``: Gymnasium's convention (its ``SyncVectorEnv`` and
   ``AsyncVectorEnv`` support it); other vector environments opt in by setting
   ``metadata["reset_mask"] = True``. Such a reset must reset exactly the masked
   sub-environments, return the whole batch's observations, and cancel their pending
   next-step autoreset.

A vector environment offering none of these is rejected with a
:class:`~rlgan.common.errors.ConfigError` (:func:`has_native_vector` returns ``False`` for it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AsyncVectorEnv, AutoresetMode, SyncVectorEnv, VectorEnv
from stable_baselines3.common.vec_env.base_vec_env import (
    VecEnv,
    VecEnvIndices,
    VecEnvObs,
    VecEnvStepReturn,
)

from rlgan.common.errors import ConfigError, require

#: ``fn(vector_env, mask) -> (observations of the whole batch, reset info dict)``: resets
#: exactly the sub-environments where ``mask`` is True and leaves the others untouched.
PartialReset = Callable[[VectorEnv, np.ndarray], tuple[Any, dict[str, Any]]]

_PARTIAL_RESETS: dict[type, PartialReset] = {}

#: Methods of a vector environment that return one row per sub-environment (a batch), so
#: ``env_method`` hands each index its own row; e.g. ``action_masks`` for sb3-contrib's
#: MaskablePPO (``get_action_masks`` stacks what ``env_method("action_masks")`` returns). A
#: vector environment adds its own with ``metadata["batched_methods"] = (...)``.
BATCHED_METHODS: frozenset[str] = frozenset({"action_masks"})


def register_partial_reset(vector_env_class: type, fn: PartialReset) -> None:
    """Teach :class:`NativeVecEnv` how to reset a subset of ``vector_env_class``'s sub-envs.

    Use this for a next-step-autoreset vector environment whose ``reset`` cannot take
    ``options={"reset_mask": mask}``. ``fn`` must also clear the environment's pending
    next-step autoreset for the masked sub-environments.
    """
    _PARTIAL_RESETS[vector_env_class] = fn


def _reset_cartpole_subset(env: VectorEnv, mask: np.ndarray) -> tuple[np.ndarray, dict]:
    """Reset the masked sub-envs of a ``CartPoleVectorEnv`` exactly as its autoreset would."""
    env.state[:, mask] = env.np_random.uniform(low=env.low, high=env.high, size=(4, mask.sum()))
    env.steps[mask] = 0
    env.prev_done[mask] = False
    return env.state.T.astype(np.float32), {}


def _register_builtin_partial_resets() -> None:
    """Register the partial resets of Gymnasium's own native vector environments."""
    from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv

    register_partial_reset(CartPoleVectorEnv, _reset_cartpole_subset)


_register_builtin_partial_resets()


def _find_partial_reset(vector_env_class: type) -> PartialReset | None:
    """Return the registered partial reset for the class or its nearest registered base."""
    for klass in vector_env_class.__mro__:
        if klass in _PARTIAL_RESETS:
            return _PARTIAL_RESETS[klass]
    return None


def _autoreset_mode(metadata: dict[str, Any]) -> AutoresetMode:
    """Read a vector environment's autoreset mode (Gymnasium's default: next step)."""
    mode = metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP)
    return mode if isinstance(mode, AutoresetMode) else AutoresetMode(mode)


def _supports_reset_mask(vector_env_class: type, metadata: dict[str, Any]) -> bool:
    """Whether ``reset(options={"reset_mask": mask})`` resets only the masked sub-envs."""
    return issubclass(vector_env_class, (SyncVectorEnv, AsyncVectorEnv)) or bool(
        metadata.get("reset_mask", False)
    )


def _is_adaptable(vector_env_class: type, metadata: dict[str, Any]) -> bool:
    """Whether :class:`NativeVecEnv` can give SB3 exact same-step autoreset for this class."""
    return (
        _autoreset_mode(metadata) == AutoresetMode.SAME_STEP
        or _find_partial_reset(vector_env_class) is not None
        or _supports_reset_mask(vector_env_class, metadata)
    )


def has_native_vector(env_id: str) -> bool:
    """Whether ``env_id`` has a native vector implementation that :class:`NativeVecEnv` adapts.

    Looks at the registered ``vector_entry_point`` without building an environment. Returns
    ``False`` for unknown ids, for ids without a native vector implementation and for native
    implementations that cannot reset a subset of their sub-environments.
    """
    from gymnasium.envs.registration import load_env_creator

    try:
        spec = gym.spec(env_id)
    except gym.error.Error:
        return False
    entry = spec.vector_entry_point
    if entry is None:
        return False
    try:
        creator = entry if callable(entry) else load_env_creator(entry)
    except Exception:  # noqa: BLE001 - e.g. a JAX entry point without jax installed
        return False
    if not isinstance(creator, type):
        return True  # a factory function: we can only find out by building it
    return _is_adaptable(creator, getattr(creator, "metadata", {}) or {})


def _index_obs(obs: Any, index: int) -> Any:
    """Take sub-environment ``index``'s observation out of a batched (possibly dict) one."""
    if isinstance(obs, dict):
        return {key: _index_obs(value, index) for key, value in obs.items()}
    if isinstance(obs, tuple):
        return tuple(_index_obs(value, index) for value in obs)
    return np.array(obs[index])


def _set_obs_rows(obs: Any, new_obs: Any, mask: np.ndarray) -> Any:
    """Copy the rows of ``new_obs`` where ``mask`` is True into ``obs`` (in place; returned)."""
    if isinstance(obs, dict):
        return {key: _set_obs_rows(obs[key], new_obs[key], mask) for key in obs}
    if isinstance(obs, tuple):
        return tuple(_set_obs_rows(a, b, mask) for a, b in zip(obs, new_obs, strict=True))
    obs[mask] = np.asarray(new_obs)[mask]
    return obs


def _copy_obs(obs: Any) -> Any:
    """A private copy of a batched (possibly dict) observation.

    SB3 keeps the last observation across the next ``step``; an environment that returns
    its own internal buffer would otherwise overwrite it.
    """
    if isinstance(obs, dict):
        return {key: _copy_obs(value) for key, value in obs.items()}
    if isinstance(obs, tuple):
        return tuple(_copy_obs(value) for value in obs)
    return np.array(obs)


def _split_infos(info: dict[str, Any], num_envs: int) -> list[dict[str, Any]]:
    """Turn Gymnasium's batched info (arrays plus ``_key`` masks) into SB3's list of dicts."""
    infos: list[dict[str, Any]] = [{} for _ in range(num_envs)]
    for key, value in info.items():
        if key.startswith("_"):
            continue
        mask = info.get(f"_{key}")
        indices = range(num_envs) if mask is None else np.flatnonzero(mask)
        if isinstance(value, dict):
            nested = _split_infos(value, num_envs)
            for i in indices:
                infos[i][key] = nested[i]
        else:
            for i in indices:
                infos[i][key] = value[i]
    return infos


class VectorEnvAdapter(VecEnv):
    """SB3 ``VecEnv`` over an already built Gymnasium ``VectorEnv`` (see the module doc).

    ``seed`` seeds the first reset: ``vector_env.reset(seed=seed)``. Gymnasium's own vector
    environments then seed sub-environment ``i`` with ``seed + i``; a native implementation
    defines its own scheme (CartPole's draws all sub-environments from one generator).
    """

    def __init__(self, vector_env: VectorEnv, seed: int | None = None) -> None:
        """Wrap ``vector_env``; raise ConfigError if it cannot reset a subset of sub-envs."""
        self.vector_env = vector_env
        self._raw = vector_env.unwrapped
        metadata = dict(getattr(vector_env, "metadata", {}) or {})
        self._mode = _autoreset_mode(metadata)
        self._partial_reset = _find_partial_reset(type(self._raw))
        if not _is_adaptable(type(self._raw), metadata):
            raise ConfigError(
                f"The vector environment {type(self._raw).__name__} uses autoreset mode "
                f"{self._mode.value} but cannot reset a subset of its sub-environments, so it "
                "cannot be adapted to SB3 exactly: give it `reset(options={'reset_mask': mask})` "
                "support (and metadata['reset_mask'] = True), register a partial reset with "
                "rlgan.rl.vec_env.register_partial_reset, or use env.vectorization=dummy or "
                "env.vectorization=subproc."
            )
        self._actions: np.ndarray | None = None
        self._batched_methods = BATCHED_METHODS | set(metadata.get("batched_methods", ()))
        super().__init__(
            vector_env.num_envs,
            vector_env.single_observation_space,
            vector_env.single_action_space,
        )
        self.seed(seed)

    # -- core API ---------------------------------------------------------------------------
    def reset(self) -> VecEnvObs:
        """Reset every sub-environment (with the seed and options set beforehand, if any)."""
        seed = self._seeds[0]
        options = self._options[0] or None
        obs, info = self.vector_env.reset(seed=seed, options=options)
        obs = _copy_obs(obs)
        self.reset_infos = _split_infos(info, self.num_envs)
        self._reset_seeds()
        self._reset_options()
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        """Remember the actions for :meth:`step_wait`."""
        self._actions = np.asarray(actions)

    def step_wait(self) -> VecEnvStepReturn:
        """Step all sub-environments; reset the finished ones in the same step, like SB3."""
        obs, rewards, terminated, truncated, info = self.vector_env.step(self._actions)
        obs = _copy_obs(obs)
        terminated = np.asarray(terminated, dtype=bool)
        truncated = np.asarray(truncated, dtype=bool)
        dones = terminated | truncated
        time_limit = truncated & ~terminated
        if self._mode == AutoresetMode.SAME_STEP:
            infos = self._same_step_infos(info, dones)
        elif info:
            infos = _split_infos(info, self.num_envs)
        else:  # the common case, kept cheap: SB3 wants a fresh dict per sub-env every step
            infos = [{"TimeLimit.truncated": flag} for flag in time_limit.tolist()]
        if info or self._mode == AutoresetMode.SAME_STEP:
            for entry, flag in zip(infos, time_limit.tolist(), strict=True):
                entry["TimeLimit.truncated"] = flag
        if dones.any():
            done_indices = np.flatnonzero(dones)
            if self._mode != AutoresetMode.SAME_STEP:
                if isinstance(obs, np.ndarray):
                    finals = obs[done_indices]  # one fancy-indexed copy for all of them
                    for row, i in enumerate(done_indices.tolist()):
                        infos[i]["terminal_observation"] = finals[row]
                else:
                    for i in done_indices.tolist():
                        infos[i]["terminal_observation"] = _index_obs(obs, i)
                obs = self._reset_subset(obs, dones)
        return obs, np.asarray(rewards, dtype=np.float32), dones, infos

    def _same_step_infos(self, info: dict[str, Any], dones: np.ndarray) -> list[dict]:
        """Infos of a same-step env: finished ones get their final info and observation."""
        final_obs = info.get("final_obs")
        final_info = info.get("final_info")
        rest = {
            k: v
            for k, v in info.items()
            if k not in ("final_obs", "_final_obs", "final_info", "_final_info")
        }
        infos = _split_infos(rest, self.num_envs)
        finals = _split_infos(final_info, self.num_envs) if final_info else None
        for i in np.flatnonzero(dones):
            if finals is not None:
                self.reset_infos[i] = infos[i]
                infos[i] = finals[i]
            if final_obs is not None:
                infos[i]["terminal_observation"] = final_obs[i]
        return infos

    def _reset_subset(self, obs: Any, mask: np.ndarray) -> Any:
        """Reset the masked sub-environments now; return the batch with their new obs."""
        if self._partial_reset is not None:
            new_obs, info = self._partial_reset(self._raw, mask)
        else:
            new_obs, info = self.vector_env.reset(options={"reset_mask": mask})
        reset_infos = _split_infos(info, self.num_envs) if info else None
        for i in np.flatnonzero(mask).tolist():
            self.reset_infos[i] = {} if reset_infos is None else reset_infos[i]
        return _set_obs_rows(obs, new_obs, mask)

    def close(self) -> None:
        """Close the vector environment."""
        self.vector_env.close()

    # -- attributes, methods, rendering -----------------------------------------------------
    def _count(self, indices: VecEnvIndices) -> int:
        """Number of sub-environments ``indices`` designates."""
        return len(list(self._get_indices(indices)))

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        """Return the vector env's attribute once per requested sub-environment.

        A native vector environment has no separate sub-environment objects, so every index
        gets the same (batch-level) value.
        """
        value = getattr(self.vector_env, attr_name)
        return [value] * self._count(indices)

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        """Set a (batch-level) attribute on the vector environment; only all indices at once."""
        require(
            indices is None or self._count(indices) == self.num_envs,
            f"Invalid indices={indices!r} for set_attr({attr_name!r}): a native vector "
            "environment shares its attributes between sub-environments, so only all "
            f"{self.num_envs} can be set at once (indices=None).",
        )
        setattr(self.vector_env, attr_name, value)

    def env_method(
        self,
        method_name: str,
        *method_args: Any,
        indices: VecEnvIndices = None,
        **method_kwargs: Any,
    ) -> list[Any]:
        """Call a method of the vector environment once; its result for each index.

        A method of :data:`BATCHED_METHODS` (or the env's ``metadata["batched_methods"]``)
        returns one row per sub-environment and each index gets its row; any other result is
        the batch's and is repeated per index.
        """
        result = getattr(self.vector_env, method_name)(*method_args, **method_kwargs)
        if method_name in self._batched_methods:
            return [result[i] for i in self._get_indices(indices)]
        return [result] * self._count(indices)

    def env_is_wrapped(
        self, wrapper_class: type[gym.Wrapper], indices: VecEnvIndices = None
    ) -> list[bool]:
        """Native sub-environments carry no single-env Gymnasium wrappers."""
        return [False] * self._count(indices)

    def get_images(self) -> Sequence[np.ndarray | None]:
        """One RGB frame per sub-environment (``render_mode="rgb_array"``)."""
        if self.render_mode != "rgb_array":
            return [None] * self.num_envs
        frames = self.vector_env.render()
        if frames is None:
            return [None] * self.num_envs
        if isinstance(frames, np.ndarray) and frames.ndim == 3:
            return [frames]
        return list(frames)


class NativeVecEnv(VectorEnvAdapter):
    """SB3 ``VecEnv`` over ``gymnasium.make_vec(env_id, vectorization_mode="vector_entry_point")``.

    ``env_kwargs`` go to the vector entry point (e.g. ``max_episode_steps``,
    ``render_mode``). Raises :class:`~rlgan.common.errors.ConfigError` before building
    anything for ``n_envs < 1`` or an id without an adaptable native implementation.
    """

    def __init__(
        self, env_id: str, n_envs: int, seed: int, env_kwargs: dict[str, Any] | None = None
    ) -> None:
        """Build ``n_envs`` native sub-environments of ``env_id``; first reset uses ``seed``."""
        require(
            isinstance(n_envs, (int, np.integer)) and not isinstance(n_envs, bool) and n_envs >= 1,
            f"Invalid n_envs={n_envs!r}: it must be an integer >= 1.",
        )
        if not has_native_vector(env_id):
            raise ConfigError(
                f"Invalid env.vectorization=native for env.id={env_id!r}: it has no native "
                "vector implementation that rlgan can adapt (environments with one: "
                f"{', '.join(native_vector_ids())}). Use env.vectorization=dummy or "
                "env.vectorization=subproc instead."
            )
        vector_env = gym.make_vec(
            env_id,
            num_envs=int(n_envs),
            vectorization_mode="vector_entry_point",
            **dict(env_kwargs or {}),
        )
        super().__init__(vector_env, seed=seed)


def native_vector_ids(ids: Iterable[str] | None = None) -> list[str]:
    """Registered ids (or those in ``ids``) that :class:`NativeVecEnv` can run."""
    candidates = sorted(gym.registry) if ids is None else list(ids)
    return [
        env_id
        for env_id in candidates
        if gym.registry.get(env_id) is not None
        and gym.registry[env_id].vector_entry_point is not None
        and has_native_vector(env_id)
    ]
