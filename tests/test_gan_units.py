"""Fast unit tests of the GAN runner's parts: data, losses, metrics, models, loaders."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from rlgan.common.app import compose_config
from rlgan.common.config_keys import group_options
from rlgan.common.errors import ConfigError
from rlgan.gan import toy2d
from rlgan.gan.building import build_object
from rlgan.gan.data import build_data
from rlgan.gan.losses import (
    GanLoss,
    HingeLoss,
    LeastSquaresLoss,
    NonSaturatingLoss,
    RelativisticPairLoss,
    WassersteinGPLoss,
    gradient_penalty,
    r1_penalty,
)
from rlgan.gan.metrics import (
    FrechetReference,
    class_metrics,
    frechet_distance,
    mixture_metrics,
    sliced_wasserstein,
)
from rlgan.gan.models import build_models
from rlgan.gan.settings import TrainSettings

TOY2D = ("ring8", "grid25", "spiral", "moons", "circles", "swissroll")


def _node(group: str, option: str, **overrides: object) -> dict:
    """The composed ``conf/<group>/<option>.yaml`` node (a plain dict) with ``overrides``."""
    from omegaconf import OmegaConf

    cfg = compose_config("gan", [f"{group}={option}"])
    node = OmegaConf.to_container(cfg[group], resolve=True)
    node.update(overrides)
    return node


def _data(option: str, **overrides: object):  # noqa: ANN202 - a GanDataSet
    return build_data(_node("data", option, **overrides))


def _loss(option: str, **overrides: object) -> GanLoss:
    return build_object(_node("loss", option, **overrides), "loss", GanLoss)


def test_mixture_layouts_match_the_benchmarks() -> None:
    ring, grid = toy2d.ring8(), toy2d.grid25()
    assert ring.centers.shape == (8, 2) and ring.std == 0.01
    assert np.allclose(np.linalg.norm(ring.centers, axis=1), 1.0)
    assert grid.centers.shape == (25, 2) and grid.std == 0.05
    assert sorted(set(grid.centers[:, 0])) == [-4, -2, 0, 2, 4]


def test_mixture_metrics_on_real_collapsed_and_off_mode_samples() -> None:
    grid = toy2d.grid25()
    rng = np.random.default_rng(0)
    real = mixture_metrics(grid.sample(2500, rng), grid)
    assert real["modes_covered"] == 25
    assert real["high_quality_frac"] > 0.98  # 3 std in 2-D holds ~98.9% of the mass
    assert real["reverse_kl"] < 0.02
    collapsed = mixture_metrics(np.zeros((2500, 2)) + grid.centers[3], grid)
    assert collapsed["modes_covered"] == 1
    assert collapsed["reverse_kl"] == pytest.approx(math.log(25))
    off = mixture_metrics(np.full((100, 2), 1.0), grid)  # between modes
    assert off["high_quality_frac"] == 0 and off["modes_covered"] == 0


def test_sliced_wasserstein_separates_shifted_data() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2000, 2)), rng.standard_normal((2000, 2))
    assert sliced_wasserstein(a, b) < 0.1
    assert sliced_wasserstein(a, b + 3.0) > 1.0


def test_frechet_distance_of_gaussians() -> None:
    rng = np.random.default_rng(2)
    a = rng.standard_normal((4000, 4))
    b = rng.standard_normal((4000, 4))
    assert frechet_distance(a, b) < 0.05
    shifted = frechet_distance(a, b + np.array([2.0, 0, 0, 0]))
    assert shifted == pytest.approx(4.0, rel=0.1)


def test_frechet_reference_matches_the_closed_form_of_gaussians() -> None:
    # Independent features: sum of (mean gap)^2 + (std gap)^2 per feature, exactly.
    rng = np.random.default_rng(3)
    reference = rng.standard_normal((20_000, 3)) * np.array([1.0, 2.0, 0.5])
    fitted = FrechetReference(reference)
    for scale, shift in ((np.array([1.0, 2.0, 0.5]), 0.0), (np.array([3.0, 1.0, 0.5]), 1.0)):
        rows = rng.standard_normal((20_000, 3)) * scale + shift
        closed = float(((rows.mean(0) - reference.mean(0)) ** 2).sum())
        closed += float(((rows.std(0, ddof=1) - reference.std(0, ddof=1)) ** 2).sum())
        assert fitted.distance(rows) == pytest.approx(closed, abs=0.02)
        assert fitted.distance(rows) == pytest.approx(frechet_distance(reference, rows))
    dead = reference.copy()
    dead[:, 1] = 0.0  # a dead feature: singular covariance, still finite and >= 0
    assert 0.0 <= FrechetReference(dead).distance(reference) < 10.0


def test_class_metrics_coverage_and_kl() -> None:
    uniform = torch.eye(4).repeat(25, 1)  # 100 samples, 25 per class, confident
    metrics = class_metrics(uniform, np.ones(4))
    assert metrics["class_coverage"] == 4 and metrics["class_kl"] == pytest.approx(0.0)
    one_class = torch.eye(4)[[0] * 100]
    metrics = class_metrics(one_class, np.ones(4))
    assert metrics["class_coverage"] == 1
    assert metrics["class_kl"] == pytest.approx(math.log(4))


@pytest.mark.parametrize(
    ("name", "cls", "d_expected", "g_expected"),
    [
        ("ns", NonSaturatingLoss, 2 * math.log(2), math.log(2)),
        ("hinge", HingeLoss, 2.0, 0.0),
        ("wgan_gp", WassersteinGPLoss, 0.0, 0.0),
        ("lsgan", LeastSquaresLoss, 0.5, 0.5),
        ("rpgan", RelativisticPairLoss, math.log(2), math.log(2)),
    ],
)
def test_losses_at_zero_scores(name: str, cls: type, d_expected: float, g_expected: float) -> None:
    loss = _loss(name)
    assert type(loss) is cls and loss.name == name
    zeros = torch.zeros(8)
    assert float(loss.discriminator_loss(zeros, zeros)) == pytest.approx(d_expected)
    assert float(loss.generator_loss(zeros, zeros)) == pytest.approx(g_expected, abs=1e-7)


def test_relativistic_loss_scores_pairs_not_samples() -> None:
    """RpGAN's terms depend on D(fake) - D(real) only, and its generator needs real scores."""
    loss = _loss("rpgan")
    assert loss.pairs_real_and_fake and not _loss("ns").pairs_real_and_fake
    real, fake = torch.randn(8), torch.randn(8)
    shifted = loss.discriminator_loss(real + 5.0, fake + 5.0)
    assert float(shifted) == pytest.approx(float(loss.discriminator_loss(real, fake)), abs=1e-5)
    # the generator gains by scoring above its paired real sample, whatever the level
    assert loss.generator_loss(real + 1.0, real) < loss.generator_loss(real - 1.0, real)
    with pytest.raises(ValueError, match="real sample"):
        loss.generator_loss(fake)


