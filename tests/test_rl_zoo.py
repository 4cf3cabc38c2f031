"""RL Zoo's tuned settings: the restricted evaluator, the source rules, translation, a run."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import gymnasium
import pytest
import torch
from omegaconf import OmegaConf

from rlgan.common.app import compose_config
from rlgan.common.errors import ConfigError
from rlgan.common.run_dir import CONFIG_FILE, read_metrics
from rlgan.rl.algos import get_algo
from rlgan.rl.zoo import ZooEntry, zoo_entries, zoo_entry, zoo_hyperparams_dir
from rlgan.rl.zoo_eval import ZooExpressionError, ZooName, evaluate_expression
from rlgan.rl.zoo_source import UserOverrides, resolve_hyperparams_source
from rlgan.rl.zoo_translate import REFUSED_KEYS, translate_entry

pytestmark = pytest.mark.skipif(
    zoo_hyperparams_dir() is None, reason="rl_zoo3 (RL Zoo's hyperparameter files) not installed"
)

ACROBOT_DQN = ["algo=dqn", "env.id=Acrobot-v1"]


def resolve(overrides: list[str]) -> tuple[object, str]:
    """Compose as the command line would and resolve the source with those overrides."""
    return resolve_hyperparams_source(compose_config("rl", overrides), overrides)


# ---- the restricted evaluator -----------------------------------------------------------


def test_evaluator_reads_the_forms_the_files_use():
    value = evaluate_expression(
        "dict(net_arch=dict(pi=[64], vf=[64]), activation_fn=nn.ReLU, log_std_init=-2.5, "
        "ortho_init=False, )"
    )
    assert value == {
        "net_arch": {"pi": [64], "vf": [64]},
        "activation_fn": ZooName("nn.ReLU"),
        "log_std_init": -2.5,
        "ortho_init": False,
    }
    assert evaluate_expression("{'norm_obs': True, 'norm_reward': False}") == {
        "norm_obs": True,
        "norm_reward": False,
    }
    assert evaluate_expression("dict(optimizer_class=th.optim.Adam)") == {
        "optimizer_class": ZooName("th.optim.Adam")
    }


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os')",
        "__import__('os').system('echo hacked')",
        "().__class__.__bases__[0].__subclasses__()",
        "nn.ReLU.__init__",
        "nn.ReLU.__class__.__mro__",
        "dict(a=nn.ReLU.__globals__)",
        "getattr(nn, 'ReLU')",
        "os.system('true')",
        "open('/etc/passwd')",
        "(lambda: 1)()",
        "[x for x in (1, 2)]",
        "dict(**{'a': 1})",
        "{'a': 1}['a']",
        "2 ** 1000000",
        "nn",
        "eval('1')",
        "dict(a=1",
    ],
)
def test_evaluator_refuses_code(text):
    with pytest.raises(ZooExpressionError):
        evaluate_expression(text)


def test_every_expression_in_the_shipped_files_is_read_or_refused_by_name():
    """No shipped string makes the evaluator fail with anything but its own error."""
    read = 0
    for algo in ("ppo", "a2c", "dqn", "qrdqn", "sac", "td3", "ddpg", "tqc", "trpo", "ars"):
        for settings in zoo_entries(algo).values():
            for key in ("policy_kwargs", "normalize"):
                if isinstance(settings.get(key), str):
                    value = evaluate_expression(settings[key])
                    assert isinstance(value, dict)
                    read += 1
    assert read > 100


# ---- which source --------------------------------------------------------------------------


def test_ours_when_the_algo_file_is_tuned_for_the_env():
    cfg, source = resolve(["algo=dqn"])
    composed = compose_config("rl", ["algo=dqn"])
    assert source == "ours" and cfg.hyperparams_source == "ours"
    assert cfg.algo == composed.algo and cfg.total_timesteps == composed.total_timesteps


def test_ours_with_a_preset():
    overrides = ["+experiment=ppo_lunarlander"]
    cfg, source = resolve(overrides)
    assert source == "ours"
    assert cfg.algo.hyperparams.n_steps == 1024 and cfg.total_timesteps == 1_000_000


def test_zoo_entry_when_we_have_none():
    cfg, source = resolve(ACROBOT_DQN)
    entry = zoo_entry("dqn", "Acrobot-v1")
    assert source == "zoo" and cfg.hyperparams_source == "zoo"
    expected = {
        k: v
        for k, v in entry.settings.items()
        if k not in ("n_timesteps", "policy", "policy_kwargs")
    }
    assert OmegaConf.to_container(cfg.algo.hyperparams) == expected
    assert cfg.total_timesteps == int(entry.settings["n_timesteps"])  # the budget rule
    assert cfg.algo.n_envs == 1 and cfg.env.n_envs == 1  # RL Zoo's default
    assert list(cfg.net.hidden_sizes) == [256, 256] and cfg.net.activation == "relu"


def test_defaults_when_no_entry_and_when_an_entry_is_refused(caplog):
    cfg, source = resolve(["algo=ppo", "env=maze"])
    assert source == "defaults" and cfg.hyperparams_source == "defaults"
    with caplog.at_level(logging.WARNING):
        cfg, source = resolve(["algo=ppo", "env.id=CarRacing-v3"])  # an rl_zoo3 wrapper
    assert source == "defaults"
    assert cfg.algo.hyperparams == compose_config("rl", ["algo=ppo"]).algo.hyperparams
    assert "env_wrapper" in caplog.text and "CarRacing-v3" in caplog.text


def test_forced_sources():
    cfg, source = resolve([*ACROBOT_DQN, "hyperparams_source=defaults"])
    assert source == "defaults" and cfg.algo.hyperparams.learning_rate == 2.3e-3
    cfg, source = resolve(["algo=dqn", "hyperparams_source=zoo"])  # CartPole, forced
    assert source == "zoo" and cfg.total_timesteps == 50_000
    with pytest.raises(ConfigError, match=r"no settings of its own.*CartPole-v1"):
        resolve([*ACROBOT_DQN, "hyperparams_source=ours"])
    with pytest.raises(ConfigError, match=r"hyperparams_source.*auto, ours, zoo, defaults"):
        resolve(["hyperparams_source=rlzoo"])


def test_forced_zoo_without_entry_lists_the_env_ids_close_matches_first():
    with pytest.raises(ConfigError) as err:
        resolve(["algo=dqn", "env.id=Acrobat-v1", "hyperparams_source=zoo"])
    message = str(err.value)
    assert "'Acrobat-v1'" in message and "\n" not in message
    listed = message.split("(closest first): ")[1]
    assert listed.startswith("Acrobot-v1") and "LunarLander-v3" in listed


def test_forced_zoo_with_a_refused_key_names_key_and_entry():
    with pytest.raises(ConfigError, match=r"'CarRacing-v3'.*ppo\.yml.*env_wrapper=.*rl_zoo3"):
        resolve(["algo=ppo", "env.id=CarRacing-v3", "hyperparams_source=zoo"])


def _cli(cwd: Path, *overrides: str) -> subprocess.CompletedProcess[str]:
    """``rlgan-rl <overrides>`` run in ``cwd`` with its run folder at ``cwd/run``."""
    environ = {key: value for key, value in os.environ.items() if key != "HYDRA_FULL_ERROR"}
    return subprocess.run(
        [sys.executable, "-m", "rlgan.rl.cli", *overrides, f"hydra.run.dir={cwd / 'run'}"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        env=environ,
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (  # hyperparams_source=zoo where RL Zoo has no entry for the pair
            ["algo=dqn", "env=maze", "hyperparams_source=zoo"],
            ["hyperparams_source='zoo'", "no tuned dqn entry for rlgan/Maze-v0", "Acrobot-v1"],
        ),
        (  # an algorithm the env's action space does not fit
            ["algo=dqn", "env=pendulum"],
            ["algo.name='dqn'", "Pendulum-v1", "continuous", "sac", "td3"],
        ),
        (  # a recurrent algorithm with a policy that is not recurrent
            ["algo=recurrent_ppo", "algo.policy=MlpPolicy"],
            ["'MlpPolicy'", "MlpLstmPolicy", "CnnLstmPolicy", "algo=ppo"],
        ),
    ],
)
def test_bad_input_through_the_cli_exits_2_and_creates_no_run_folder(tmp_path, overrides, expected):
    """One paragraph naming the value and the choices, exit 2, nothing written anywhere."""
    result = _cli(tmp_path, *overrides)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()  # one paragraph, no traceback
    assert line.startswith("rlgan-rl: error: Invalid"), line
    for part in expected:
        assert part in line, (part, line)
    assert not any(tmp_path.iterdir())  # no run folder (nor outputs/) in the cwd


# ---- what the user sets wins ----------------------------------------------------------------


def test_command_line_values_win_key_by_key():
    overrides = [
        *ACROBOT_DQN,
        "algo.hyperparams.learning_rate=1e-3",
        "+algo.hyperparams.tau=0.5",
        "~algo.hyperparams.exploration_fraction",
        "env.n_envs=2",
        "total_timesteps=3000",
        "net.activation=tanh",
    ]
    cfg, source = resolve(overrides)
    params = cfg.algo.hyperparams
    assert source == "zoo"
    assert params.learning_rate == 1e-3 and params.tau == 0.5
    assert "exploration_fraction" not in params
    assert params.batch_size == 128 and params.target_update_interval == 250  # the zoo's
    assert cfg.env.n_envs == 2 and cfg.total_timesteps == 3000
    assert cfg.net.activation == "tanh" and list(cfg.net.hidden_sizes) == [256, 256]


def test_a_chosen_net_wins_over_the_zoo_net():
    cfg, _ = resolve([*ACROBOT_DQN, "net=mlp"])
    assert list(cfg.net.hidden_sizes) == [64, 64] and cfg.net.activation == "tanh"


def test_composed_config_without_overrides_keeps_what_differs_from_the_defaults():
    overrides = [*ACROBOT_DQN, "total_timesteps=3000", "algo.hyperparams.gamma=0.9"]
    composed = compose_config("rl", overrides)
    inferred, _ = resolve_hyperparams_source(composed)
    explicit, _ = resolve_hyperparams_source(composed, overrides)
    assert inferred == explicit and inferred.total_timesteps == 3000


def test_override_parsing():
    user = UserOverrides.parse(
        ["algo=dqn", "+algo.hyperparams.x=1", "~net.norm", "+experiment=ppo_cartpole", "hydra.a=b"]
    )
    assert user.keys == {"algo.hyperparams.x"} and user.deleted == {"net.norm"}
    assert user.presets == ("experiment=ppo_cartpole",)
    assert user.sets("algo.hyperparams.x") and not user.sets("algo.hyperparams")
    assert not user.sets("algo.policy")


# ---- translation -------------------------------------------------------------------------


def _classic_or_box2d(env_id: str) -> bool:
    if env_id not in gymnasium.registry:
        return False
    entry_point = str(gymnasium.spec(env_id).entry_point)
    return ("classic_control" in entry_point or "box2d" in entry_point) and "CarRacing" not in (
        env_id
    )


@pytest.mark.parametrize("algo", ["dqn", "ppo", "a2c"])
def test_classic_and_box2d_entries_translate_or_are_refused_by_name(algo):
    from rlgan.rl.validate import check_config

    usable = 0
    for env_id in sorted(zoo_entries(algo)):
        if not _classic_or_box2d(env_id):
            continue
        overrides = [f"algo={algo}", f"env.id={env_id}", "hyperparams_source=zoo"]
        try:
            cfg, _ = resolve(overrides)
        except ConfigError as err:
            refused = [key for key in REFUSED_KEYS if f" {key}=" in str(err)]
            assert refused and repr(env_id) in str(err), str(err)
            continue
        checked = check_config(cfg)  # every value passes rlgan's own validation
        assert checked.env_id == env_id
        usable += 1
    assert usable >= 2


def test_net_arch_and_activation_take_effect_in_the_sb3_policy(tmp_path):
    from rlgan.rl.env_factory import make_vec_env
    from rlgan.rl.train import build_model
    from rlgan.rl.validate import check_config

    entry = ZooEntry(
        "ppo",
        "CartPole-v1",
        "ppo.yml",
        {
            "policy": "MlpPolicy",
            "n_envs": 2,
            "n_steps": 16,
            "batch_size": 32,
            "policy_kwargs": "dict(net_arch=dict(pi=[32], vf=[16]), activation_fn=nn.ReLU, "
            "ortho_init=False)",
        },
    )

    def built(overrides: list[str]):
        from rlgan.rl import zoo_source

        cfg = compose_config("rl", overrides)
        settings = translate_entry(entry, get_algo("ppo"), cfg.env)
        resolved, _ = zoo_source.apply_zoo_settings(cfg, settings, UserOverrides.parse(overrides))
        checked = check_config(resolved)
        env = make_vec_env(resolved.env, 2, 0, checked.vectorization)
        try:
            return build_model(resolved, checked, env, "cpu").policy
        finally:
            env.close()

    policy = built(["algo=ppo"])
    pi = [m for m in policy.mlp_extractor.policy_net if isinstance(m, torch.nn.Linear)]
    vf = [m for m in policy.mlp_extractor.value_net if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in pi] == [32] and [m.out_features for m in vf] == [16]
    assert any(isinstance(m, torch.nn.ReLU) for m in policy.mlp_extractor.modules())
    assert policy.ortho_init is False
    policy = built(["algo=ppo", "net.activation=tanh"])  # the user's net.* wins
    assert any(isinstance(m, torch.nn.Tanh) for m in policy.mlp_extractor.modules())
    assert not any(isinstance(m, torch.nn.ReLU) for m in policy.mlp_extractor.modules())


# ---- a whole run ---------------------------------------------------------------------------


def test_dqn_acrobot_run_uses_the_zoo_settings_and_resume_keeps_them(tmp_path):
    """``rlgan-rl algo=dqn env.id=Acrobot-v1 total_timesteps=...``, then ``resume=``."""
    from stable_baselines3 import DQN

    from rlgan.rl.train import train

    quick = [
        "eval.freq=0",
        "eval.final_episodes=1",
        "eval.n_envs=1",
        "checkpoint.freq=0",
        "log.tensorboard=false",
        "progress_bar=false",
    ]
    command = [sys.executable, "-m", "rlgan.rl.cli", *ACROBOT_DQN, "total_timesteps=300"]
    result = subprocess.run(
        [*command, *quick, f"hydra.run.dir={tmp_path}"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    log_text = (tmp_path / "cli.log").read_text() if (tmp_path / "cli.log").exists() else ""
    assert "hyperparams_source=zoo" in result.stdout + result.stderr + log_text
    metrics = read_metrics(tmp_path)
    assert metrics["status"] == "ok" and metrics["hyperparams_source"] == "zoo"
    assert metrics["total_timesteps"] == 300  # the command line's budget, not the zoo's
    model = DQN.load(tmp_path / "model.zip", device="cpu")
    entry = zoo_entry("dqn", "Acrobot-v1").settings
    assert model.learning_rate == pytest.approx(entry["learning_rate"])
    assert model.batch_size == entry["batch_size"] and model.buffer_size == entry["buffer_size"]
    assert model.target_update_interval == entry["target_update_interval"]
    assert model.gradient_steps == entry["gradient_steps"] == -1
    assert model.exploration_final_eps == pytest.approx(entry["exploration_final_eps"])
    layers = [m for m in model.q_net.q_net if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in layers[:-1]] == [256, 256]
    saved = OmegaConf.load(tmp_path / CONFIG_FILE)  # Hydra's file, replaced by the resolved one
    assert saved.hyperparams_source == "zoo" and saved.algo.hyperparams.batch_size == 128

    resume = [f"resume={tmp_path}", "total_timesteps=400"]
    train(compose_config("rl", resume), overrides=resume)
    metrics = read_metrics(tmp_path)
    assert metrics["status"] == "ok" and metrics["timesteps"] >= 400
    assert metrics["hyperparams_source"] == "zoo"
    assert DQN.load(tmp_path / "model.zip", device="cpu").batch_size == entry["batch_size"]


@pytest.mark.slow
def test_dqn_learns_acrobot_with_rl_zoo_settings(tmp_path):
    """The issue's case: ``rlgan-rl algo=dqn env.id=Acrobot-v1`` learns, on a cut budget.

    With the CartPole-tuned defaults it is still at -459 after 30k steps (docs/zoo.md). RL Zoo's
    entry learns within 8k steps, but DQN on Acrobot swings between good and -500 from one
    evaluation to the next this early, so the test judges the best model the run kept
    (``best_model.zip``), evaluated afresh on other starts, not the last evaluation. Measured
    here (seeds 0-4, 8k steps): best evaluation -116, -88, -152, -185, -165; fresh evaluation
    of that model over 20 episodes -125, -93, -149, -162, -223; final evaluation -500, -88,
    -268, -500, -500.
    """
    from rlgan.rl.env_factory import make_vec_env
    from rlgan.rl.evaluate import evaluate_model
    from rlgan.rl.model_io import load_run_model

    run = tmp_path / "run"
    budget = [
        "total_timesteps=8000",
        "eval.freq=1000",
        "stop_on_solve=0",
        "checkpoint.freq=0",
        "log.tensorboard=false",
        "progress_bar=false",
    ]
    result = _cli(tmp_path, *ACROBOT_DQN, *budget)
    assert result.returncode == 0, result.stderr
    metrics = read_metrics(run)
    assert metrics["status"] == "ok" and metrics["timesteps"] == 8000
    assert metrics["hyperparams_source"] == "zoo"  # RL Zoo's entry, not the CartPole defaults
    assert "RL Zoo's entry 'Acrobot-v1'" in (result.stdout + result.stderr)
    # Random actions: -497 (100 episodes, 3 reached the goal); the thresholds sit 200 and 100
    # above it and 115 and 177 below the worst of the five seeds measured.
    assert metrics["eval/best_mean_reward"] >= -300, metrics
    model, cfg = load_run_model(run, which="best")
    env = make_vec_env(cfg.env, 10, seed=123, vectorization="dummy")
    try:
        fresh = evaluate_model(model, env, episodes=20)
    finally:
        env.close()
    assert fresh.mean >= -400, (fresh.mean, metrics)


def test_unknown_source_is_refused_by_the_cheap_checks():
    """A misspelt hyperparams_source is refused before the runner (torch, SB3) is imported."""
    from rlgan.rl.knobs import check_run_knobs

    with pytest.raises(ConfigError, match=r"hyperparams_source='zo'.*auto, ours, zoo, defaults"):
        check_run_knobs(compose_config("rl", ["hyperparams_source=zo"]))


# ---- normalize (SB3's VecNormalize) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (True, True),
        ("dict(norm_obs=True, norm_reward=False)", {"norm_obs": True, "norm_reward": False}),
        ("{'norm_obs': False, 'norm_reward': True}", {"norm_obs": False, "norm_reward": True}),
    ],
)
def test_normalize_translates_in_each_form_the_files_use(written, expected):
    entry = ZooEntry("ppo", "Pendulum-v1", "ppo.yml", {"normalize": written})
    settings = translate_entry(entry, get_algo("ppo"), {"normalize": False, "frame_stack": 1})
    assert settings.env["normalize"] == expected
    assert "normalize" not in REFUSED_KEYS


def test_a_bad_normalize_is_refused_by_name():
    entry = ZooEntry("ppo", "Pendulum-v1", "ppo.yml", {"normalize": "dict(norm_ob=True)"})
    with pytest.raises(ConfigError, match=r"normalize=.*norm_ob.*valid keys"):
        translate_entry(entry, get_algo("ppo"), {"normalize": False, "frame_stack": 1})
    evil = ZooEntry("ppo", "Pendulum-v1", "ppo.yml", {"normalize": "__import__('os')"})
    with pytest.raises(ConfigError, match=r"restricted evaluator refuses"):
        translate_entry(evil, get_algo("ppo"), {"normalize": False, "frame_stack": 1})


def test_zoo_normalize_becomes_env_normalize_and_the_command_line_wins():
    cfg, source = resolve(["algo=ppo", "env.id=Acrobot-v1"])  # its entry has normalize: true
    assert source == "zoo" and cfg.env.normalize is True
    cfg, source = resolve(["algo=a2c", "env.id=Pendulum-v1", "env.normalize=false"])
    assert cfg.env.normalize is False  # the command line wins
