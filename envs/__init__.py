"""rlgan's own Gymnasium environments, importable as ``rlgan.envs``.

``import rlgan`` has :func:`register_envs` called as soon as Gymnasium is imported (at once when
it is already), after which ``gymnasium.make("rlgan/<Name>-v0")`` works for every environment
listed in :data:`ENV_SPECS`. This module does not import Gymnasium itself at import time: the
registration hook imports it while Gymnasium is being imported.

The multi-agent pursuit arena (PettingZoo ``ParallelEnv`` API, not a Gymnasium env) is
listed in :data:`ARENA_SPECS`; ``rlgan.envs.PursuitArena`` and ``rlgan.envs.PursuitArenaVector``
import it on first use (docs/arena.md).
"""

from __future__ import annotations

#: id -> (entry point, vector entry point or None, max_episode_steps or None, reward threshold)
#: Pursuit and Maze truncate episodes themselves (``max_episode_steps`` knob) so that
#: ``info["is_success"]`` is reported on truncation too; hence no TimeLimit (None) for them.
ENV_SPECS: dict[str, tuple[str, str | None, int | None, float | None]] = {
    "rlgan/Pursuit-v0": (
        "rlgan.envs.pursuit:PursuitEnv",
        "rlgan.envs.pursuit:PursuitVectorEnv",
        None,
        None,
    ),
    "rlgan/Maze-v0": (
        "rlgan.envs.maze:MazeEnv",
        "rlgan.envs.maze:MazeVectorEnv",
        None,
        None,
    ),
    "rlgan/CartPoleNoVel-v1": (
        "rlgan.envs.cartpole_novel:CartPoleNoVelEnv",
        "rlgan.envs.cartpole_novel:CartPoleNoVelVectorEnv",
        500,
        475.0,
    ),
}

#: multi-agent arenas: name -> (PettingZoo ParallelEnv entry point, batched entry point)
ARENA_SPECS: dict[str, tuple[str, str]] = {
    "rlgan/PursuitArena-v0": (
        "rlgan.envs.pursuit_arena:PursuitArena",
        "rlgan.envs.pursuit_arena:PursuitArenaVector",
    ),
}
#: names exported lazily (their modules import Gymnasium and PettingZoo)
_LAZY_EXPORTS = {
    "PursuitArena": "rlgan.envs.pursuit_arena",
    "PursuitArenaVector": "rlgan.envs.pursuit_arena",
    "ArenaParams": "rlgan.envs.arena_core",
}


def __getattr__(name: str) -> object:
    """Import the arena classes of :data:`_LAZY_EXPORTS` on first access."""
    if name in _LAZY_EXPORTS:
        import importlib

        return getattr(importlib.import_module(_LAZY_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def register_envs() -> None:
    """Register every rlgan environment with Gymnasium (idempotent)."""
    import gymnasium

    for env_id, (entry, vector_entry, max_steps, threshold) in ENV_SPECS.items():
        if env_id in gymnasium.registry:
            continue
        gymnasium.register(
            id=env_id,
            entry_point=entry,
            vector_entry_point=vector_entry,
            max_episode_steps=max_steps,
            reward_threshold=threshold,
        )
