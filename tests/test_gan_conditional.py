"""Class-conditional GANs: projection/AC-GAN networks and losses, labels, metrics, pictures."""

from __future__ import annotations

import copy
import json
import math
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pygame
import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from rlgan.common.app import compose_config
from rlgan.common.errors import ConfigError
from rlgan.common.run_dir import latest_checkpoint
from rlgan.gan.conditional_metrics import kid_from_counts, kid_interval, kid_unbiased
from rlgan.gan.conditioning import display_classes, stratified_labels
from rlgan.gan.data import build_data
from rlgan.gan.losses import NonSaturatingLoss
from rlgan.gan.train import train
from rlgan.gan.trainer import GanTrainer
from rlgan.nets.gan import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator
from rlgan.render.live import LiveGANView

TINY_RING = [
    "data=ring8",
    "model=mlp",
    "model.conditional=true",
    "model.g_hidden=[32,32]",
    "model.d_hidden=[32,32]",
    "train.batch_size=64",
    "train.log_every=5",
    "eval.freq=10",
    "train.sample_every=20",
    "checkpoint.freq=10",
    "eval.n_samples=400",
    "progress_bar=false",
    "log.tensorboard=false",
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One metric-classifier cache for the module's digits runs."""
    return tmp_path_factory.mktemp("gan_conditional_cache")


def _digits(cache: Path, *extra: str) -> list[str]:
    """A tiny conditional digits run."""
    return [
        "+experiment=gan_digits_conditional",
        "model.base_channels=8",
        "train.batch_size=32",
        "train.log_every=5",
        "eval.n_samples=400",
        "progress_bar=false",
        "log.tensorboard=false",
        "data.classifier_steps=200",
        f"data.cache_dir={cache}",
        *extra,
    ]


# ---- networks and losses ------------------------------------------------------------------------
def test_projection_discriminator_adds_the_label_projection() -> None:
    torch.manual_seed(0)
    disc = DCGANDiscriminator((1, 8, 8), base_channels=8, extra_layers=1, num_classes=10)
    x = torch.randn(5, 1, 8, 8)
    a, b = torch.zeros(5, dtype=torch.long), torch.full((5,), 7)
    assert disc(x, a).shape == (5,)
    features = disc.body[:-1](x)
    psi = disc.body[-1](features).squeeze(-1)
    embed = disc.condition.embed.weight
    assert torch.allclose(disc(x, a), psi + features @ embed[0], atol=1e-5)
    assert torch.allclose(disc(x, b) - disc(x, a), features @ (embed[7] - embed[0]), atol=1e-5)
    assert not torch.allclose(disc(x, a), disc(x, b))
    mlp = MLPDiscriminator(2, hidden_sizes=[16], num_classes=8)
    points = torch.randn(4, 2)
    assert mlp(points, torch.zeros(4, dtype=torch.long)).shape == (4,)
    assert not torch.allclose(mlp(points, torch.zeros(4, dtype=torch.long)), mlp(points, a[:4] + 3))


def test_conditional_generator_depends_on_the_label_and_plain_bodies_are_unchanged() -> None:
    gen = DCGANGenerator(8, (1, 8, 8), base_channels=8, norm=None, num_classes=10)
    z = torch.randn(3, 8)
    one, two = gen(z, torch.full((3,), 1)), gen(z, torch.full((3,), 2))
    assert one.shape == (3, 1, 8, 8) and not torch.allclose(one, two)
    with pytest.raises(ValueError, match="labels"):
        gen(z)
    torch.manual_seed(0)
    plain = DCGANDiscriminator((1, 8, 8), base_channels=8)
    torch.manual_seed(0)
    zero = DCGANDiscriminator((1, 8, 8), base_channels=8, num_classes=0)
    assert plain.condition is None and plain.state_dict().keys() == zero.state_dict().keys()
    assert all(torch.equal(v, zero.state_dict()[k]) for k, v in plain.state_dict().items())
    with pytest.raises(ConfigError, match="conditioning"):
        DCGANDiscriminator((1, 8, 8), num_classes=10, conditioning="projektion")


def test_acgan_terms_add_cross_entropy_on_real_and_requested_labels() -> None:
    torch.manual_seed(0)
    disc = MLPDiscriminator(2, hidden_sizes=[16], num_classes=4, conditioning="acgan")
    loss = NonSaturatingLoss(name="ns")
    real, fake = torch.randn(6, 2), torch.randn(6, 2)
    real_labels, fake_labels = torch.arange(6) % 4, (torch.arange(6) + 1) % 4
    terms = loss.discriminator_terms(
        disc, real, fake, 0, real_labels=real_labels, fake_labels=fake_labels
    )
    logits, class_logits = disc.forward_with_classes(real, real_labels)
    assert terms.classes is not None
    assert torch.allclose(terms.classes, F.cross_entropy(class_logits, real_labels))
    expected = F.softplus(-logits).mean() + F.softplus(disc(fake, fake_labels)).mean()
    assert torch.allclose(terms.loss, expected)
    assert torch.allclose(terms.total, terms.loss + terms.penalty + terms.classes)
    adversarial, classes = loss.conditional_generator_terms(disc, fake, fake_labels)
    fake_logits, fake_classes = disc.forward_with_classes(fake, fake_labels)
    assert torch.allclose(classes, F.cross_entropy(fake_classes, fake_labels))
    assert torch.allclose(adversarial, F.softplus(-fake_logits).mean())
    projection = MLPDiscriminator(2, hidden_sizes=[16], num_classes=4)
    plain = loss.discriminator_terms(projection, real, fake, 0, None, real_labels, fake_labels)
    assert plain.classes is None and torch.allclose(plain.total, plain.loss + plain.penalty)


# ---- labels -------------------------------------------------------------------------------------
def test_labels_flow_through_the_trainer_and_resume_exactly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cfg = compose_config("gan", ["data=grid25", "model=mlp", "model.conditional=true"])
    data = build_data(cfg.data)
    real, modes = data.sample_labelled(500, torch.Generator().manual_seed(0))
    centers = torch.as_tensor(data.mixture.centers, dtype=torch.float32)
    assert torch.equal((real - centers[modes]).norm(dim=1).lt(0.3), torch.ones(500, dtype=bool))
    assert torch.equal(real, data.sample(500, torch.Generator().manual_seed(0)))

    def trainer() -> GanTrainer:
        from rlgan.gan.models import build_models

        torch.manual_seed(0)
        g, d = build_models(cfg.model, data.shape, data.num_classes)
        settings = {
            "iterations": 10,
            "batch_size": 16,
            "lr_g": 1e-3,
            "lr_d": 1e-3,
            "betas": [0.5, 0.99],
            "ema": 0.9,
        }
        loss = NonSaturatingLoss(name="ns", r1_gamma=1.0)
        return GanTrainer(g, d, data, settings, loss, 2, torch.device("cpu"), 0, conditional=True)

    seen: dict[str, list[torch.Tensor]] = {"sampled": [], "real": [], "fake_g": [], "fake_d": []}
    one = trainer()
    sample = data.sample_labelled
    generator_forward = type(one.generator).forward
    terms = NonSaturatingLoss.conditional_discriminator_terms

    def spy_sample(n, generator, device="cpu"):  # noqa: ANN001, ANN202
        out = sample(n, generator, device)
        seen["sampled"].append(out[1])
        return out

    def spy_generator(self, z, labels=None):  # noqa: ANN001, ANN202
        seen["fake_g"].append(labels)
        return generator_forward(self, z, labels)

    def spy_terms(self, disc, real, fake, real_labels, fake_labels, *args):  # noqa: ANN001, ANN202
        seen["real"].append(real_labels)
        seen["fake_d"].append(fake_labels)
        return terms(self, disc, real, fake, real_labels, fake_labels, *args)

    monkeypatch.setattr(data, "sample_labelled", spy_sample)
    monkeypatch.setattr(type(one.generator), "forward", spy_generator)
    monkeypatch.setattr(NonSaturatingLoss, "conditional_discriminator_terms", spy_terms)
    one.train_step()
    assert torch.equal(seen["real"][0], seen["sampled"][0])  # D's real term: the real labels
    assert torch.equal(seen["fake_d"][0], seen["fake_g"][0])  # fakes scored for their labels
    assert len(seen["fake_g"]) == 2 and all(0 <= int(v) < 25 for v in seen["fake_g"][1])
    monkeypatch.undo()

    for _ in range(3):
        one.train_step()
    state = copy.deepcopy(one.state_dict())  # as a checkpoint file would hold it
    two = trainer()
    two.load_state_dict(state)
    assert one.train_step() == two.train_step()
    for a, b in zip(one.ema.parameters(), two.ema.parameters(), strict=True):
        assert torch.equal(a, b)
    images = one.generate(50, torch.Generator().manual_seed(1), torch.full((50,), 3))
    assert images.shape == (50, 2)


def test_stratified_labels_and_displayed_classes() -> None:
    labels = stratified_labels(103, torch.tensor([0.5, 0.3, 0.2]), torch.Generator())
    # 51.5 / 30.9 / 20.6: floors 51 / 30 / 20, the two left go to the largest remainders
    assert torch.bincount(labels).tolist() == [51, 31, 21]
    assert display_classes(8) == list(range(8))
    assert display_classes(1000) == [0, 111, 222, 333, 444, 555, 666, 777, 888, 999]


# ---- metrics ------------------------------------------------------------------------------------
def test_kid_estimator_on_a_hand_checkable_case() -> None:
    # k(x, y) = (x y / 1 + 1)^3 in one dimension. X = {0, 1}, Y = {1, 2}:
    # within X: k(0, 1) = 1; within Y: k(1, 2) = 27;
    # across: (k(0,1) + k(0,2) + k(1,1) + k(1,2)) / 4 = (1 + 1 + 8 + 27) / 4 = 9.25.
    x, y = np.array([[0.0], [1.0]]), np.array([[1.0], [2.0]])
    assert kid_unbiased(x, y) == pytest.approx(1 + 27 - 2 * 9.25)
    assert math.isnan(kid_unbiased(x[:1], y))
    # A bootstrap resample that takes one sample twice never pairs it with its own copy.
    kxx, kyy, kxy = ((a @ b.T + 1) ** 3 for a, b in ((x, x), (y, y), (x, y)))
    doubled = kid_from_counts(kxx, kyy, kxy, np.array([[2.0, 0.0]]), np.ones((1, 2)))
    assert math.isnan(doubled[0])
    rng = np.random.default_rng(0)
    same = kid_interval(rng.normal(size=(200, 4)), rng.normal(size=(60, 4)), rng)
    shifted = kid_interval(rng.normal(size=(200, 4)) + 1.0, rng.normal(size=(60, 4)), rng)
    assert same.low < 0 < same.high and abs(same.value) < 0.1
    assert shifted.low > same.high


# ---- runs: per-class table, grid rows, live view, bad input ------------------------------------
def test_conditional_digits_run_writes_the_table_and_class_rows(
    tmp_path: Path, cache: Path
) -> None:
    cfg = compose_config("gan", _digits(cache, "train.iterations=10", "eval.freq=10"))
    train(cfg, run_dir=tmp_path)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    table = metrics["eval_per_class"]
    assert list(table["classes"]) == [str(c) for c in range(10)]
    assert table["worst_class"] in table["classes"] and table["interval"] == 0.9
    row = table["classes"]["3"]
    assert row["kid_low"] <= row["kid"] <= row["kid_high"]
    assert row["kid_real_low"] <= row["kid_real"] <= row["kid_real_high"]
    for name in ("eval/cond_accuracy", "eval/cond_kid", "eval/cond_kid_gap_worst"):
        assert math.isfinite(metrics[name]), name
    assert metrics["directions"]["eval/cond_accuracy"] == "maximize"
    grid = imageio.imread(tmp_path / "samples" / "step_000010.png")
    assert grid.shape[:2] == (10 * 33 + 1, 8 * 33 + 1)  # one row of 8 per class, 32-px cells
    assert (tmp_path / "samples" / "interpolation.gif").is_file()


def test_a_picked_class_fills_the_live_view(tmp_path: Path, cache: Path) -> None:
    from rlgan.render import live

    updates: list[dict] = []
    original = live.LiveGANView.update

    def record(self: live.LiveGANView, step: int, **kwargs: object) -> None:
        # A person presses 3 after the first picture, then a (all classes) after the second.
        key = {0: pygame.K_3, 1: pygame.K_a}.get(len(updates))
        if key is not None:
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key))
        updates.append({"picked": self.selected_class, **kwargs})
        original(self, step, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(live.LiveGANView, "update", record)
        cfg = compose_config(
            "gan",
            _digits(
                cache, "train.iterations=7", "eval.freq=7", "render.live=true", "render.every=2"
            ),
        )
        train(cfg, run_dir=tmp_path)
    first, second, third = updates[:3]
    assert first["picked"] is None and first["images"].shape[0] == 80  # 10 rows of 8
    assert first["columns"] == 8
    assert second["picked"] == 3 and second["images"].shape[0] == 16
    assert "columns" not in second
    assert third["picked"] is None and third["images"].shape[0] == 80


def test_live_view_number_keys_headless() -> None:
    view = LiveGANView(every=1, headless=True, classes=["a", "b", "c"])
    images = np.zeros((3, 1, 8, 8), dtype=np.float32)
    try:
        for key, expected in (
            (pygame.K_2, 2),
            (pygame.K_7, 2),
            (pygame.K_KP0, 0),
            (pygame.K_a, None),
        ):
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key))
            view.update(view.draw_count, losses={"d": 1.0}, images=images, columns=3)
            assert view.selected_class == expected, key  # 7: no such class, unchanged
        assert "class all (keys 0-2, a: all)" in view._hud(0)
    finally:
        view.close()


