"""rlgan.nets.sb3: our networks inside real stable-baselines3 models."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from omegaconf import OmegaConf
from sb3_contrib import QRDQN
from stable_baselines3 import A2C, DQN, PPO, SAC, TD3
from stable_baselines3.common.logger import configure
from torch import nn

from rlgan.common.errors import ConfigError
from rlgan.nets import MLP, ConvEncoder
from rlgan.nets.sb3 import HiddenActivation, NetsFeaturesExtractor
from rlgan.nets.sb3 import sb3_policy_kwargs as _sb3_policy_kwargs
from rlgan.rl.algos import get_algo

NET_DIR = Path(__file__).resolve().parents[1] / "conf" / "net"
NET = {
    "hidden_sizes": [16, 16],
    "activation": "tanh",
    "norm": None,
    "dropout": 0.0,
    "residual": False,
    "init": "orthogonal",
}


def sb3_policy_kwargs(net, algo):
    """The adapter for an algorithm given by name: its family comes from the algorithm table."""
    return _sb3_policy_kwargs(net, get_algo(algo))


def module_types(model) -> set[type]:
    return {type(m) for m in model.policy.modules()}


def quiet(model, tmp_path):
    model.set_logger(configure(str(tmp_path), []))  # no stray /tmp/SB3-* folders
    return model


@pytest.mark.parametrize(
    ("activation", "present", "absent"), [("tanh", nn.Tanh, nn.ELU), ("elu", nn.ELU, nn.Tanh)]
)
def test_activation_in_the_net_config_changes_the_ppo_modules(activation, present, absent):
    kwargs = sb3_policy_kwargs({**NET, "activation": activation}, "ppo")
    model = PPO("MlpPolicy", "CartPole-v1", policy_kwargs=kwargs, device="cpu", seed=0)
    types = module_types(model)
    assert present in types and absent not in types
    assert isinstance(model.policy.pi_features_extractor, NetsFeaturesExtractor)
    # A plain MLP is SB3's own layers behind one shared, parameter-free flattening extractor.
    assert model.policy.pi_features_extractor is model.policy.vf_features_extractor
    assert model.policy.action_net.in_features == 16  # linear head on the last hidden layer


def test_a_ppo_net_with_norm_gives_actor_and_critic_their_own_mlp_extractor():
    kwargs = sb3_policy_kwargs({**NET, "norm": "layer"}, "ppo")
    model = PPO("MlpPolicy", "CartPole-v1", policy_kwargs=kwargs, device="cpu", seed=0)
    actor, critic = model.policy.pi_features_extractor, model.policy.vf_features_extractor
    assert actor is not critic
    assert isinstance(actor.net, MLP) and isinstance(critic.net, MLP)
    assert nn.LayerNorm in module_types(model)
    assert model.policy.action_net.in_features == 16  # linear head on our MLP's output


@pytest.mark.parametrize(
    ("algo_cls", "algo", "env_id", "extra"),
    [
        (PPO, "ppo", "CartPole-v1", {"n_steps": 32, "batch_size": 32}),
        (A2C, "a2c", "CartPole-v1", {"n_steps": 8}),
        (DQN, "dqn", "CartPole-v1", {"learning_starts": 16, "batch_size": 16}),
        (QRDQN, "qr-dqn", "CartPole-v1", {"learning_starts": 16, "batch_size": 16}),
        (SAC, "sac", "Pendulum-v1", {"learning_starts": 16, "batch_size": 16}),
        (TD3, "td3", "Pendulum-v1", {"learning_starts": 16, "batch_size": 16}),
    ],
)
def test_models_build_with_our_networks_and_learn(algo_cls, algo, env_id, extra, tmp_path):
    net = {**NET, "activation": "elu", "norm": "layer", "dropout": 0.1}
    model = algo_cls(
        "MlpPolicy",
        env_id,
        policy_kwargs=sb3_policy_kwargs(net, algo),
        device="cpu",
        seed=0,
        **extra,
    )
    quiet(model, tmp_path).learn(64)
    assert model.num_timesteps >= 64
    types = module_types(model)
    assert nn.ELU in types and NetsFeaturesExtractor in types
    widths = [m.out_features for m in model.policy.modules() if isinstance(m, nn.Linear)]
    assert widths.count(16) >= 2
    if algo in ("sac", "td3"):
        assert HiddenActivation in types
    else:
        assert nn.LayerNorm in types and nn.Dropout in types


@pytest.mark.parametrize(("algo_cls", "algo"), [(PPO, "ppo"), (DQN, "dqn")])
def test_plain_mlp_config_builds_sb3s_own_layers(algo_cls, algo):
    """A plain MLP config is SB3's default network: same parameters, fewer nested modules."""
    net = (
        {**NET, "hidden_sizes": [64, 64]}
        if algo == "ppo"
        else {**NET, "hidden_sizes": [64, 64], "activation": "relu", "init": "default"}
    )
    ours = algo_cls(
        "MlpPolicy", "CartPole-v1", device="cpu", seed=0, policy_kwargs=sb3_policy_kwargs(net, algo)
    )
    sb3 = algo_cls("MlpPolicy", "CartPole-v1", device="cpu", seed=0)
    shapes = {name: p.shape for name, p in ours.policy.named_parameters()}
    assert shapes == {name: p.shape for name, p in sb3.policy.named_parameters()}
    assert len(list(ours.policy.modules())) <= len(list(sb3.policy.modules()))
    for (name, a), b in zip(
        ours.policy.state_dict().items(), sb3.policy.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b), f"{name}: the same seed must give SB3's initial weights"
    obs = torch.randn(5, 4)
    with torch.no_grad():
        if algo == "ppo":
            got = ours.policy.evaluate_actions(obs, torch.ones(5))
            want = sb3.policy.evaluate_actions(obs, torch.ones(5))
        else:
            got, want = ours.policy.q_net(obs), sb3.policy.q_net(obs)
    for a, b in zip(got, want, strict=True):
        assert torch.allclose(a, b)


