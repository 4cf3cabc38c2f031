"""Every algorithm config trains a few hundred steps on a fitting env and writes its run folder."""

from __future__ import annotations

import pytest
import torch

from rlgan.common.app import compose_config
from rlgan.common.csv_log import read_csv
from rlgan.common.run_dir import read_metrics
from rlgan.rl.algos import ALGOS
from rlgan.rl.env_factory import make_vec_env
from rlgan.rl.train import build_model, train
from rlgan.rl.validate import check_config

SHORT = [
    "total_timesteps=400",
    "eval.freq=200",
    "eval.episodes=2",
    "eval.final_episodes=2",
    "eval.n_envs=2",
    "checkpoint.freq=200",
    "algo.n_envs=2",
]
#: A small network and batch for the newer off-policy algorithms (the smoke run checks wiring).
SMALL_NET = ["net.hidden_sizes=[32,32]", "algo.hyperparams.batch_size=32"]


@pytest.mark.parametrize(
    ("algo", "env", "extra"),
    [
        ("a2c", "cartpole", ["env.vectorization=subproc"]),
        (
            "qrdqn",
            "cartpole",
            [
                "algo.hyperparams.learning_starts=100",
                "algo.hyperparams.train_freq=16",
                "algo.hyperparams.gradient_steps=4",
            ],
        ),
        ("sac", "pendulum", []),
        ("td3", "pendulum", []),
        ("ddpg", "pendulum", ["algo.hyperparams.learning_starts=100", *SMALL_NET]),
        ("tqc", "pendulum", SMALL_NET),
        ("crossq", "pendulum", SMALL_NET),
        ("trpo", "cartpole", ["algo.hyperparams.n_steps=128", "algo.hyperparams.batch_size=128"]),
        ("ars", "cartpole", []),
        ("ars", "pendulum", ["algo.policy=MlpPolicy", "net.hidden_sizes=[16]"]),
    ],
)
def test_algo_config_smoke_run(tmp_path, algo, env, extra):
    cfg = compose_config("rl", [f"algo={algo}", f"env={env}", *SHORT, *extra])
    train(cfg, run_dir=tmp_path)
    metrics = read_metrics(tmp_path)
    assert metrics["status"] == "ok" and metrics["algo"] == algo
    expected = (
        "subproc"
        if "env.vectorization=subproc" in extra
        else "native"
        if env == "cartpole"
        else "dummy"
    )  # auto: native when it exists
    assert metrics["vectorization"] == expected
    assert metrics["timesteps"] >= 400
    for name in ("model.zip", "best_model.zip", ".hydra/config.yaml", "plots/learning_curve.png"):
        assert (tmp_path / name).is_file(), name
    assert list((tmp_path / "tb").iterdir())
    rows = read_csv(tmp_path / "progress.csv")
    assert rows and all(row["step"] for row in rows)
    assert any(row.get("eval/mean_reward") for row in rows)
    checkpoints = sorted(p.name for p in (tmp_path / "checkpoints").glob("step_*.zip"))
    assert checkpoints
    if ALGOS[algo].off_policy:  # the replay buffer travels with the checkpoint
        assert (tmp_path / "checkpoints" / checkpoints[-1].replace(".zip", ".replay.npz")).is_file()


def test_algos_registry_has_the_issue_algorithms():
    assert {"ppo", "dqn", "a2c", "sac", "td3", "qrdqn", "ddpg"} <= set(ALGOS)
    contrib = {"qrdqn", "trpo", "ars", "tqc", "crossq", "recurrent_ppo", "maskable_ppo"}
    assert contrib <= set(ALGOS)
    for name in contrib:
        assert ALGOS[name].algo_class.__module__.startswith("sb3_contrib"), name
    assert [name for name, row in ALGOS.items() if row.recurrent] == ["recurrent_ppo"]
    assert [name for name, row in ALGOS.items() if row.action_masks] == ["maskable_ppo"]


@pytest.mark.parametrize("name", sorted(ALGOS))
def test_every_algorithm_has_a_config_that_names_a_policy_it_accepts(name):
    cfg = compose_config("rl", [f"algo={name}"])
    assert cfg.algo.name == name and cfg.algo.policy in ALGOS[name].policies()


def test_the_table_rows_agree_with_the_sb3_classes():
    """Each row's learning kind and action kinds match what the SB3 class really is."""
    from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
    from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm

    from rlgan.nets.sb3 import NET_FAMILIES

    for name, row in ALGOS.items():
        assert row.name == name and row.net_family in NET_FAMILIES
        cls = row.algo_class
        assert row.on_policy == issubclass(cls, OnPolicyAlgorithm), name
        assert row.off_policy == issubclass(cls, OffPolicyAlgorithm), name
        assert {"MlpPolicy", "MlpLstmPolicy"} & set(row.policies()), name
        assert row.recurrent == ("MlpLstmPolicy" in row.policies()), name
        assert {"discrete", "continuous"} & set(row.action_kinds)


@pytest.mark.parametrize(
    ("algo", "env"), [("ppo", "cartpole"), ("dqn", "cartpole"), ("sac", "pendulum")]
)
def test_net_activation_override_changes_the_agent_network(algo, env):
    modules = {}
    for activation, layer in (("relu", torch.nn.ReLU), ("elu", torch.nn.ELU)):
        cfg = compose_config(
            "rl", [f"algo={algo}", f"env={env}", "algo.n_envs=1", f"net.activation={activation}"]
        )
        checked = check_config(cfg)
        vec = make_vec_env(cfg.env, 1, 0, "dummy")
        model = build_model(cfg, checked, vec, "cpu")
        vec.close()
        kinds = {type(m) for m in model.policy.modules()}
        modules[activation] = kinds
        assert layer in kinds, kinds
    assert torch.nn.ELU not in modules["relu"]


def test_algo_configs_pick_their_default_nets():
    assert list(compose_config("rl", ["algo=ppo"]).net.hidden_sizes) == [64, 64]
    assert list(compose_config("rl", ["algo=dqn"]).net.hidden_sizes) == [256, 256]
    assert list(compose_config("rl", ["algo=sac", "env=pendulum"]).net.hidden_sizes) == [256, 256]
    cfg = compose_config("rl", ["algo=dqn", "net=mlp"])
    assert list(cfg.net.hidden_sizes) == [64, 64]
    assert compose_config("rl", ["algo=dqn"]).env.n_envs == 1
    assert compose_config("rl", ["algo=ppo", "env.n_envs=3"]).env.n_envs == 3
