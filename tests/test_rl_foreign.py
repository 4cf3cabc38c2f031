"""Models made elsewhere: plain SB3 zips and RL Zoo agent folders, for evaluate= and watch.

The fixtures train tiny models with plain stable-baselines3 (no rlgan involved) and write an
RL Zoo agent folder as RL Zoo's train.py lays it out (OrderedDict YAML, vecnormalize.pkl).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
import yaml
from stable_baselines3 import A2C, PPO, TD3
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize

from rlgan.common.app import compose_config
from rlgan.common.errors import ConfigError
from rlgan.common.safe_pickle import UnsafeFileError
from rlgan.rl.foreign import load_policy, zip_algorithms
from rlgan.rl.model_io import read_model_zip
from rlgan.rl.run_logger import silent_logger
from rlgan.rl.train import train

torch.set_num_threads(1)

CARTPOLE = {"id": "CartPole-v1", "kwargs": {}}
PENDULUM = {"id": "Pendulum-v1", "kwargs": {}}


def _zoo_yaml(path: Path, values: dict) -> None:
    """Write ``values`` as RL Zoo does: ``yaml.dump`` of an OrderedDict (a Python tag)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.dump(OrderedDict(sorted(values.items()))))


def _quiet(model):
    """``model`` with a logger that writes nothing (plain SB3 would leave /tmp/SB3-* folders)."""
    model.set_logger(silent_logger())
    return model


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> dict[str, Path]:
    """Tiny models saved by plain SB3, and an RL Zoo agent folder trained with VecNormalize."""
    root = tmp_path_factory.mktemp("foreign")
    models = {}
    ppo = PPO("MlpPolicy", "CartPole-v1", n_steps=32, batch_size=32, n_epochs=1, seed=0)
    models["ppo"] = root / "ppo_cartpole.zip"
    _quiet(ppo).learn(64).save(models["ppo"])
    a2c = A2C("MlpPolicy", "CartPole-v1", n_steps=8, seed=0)
    models["a2c"] = root / "a2c_cartpole.zip"
    _quiet(a2c).learn(32).save(models["a2c"])
    td3 = TD3("MlpPolicy", "Pendulum-v1", learning_starts=16, buffer_size=100, seed=0)
    models["td3"] = root / "td3_pendulum.zip"
    _quiet(td3).learn(32).save(models["td3"])
    # An RL Zoo agent: logs/ppo/Pendulum-v1_1/{Pendulum-v1.zip, best_model.zip, Pendulum-v1/}
    agent = root / "logs" / "ppo" / "Pendulum-v1_1"
    venv = VecNormalize(make_vec_env("Pendulum-v1", n_envs=2, seed=0), norm_reward=False)
    zoo = PPO("MlpPolicy", venv, n_steps=32, batch_size=32, n_epochs=1, seed=0)
    _quiet(zoo).learn(128)
    (agent / "Pendulum-v1").mkdir(parents=True)
    zoo.save(agent / "Pendulum-v1.zip")
    zoo.save(agent / "best_model.zip")
    venv.save(agent / "Pendulum-v1" / "vecnormalize.pkl")
    _zoo_yaml(
        agent / "Pendulum-v1" / "config.yml",
        {
            "n_envs": 2,
            "n_timesteps": 128.0,
            "normalize": "dict(norm_obs=True, norm_reward=False)",
            "policy": "MlpPolicy",
            "n_steps": 32,
        },
    )
    _zoo_yaml(
        agent / "Pendulum-v1" / "args.yml",
        {"algo": "ppo", "env": "Pendulum-v1", "env_kwargs": None, "seed": 0},
    )
    models["zoo"] = agent
    return models


def evaluate(source: Path, *overrides: str) -> float:
    """``rlgan-rl evaluate=<source>`` composed as the command line would."""
    cfg = compose_config("rl", [f"evaluate={source}", "eval.final_episodes=2", *overrides])
    return train(cfg, overrides=list(overrides))


