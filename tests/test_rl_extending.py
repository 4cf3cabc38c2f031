"""Extending rlgan-rl without editing rlgan (docs/extending.md): a new algorithm (one table row
and one yaml), env wrappers, callbacks, a custom network or features extractor and your own
environment, each by ``_target_``; bad ``_target_`` values are one-paragraph ConfigErrors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from helpers_extending import AppendConstant, TinyBody, TinyExtractor
from omegaconf import DictConfig, OmegaConf
from stable_baselines3.common.vec_env import DummyVecEnv

from rlgan.common.app import compose_config
from rlgan.common.errors import ConfigError
from rlgan.common.metrics import metric_spec
from rlgan.common.run_dir import read_metrics
from rlgan.common.safe_pickle import UnsafeFileError
from rlgan.nets.sb3 import EXTRACTOR_FAMILIES, NetsFeaturesExtractor, sb3_policy_kwargs
from rlgan.rl import algos
from rlgan.rl.algos import ACTOR_CRITIC, ON_POLICY, AlgoSpec
from rlgan.rl.env_factory import make_vec_env
from rlgan.rl.metrics import OBJECTIVES
from rlgan.rl.model_io import load_run_model
from rlgan.rl.run_summary import objective_value
from rlgan.rl.train import build_model, train
from rlgan.rl.validate import check_config

TINY = [
    "total_timesteps=256",
    "eval.freq=0",
    "eval.episodes=2",
    "eval.final_episodes=2",
    "eval.n_envs=2",
    "checkpoint.freq=0",
    "progress_bar=false",
    "log.tensorboard=false",
]
CORRIDOR = [
    "env.id=null",
    "+env._target_=helpers_extending.CorridorEnv",
    "+env.kwargs.length=3",
    "env.reward_threshold=0.9",
]
MY_PPO_YAML = """\
# A user's own algorithm class: the yaml half of adding an algorithm (docs/extending.md).
defaults:
  - /net@_global_.net: mlp

name: my_ppo
policy: MlpPolicy
n_envs: 4
hyperparams:
  n_steps: 64
  batch_size: 64
policy_kwargs: {}
"""


def _refused(overrides: list[str], expected: list[str]) -> str:
    """check_config refuses the config with a one-paragraph message holding ``expected``."""
    with pytest.raises(ConfigError) as info:
        check_config(compose_config("rl", overrides))
    message = str(info.value)
    assert "\n" not in message, message
    for part in expected:
        assert part in message, (part, message)
    return message


# ---- one table row + one yaml ----------------------------------------------------------------
def test_a_new_algorithm_is_one_table_row_and_one_yaml(tmp_path: Path, monkeypatch) -> None:
    """A user's own algorithm class, added at run time, validates, builds our net and trains."""
    monkeypatch.setitem(
        algos.ALGOS,
        "my_ppo",
        AlgoSpec(
            "my_ppo", "helpers_extending.MyPPO", ("discrete", "continuous"), ACTOR_CRITIC, ON_POLICY
        ),
    )
    (tmp_path / "conf" / "algo").mkdir(parents=True)
    (tmp_path / "conf" / "algo" / "my_ppo.yaml").write_text(MY_PPO_YAML)
    search = f"hydra.searchpath=[pkg://rlgan.rl.presets,file://{tmp_path / 'conf'}]"
    cfg = compose_config("rl", [search, "algo=my_ppo", "net.activation=relu", *TINY])
    checked = check_config(cfg)
    assert checked.algo.algo_class.__name__ == "MyPPO" and checked.env_id == "CartPole-v1"
    train(cfg, run_dir=tmp_path / "run")
    metrics = read_metrics(tmp_path / "run")
    assert metrics["status"] == "ok" and metrics["algo"] == "my_ppo"
    assert metrics["timesteps"] >= 256


def test_unknown_algorithm_lists_the_table() -> None:
    _refused(["algo.name=impala"], ["algo.name='impala'", "ppo, a2c, dqn, qrdqn, sac, td3"])


def test_sb3_policy_kwargs_takes_a_row_or_a_family() -> None:
    net = {"hidden_sizes": [8], "activation": "tanh"}
    for family in EXTRACTOR_FAMILIES:
        assert sb3_policy_kwargs(net, family)["features_extractor_class"] is NetsFeaturesExtractor
    assert sb3_policy_kwargs(net, algos.ALGOS["dqn"]) == sb3_policy_kwargs(net, "q_network")
    with pytest.raises(ConfigError, match="ALGOS"):
        sb3_policy_kwargs(net, "ppo")  # a name, not a row: the table knows its family


# ---- env wrappers ----------------------------------------------------------------------------
WRAPPED = ["+env.wrappers=[{_target_: helpers_extending.AppendConstant, value: 2.0}]"]


