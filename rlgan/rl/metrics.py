"""Every metric an ``rlgan-rl`` run reports, declared once (name, direction, meaning).

Imported by :mod:`rlgan.rl.validate` (the valid ``objective`` values), by ``rlgan-report`` and
by the Optuna sweeper (the direction of a search), so this module stays free of heavy imports:
no torch, stable-baselines3 or Gymnasium.

``OBJECTIVES`` are the names a config may pick as ``objective`` (the value :func:`train`
returns to a Hydra sweeper); each comes back as a finite number from a finished run, see
:func:`rlgan.rl.run_summary.objective_value` (``solved_at_timesteps`` of a run that never
solved is the number of timesteps it trained: "not solved within N steps", which ranks after
every run that did solve).
"""

from __future__ import annotations

from rlgan.common.metrics import MetricSpec, declare

# ---- evaluation (rlgan's own, deterministic policy on separate evaluation envs) -----------
EVAL_MEAN_REWARD = declare(
    "eval/mean_reward",
    higher_is_better=True,
    meaning="mean episode return of the final evaluation of the final model",
)
EVAL_BEST_MEAN_REWARD = declare(
    "eval/best_mean_reward",
    higher_is_better=True,
    meaning="best mean evaluation return over the run (the score of best_model.zip)",
)
EVAL_STD_REWARD = declare(
    "eval/std_reward",
    higher_is_better=False,
    meaning="standard deviation of the final evaluation's episode returns (lower: steadier)",
)
EVAL_SUCCESS_RATE = declare(
    "eval/success_rate",
    higher_is_better=True,
    meaning="fraction of evaluation episodes whose last info had is_success true "
    "(null for envs that do not report it)",
)
EVAL_MEAN_EP_LENGTH = declare(
    "eval/mean_ep_length",
    higher_is_better=True,
    meaning="mean evaluation episode length; whether longer is better depends on the env "
    "(CartPole: longer is better; MountainCar, mazes: shorter is better), so it is "
    "reported but not offered as an objective; the direction here is nominal",
)
EVAL_EPISODES = declare(
    "eval/episodes",
    higher_is_better=True,
    meaning="number of episodes in the last evaluation (bookkeeping, not a score)",
)

# ---- the run as a whole -------------------------------------------------------------------
SOLVED_AT_TIMESTEPS = declare(
    "solved_at_timesteps",
    higher_is_better=False,
    meaning="timesteps at the first evaluation at or above the reward threshold; as an "
    "objective, a run that never solved counts the timesteps it trained (censored)",
)
TIMESTEPS = declare(
    "timesteps",
    higher_is_better=False,
    meaning="environment steps trained (fewer is better when a run stops on solving)",
)
WALL_TIME_S = declare(
    "wall_time_s",
    higher_is_better=False,
    meaning="wall-clock seconds of the run, over all its sessions",
)

# ---- stable-baselines3's own statistics (progress.csv, TensorBoard) -----------------------
ROLLOUT_EP_REW_MEAN = declare(
    "rollout/ep_rew_mean",
    higher_is_better=True,
    meaning="mean return of the last training episodes (exploration noise included)",
)
ROLLOUT_EP_LEN_MEAN = declare(
    "rollout/ep_len_mean",
    higher_is_better=True,
    meaning="mean length of the last training episodes; direction depends on the env "
    "(nominal, as eval/mean_ep_length)",
)
ROLLOUT_SUCCESS_RATE = declare(
    "rollout/success_rate",
    higher_is_better=True,
    meaning="success rate of the last training episodes (envs reporting is_success)",
)
TRAIN_LOSS = declare(
    "train/loss",
    higher_is_better=False,
    meaning="the algorithm's training loss (its meaning differs between algorithms)",
)
TRAIN_VALUE_LOSS = declare(
    "train/value_loss",
    higher_is_better=False,
    meaning="on-policy critic loss (mean squared error of the value estimate)",
)
TRAIN_EXPLAINED_VARIANCE = declare(
    "train/explained_variance",
    higher_is_better=True,
    meaning="on-policy: how much of the return's variance the value function explains "
    "(1 is perfect)",
)
TRAIN_ENTROPY_LOSS = declare(
    "train/entropy_loss",
    higher_is_better=False,
    meaning="minus the policy entropy (lower: a more exploratory policy)",
)
TRAIN_APPROX_KL = declare(
    "train/approx_kl",
    higher_is_better=False,
    meaning="PPO: approximate KL divergence between the old and the new policy",
)
TRAIN_CLIP_FRACTION = declare(
    "train/clip_fraction",
    higher_is_better=False,
    meaning="PPO: fraction of samples whose probability ratio was clipped",
)
TRAIN_ACTOR_LOSS = declare(
    "train/actor_loss", higher_is_better=False, meaning="SAC/TD3: actor loss"
)
TRAIN_CRITIC_LOSS = declare(
    "train/critic_loss", higher_is_better=False, meaning="SAC/TD3: critic loss"
)

#: Metrics a config may name as ``objective`` (what a run returns to a Hydra sweeper).
OBJECTIVE_SPECS: tuple[MetricSpec, ...] = (
    EVAL_MEAN_REWARD,
    EVAL_BEST_MEAN_REWARD,
    EVAL_STD_REWARD,
    EVAL_SUCCESS_RATE,
    SOLVED_AT_TIMESTEPS,
    TIMESTEPS,
    WALL_TIME_S,
)
#: Their names, in the order error messages list them.
OBJECTIVES: tuple[str, ...] = tuple(spec.name for spec in OBJECTIVE_SPECS)
#: Every metric this module declares, by name.
RL_METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        *OBJECTIVE_SPECS,
        EVAL_MEAN_EP_LENGTH,
        EVAL_EPISODES,
        ROLLOUT_EP_REW_MEAN,
        ROLLOUT_EP_LEN_MEAN,
        ROLLOUT_SUCCESS_RATE,
        TRAIN_LOSS,
        TRAIN_VALUE_LOSS,
        TRAIN_EXPLAINED_VARIANCE,
        TRAIN_ENTROPY_LOSS,
        TRAIN_APPROX_KL,
        TRAIN_CLIP_FRACTION,
        TRAIN_ACTOR_LOSS,
        TRAIN_CRITIC_LOSS,
    )
}