# ---- which algorithm saved a zip ----------------------------------------------------------
def _algorithms(path: Path) -> list[str]:
    from rlgan.rl.foreign import zip_policy_class

    _, data = read_model_zip(path)
    return zip_algorithms(data, zip_policy_class(data, path, trust=False))


def test_the_algorithm_is_read_from_the_zip_where_it_can_tell(plain):
    assert _algorithms(plain["ppo"]) == ["ppo"]
    assert _algorithms(plain["a2c"]) == ["a2c"]  # the same policy class as PPO's
    assert sorted(_algorithms(plain["td3"])) == ["ddpg", "td3"]


def test_a_zip_that_cannot_tell_needs_algo(plain):
    with pytest.raises(ConfigError, match=r"TD3 and DDPG.*algo=td3 or algo=ddpg") as err:
        load_policy(plain["td3"], env_cfg=PENDULUM, knob="model")
    assert "\n" not in str(err.value)
    loaded = load_policy(plain["td3"], env_cfg=PENDULUM, algo="td3")
    assert loaded.algo_name == "td3"
    with pytest.raises(ConfigError, match=r"algo='sac'.*saved by TD3 or DDPG"):
        load_policy(plain["td3"], env_cfg=PENDULUM, algo="sac")
    with pytest.raises(ConfigError, match=r"algo='dqn'.*saved by PPO"):
        load_policy(plain["ppo"], env_cfg=CARTPOLE, algo="dqn")


# ---- evaluate= ------------------------------------------------------------------------------
def test_evaluate_plays_a_plain_sb3_zip(plain, capsys):
    mean = evaluate(plain["ppo"], "env.id=CartPole-v1")
    assert np.isfinite(mean) and mean >= 8  # CartPole gives at least 8 steps per episode
    assert f"{plain['ppo']}: PPO on CartPole-v1" in capsys.readouterr().out
    a2c = load_policy(plain["a2c"], env_cfg=CARTPOLE)
    assert type(a2c.model).__name__ == "A2C"


def test_a_zip_whose_spaces_do_not_fit_the_env_exits_2_writing_nothing(plain, tmp_path):
    with pytest.raises(ConfigError, match=r"Acrobot-v1.*trained on observations Box\(4,\)") as err:
        evaluate(plain["ppo"], "env.id=Acrobot-v1")
    assert "\n" not in str(err.value)
    _assert_cli_refuses_the_env(tmp_path, plain["ppo"], "Pendulum-v1")


def test_a_damaged_or_missing_zip_is_one_error(plain, tmp_path):
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match=r"No loadable stable-baselines3 model.*not a zip"):
        load_policy(broken, env_cfg=CARTPOLE)
    with pytest.raises(ConfigError, match=r"without env.id"):
        load_policy(plain["ppo"], env_cfg={"id": None})
    with pytest.raises(ConfigError, match=r"holds no\s+VecNormalize statistics"):
        load_policy(plain["ppo"], env_cfg={**CARTPOLE, "normalize": True})


# ---- RL Zoo agent folders -------------------------------------------------------------------
def test_zoo_folder_loads_with_its_vecnormalize_statistics(plain):
    folder = plain["zoo"]
    loaded = load_policy(folder)
    assert loaded.path.name == "best_model.zip" and loaded.algo_name == "ppo"
    assert loaded.env_config["id"] == "Pendulum-v1"
    saved = VecNormalize.load(
        str(folder / "Pendulum-v1" / "vecnormalize.pkl"), make_vec_env("Pendulum-v1", n_envs=1)
    )
    np.testing.assert_allclose(loaded.normalization.obs_rms.mean, saved.obs_rms.mean)
    np.testing.assert_allclose(loaded.normalization.obs_rms.var, saved.obs_rms.var)
    assert loaded.normalization.settings["norm_reward"] is False
    # The evaluation env sees what the model was trained on: VecNormalize's observations.
    env = loaded.make_vec_env(1, seed=5)
    raw_env = DummyVecEnv([lambda: gym.make("Pendulum-v1")])
    raw_env.seed(5)
    try:
        np.testing.assert_allclose(
            env.reset(), saved.normalize_obs(raw_env.reset()), rtol=1e-5, atol=1e-6
        )
    finally:
        env.close()
    assert np.isfinite(evaluate(folder))
    final = load_policy(folder, which="final")
    assert final.path.name == "Pendulum-v1.zip"


