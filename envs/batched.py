"""One batched simulation core, two faces: a single Gymnasium env and a native vector env.

Every rlgan environment implements its rules once, as a :class:`BatchedCore` that holds the
state of ``N`` sub-environments in NumPy arrays and advances all of them with array
operations. :class:`CoreEnv` is the single ``gymnasium.Env`` (a core with ``N = 1``) and
:class:`CoreVectorEnv` is the ``gymnasium.vector.VectorEnv`` behind
``gymnasium.make_vec(..., vectorization_mode="vector_entry_point")``. Both add the same episode
bookkeeping (step counter, truncation, ``info["is_success"]``), so the two can never drift
apart. ``info["is_success"]`` is present on every step (True only on the step that reaches the
goal), so it is also there when an outer ``TimeLimit`` truncates the episode.

Seeding follows :class:`gymnasium.vector.SyncVectorEnv`: sub-environment ``i`` of a batch reset
with ``seed=s`` owns the random generator of a single env reset with ``seed=s + i``. All
randomness is drawn at reset from that generator; stepping is deterministic. Hence a batch
seeded ``s`` reproduces, transition for transition, ``N`` single envs seeded ``s .. s+N-1``.

The vector env uses Gymnasium's next-step autoreset (like ``CartPoleVectorEnv``): after a
sub-environment ends, the *next* ``step`` call ignores its action, resets it and returns the
first observation of the new episode with reward 0 and ``terminated = truncated = False``.
It also accepts ``reset(options={"reset_mask": mask})`` (``metadata["reset_mask"] = True``),
which resets only the masked sub-environments, draws from their own generators exactly as the
autoreset would, and cancels their pending autoreset (what ``rlgan.rl.vec_env.NativeVecEnv``
uses to give SB3 same-step resets).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium
import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rlgan.common.errors import invalid_choice, require

from .human_window import HumanWindow

RENDER_MODES = ("human", "rgb_array")


class BatchedCore:
    """State and rules of ``num_envs`` sub-environments, advanced together with arrays.

    Subclasses define the spaces and implement :meth:`reset_envs`, :meth:`step`,
    :meth:`observe`, :meth:`draw` and :meth:`hud`.
    """

    num_envs: int
    #: the space of one sub-environment's observation / action
    observation_space: gymnasium.Space
    action_space: gymnasium.Space
    #: caption of the human window
    caption: str = "rlgan"

    def reset_envs(self, idx: np.ndarray, rngs: Sequence[np.random.Generator]) -> None:
        """Start new episodes in sub-environments ``idx``, drawing from ``rngs`` (one each)."""
        raise NotImplementedError

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Advance every sub-environment; return ``(reward, terminated, success)`` arrays."""
        raise NotImplementedError

    def observe(self) -> np.ndarray:
        """Return a fresh ``(num_envs, *obs_shape)`` array of current observations."""
        raise NotImplementedError

    def draw(self, size: int) -> np.ndarray:
        """Return ``(num_envs, size, size, 3)`` uint8 top-down frames."""
        raise NotImplementedError

    def hud(self, i: int) -> list[str]:
        """Return text lines describing sub-environment ``i`` for the human window."""
        return []


def make_generators(seed: int | Sequence[int] | None, num_envs: int) -> list[np.random.Generator]:
    """Return one generator per sub-environment; ``seed=s`` seeds sub-env ``i`` with ``s + i``."""
    if seed is None:
        seeds: list[int | None] = [None] * num_envs
    elif isinstance(seed, (int, np.integer)):
        seeds = [int(seed) + i for i in range(num_envs)]
    else:
        seeds = [int(s) for s in seed]
        require(
            len(seeds) == num_envs,
            f"Invalid seed list of length {len(seeds)}: it needs one seed per sub-environment "
            f"({num_envs}).",
        )
    return [seeding.np_random(s)[0] for s in seeds]


def check_render_mode(render_mode: str | None) -> None:
    """Raise a ConfigError unless ``render_mode`` is None, "human" or "rgb_array"."""
    if render_mode is not None and render_mode not in RENDER_MODES:
        raise invalid_choice("render_mode", render_mode, (None, *RENDER_MODES))


def check_num_envs(num_envs: object) -> None:
    """Raise a clear error unless ``num_envs`` is an integer >= 1."""
    require(
        isinstance(num_envs, int) and num_envs >= 1,
        f"Invalid num_envs={num_envs!r}: it must be an integer >= 1.",
    )


