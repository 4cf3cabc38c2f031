"""Bad input that used to slip through: fractional counts, unknown ``+`` keys, tiny budgets.

Everything here runs in-process on composed configs (no training): each refused value is a
one-paragraph ConfigError naming the knob, the value and what is valid; each unknown ``+`` key
gets a close-match hint; each too-small budget logs a warning saying what will happen. The
last tests compose every option of every group and every preset and check none is refused.
"""

from __future__ import annotations

import logging
from importlib.resources import files
from importlib.util import find_spec

import pytest

from rlgan.common.app import compose_config
from rlgan.common.config_keys import group_options
from rlgan.common.errors import ConfigError, require_int, unknown_key
from rlgan.gan.validate import batch_vs_data_warning, validate, warn_batch_vs_data
from rlgan.rl.algos import ALGOS
from rlgan.rl.hyperparams import check_hyperparams
from rlgan.rl.validate import check_config


def _refused(message: str, expected: list[str]) -> None:
    """Assert a one-paragraph message that contains every expected part."""
    assert "\n" not in message
    for part in expected:
        assert part in message, (part, message)


# ---- fractional or out-of-range counts -------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["train.batch_size=64.5"], ["train.batch_size=64.5", "an integer >= 1", "fraction"]),
        (["train.iterations=1e3"], ["train.iterations=1000.0", "an integer >= 1", "write 1000"]),
        (["checkpoint.freq=0.5"], ["checkpoint.freq=0.5", "an integer >= 1"]),
        (["train.log_every=0.5"], ["train.log_every=0.5", "an integer >= 1"]),
        (["eval.freq=2.5"], ["eval.freq=2.5", "an integer >= 1"]),
        (["train.sample_every=10.5"], ["train.sample_every=10.5", "an integer >= 1"]),
        (["train.d_steps=0.5"], ["train.d_steps=0.5", "an integer >= 1"]),
        (["checkpoint.keep=1.5"], ["checkpoint.keep=1.5", "an integer >= 0"]),
        (["checkpoint.keep=-1"], ["checkpoint.keep=-1", "an integer >= 0"]),
        (["eval.n_samples=100.5"], ["eval.n_samples=100.5", "an integer >= 1"]),
        (["model.z_dim=2.5"], ["model.z_dim=2.5", "an integer >= 1"]),
        (["model.z_dim=32.0"], ["model.z_dim=32.0", "an integer", "write 32"]),
        (["model.base_channels=16.5"], ["model.base_channels=16.5", "an integer >= 1"]),
        (["model.d_minibatch_std=-1"], ["model.d_minibatch_std=-1", "an integer >= 0"]),
        (["data.channels=1.5"], ["data.channels=1.5", "1, 3"]),
        (["data.image_size=16.5"], ["data.image_size=16.5", "an integer >= 1, or null"]),
        (["data.max_images=100.5"], ["data.max_images=100.5", "an integer >= 1, or null"]),
        (["loss.r1_every=2.5"], ["loss.r1_every=2.5", "an integer >= 1"]),
        (["seed=1.5"], ["seed=1.5", "an integer >= 0"]),
        (["model=mlp", "model.g_hidden=[64.5]"], ["model.g_hidden=[64.5]", "positive integer"]),
        (["train.ema=abc"], ["train.ema='abc'", "[0, 1)"]),
    ],
)
def test_gan_count_not_an_integer_is_refused(overrides: list[str], expected: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        validate(compose_config("gan", overrides))
    _refused(str(info.value), expected)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["total_timesteps=1e5"], ["total_timesteps=100000.0", "an integer >= 1", "write 100000"]),
        (["eval.freq=0.5"], ["eval.freq=0.5", "an integer >= 0"]),
        (["eval.episodes=2.5"], ["eval.episodes=2.5", "an integer >= 1"]),
        (["eval.final_episodes=1.5"], ["eval.final_episodes=1.5", "an integer >= 0"]),
        (["eval.n_envs=2.5"], ["eval.n_envs=2.5", "an integer >= 1"]),
        (["checkpoint.freq=100.5"], ["checkpoint.freq=100.5", "an integer >= 0"]),
        (["checkpoint.keep=1.5"], ["checkpoint.keep=1.5", "an integer >= 0"]),
        (["env.n_envs=2.5"], ["env.n_envs=2.5", "an integer >= 1"]),
        (["algo.n_envs=4.0"], ["algo.n_envs=4.0", "write 4"]),
        (
            ["env.max_episode_steps=10.5"],
            ["env.max_episode_steps=10.5", "an integer >= 1, or null"],
        ),
        (["algo.hyperparams.n_steps=32.5"], ["algo.hyperparams.n_steps=32.5", "an integer >= 1"]),
        (["algo.hyperparams.batch_size=64.0"], ["algo.hyperparams.batch_size=64.0", "write 64"]),
        (["algo.hyperparams.batch_size=1"], ["algo.hyperparams.batch_size=1", "an integer >= 2"]),
        (["algo.hyperparams.n_epochs=0.5"], ["algo.hyperparams.n_epochs=0.5", "an integer >= 1"]),
        (
            ["algo=dqn", "algo.hyperparams.buffer_size=1e4"],
            ["algo.hyperparams.buffer_size=10000.0", "write 10000"],
        ),
        (
            ["algo=dqn", "algo.hyperparams.learning_starts=10.5"],
            ["algo.hyperparams.learning_starts=10.5", "an integer >= 0"],
        ),
        (
            ["algo=dqn", "algo.hyperparams.train_freq=2.5"],
            ["algo.hyperparams.train_freq=2.5", "an integer >= 1", "[1, episode]"],
        ),
        (
            ["algo=dqn", "algo.hyperparams.train_freq=[4,stp]"],
            ["algo.hyperparams.train_freq=[4, 'stp']", "step|episode"],
        ),
        (
            ["algo=dqn", "algo.hyperparams.train_freq=[0.5,step]"],
            ["algo.hyperparams.train_freq[0]=0.5", "an integer >= 1"],
        ),
        (
            ["algo=dqn", "algo.hyperparams.gradient_steps=0"],
            ["algo.hyperparams.gradient_steps=0", "an integer >= 1, or -1"],
        ),
        (
            ["algo=dqn", "algo.hyperparams.gradient_steps=1.5"],
            ["algo.hyperparams.gradient_steps=1.5", "an integer >= 1, or -1"],
        ),
        (
            ["algo=dqn", "algo.hyperparams.target_update_interval=10.5"],
            ["algo.hyperparams.target_update_interval=10.5", "an integer >= 1"],
        ),
    ],
)
def test_rl_count_not_an_integer_is_refused(overrides: list[str], expected: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        check_config(compose_config("rl", overrides))
    _refused(str(info.value), expected)


def test_gradient_steps_minus_one_and_train_freq_pair_are_valid() -> None:
    params = check_hyperparams("dqn", {"gradient_steps": -1, "train_freq": [1, "episode"]})
    assert params["gradient_steps"] == -1


def test_require_int_accepts_integers_and_names_the_rule() -> None:
    require_int("k", 3, 1)
    require_int("k", None, 1, nullable=True)
    require_int("k", -1, 1, special=(-1,))
    with pytest.raises(ConfigError, match=r"Invalid k=True: it must be an integer >= 1\."):
        require_int("k", True, 1)


# ---- unknown keys added with + ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("app", "overrides", "expected"),
    [
        ("rl", ["+algo.polcy=MlpPolicy"], ["algo.polcy", "Did you mean policy"]),
        ("rl", ["+eval.episods=3"], ["eval.episods", "Did you mean episodes"]),
        ("rl", ["+env.n_env=3"], ["env.n_env", "Did you mean n_envs"]),
        ("rl", ["+net.activaton=relu"], ["net.activaton", "Did you mean activation"]),
        ("rl", ["+checkpoint.kep=3"], ["checkpoint.kep", "Did you mean keep"]),
        ("rl", ["+log.tensorbord=false"], ["log.tensorbord", "Did you mean tensorboard"]),
        ("rl", ["+total_timestep=100"], ["total_timestep", "Did you mean total_timesteps"]),
        ("gan", ["model=mlp", "+model.hiden=[8]"], ["model.hiden", "g_hidden", "d_hidden"]),
        ("gan", ["+model.hiden=[8]"], ["model.hiden", "model=dcgan", "g_hidden", "another model"]),
        ("gan", ["+loss.r1_gama=1.0"], ["loss.r1_gama", "Did you mean r1_gamma"]),
        ("gan", ["data=moons", "+data.nosie=0.1"], ["data.nosie", "Did you mean noise"]),
        ("gan", ["data=grid25", "+data.noise=0.1"], ["data.noise", "data=moons", "data=grid25"]),
        ("gan", ["+train.batch_szie=64"], ["train.batch_szie", "Did you mean batch_size"]),
        ("gan", ["+eval.n_sample=10"], ["eval.n_sample", "Did you mean n_samples"]),
        ("gan", ["+render.evry=5"], ["render.evry", "Did you mean every"]),
        ("gan", ["+sed=1"], ["sed", "Did you mean seed"]),
        ("gan", ["+loss.gp_weight=5.0"], ["loss.gp_weight", "loss=wgan_gp only", "loss=ns"]),
    ],
)
def test_unknown_plus_key_is_refused_with_close_match(
    app: str, overrides: list[str], expected: list[str]
) -> None:
    cfg = compose_config(app, overrides)
    with pytest.raises(ConfigError) as info:
        check_config(cfg) if app == "rl" else validate(cfg)
    _refused(str(info.value), ["Unknown key", *expected])