def test_wrappers_apply_to_training_and_evaluation_envs(tmp_path: Path) -> None:
    cfg = compose_config("rl", ["algo.n_envs=2", *WRAPPED, *TINY])
    checked = check_config(cfg)
    assert checked.observation_space.shape == (5,)  # CartPole's 4 + the appended constant
    assert checked.vectorization == "dummy"  # auto: per-env wrappers, not the native batch
    vec = make_vec_env(cfg.env, 2, 0, "auto")
    assert isinstance(vec, DummyVecEnv) and vec.reset().shape == (2, 5)
    assert isinstance(vec.envs[0], AppendConstant) and vec.envs[0].value == 2.0
    vec.close()
    train(cfg, run_dir=tmp_path)
    assert read_metrics(tmp_path)["status"] == "ok"


def test_wrappers_with_native_vectorization_are_refused() -> None:
    _refused(
        ["env.vectorization=native", *WRAPPED],
        ["env.vectorization='native'", "env.wrappers", "dummy"],
    )


@pytest.mark.parametrize(
    ("wrappers", "expected"),
    [
        (
            "[{_target_: helpers_extending.Nope}]",
            ["env.wrappers[0]._target_", "'helpers_extending.Nope'"],
        ),
        ("[{value: 2}]", ["env.wrappers[0]", "_target_"]),
        ("[{_target_: helpers_extending.AppendConstant, valu: 2}]", ["env.wrappers[0]", "valu"]),
    ],
)
def test_bad_wrappers_name_the_entry(wrappers: str, expected: list[str]) -> None:
    _refused([f"+env.wrappers={wrappers}"], expected)


# ---- callbacks -------------------------------------------------------------------------------
def test_callbacks_by_target_run_with_the_runners_own(tmp_path: Path) -> None:
    out = tmp_path / "count.json"
    cfg = compose_config(
        "rl",
        [
            "algo.n_envs=2",
            *TINY,
            "+callbacks.count._target_=helpers_extending.CountSteps",
            f"+callbacks.count.path={out}",
            "+callbacks.count.tag=mine",
        ],
    )
    train(cfg, run_dir=tmp_path / "run")
    seen = json.loads(out.read_text())
    assert seen["tag"] == "mine" and seen["timesteps"] >= 256 and seen["steps"] >= 128


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("helpers_extending.Missing", ["callbacks.bad._target_", "cannot be imported"]),
        ("helpers_extending.NOT_CALLABLE", ["callbacks.bad._target_", "int"]),
        ("helpers_extending.TinyBody", ["callbacks.bad", "in_features"]),
        ("helpers_extending.make_corridor", ["callbacks.bad", "CorridorEnv", "BaseCallback"]),
    ],
)
def test_bad_callbacks_name_the_entry(target: str, expected: list[str]) -> None:
    _refused([f"+callbacks.bad._target_={target}"], expected)


# ---- your own network or features extractor --------------------------------------------------
def _with_net(overrides: list[str], net: dict) -> DictConfig:
    """The composed config with ``net`` replaced (as a conf/net file of your own would)."""
    cfg = compose_config("rl", overrides)
    cfg.net = OmegaConf.create(net)
    return cfg


@pytest.mark.parametrize(
    ("algo", "target", "part"),
    [
        ("ppo", "helpers_extending.TinyExtractor", TinyExtractor),
        ("dqn", "helpers_extending.TinyExtractor", TinyExtractor),
        ("ppo", "helpers_extending.TinyBody", TinyBody),
        ("dqn", "helpers_extending.TinyBody", TinyBody),
    ],
)
def test_net_target_builds_your_class_into_the_policy(algo: str, target: str, part: type) -> None:
    cfg = _with_net([f"algo={algo}", "algo.n_envs=1"], {"_target_": target, "width": 12})
    checked = check_config(cfg)
    vec = make_vec_env(cfg.env, 1, 0, "dummy")
    model = build_model(cfg, checked, vec, "cpu")
    vec.close()
    found = [m for m in model.policy.modules() if isinstance(m, part)]
    assert found, {type(m).__name__ for m in model.policy.modules()}
    widths = {m.in_features for m in model.policy.modules() if type(m).__name__ == "Linear"}
    assert 12 in widths  # the heads sit on the 12 features of your class


def test_a_net_file_of_your_own_trains(tmp_path: Path) -> None:
    """conf/net/tiny.yaml in your own config folder (hydra.searchpath), selected by net=tiny."""
    (tmp_path / "conf" / "net").mkdir(parents=True)
    (tmp_path / "conf" / "net" / "tiny.yaml").write_text(
        "_target_: helpers_extending.TinyExtractor\nwidth: 16\n"
    )
    search = f"hydra.searchpath=[pkg://rlgan.rl.presets,file://{tmp_path / 'conf'}]"
    cfg = compose_config("rl", [search, "net=tiny", "algo.n_envs=2", *TINY])
    assert dict(cfg.net) == {"_target_": "helpers_extending.TinyExtractor", "width": 16}
    train(cfg, run_dir=tmp_path / "run")
    assert read_metrics(tmp_path / "run")["status"] == "ok"
    # Your class travels pickled in the model zip: loading it back needs trust=true.
    with pytest.raises(UnsafeFileError, match="helpers_extending.TinyExtractor"):
        load_run_model(tmp_path / "run")
    model, _ = load_run_model(tmp_path / "run", trust=True)
    assert isinstance(model.policy.pi_features_extractor, TinyExtractor)


