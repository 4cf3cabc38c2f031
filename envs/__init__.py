"""rlgan's own Gymnasium environments, importable as ``rlgan.envs``.

``import rlgan`` has :func:`register_envs` called as soon as Gymnasium is imported (at once when
it is already), after which ``gymnasium.make("rlgan/<Name>-v0")`` works for every environment
listed in :data:`ENV_SPECS`. This module does not import Gymnasium itself at import time: the
registration hook imports it while Gymnasium is being imported.
"""

from __future__ import annotations

#: id -> (entry point, vector entry point or None, max_episode_steps or None, reward threshold)
#: Both environments truncate episodes themselves (``max_episode_steps`` knob) so that
#: ``info["is_success"]`` is reported on truncation too; hence no TimeLimit (None) here.
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
}


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