@pytest.mark.parametrize(
    ("app", "overrides"),
    [
        ("rl", ["env=maze", "+env.kwargs.time_penalty=0.01"]),  # free-form: the env checks it
        ("rl", ["+algo.optimizer=adam"]),  # read by rlgan.rl.policy
        ("rl", ["algo=dqn", "+algo.hyperparams.max_grad_norm=5"]),
        ("rl", ["+algo.policy_kwargs.n_critics=2", "algo=sac", "env=pendulum"]),
        ("rl", ["net=mlp", "+net.features_dim=64"]),  # a key of net=cnn, as valid
        ("gan", ["model=mlp", "+model.d_hidden=[16]"]),
    ],
)
def test_open_or_declared_keys_are_accepted(app: str, overrides: list[str]) -> None:
    cfg = compose_config(app, overrides)
    if app == "rl":
        check_config(cfg)
    else:
        validate(cfg)


def test_unknown_key_message_is_one_paragraph() -> None:
    message = str(unknown_key("train", "batch_szie", ["batch_size", "iterations"]))
    _refused(message, ["train.batch_szie", "batch_size, iterations", "Did you mean batch_size"])


# ---- budgets smaller than one rollout / learning_starts / the data set -----------------------
@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["total_timesteps=100"], ["total_timesteps=100", "32 x 16 = 512", "trains for 512 steps"]),
        (["algo=a2c", "total_timesteps=20", "env.n_envs=8"], ["5 x 8 = 40", "trains for 40"]),
        (["algo=dqn", "total_timesteps=500"], ["learning_starts=1000", "no gradient step"]),
        (
            ["algo=dqn", "total_timesteps=1000"],
            ["learning_starts=1000", "ending at 1024", "gradient_steps=128"],
        ),
        (
            ["algo=sac", "env=pendulum", "total_timesteps=50"],
            ["learning_starts=100", "no gradient step"],
        ),
        (
            ["algo=dqn", "total_timesteps=50", "algo.hyperparams.train_freq=[1,episode]"],
            ["no gradient step"],
        ),
    ],
)
def test_small_budget_warns_what_will_happen(
    caplog: pytest.LogCaptureFixture, overrides: list[str], expected: list[str]
) -> None:
    with caplog.at_level(logging.WARNING, logger="rlgan.rl.validate"):
        check_config(compose_config("rl", overrides))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    _refused(warnings[0], expected)