def test_losses_reward_a_correct_discriminator() -> None:
    for name in sorted(group_options("loss")):
        loss = _loss(name)
        good = loss.discriminator_loss(torch.full((8,), 1.0), torch.full((8,), -1.0))
        bad = loss.discriminator_loss(torch.full((8,), -1.0), torch.full((8,), 1.0))
        assert good < bad, name


def test_loss_objects_own_their_penalties() -> None:
    critic = torch.nn.Linear(2, 1)

    def score(x: torch.Tensor) -> torch.Tensor:
        return critic(x).squeeze(1)

    real, fake = torch.randn(16, 2), torch.randn(16, 2)

    def penalty(loss: GanLoss, update: int = 0) -> float:
        return float(loss.discriminator_terms(score, real, fake, update).penalty.detach())

    assert penalty(_loss("ns")) == 0
    assert penalty(_loss("wgan_gp")) > 0
    assert penalty(_loss("wgan_gp", gp_weight=0.0)) == 0
    lazy = _loss("hinge", r1_gamma=1.0, r1_every=2)
    assert [lazy.r1_due(i) for i in range(4)] == [True, False, True, False]
    assert penalty(lazy, 1) == 0 and penalty(lazy, 0) > 0
    # R2 penalises the critic's input gradient on the fakes: the linear critic's gradient is
    # the same everywhere, so R2 alone equals R1 alone, and both together are the sum
    r1, r2 = _loss("ns", r1_gamma=1.0), _loss("ns", r2_gamma=1.0)
    both = _loss("ns", r1_gamma=1.0, r2_gamma=1.0)
    assert penalty(r2) == pytest.approx(penalty(r1)) and penalty(r2) > 0
    assert penalty(both) == pytest.approx(2 * penalty(r1))
    lazy_r2 = _loss("ns", r2_gamma=1.0, r1_every=2)
    assert [lazy_r2.r2_due(i) for i in range(4)] == [True, False, True, False]
    assert penalty(lazy_r2, 1) == 0 and penalty(lazy_r2, 0) == pytest.approx(2 * penalty(r2))