def test_residual_mlp_inside_dqn_q_network():
    kwargs = sb3_policy_kwargs({**NET, "residual": True}, "DQN")
    model = DQN("MlpPolicy", "CartPole-v1", policy_kwargs=kwargs, device="cpu")
    names = {type(m).__name__ for m in model.policy.q_net.modules()}
    assert "ResidualMLPBlock" in names
    obs = torch.zeros(2, 4)
    assert model.policy.q_net(obs).shape == (2, 2)


class TinyPixelEnv(gym.Env):
    """A 3x16x16 uint8 image observation, two actions, reward for action 1."""

    observation_space = gym.spaces.Box(0, 255, (3, 16, 16), dtype=np.uint8)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return self.observation_space.sample(), {}

    def step(self, action):
        self.t += 1
        return self.observation_space.sample(), float(action), self.t >= 8, False, {}


def test_image_observations_use_the_conv_encoder(tmp_path):
    net = {**NET, "hidden_sizes": [8], "features_dim": 32, "variant": "auto"}
    model = PPO(
        "CnnPolicy",
        TinyPixelEnv(),
        policy_kwargs=sb3_policy_kwargs(net, "ppo"),
        n_steps=16,
        batch_size=16,
        device="cpu",
    )
    encoder = model.policy.pi_features_extractor.net
    assert isinstance(encoder, ConvEncoder) and encoder.variant == "small"
    assert model.policy.pi_features_extractor.features_dim == 8
    quiet(model, tmp_path).learn(16)