def test_zoo_statistics_load_without_unpickling_anything_foreign(plain, tmp_path):
    from rlgan.rl.foreign import read_vecnormalize_pickle

    pkl = plain["zoo"] / "Pendulum-v1" / "vecnormalize.pkl"
    safe = read_vecnormalize_pickle(pkl)
    trusted = read_vecnormalize_pickle(pkl, trust=True)
    np.testing.assert_array_equal(safe.obs_rms.mean, trusted.obs_rms.mean)

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    crafted = tmp_path / "vecnormalize.pkl"
    crafted.write_bytes(pickle.dumps({"obs_rms": Evil()}))
    with pytest.raises(UnsafeFileError, match=r"builtins.print.*trust=true"):
        read_vecnormalize_pickle(crafted)


def test_zoo_folder_with_missing_statistics_or_unknown_tag(plain, tmp_path):
    import shutil

    folder = shutil.copytree(plain["zoo"], tmp_path / "logs" / "ppo" / "Pendulum-v1_1")
    (folder / "Pendulum-v1" / "vecnormalize.pkl").unlink()
    with pytest.raises(ConfigError, match=r"trained with normalize.*vecnormalize.pkl.*missing"):
        load_policy(folder)
    (folder / "Pendulum-v1" / "args.yml").write_text(
        "!!python/object/apply:os.system [echo pwned]\n"
    )
    with pytest.raises(UnsafeFileError, match=r"args.yml.*trust=true"):
        load_policy(folder)


# ---- rlgan-watch ------------------------------------------------------------------------------
def watch_config(*overrides: str):
    """rlgan-watch's config, headless (as tests/test_watch.py composes it)."""
    from test_watch import watch_config as compose_watch

    return compose_watch(*overrides)


def _watch(*overrides: str):
    from rlgan.apps.watch import watch

    return watch(watch_config(*overrides, "max_frames=20", "episodes=0"))


def test_watch_plays_a_plain_zip_and_a_zoo_folder(plain):
    from rlgan.apps.watch import WatchSession

    session = WatchSession(watch_config(f"model={plain['ppo']}", "env.id=CartPole-v1"))
    assert session.agent.label == "PPO (ppo_cartpole.zip)"
    assert session.run().steps > 0
    result = _watch(f"run={plain['zoo']}")
    assert result.steps == 20
    with pytest.raises(ConfigError, match=r"algo=td3 or algo=ddpg"):
        _watch(f"model={plain['td3']}", "env.id=Pendulum-v1")
    assert _watch(f"model={plain['td3']}", "env.id=Pendulum-v1", "algo=td3").steps == 20
    with pytest.raises(ConfigError, match=r"trained on observations"):
        _watch(f"model={plain['ppo']}", "env.id=Acrobot-v1")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["model=x.zip"], "needs run=.*or env.id"),
        (["model=x.zip", "run=y"], "model='x.zip' with run='y'"),
        (["model=x.zip", "env.id=CartPole-v1", "play=true"], "play=true with model"),
        (["env.id=CartPole-v1", "algo=td3"], "algo='td3'.*add model="),
        (["env.id=CartPole-v1", "env.frame_stack=4"], "env.frame_stack=4"),
    ],
)
def test_watch_model_options_are_checked_first(overrides, message):
    with pytest.raises(ConfigError, match=message):
        _watch(*overrides)