def params_from_knobs(params_class: type[Any], knobs: dict[str, object], env_name: str) -> Any:
    """Build an environment's parameter dataclass from keyword knobs, naming unknown knobs."""
    valid = params_class.__dataclass_fields__
    for name in knobs:
        if name not in valid:
            raise invalid_choice(f"{env_name} knob", name, sorted(valid))
    return params_class(**knobs)


def check_max_episode_steps(max_episode_steps: int) -> None:
    """Raise a ConfigError unless ``max_episode_steps`` is a positive integer."""
    require(
        isinstance(max_episode_steps, (int, np.integer))
        and not isinstance(max_episode_steps, bool)
        and max_episode_steps > 0,
        f"Invalid max_episode_steps={max_episode_steps!r}: it must be an integer >= 1.",
    )


class WindowRendering:
    """``render()`` and ``close()`` of a single environment drawn by its :class:`BatchedCore`.

    ``"rgb_array"`` returns the core's frame of its one sub-environment, ``render_size``
    pixels a side; ``"human"`` draws that frame at twice the size in a :class:`HumanWindow`
    (opened on the first call, at ``metadata["render_fps"]``, closed by :meth:`close`) under
    a heads-up display: :meth:`step_text`, then the core's own lines (:meth:`BatchedCore.hud`).
    The one implementation for :class:`CoreEnv` and for the pursuit arena's PettingZoo env;
    list it before the env's base class.
    """

    #: side of the frames returned by ``render()`` in rgb_array mode (pixels)
    render_size: int = 256
    #: what draws: a :class:`BatchedCore` or any core with ``draw``, ``hud`` and ``caption``
    core: Any
    render_mode: str | None
    metadata: dict[str, Any]
    _window: HumanWindow | None = None

    def step_text(self) -> str:
        """The display's first line: the episode's step and its limit (``step 12/200``)."""
        raise NotImplementedError

    def render(self) -> np.ndarray | None:
        """Return an RGB frame ("rgb_array") or draw it in the pygame window ("human")."""
        if self.render_mode is None:
            gymnasium.logger.warn("render() called without a render_mode; nothing to draw.")
            return None
        if self.render_mode == "rgb_array":
            return self.core.draw(self.render_size)[0]
        if self._window is None:
            self._window = HumanWindow(
                size=2 * self.render_size,
                caption=self.core.caption,
                fps=int(self.metadata["render_fps"]),
            )
        hud = [self.step_text(), *self.core.hud(0)]
        self._window.show(self.core.draw(2 * self.render_size)[0], hud)
        return None

    def close(self) -> None:
        """Close the pygame window, if one is open."""
        if self._window is not None:
            self._window.close()
            self._window = None