def test_conditional_mixture_run_resumes_bit_for_bit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    overrides = [*TINY_RING, "model.conditioning=acgan", "train.iterations=20"]
    straight = tmp_path / "straight"
    train(compose_config("gan", overrides), run_dir=straight)
    metrics = json.loads((straight / "metrics.json").read_text())
    assert len(metrics["eval_per_class"]["classes"]) == 8
    assert 0.0 <= metrics["eval/cond_accuracy"] <= 1.0
    original = GanTrainer.train_step

    def interrupted(self: GanTrainer) -> dict[str, float]:
        if self.step == 11:
            os.kill(os.getpid(), signal.SIGTERM)
        return original(self)

    broken = tmp_path / "broken"
    monkeypatch.setattr(GanTrainer, "train_step", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train(compose_config("gan", overrides), run_dir=broken)
    monkeypatch.setattr(GanTrainer, "train_step", original)
    train(compose_config("gan", [f"resume={broken}"]))
    expected = torch.load(latest_checkpoint(straight, ".pt")[1], weights_only=True)
    resumed = torch.load(latest_checkpoint(broken, ".pt")[1], weights_only=True)
    for part in ("generator", "discriminator", "ema"):
        for key, tensor in expected[part].items():
            assert torch.equal(tensor, resumed[part][key]), (part, key)
    header = (straight / "progress.csv").read_text().splitlines()[0]
    assert "loss/d_class" in header and "loss/g_class" in header


def _flat_folder(root: Path) -> Path:
    from PIL import Image

    root.mkdir()
    for i in range(8):
        Image.new("L", (8, 8), 30 * i).save(root / f"{i}.png")
    return root


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        (["data=moons", "model=mlp", "model.conditional=true"], "data=moons: its samples have no"),
        (
            ["data=folder", "data.image_size=8", "model.conditional=true"],
            "one sub-folder per class",
        ),
    ],
)
def test_bad_conditional_input_exits_2_and_writes_nothing(
    tmp_path: Path, overrides: list[str], says: str
) -> None:
    if "data=folder" in overrides:
        overrides = [*overrides, f"data.root={_flat_folder(tmp_path / 'flat')}"]
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "rlgan.gan.cli", *overrides, f"hydra.run.dir={run_dir}"],
        capture_output=True,
        text=True,
        env={**os.environ, "HYDRA_FULL_ERROR": "0"},
        timeout=180,
    )
    assert done.returncode == 2, done.stderr
    assert says in done.stderr and "Traceback" not in done.stderr
    assert "model.conditional=false" in done.stderr
    assert not run_dir.exists() or not any(run_dir.iterdir())


def test_bad_conditioning_or_image_size_is_refused_before_training(tmp_path: Path) -> None:
    for overrides, says in (
        (["model.conditioning=projektion"], "valid choices are projection, acgan"),
        (["model.conditional=maybe"], "valid choices are true, false"),
        (["+experiment=gan_digits_conditional", "data.image_size=12"], "supported size"),
        (["data=stacked_digits", "model.conditional=true", "data.image_size=12"], "[3, 12, 12]"),
    ):
        with pytest.raises(ConfigError, match=re.escape(says)):
            train(compose_config("gan", overrides), run_dir=tmp_path)
        assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_conditional_accuracy_rises_far_above_chance(tmp_path: Path, cache: Path) -> None:
    cfg = compose_config(
        "gan",
        _digits(
            cache,
            "model.base_channels=16",
            "train.batch_size=64",
            "train.iterations=300",
            "eval.freq=300",
            "eval.n_samples=1000",
            "train.sample_every=300",
        ),
    )
    train(cfg, run_dir=tmp_path)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["eval/cond_accuracy"] > 0.5, metrics["eval/cond_accuracy"]  # chance: 0.1
