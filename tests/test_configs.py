"""Every option of every config group and every preset of both apps composes and builds.

A broken preset or option must fail CI, not a user: each is composed exactly as the command
line would, validated, and its objects are built (the SB3 model on its environment; the GAN's
data set, generator/discriminator pair and loss), without training.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.util import find_spec

import pytest

from rlgan.common.app import compose_config
from rlgan.common.config_keys import group_options
from rlgan.rl.algos import ALGOS


def _presets(app: str) -> list[str]:
    """The ``+experiment=`` presets shipped beside an app's code."""
    folder = files(f"rlgan.{app}.presets").joinpath("experiment")
    return sorted(
        e.name.removesuffix(".yaml") for e in folder.iterdir() if e.name.endswith(".yaml")
    )


def _needs_box2d(overrides: list[str]) -> bool:
    return any("lunarlander" in o for o in overrides) and find_spec("Box2D") is None


def _env_for(algo: str) -> str:
    """An env of ours that the algorithm's row can act in (masks need the maze)."""
    row = ALGOS[algo]
    if row.action_masks:
        return "maze"
    return "cartpole" if "discrete" in row.action_kinds else "pendulum"


RL_CASES = (
    [[f"+experiment={p}"] for p in _presets("rl")]
    + [[f"algo={a}", f"env={_env_for(a)}"] for a in sorted(group_options("algo"))]
    + [["algo=ppo", f"env={e}"] for e in sorted(group_options("env"))]
    + [["algo=ppo", f"net={n}"] for n in sorted(group_options("net")) if n != "cnn"]
    + [["algo=ppo", "env=maze", "env.kwargs.obs_type=pixels", "net=cnn", "algo.policy=CnnPolicy"]]
)


@pytest.mark.parametrize("overrides", RL_CASES, ids=lambda o: " ".join(o))
def test_every_rl_option_and_preset_builds_its_model(overrides: list[str]) -> None:
    if _needs_box2d(overrides):
        pytest.skip("LunarLander needs gymnasium[box2d]")
    from rlgan.rl.env_factory import make_vec_env
    from rlgan.rl.train import build_model
    from rlgan.rl.validate import check_config

    cfg = compose_config("rl", overrides)
    checked = check_config(cfg)
    env = make_vec_env(cfg.env, int(cfg.env.n_envs), 0, checked.vectorization)
    try:
        model = build_model(cfg, checked, env, "cpu")
        assert type(model).__name__.lower().replace("-", "") == str(cfg.algo.name).lower().replace(
            "_", ""
        )
        assert model.n_envs == int(cfg.env.n_envs)
    finally:
        env.close()


def _gan_cases() -> list[list[str]]:
    cases = [[f"+experiment={p}"] for p in _presets("gan")]
    for data in sorted(group_options("data")):
        model = "dcgan" if "image_size" in group_options("data")[data] else "mlp"
        cases.append([f"data={data}", f"model={model}"])
    cases += [[f"model={m}"] for m in sorted(group_options("model"))]
    cases += [[f"loss={loss}"] for loss in sorted(group_options("loss"))]
    return cases


#: Data sets read from files the user downloads (or a folder they name): composed and
#: validated here, built in the vision stage of CI and in tests/test_gan_vision.py.
NEEDS_FILES = ("mnist", "fashion_mnist", "cifar10", "folder")


@pytest.mark.parametrize("overrides", _gan_cases(), ids=lambda o: " ".join(o))
def test_every_gan_option_and_preset_builds_its_objects(overrides: list[str]) -> None:
    from rlgan.gan.building import build_object
    from rlgan.gan.data import build_data
    from rlgan.gan.losses import GanLoss
    from rlgan.gan.models import build_models_for
    from rlgan.gan.validate import validate

    cfg = compose_config("gan", overrides)
    validate(cfg)
    loss = build_object(cfg.loss, "loss", GanLoss)
    assert isinstance(loss, GanLoss)
    if str(cfg.data.name) in NEEDS_FILES:
        return
    data = build_data(cfg.data)  # the data set and its evaluator; no classifier is trained
    generator, discriminator = build_models_for(cfg.model, data)
    import torch

    z = torch.zeros(2, int(cfg.model.z_dim))
    labels = [torch.zeros(2, dtype=torch.long)] if cfg.model.get("conditional") else []
    fake = generator(z, *labels)
    assert tuple(fake.shape[1:]) == tuple(data.shape)
    assert discriminator(fake, *labels).shape[0] == 2
