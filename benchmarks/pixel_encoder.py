"""Pursuit with pixel observations: env + policy steps per second at several image sizes.

For each ``image_size`` (32, 64, 96 by default) the agent is built exactly as
``rlgan-rl env=pursuit env.kwargs.obs_type=pixels env.kwargs.image_size=<size>`` builds it
(PPO, our :class:`~rlgan.nets.ConvEncoder` through the SB3 adapter, the native batched env),
and two things are timed:

- ``act``: ``model.predict`` on the batch of observations, then ``env.step``: what
  evaluation and rollout collection cost per env step;
- ``learn``: ``model.learn`` over whole rollouts, PPO updates included (one epoch, so the
  update's share stays comparable across sizes).

Sizes are alternated within each repeat; the table shows medians over repeats, the encoder's
parameter count, and each size's speed relative to 64 px.

    .venv/bin/python benchmarks/pixel_encoder.py [--quick] [--sizes 32 64 96]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from dataclasses import dataclass

import torch
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.vec_env import VecEnv

from rlgan.common.app import compose_config
from rlgan.common.hydra_cli import open_node_overrides
from rlgan.rl.cli import OPEN_NODES
from rlgan.rl.env_factory import make_vec_env
from rlgan.rl.train import build_model
from rlgan.rl.validate import check_config

N_ENVS = 8
N_STEPS = 64


@dataclass
class Contender:
    """One image size: its model, env and encoder size."""

    size: int
    model: BaseAlgorithm
    env: VecEnv
    encoder_params: int


def build(size: int) -> Contender:
    """PPO on Pursuit pixels at ``size`` px, as rlgan-rl builds it (1 epoch, small rollouts)."""
    overrides = open_node_overrides(
        [
            "env=pursuit",
            "env.kwargs.obs_type=pixels",
            f"env.kwargs.image_size={size}",
            f"env.n_envs={N_ENVS}",
            f"algo.hyperparams.n_steps={N_STEPS}",
            f"algo.hyperparams.batch_size={N_ENVS * N_STEPS // 2}",
            "algo.hyperparams.n_epochs=1",
            "device=cpu",
        ],
        OPEN_NODES,
    )
    cfg = compose_config("rl", overrides)
    checked = check_config(cfg)
    env = make_vec_env(cfg.env, N_ENVS, 0, checked.vectorization)
    model = build_model(cfg, checked, env, "cpu")
    extractor = model.policy.features_extractor
    params = sum(p.numel() for p in extractor.parameters())
    return Contender(size, model, env, params)


def time_act(contender: Contender, steps: int) -> float:
    """Env steps/s of ``predict`` + ``step`` over ``steps`` batched steps."""
    env, model = contender.env, contender.model
    obs = env.reset()
    start = time.perf_counter()
    for _ in range(steps):
        actions, _ = model.predict(obs, deterministic=False)
        obs, _, _, _ = env.step(actions)
    return steps * env.num_envs / (time.perf_counter() - start)


def time_learn(contender: Contender, rollouts: int) -> float:
    """Env steps/s of ``model.learn`` over ``rollouts`` whole rollouts (updates included)."""
    total = rollouts * N_ENVS * N_STEPS
    start = time.perf_counter()
    contender.model.learn(total_timesteps=total, reset_num_timesteps=False)
    return total / (time.perf_counter() - start)


def main() -> None:
    """Measure every size side by side and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64, 96])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 repeat, fewer steps")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    act_steps, rollouts = (20, 1) if args.quick else (100, 3)
    torch.set_num_threads(1)
    contenders = [build(size) for size in args.sizes]
    for contender in contenders:  # warm-up: first calls allocate
        time_act(contender, 2)
    act: dict[int, list[float]] = {c.size: [] for c in contenders}
    learn: dict[int, list[float]] = {c.size: [] for c in contenders}
    for repeat in range(repeats):
        order = contenders if repeat % 2 == 0 else contenders[::-1]
        for contender in order:
            act[contender.size].append(time_act(contender, act_steps))
            learn[contender.size].append(time_learn(contender, rollouts))
    act_med = {size: statistics.median(v) for size, v in act.items()}
    learn_med = {size: statistics.median(v) for size, v in learn.items()}
    base = 64 if 64 in act_med else args.sizes[0]
    print(
        f"# {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
        f"1 thread; PPO, {N_ENVS} native envs, {N_STEPS}-step rollouts, 1 epoch; "
        f"median of {repeats}"
    )
    print(
        "| image_size | encoder params | act steps/s | learn steps/s "
        f"| act vs {base} px | learn vs {base} px |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for contender in contenders:
        size = contender.size
        print(
            f"| {size} | {contender.encoder_params:,} | {act_med[size]:,.0f} | "
            f"{learn_med[size]:,.0f} | {act_med[size] / act_med[base]:.2f} | "
            f"{learn_med[size] / learn_med[base]:.2f} |"
        )
    for contender in contenders:
        contender.env.close()


if __name__ == "__main__":
    main()