def test_train_settings_are_typed_and_checked_once() -> None:
    cfg = compose_config("gan", [])
    settings = TrainSettings.from_config(cfg.train)
    assert settings.betas == (0.0, 0.9) and isinstance(settings.lr_g, float)
    assert settings.lr_schedule == "linear" and settings.iterations == 3000
    assert settings.lr_schedule_d == "constant"  # the digits default keeps D's rate
    # a run saved before train.lr_schedule_d existed: D follows lr_schedule, as it did
    saved = {k: v for k, v in cfg.train.items() if k != "lr_schedule_d"}
    assert TrainSettings.from_config(saved).lr_schedule_d is None
    for bad, message in (
        (("betas", [0.5]), "train.betas"),
        (("lr_schedule", "cosine"), "constant, linear"),
        (("lr_schedule_d", "cosine"), "train.lr_schedule_d='cosine'.*constant, linear"),
        (("d_steps", 0.5), "train.d_steps=0.5"),
        (("lr_g", 0), "train.lr_g=0"),
    ):
        with pytest.raises(ConfigError, match=message):
            TrainSettings.from_config({**cfg.train, bad[0]: bad[1]})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"r1_every": 0}, "loss.r1_every=0"),
        ({"r1_gamma": -1.0}, "loss.r1_gamma=-1.0"),
        ({"r2_gamma": -0.5}, "loss.r2_gamma=-0.5"),
        ({"_target_": "rlgan.gan.losses.Nope"}, "loss._target_='rlgan.gan.losses.Nope'"),
        ({"_target_": "rlgan.gan.settings.TrainSettings"}, "Invalid loss"),
    ],
)
def test_bad_loss_configs_are_config_errors(overrides: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        _loss("ns", **overrides)
    assert "\n" not in str(info.value)


def test_r1_and_gradient_penalty_on_a_linear_critic() -> None:
    weight = torch.tensor([3.0, 4.0])

    def critic(x: torch.Tensor) -> torch.Tensor:
        return x @ weight

    x = torch.randn(16, 2)
    _, r1 = r1_penalty(critic, x)
    assert float(r1) == pytest.approx(25.0)  # ||w||^2
    gp = gradient_penalty(critic, x, torch.randn(16, 2))
    assert float(gp) == pytest.approx(16.0)  # (||w|| - 1)^2


def test_every_2d_data_set_builds_and_a_bad_target_is_refused() -> None:
    gen = torch.Generator().manual_seed(0)
    for name in TOY2D:
        data = _data(name)
        assert data.name == name and data.shape == (2,) and data.size is None
        batch = data.sample(64, gen)
        assert batch.shape == (64, 2) and torch.isfinite(batch).all()
    with pytest.raises(ConfigError, match="data._target_=.*Grid26.*cannot be imported"):
        _data("grid25", _target_="rlgan.gan.data2d.Grid26")
    with pytest.raises(ConfigError, match="not a rlgan.gan.data.GanDataSet"):
        _data("grid25", _target_="rlgan.gan.settings.TrainSettings")
    with pytest.raises(ConfigError, match="data.noise=-0.1"):
        _data("moons", noise=-0.1)


def test_digits_images_are_scaled_and_resizable() -> None:
    data = _data("digits")
    # a quarter held out for evaluation (stratified by class), the rest trained on
    assert data.shape == (1, 8, 8) and len(data.images) + len(data.heldout_images) == 1797
    assert data.size == len(data.images) == 1347
    assert float(data.images.min()) == -1.0 and float(data.images.max()) == 1.0
    assert data.num_classes == 10
    resized = _data("digits", image_size=16, max_images=100)
    assert resized.shape == (1, 16, 16) and len(resized.images) + len(resized.heldout_images) == 100


def test_models_build_for_vectors_and_images() -> None:
    mlp = _node("model", "mlp", g_hidden=[16], d_hidden=[16])
    gen, disc = build_models(mlp, (2,))
    assert gen(torch.randn(5, 2)).shape == (5, 2) and disc(torch.randn(5, 2)).shape == (5,)
    gen, disc = build_models({**mlp, "z_dim": 4}, (1, 8, 8))
    images = gen(torch.randn(5, 4))
    assert images.shape == (5, 1, 8, 8) and images.abs().max() <= 1
    gen, disc = build_models(_node("model", "dcgan", z_dim=8, base_channels=8), (3, 16, 16))
    assert disc(gen(torch.randn(2, 8))).shape == (2,)
    for upsample in ("transposed", "nearest"):  # the depth 8x8 images need
        deep = _node("model", "dcgan", z_dim=8, base_channels=8, g_upsample=upsample, g_norm=None)
        _, shallow_d = build_models(deep, (1, 8, 8))
        gen, disc = build_models({**deep, "g_extra_layers": 2, "d_extra_layers": 2}, (1, 8, 8))
        images = gen(torch.randn(3, 8))
        assert images.shape == (3, 1, 8, 8) and images.abs().max() <= 1
        assert disc(images).shape == (3,)
        convs = [m for m in gen.modules() if isinstance(m, torch.nn.Conv2d)]
        assert len(convs) == (3 if upsample == "nearest" else 2)  # + the doubling conv
        assert len(list(disc.modules())) > len(list(shallow_d.modules()))
        ups = [m for m in gen.modules() if isinstance(m, torch.nn.Upsample)]
        assert bool(ups) == (upsample == "nearest")


def test_residual_generator_adds_skips_around_its_middle_convolutions() -> None:
    from rlgan.nets import Residual

    node = _node("model", "dcgan", z_dim=8, base_channels=8, g_extra_layers=3)
    torch.manual_seed(0)
    plain, _ = build_models(node, (1, 8, 8))
    torch.manual_seed(0)
    residual, _ = build_models({**node, "g_residual": True}, (1, 8, 8))
    blocks = [m for m in residual.modules() if isinstance(m, Residual)]
    assert len(blocks) == 2 and not any(isinstance(m, Residual) for m in plain.modules())
    # Same layers and parameters: only the skips differ, so the outputs do.
    assert [p.shape for p in plain.parameters()] == [p.shape for p in residual.parameters()]
    residual.load_state_dict(
        {k: v for k, v in zip(residual.state_dict(), plain.state_dict().values(), strict=True)}
    )
    z = torch.randn(4, 8)
    images = residual(z)
    assert images.shape == (4, 1, 8, 8) and images.abs().max() <= 1
    assert not torch.allclose(images, plain(z))
    block = blocks[0]
    x = torch.randn(2, 4, 8, 8)
    assert torch.allclose(block(x), x + torch.nn.Sequential(*block)(x))


def test_model_errors_are_config_errors() -> None:
    dcgan = _node("model", "dcgan", z_dim=8)
    with pytest.raises(ConfigError, match="model._target_=.*resnet"):
        build_models({**dcgan, "_target_": "rlgan.gan.models.resnet_pair"}, (2,))
    with pytest.raises(ConfigError, match="data.image_size"):
        build_models(dcgan, (1, 10, 10))
    with pytest.raises(ConfigError, match="model=mlp"):
        build_models(dcgan, (2,))
    with pytest.raises(ConfigError, match="model.z_dim=0"):
        build_models({**dcgan, "z_dim": 0}, (1, 8, 8))
    with pytest.raises(ConfigError, match="Invalid model config.*widht"):
        build_models({**dcgan, "widht": 3}, (1, 8, 8))
    with pytest.raises(ConfigError, match="model.g_upsample='bilinear'.*nearest"):
        build_models({**dcgan, "g_upsample": "bilinear"}, (1, 8, 8))
    with pytest.raises(ConfigError, match="model.g_output='sigmoid'.*tanh, hardtanh"):
        build_models({**dcgan, "g_output": "sigmoid"}, (1, 8, 8))
    with pytest.raises(ConfigError, match="model.d_extra_layers=-1"):
        build_models({**dcgan, "d_extra_layers": -1}, (1, 8, 8))
    with pytest.raises(ConfigError, match="g_residual=true with model.g_extra_layers=1"):
        build_models({**dcgan, "g_residual": True, "g_extra_layers": 1}, (1, 8, 8))
    with pytest.raises(ConfigError, match="model.g_residual='yes'.*true or false"):
        build_models({**dcgan, "g_residual": "yes"}, (1, 8, 8))


def _write_cifar_batch(folder: Path, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, size=(n, 3 * 32 * 32), dtype=np.uint8)
    labels = list(rng.integers(0, 10, size=n))
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"data_batch_{seed}").open("wb") as handle:
        pickle.dump({b"data": data, b"labels": labels}, handle)
    return data