@pytest.mark.parametrize(
    "overrides",
    [
        ["total_timesteps=512"],
        ["algo=dqn", "total_timesteps=1001"],
        ["algo=sac", "env=pendulum", "total_timesteps=101"],
    ],
)
def test_budget_that_fits_does_not_warn(
    caplog: pytest.LogCaptureFixture, overrides: list[str]
) -> None:
    with caplog.at_level(logging.WARNING, logger="rlgan.rl.validate"):
        check_config(compose_config("rl", overrides))
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_gan_batch_larger_than_data_warns(caplog: pytest.LogCaptureFixture) -> None:
    cfg = compose_config("gan", ["train.batch_size=4000"])
    with caplog.at_level(logging.WARNING, logger="rlgan.gan.validate"):
        message = warn_batch_vs_data(cfg, 1797)
    assert message is not None
    assert [r.getMessage() for r in caplog.records] == [message]
    _refused(message, ["train.batch_size=4000", "digits: 1797", "with replacement", "2.2 copies"])
    assert warn_batch_vs_data(cfg, 5000) is None
    assert warn_batch_vs_data(cfg, None) is None  # 2-D toys: sampled afresh, never too small
    assert batch_vs_data_warning(128, 128) is None


# ---- every shipped option and preset stays valid ---------------------------------------------
def _presets(prefixes: tuple[str, ...]) -> list[str]:
    names = []
    for app in ("rl", "gan"):  # each app's presets live beside its code
        folder = files(f"rlgan.{app}.presets").joinpath("experiment")
        names += [
            e.name.removesuffix(".yaml") for e in folder.iterdir() if e.name.endswith(".yaml")
        ]
    return [name for name in sorted(names) if name.startswith(prefixes)]