def test_init_decides_sb3_ortho_init_and_is_kept():
    assert sb3_policy_kwargs(NET, "ppo")["ortho_init"] is True
    kwargs = sb3_policy_kwargs({**NET, "init": "kaiming", "hidden_sizes": [256]}, "ppo")
    assert kwargs["ortho_init"] is False
    model = PPO("MlpPolicy", "CartPole-v1", policy_kwargs=kwargs, device="cpu")
    bias = model.policy.pi_features_extractor.net.hidden[0][0].bias
    assert float(bias.detach().abs().sum()) == 0.0  # ours (zero bias), not PyTorch's default


@pytest.mark.parametrize(
    ("algo_cls", "algo", "env_id"), [(PPO, "ppo", "CartPole-v1"), (SAC, "sac", "Pendulum-v1")]
)
def test_models_with_our_networks_save_and_load(algo_cls, algo, env_id, tmp_path):
    net = {**NET, "activation": "elu", "norm": "layer"}
    model = algo_cls(
        "MlpPolicy", env_id, policy_kwargs=sb3_policy_kwargs(net, algo), device="cpu", seed=0
    )
    model.save(tmp_path / "model.zip")
    loaded = algo_cls.load(tmp_path / "model.zip", device="cpu")
    before, after = model.policy.state_dict(), loaded.policy.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert nn.ELU in module_types(loaded)


def test_sac_family_uses_the_bare_activation_without_norm_or_dropout():
    kwargs = sb3_policy_kwargs({**NET, "activation": "leaky_relu:0.1"}, "td3")
    act = kwargs["activation_fn"]()
    assert type(act) is nn.LeakyReLU and act.negative_slope == pytest.approx(0.1)
    assert (
        kwargs["net_arch"] == [16, 16] and kwargs["features_extractor_kwargs"]["hidden_sizes"] == []
    )


def test_sac_family_hidden_activation_applies_layer_norm_and_activation():
    act = sb3_policy_kwargs({**NET, "norm": "layer"}, "sac")["activation_fn"]()
    x = torch.randn(4, 32) * 7 + 3
    expected = torch.tanh((x - x.mean(-1, keepdim=True)) / x.std(-1, unbiased=False, keepdim=True))
    assert torch.allclose(act(x), expected, atol=1e-4)


def test_yaml_net_configs_work_for_every_algorithm():
    for name in ("mlp", "mlp_large", "cnn"):
        cfg = OmegaConf.load(NET_DIR / f"{name}.yaml")
        for algo in ("ppo", "a2c", "dqn", "qrdqn", "sac", "td3"):
            kwargs = sb3_policy_kwargs(cfg, algo)
            assert kwargs["features_extractor_class"] is NetsFeaturesExtractor


@pytest.mark.parametrize(
    ("net", "algo", "match"),
    [
        (NET, "reinforce", "ppo, a2c"),
        ({**NET, "widths": [3]}, "ppo", "widths.*hidden_sizes"),
        ({**NET, "activation": "swish"}, "dqn", "swish.*relu"),
        ({**NET, "residual": True}, "sac", "residual"),
        ({**NET, "norm": "batch"}, "td3", "null, layer"),
        ({**NET, "init": "normal"}, "ppo", "orthogonal"),
    ],
)
def test_bad_configs_raise_config_errors(net, algo, match):
    with pytest.raises(ConfigError, match=match):
        sb3_policy_kwargs(net, algo)


def test_dict_observations_are_refused_clearly():
    space = gym.spaces.Dict({"a": gym.spaces.Box(-1, 1, (2,))})
    with pytest.raises(ConfigError, match="Dict"):
        NetsFeaturesExtractor(space)


@pytest.mark.cuda
def test_ppo_with_our_networks_on_cuda(tmp_path):
    model = PPO(
        "MlpPolicy",
        "CartPole-v1",
        policy_kwargs=sb3_policy_kwargs(NET, "ppo"),
        n_steps=32,
        batch_size=32,
        device="cuda",
    )
    quiet(model, tmp_path).learn(32)
    assert next(model.policy.parameters()).device.type == "cuda"