def test_cifar10_batches_are_read(tmp_path: Path) -> None:
    first = _write_cifar_batch(tmp_path / "cifar-10-batches-py", 6, 1)
    _write_cifar_batch(tmp_path / "cifar-10-batches-py", 4, 2)
    data = _data("cifar10", root=str(tmp_path), download=False)
    both = torch.cat([data.images, data.heldout_images])  # the training and held-out splits
    assert data.shape == (3, 32, 32) and len(both) == 10
    expected = first[0].reshape(3, 32, 32).astype(np.float32) / 255 * 2 - 1
    assert any(np.allclose(image.numpy(), expected, atol=1e-6) for image in both)


def test_cifar10_missing_files_without_download(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="data_batch_1..5"):
        _data("cifar10", root=str(tmp_path), download=False)


def test_image_folder_classes_resize_and_errors(tmp_path: Path) -> None:
    from PIL import Image

    for cls, color in (("cats", 40), ("dogs", 200)):
        (tmp_path / cls).mkdir()
        for i in range(3):
            Image.new("RGB", (20 + i, 12), (color, color, color)).save(tmp_path / cls / f"{i}.png")
    data = _data("folder", root=str(tmp_path), image_size=16)
    assert data.shape == (3, 16, 16) and len(data.images) == 4  # one of each class held out
    assert data.class_names == ["cats", "dogs"] and data.labels.tolist() == [0, 0, 1, 1]
    assert data.heldout_labels.tolist() == [0, 1]
    gray = _data("folder", root=str(tmp_path), image_size=8, channels=1)
    assert gray.shape == (1, 8, 8)
    (tmp_path / "dogs" / "broken.png").write_bytes(b"not an image")
    with pytest.raises(ConfigError, match="broken.png"):
        _data("folder", root=str(tmp_path))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConfigError, match="holds no images"):
        _data("folder", root=str(empty))
    with pytest.raises(ConfigError, match="no such folder"):
        _data("folder", root=str(tmp_path / "missing"))


