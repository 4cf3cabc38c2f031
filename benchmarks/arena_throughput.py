"""Pursuit arena stepping speed: our batched arena vs PettingZoo + SuperSuit feeding SB3.

Both sides step 64 arenas with random discrete actions drawn before timing (env stepping
only, no policy):

- ``supersuit``: the route users take today: the PettingZoo ``ParallelEnv``
  (:class:`rlgan.envs.pursuit_arena.PursuitArena`) through SuperSuit's
  ``pettingzoo_env_to_vec_env_v1`` and ``concat_vec_envs_v1(..., num_cpus=0,
  base_class="stable_baselines3")``, i.e. an SB3 ``VecEnv`` with one slot per agent;
- ``native``: :class:`rlgan.envs.pursuit_arena.PursuitArenaVector` with 64 arenas, one NumPy
  call per step for all of them (same rules code as the ParallelEnv).

Throughput is counted the same way on both sides, in **arena-steps** per second (one step of
one arena, every agent acting once; agent-steps are that times the agents per arena). Both
restart finished games themselves. The sides alternate within each repeat; the table gives
medians over repeats and the ratio native / supersuit (goal: >= 20x).

    .venv/bin/python benchmarks/arena_throughput.py [--repeats 7] [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from typing import Any

import numpy as np
import supersuit as ss
from rlgan.envs.pursuit_arena import PursuitArena, PursuitArenaVector

NUM_ARENAS = 64
#: (label, knobs): the default 2 pursuers vs 1 evader, and the largest teams with partial view
SETUPS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("2 vs 1", {}),
    ("4 vs 2, partial", {"num_pursuers": 4, "num_evaders": 2, "obs": "partial"}),
)


def random_actions(knobs: dict[str, Any], steps: int, seed: int) -> np.ndarray:
    """Discrete actions (steps, arenas, agents), agents in ``possible_agents`` order."""
    agents = len(PursuitArena(**knobs).possible_agents)
    return np.random.default_rng(seed).integers(0, 9, size=(steps, NUM_ARENAS, agents))


def time_supersuit(knobs: dict[str, Any], actions: np.ndarray) -> float:
    """Arena-steps/s of PettingZoo + SuperSuit's vector conversion as an SB3 VecEnv."""
    venv = ss.concat_vec_envs_v1(
        ss.pettingzoo_env_to_vec_env_v1(PursuitArena(**knobs)),
        NUM_ARENAS,
        num_cpus=0,
        base_class="stable_baselines3",
    )
    venv.reset()
    flat = actions.reshape(len(actions), -1)  # arena-major, agents in possible_agents order
    start = time.perf_counter()
    for row in flat:
        venv.step(row)
    elapsed = time.perf_counter() - start
    venv.close()
    return len(actions) * NUM_ARENAS / elapsed


def time_native(knobs: dict[str, Any], actions: np.ndarray) -> float:
    """Arena-steps/s of the batched arena."""
    venv = PursuitArenaVector(NUM_ARENAS, **knobs)
    venv.reset(seed=0)
    red = venv.team_sizes["red"]
    per_team = [{"red": row[:, :red], "blue": row[:, red:]} for row in actions]
    start = time.perf_counter()
    for step in per_team:
        venv.step(step)
    return len(actions) * NUM_ARENAS / (time.perf_counter() - start)


def main() -> None:
    """Run the comparison and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 repeats, fewer steps")
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    scale = 0.3 if args.quick else 1.0
    steps = {"supersuit": int(150 * scale), "native": int(1500 * scale)}
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f}; numpy {np.__version__}, supersuit {ss.__version__}; "
        f"{NUM_ARENAS} arenas, {repeats} interleaved repeats (median); arena-steps/s"
    )
    print("| arena | agents | PettingZoo + SuperSuit (SB3 VecEnv) | native batched | ratio |")
    print("|---|---:|---:|---:|---:|")
    for label, knobs in SETUPS:
        runs: dict[str, list[float]] = {"supersuit": [], "native": []}
        for repeat in range(repeats):
            runs["supersuit"].append(
                time_supersuit(knobs, random_actions(knobs, steps["supersuit"], repeat))
            )
            runs["native"].append(
                time_native(knobs, random_actions(knobs, steps["native"], repeat))
            )
        med = {name: statistics.median(values) for name, values in runs.items()}
        ratios = sorted(n / s for n, s in zip(runs["native"], runs["supersuit"], strict=True))
        agents = len(PursuitArena(**knobs).possible_agents)
        print(
            f"| {label} | {agents} | {med['supersuit']:,.0f} | {med['native']:,.0f} | "
            f"**{med['native'] / med['supersuit']:.1f}x** (per repeat "
            f"{ratios[0]:.1f}-{ratios[-1]:.1f}x) |"
        )


if __name__ == "__main__":
    main()