@pytest.mark.parametrize(
    ("net", "expected"),
    [
        ({"_target_": "helpers_extending.Nowhere"}, ["net._target_", "cannot be imported"]),
        (
            {"_target_": "helpers_extending.TinyExtractor", "hidden_sizes": [8]},
            ["net._target_='helpers_extending.TinyExtractor'", "hidden_sizes"],
        ),
        ({"_target_": "helpers_extending.NOT_CALLABLE"}, ["net._target_", "int"]),
    ],
)
def test_bad_net_targets_are_config_errors(net: dict, expected: list[str]) -> None:
    cfg = _with_net(["algo.n_envs=1"], net)
    with pytest.raises(ConfigError) as info:
        checked = check_config(cfg)
        vec = make_vec_env(cfg.env, 1, 0, "dummy")
        try:
            build_model(cfg, checked, vec, "cpu")
        finally:
            vec.close()
    message = str(info.value)
    assert "\n" not in message
    for part in expected:
        assert part in message, (part, message)


# ---- your own environment --------------------------------------------------------------------
@pytest.mark.parametrize(
    "target", ["helpers_extending.CorridorEnv", "helpers_extending.make_corridor"]
)
def test_env_target_trains_your_environment(tmp_path: Path, target: str) -> None:
    overrides = [o.replace("helpers_extending.CorridorEnv", target) for o in CORRIDOR]
    cfg = compose_config("rl", ["algo.n_envs=2", *TINY, *overrides])
    checked = check_config(cfg)
    assert checked.vectorization == "dummy"
    assert checked.env_id == target.rpartition(".")[2]
    assert checked.reward_threshold == 0.9
    train(cfg, run_dir=tmp_path)
    metrics = read_metrics(tmp_path)
    assert metrics["status"] == "ok" and metrics["env_id"] == checked.env_id
    assert 0.0 <= metrics["eval/success_rate"] <= 1.0


def test_env_target_and_max_episode_steps_and_name() -> None:
    cfg = compose_config("rl", [*CORRIDOR, "env.id=corridor", "env.max_episode_steps=5"])
    assert check_config(cfg).env_id == "corridor"
    vec = make_vec_env(cfg.env, 1, 0)
    vec.reset()
    lengths = []
    for _ in range(12):
        _, _, dones, infos = vec.step([0])  # walking left never ends the corridor
        if dones[0]:
            lengths.append(infos[0]["episode"]["l"])
    vec.close()
    assert lengths and set(lengths) == {5}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            ["+env._target_=helpers_extending.CorridorEnv"],  # env.id is still CartPole-v1
            ["env._target_", "env.id='CartPole-v1'", "env.id=null"],
        ),
        (["env.id=null", "+env._target_=helpers_extending.Gone"], ["env._target_", "Gone"]),
        (
            ["env.id=null", "+env._target_=helpers_extending.CorridorEnv", "+env.kwargs.size=3"],
            ["env.kwargs", "size"],
        ),
        (
            [
                "env.id=null",
                "+env._target_=helpers_extending.CorridorEnv",
                "env.vectorization=native",
            ],
            ["env.vectorization='native'", "env._target_"],
        ),
    ],
)
def test_bad_env_targets_are_config_errors(overrides: list[str], expected: list[str]) -> None:
    _refused(overrides, expected)


# ---- every objective a config may name comes back finite -------------------------------------
def test_every_objective_is_finite_after_a_short_run(tmp_path: Path) -> None:
    """One short run on the maze (it reports is_success and has no reward threshold, so it
    never solves): every objective is a number; solved_at_timesteps is censored at the
    timesteps trained."""
    cfg = compose_config(
        "rl",
        [
            "env=maze",
            "algo.n_envs=4",
            "total_timesteps=512",
            "algo.hyperparams.n_steps=64",
            "eval.freq=256",
            "eval.episodes=2",
            "eval.final_episodes=2",
            "eval.n_envs=2",
            "progress_bar=false",
            "log.tensorboard=false",
        ],
    )
    train(cfg, run_dir=tmp_path)
    metrics = read_metrics(tmp_path)
    assert metrics["solved_at_timesteps"] is None  # recorded honestly in metrics.json
    for name in OBJECTIVES:
        value = objective_value(metrics, name)
        assert math.isfinite(value), (name, value)
        assert metric_spec(name) is not None, name
    assert objective_value(metrics, "solved_at_timesteps") == metrics["timesteps"] == 512


def test_objective_censoring_and_declarations() -> None:
    assert (
        objective_value({"solved_at_timesteps": 300, "timesteps": 900}, "solved_at_timesteps")
        == 300
    )
    assert (
        objective_value({"solved_at_timesteps": None, "timesteps": 900}, "solved_at_timesteps")
        == 900
    )
    assert math.isnan(objective_value({}, "eval/mean_reward"))
    assert metric_spec("eval/mean_reward").higher_is_better
    assert not metric_spec("solved_at_timesteps").higher_is_better
    assert not metric_spec("wall_time_s").higher_is_better
    assert metric_spec("rollout/ep_rew_mean").higher_is_better