def test_mnist_without_torchvision_names_the_extra(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    try:
        import torchvision  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError, match=r"rlgan\[vision\]"):
            _data("mnist", root=str(tmp_path), download=False)
    else:
        with pytest.raises(ConfigError, match="train-images-idx3-ubyte"):
            _data("mnist", root=str(tmp_path), download=False)


@pytest.mark.parametrize("every", [1, 4])
def test_lazy_r1_penalises_every_kth_discriminator_update(every: int) -> None:
    from rlgan.gan.trainer import GanTrainer

    data = _data("ring8")
    gen, disc = build_models(_node("model", "mlp", g_hidden=[16], d_hidden=[16]), (2,))
    settings = TrainSettings(batch_size=32, iterations=8, lr_g=1e-3, lr_d=1e-3)
    trainer = GanTrainer(
        gen,
        disc,
        data,
        settings,
        _loss("ns", r1_gamma=1.0, r1_every=every),
        2,
        torch.device("cpu"),
        seed=0,
    )
    penalised = [trainer.train_step()["loss/penalty"] > 0 for _ in range(8)]
    assert penalised == [step % every == 0 for step in range(8)]


@pytest.mark.parametrize("conditional", [False, True])
def test_relativistic_generator_step_sees_a_real_batch(
    conditional: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With RpGAN the trainer scores a real batch (with labels if conditional) for G's loss."""
    from rlgan.gan.trainer import GanTrainer

    dcgan = _node("model", "dcgan", z_dim=8, base_channels=8, conditional=conditional)
    data = _data("digits")
    gen, disc = build_models(dcgan, (1, 8, 8), num_classes=10 if conditional else 0)
    settings = TrainSettings(batch_size=16, iterations=4, lr_g=1e-3, lr_d=1e-3)
    loss = _loss("rpgan")
    seen: list[torch.Tensor | None] = []
    original = RelativisticPairLoss.generator_loss

    def spy(self: GanLoss, fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
        seen.append(real)
        return original(self, fake, real)

    monkeypatch.setattr(RelativisticPairLoss, "generator_loss", spy)
    cpu = torch.device("cpu")
    trainer = GanTrainer(gen, disc, data, settings, loss, 8, cpu, 0, conditional=conditional)
    logs = [trainer.train_step() for _ in range(4)]
    assert len(seen) == 4 and all(r is not None and r.shape == (16,) for r in seen)
    assert all(math.isfinite(row["loss/g"]) and math.isfinite(row["loss/d"]) for row in logs)
    assert logs[0]["loss/penalty"] > 0 and logs[1]["loss/penalty"] == 0  # lazy R1 + R2


def test_ema_averages_batchnorm_statistics_like_the_weights() -> None:
    """The EMA copy's running statistics follow the generator's as an average, not a copy."""
    from rlgan.gan.trainer import GanTrainer

    dcgan = _node("model", "dcgan", z_dim=8, base_channels=8, g_norm="batch", g_extra_layers=2)
    gen, disc = build_models(dcgan, (1, 8, 8))
    settings = TrainSettings(batch_size=16, iterations=40, lr_g=1e-3, lr_d=1e-3, ema=0.9)
    trainer = GanTrainer(
        gen, disc, _data("digits"), settings, _loss("ns"), 8, torch.device("cpu"), seed=0
    )
    for _ in range(30):
        trainer.train_step()
    assert trainer.ema is not None
    norms = [m for m in trainer.ema.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    before = [(m.running_mean.clone(), m.running_var.clone()) for m in norms]
    live = [m for m in gen.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    trainer.train_step()  # iteration 30: d = min(0.9, 31 / 40) = 0.775
    decay = 31 / 40
    for (mean, var), mine, theirs in zip(before, norms, live, strict=True):
        assert not torch.equal(mine.running_mean, theirs.running_mean)  # not a copy
        torch.testing.assert_close(
            mine.running_mean, decay * mean + (1 - decay) * theirs.running_mean
        )
        torch.testing.assert_close(mine.running_var, decay * var + (1 - decay) * theirs.running_var)
        assert torch.equal(mine.num_batches_tracked, theirs.num_batches_tracked)


@pytest.mark.parametrize(
    ("schedule_d", "expected_d"), [(None, 0.5), ("constant", 1.0), ("linear", 0.5)]
)
def test_the_discriminator_can_keep_its_learning_rate(
    schedule_d: str | None, expected_d: float
) -> None:
    """``train.lr_schedule_d``: D's own schedule; null follows ``train.lr_schedule``."""
    from rlgan.gan.trainer import GanTrainer

    gen, disc = build_models(_node("model", "mlp", z_dim=2), (2,))
    settings = TrainSettings(
        batch_size=8, iterations=4, lr_g=1e-3, lr_d=2e-3, lr_schedule_d=schedule_d
    )
    cpu = torch.device("cpu")
    trainer = GanTrainer(gen, disc, _data("ring8"), settings, _loss("ns"), 2, cpu, seed=0)
    for _ in range(2):
        trainer.train_step()
    assert trainer.opt_g.param_groups[0]["lr"] == pytest.approx(0.5e-3)  # halfway to 0
    assert trainer.opt_d.param_groups[0]["lr"] == pytest.approx(expected_d * 2e-3)


def test_a_stored_config_without_targets_still_builds() -> None:
    """``resume=`` of a run made before the groups named their classes."""
    old_data = {k: v for k, v in _node("data", "grid25").items() if k != "_target_"}
    assert type(build_data(old_data)).__name__ == "Grid25"
    old_model = {
        k: v
        for k, v in _node("model", "mlp", g_hidden=[8], d_hidden=[8]).items()
        if not k.startswith("_")
    }
    gen, _ = build_models(old_model, (2,))
    assert gen(torch.randn(3, 2)).shape == (3, 2)
    with pytest.raises(ConfigError, match="data=grid26.*no _target_.*grid25"):
        build_data({"name": "grid26", "objective": "eval/sliced_w1"})


def test_timeline_gif_shows_each_grid_for_its_duration(tmp_path) -> None:
    """Pillow's GIF writer takes milliseconds: half a second per frame is 500 ms, not 0."""
    from PIL import Image

    from rlgan.gan.visuals import save_timeline

    for step, value in ((100, 0), (200, 255)):
        Image.new("RGB", (8, 8), (value, value, value)).save(tmp_path / f"step_{step:06d}.png")
    path = save_timeline(tmp_path, tmp_path / "timeline.gif", seconds_per_frame=0.5)
    with Image.open(path) as gif:
        assert gif.n_frames == 2
        gif.seek(1)
        assert gif.info["duration"] == 500