class CoreEnv(WindowRendering, gymnasium.Env):
    """A single Gymnasium environment backed by a :class:`BatchedCore` with one sub-env.

    The environment truncates episodes itself after ``max_episode_steps`` steps (a constructor
    knob, also honoured by the vector env); ``gymnasium.make(id, max_episode_steps=T)`` adds
    Gymnasium's ``TimeLimit`` on top instead, with the same effect for ``T`` below it.
    Rendering is :class:`WindowRendering`'s.
    """

    metadata: dict[str, Any] = {"render_modes": list(RENDER_MODES), "render_fps": 15}

    def __init__(self, core: BatchedCore, max_episode_steps: int, render_mode: str | None) -> None:
        """Wrap ``core`` (built with ``num_envs=1``)."""
        check_render_mode(render_mode)
        check_max_episode_steps(max_episode_steps)
        self.core = core
        self.max_episode_steps = int(max_episode_steps)
        self.render_mode = render_mode
        self.observation_space = core.observation_space
        self.action_space = core.action_space
        self._elapsed = 0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start a new episode; ``seed`` reseeds the environment's generator."""
        super().reset(seed=seed)
        self.core.reset_envs(np.zeros(1, dtype=np.int64), [self.np_random])
        self._elapsed = 0
        if self.render_mode == "human":
            self.render()
        return self.core.observe()[0], {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Apply ``action``; return ``(obs, reward, terminated, truncated, info)``."""
        reward, terminated, success = self.core.step(np.asarray(action)[None])
        self._elapsed += 1
        term = bool(terminated[0])
        trunc = self._elapsed >= self.max_episode_steps
        info: dict[str, Any] = {"is_success": bool(success[0])}
        if self.render_mode == "human":
            self.render()
        return self.core.observe()[0], float(reward[0]), term, trunc, info

    def step_text(self) -> str:
        """The display's first line: ``step <elapsed>/<max_episode_steps>``."""
        return f"step {self._elapsed}/{self.max_episode_steps}"


class CoreVectorEnv(VectorEnv):
    """A native vector environment: ``num_envs`` sub-environments stepped as arrays.

    Next-step autoreset (``metadata["autoreset_mode"] = AutoresetMode.NEXT_STEP``). ``infos``
    holds ``"is_success"`` (bool per sub-env) and its all-True mask ``"_is_success"``.
    """

    metadata: dict[str, Any] = {
        "render_modes": ["rgb_array"],
        "render_fps": 15,
        "autoreset_mode": AutoresetMode.NEXT_STEP,
        "reset_mask": True,
    }
    #: side of the frames returned by ``render()`` (pixels)
    render_size: int = 256

    def __init__(self, core: BatchedCore, max_episode_steps: int, render_mode: str | None) -> None:
        """Wrap ``core``; its ``num_envs`` is the batch size."""
        if render_mode is not None and render_mode != "rgb_array":
            raise invalid_choice(
                "render_mode", render_mode, (None, "rgb_array"), "The vector env has no window."
            )
        check_max_episode_steps(max_episode_steps)
        self.core = core
        self.num_envs = core.num_envs
        self.max_episode_steps = int(max_episode_steps)
        self.render_mode = render_mode
        self.single_observation_space = core.observation_space
        self.single_action_space = core.action_space
        self.observation_space = batch_space(core.observation_space, self.num_envs)
        self.action_space = batch_space(core.action_space, self.num_envs)
        self._rngs = make_generators(None, self.num_envs)
        self._elapsed = np.zeros(self.num_envs, dtype=np.int64)
        self._prev_done = np.zeros(self.num_envs, dtype=bool)

    def reset(
        self,
        *,
        seed: int | Sequence[int] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every sub-environment (sub-env ``i`` seeded with ``seed + i``).

        Without ``seed`` the sub-environments keep drawing from their generators, as
        Gymnasium's environments do, so a seeded run stays reproducible across resets. With
        ``options={"reset_mask": mask}`` only the masked sub-environments are reset (and
        reseeded if ``seed`` is given); the others keep their state.
        """
        mask = None if options is None else options.get("reset_mask")
        if mask is not None:
            return self._reset_subset(np.asarray(mask, dtype=bool), seed)
        super().reset(seed=seed if isinstance(seed, (int, np.integer)) else None)
        if seed is not None:
            self._rngs = make_generators(seed, self.num_envs)
        self.core.reset_envs(np.arange(self.num_envs), self._rngs)
        self._elapsed[:] = 0
        self._prev_done[:] = False
        return self.core.observe(), {}

    def _reset_subset(
        self, mask: np.ndarray, seed: int | Sequence[int] | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset the sub-environments where ``mask`` is True; return the whole batch."""
        require(
            mask.shape == (self.num_envs,),
            f"Invalid reset_mask of shape {mask.shape}: it needs one bool per sub-environment "
            f"({self.num_envs},).",
        )
        if seed is not None:
            fresh = make_generators(seed, self.num_envs)
            pairs = zip(fresh, self._rngs, mask, strict=True)
            self._rngs = [new if m else old for new, old, m in pairs]
        idx = np.flatnonzero(mask)
        if idx.size:
            self.core.reset_envs(idx, [self._rngs[i] for i in idx])
        self._elapsed[idx] = 0
        self._prev_done[idx] = False
        return self.core.observe(), {}

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step all sub-environments; those that ended on the previous step are reset."""
        reward, terminated, success = self.core.step(np.asarray(actions))
        self._elapsed += 1
        truncated = self._elapsed >= self.max_episode_steps
        restart = np.flatnonzero(self._prev_done)
        if restart.size:
            self.core.reset_envs(restart, [self._rngs[i] for i in restart])
            self._elapsed[restart] = 0
            reward[restart] = 0.0
            terminated[restart] = False
            truncated[restart] = False
            success[restart] = False
        self._prev_done = terminated | truncated
        infos = {"is_success": success, "_is_success": np.ones(self.num_envs, dtype=bool)}
        return self.core.observe(), reward, terminated, truncated, infos

    def render(self) -> np.ndarray | None:
        """Return ``(num_envs, H, W, 3)`` frames in rgb_array mode."""
        if self.render_mode is None:
            gymnasium.logger.warn("render() called without a render_mode; nothing to draw.")
            return None
        return self.core.draw(self.render_size)