# ---- our own model.zip in plain SB3 -----------------------------------------------------------
def test_own_model_zip_loads_with_plain_sb3(tmp_path):
    cfg = compose_config(
        "rl",
        [
            "total_timesteps=256",
            "algo.hyperparams.n_steps=32",
            "algo.hyperparams.batch_size=32",
            "algo.n_envs=2",
            "eval.freq=0",
            "eval.final_episodes=1",
            "checkpoint.freq=0",
            "log.tensorboard=false",
            "progress_bar=false",
        ],
    )
    train(cfg, run_dir=tmp_path / "run")
    code = (
        "import sys, numpy as np\n"
        "from stable_baselines3 import PPO\n"
        f"model = PPO.load({str(tmp_path / 'run' / 'model.zip')!r}, device='cpu')\n"
        "action, _ = model.predict(np.zeros(4, dtype=np.float32), deterministic=True)\n"
        "assert int(action) in (0, 1)\n"
        "assert not any(name.startswith('rlgan.rl') for name in sys.modules), 'rlgan.rl used'\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr


# ---- zips saved with the old gym package (RL Zoo's published agents) ------------------------
def _old_gym_pickle(kind: str, state: dict) -> bytes:
    """Pickle bytes of an old ``gym.spaces.<kind>`` object, as gym-era zips hold them.

    A stand-in ``gym`` module exists only while pickling: loading must not need one.
    """
    import copyreg
    import types

    module_name = f"gym.spaces.{kind.lower()}"
    module = types.ModuleType(module_name)

    class Space:
        def __reduce_ex__(self, protocol):
            return (copyreg.__newobj__, (type(self),), dict(state))

    Space.__name__ = Space.__qualname__ = kind
    Space.__module__ = module_name
    setattr(module, kind, Space)
    saved = {name: sys.modules.get(name) for name in ("gym", "gym.spaces", module_name)}
    sys.modules.update({"gym": types.ModuleType("gym"), "gym.spaces": types.ModuleType("x")})
    sys.modules[module_name] = module
    try:
        return pickle.dumps(Space(), protocol=4)
    finally:
        for name, value in saved.items():
            if value is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = value


def _rewrite_data(source: Path, target: Path, changes: dict[str, bytes]) -> Path:
    """``source`` with the pickled ``data`` entries in ``changes`` replaced by those bytes."""
    import base64
    import json
    import zipfile

    with zipfile.ZipFile(source) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    data = json.loads(files["data"])
    for key, raw in changes.items():
        data[key] = {":type:": "<class 'function'>", ":serialized:": base64.b64encode(raw).decode()}
    files["data"] = json.dumps(data).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return target


@pytest.fixture(scope="module")
def old_gym(tmp_path_factory) -> dict[str, Path]:
    """A DQN zip whose spaces are old-gym objects and whose schedules are pickled functions."""
    import cloudpickle
    from stable_baselines3 import DQN

    root = tmp_path_factory.mktemp("old_gym")
    model = _quiet(DQN("MlpPolicy", "CartPole-v1", learning_starts=0, buffer_size=64, seed=0))
    model.learn(16)
    model.save(root / "modern.zip")
    box = {
        "dtype": np.dtype("float32"),
        "shape": (4,),
        "low": np.full(4, -np.inf, dtype=np.float32),
        "high": np.full(4, np.inf, dtype=np.float32),
        "bounded_below": np.zeros(4, dtype=bool),
        "bounded_above": np.zeros(4, dtype=bool),
        "_np_random": None,
    }
    discrete = {"n": 2, "shape": (), "dtype": np.dtype("int64"), "_np_random": None}
    schedule = cloudpickle.dumps(lambda progress: 1e-3 * progress)  # a function by value
    changes = {
        "observation_space": _old_gym_pickle("Box", box),
        "action_space": _old_gym_pickle("Discrete", discrete),
        "learning_rate": schedule,
        "lr_schedule": schedule,
        "exploration_schedule": schedule,
    }
    paths = {"modern": root / "modern.zip"}
    paths["old"] = _rewrite_data(root / "modern.zip", root / "old_gym.zip", changes)

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    paths["evil"] = _rewrite_data(
        paths["old"], root / "evil.zip", {"policy_kwargs": pickle.dumps({"x": Evil()})}
    )
    agent = root / "logs" / "dqn" / "CartPole-v1_1"
    agent.mkdir(parents=True)
    (agent / "CartPole-v1.zip").write_bytes(paths["old"].read_bytes())
    _zoo_yaml(agent / "CartPole-v1" / "config.yml", {"policy": "MlpPolicy", "n_timesteps": 16.0})
    _zoo_yaml(agent / "CartPole-v1" / "args.yml", {"algo": "dqn", "env": "CartPole-v1"})
    paths["zoo"] = agent
    return paths


def test_an_old_gym_zip_loads_with_the_envs_spaces_without_trust(old_gym):
    import importlib.util

    from stable_baselines3 import DQN

    import rlgan.rl.foreign as foreign

    assert importlib.util.find_spec("gym") is None  # nothing here may rely on old gym
    loaded = load_policy(old_gym["old"], env_cfg=CARTPOLE, knob="evaluate")
    assert loaded.algo_name == "dqn"
    assert loaded.model.observation_space == gym.make("CartPole-v1").observation_space
    assert loaded.model.action_space == gym.spaces.Discrete(2)
    assert loaded.model.lr_schedule(1.0) == 0.0  # the refused schedules: constants
    modern = DQN.load(old_gym["modern"], device="cpu")
    obs = np.random.default_rng(0).normal(size=(16, 4)).astype(np.float32)
    np.testing.assert_array_equal(
        loaded.model.predict(obs, deterministic=True)[0], modern.predict(obs, deterministic=True)[0]
    )
    # The stand-ins replace only the spaces and the schedules: other code still needs trust.
    with pytest.raises(UnsafeFileError, match=r"builtins.print.*trust=true"):
        load_policy(old_gym["evil"], env_cfg=CARTPOLE, knob="evaluate")
    assert foreign.read_old_gym_space(b"not a pickle", "x") is None


def test_an_old_gym_zip_plays_through_evaluate_watch_and_a_zoo_folder(old_gym, capsys):
    mean = evaluate(old_gym["old"], "env.id=CartPole-v1")
    assert np.isfinite(mean) and mean >= 8
    assert "DQN on CartPole-v1" in capsys.readouterr().out
    assert _watch(f"model={old_gym['old']}", "env.id=CartPole-v1").steps == 20
    folder = load_policy(old_gym["zoo"], which="final")
    assert folder.algo_name == "dqn" and folder.path.name == "CartPole-v1.zip"
    assert np.isfinite(evaluate(old_gym["zoo"]))


def test_an_old_gym_zip_that_does_not_fit_the_env_is_the_one_paragraph_error(old_gym, tmp_path):
    message = r"Acrobot-v1.*trained on observations Box\(4,\) float32 and actions Discrete\(2\)"
    with pytest.raises(ConfigError, match=message) as err:
        load_policy(old_gym["old"], env_cfg={"id": "Acrobot-v1"}, knob="evaluate")
    assert "\n" not in str(err.value)
    import shutil

    folder = shutil.copytree(old_gym["zoo"], tmp_path / "logs" / "dqn" / "Acrobot-v1_1")
    (folder / "CartPole-v1" / "args.yml").write_text(yaml.dump({"env": "Acrobot-v1"}))
    with pytest.raises(ConfigError, match=r"^Invalid run=.*trained on observations Box\(4,\)"):
        load_policy(folder, which="final")
    _assert_cli_refuses_the_env(tmp_path, old_gym["old"], "MountainCar-v0")


def _assert_cli_refuses_the_env(tmp_path: Path, model: Path, env_id: str) -> None:
    """``rlgan-rl evaluate=<model> env.id=<env_id>``: the space error, exit 2, nothing written."""
    run_dir = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rlgan.rl.cli",
            f"evaluate={model}",
            f"env.id={env_id}",
            f"hydra.run.dir={run_dir}",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "trained on observations" in result.stderr
    assert not run_dir.exists()