def _rl_option_configs() -> list[list[str]]:
    presets = _presets(("ppo_", "dqn_"))
    if find_spec("Box2D") is None:
        presets.remove("ppo_lunarlander")
    configs = [[f"+experiment={p}"] for p in presets]
    for algo in sorted(group_options("algo")):
        row = ALGOS[algo]
        env = "cartpole" if "discrete" in row.action_kinds else "pendulum"
        configs.append([f"algo={algo}", f"env={'maze' if row.action_masks else env}"])
    for env in sorted(group_options("env")):
        if env != "lunarlander" or find_spec("Box2D") is not None:
            configs.append(["algo=ppo", f"env={env}"])
    configs += [["algo=ppo", f"net={net}"] for net in sorted(group_options("net")) if net != "cnn"]
    configs.append(
        ["algo=ppo", "env=maze", "env.kwargs.obs_type=pixels", "net=cnn", "algo.policy=CnnPolicy"]
    )
    return configs


def _gan_option_configs() -> list[list[str]]:
    configs = [[f"+experiment={p}"] for p in _presets(("gan_",))]
    for data in sorted(group_options("data")):
        model = "dcgan" if "image_size" in group_options("data")[data] else "mlp"
        configs.append([f"data={data}", f"model={model}"])
    configs += [[f"model={m}"] for m in sorted(group_options("model"))]
    configs += [[f"loss={loss}"] for loss in sorted(group_options("loss"))]
    return configs


def test_every_rl_option_and_preset_passes_the_checks() -> None:
    configs = _rl_option_configs()
    assert len(configs) >= 15
    for overrides in configs:
        try:
            check_config(compose_config("rl", overrides))
        except ConfigError as err:  # pragma: no cover - the assertion reports it
            pytest.fail(f"{overrides}: {err}")


def test_every_gan_option_and_preset_passes_the_checks() -> None:
    configs = _gan_option_configs()
    assert len(configs) >= 15
    for overrides in configs:
        try:
            validate(compose_config("gan", overrides))
        except ConfigError as err:  # pragma: no cover - the assertion reports it
            pytest.fail(f"{overrides}: {err}")
