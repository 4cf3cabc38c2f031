"""Mixed precision, channels-last and torch.compile of GAN training (rlgan.gan.precision).

Most tests drive :class:`~rlgan.gan.precision.Precision` through :class:`LocalLoop`, a copy of
:class:`~rlgan.gan.trainer.GanTrainer`'s D and G steps written the way the trainer uses the
object, and check first that in fp32 that loop *is* the trainer, bit for bit. The CUDA-only
paths (fp16 with loss scaling, inductor) are marked ``cuda`` and skip without a GPU; the
scaler's logic is also checked on the CPU with the device rule lifted (torch's GradScaler
works there too).
"""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
import torch
from torch import nn

import rlgan.gan.precision as precision_module
from rlgan.common.errors import ConfigError
from rlgan.gan.image_data import Digits
from rlgan.gan.losses import (
    GanLoss,
    NonSaturatingLoss,
    WassersteinGPLoss,
    gradient_penalty,
    r1_penalty,
)
from rlgan.gan.models import GanPair, dcgan_pair, mlp_pair
from rlgan.gan.precision import (
    PRECISIONS,
    Precision,
    check_precision,
    full_precision,
    penalty_critic,
)
from rlgan.gan.settings import TrainSettings

Z_DIM = 16
BATCH = 32
CUDA = pytest.mark.cuda
#: (device, precision, channels_last) of the closeness test; the CUDA rows skip without a GPU.
VARIANTS = [
    ("cpu", "bf16", False),
    ("cpu", "fp32", True),
    ("cpu", "bf16", True),
    pytest.param("cuda", "bf16", False, marks=CUDA),
    pytest.param("cuda", "fp16", False, marks=CUDA),
    pytest.param("cuda", "fp16", True, marks=CUDA),
]


@pytest.fixture(scope="module")
def digits() -> Digits:
    """scikit-learn's bundled 8x8 digits, as ``data=digits`` loads them."""
    return Digits(name="digits", channels=1)


def small_dcgan(seed: int = 0) -> GanPair:
    """A small DCGAN pair for 8x8 grey images (batch norm in G), initialised from ``seed``."""
    torch.manual_seed(seed)
    return dcgan_pair(
        (1, 8, 8),
        z_dim=Z_DIM,
        base_channels=16,
        g_norm="batch",
        g_extra_layers=1,
        d_extra_layers=1,
    )


class LocalLoop:
    """GanTrainer's iteration (one D step, one G step) through a :class:`Precision`.

    What the trainer does once integrated: networks prepared and compiled by ``precision``,
    forward passes and losses in :meth:`Precision.autocast`, updates by
    :meth:`Precision.backward_step`; real batches and latents drawn from one CPU generator
    in the trainer's order.
    """

    def __init__(
        self,
        precision: Precision,
        loss: GanLoss,
        data: Digits,
        pair: GanPair,
        seed: int = 0,
        lr: float = 2e-3,
    ) -> None:
        self.precision, self.loss, self.data = precision, loss, data
        self.device = precision.device
        self.generator = precision.prepare(pair.generator)
        self.discriminator = precision.prepare(pair.discriminator)
        self.g = precision.compiled(self.generator)
        self.d = precision.compiled(self.discriminator)
        betas = (0.0, 0.9)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=lr, betas=betas)
        self.rng = torch.Generator().manual_seed(seed)
        self.step = 0

    def latents(self, n: int) -> torch.Tensor:
        """``n`` latents from the training generator, on the device (as the trainer draws them)."""
        return torch.randn(n, Z_DIM, generator=self.rng).to(self.device)

    def train_step(self) -> dict[str, float]:
        """One D update and one G update; the losses as floats."""
        prec = self.precision
        real = prec.batch(self.data.sample(BATCH, self.rng, self.device))
        with prec.autocast():
            with torch.no_grad():
                fake = self.g(self.latents(BATCH))
            terms = self.loss.discriminator_terms(self.d, real, fake, self.step, self.rng)
        prec.backward_step(terms.total, self.opt_d, "d")
        with prec.autocast():
            loss_g = self.loss.generator_loss(self.d(self.g(self.latents(BATCH))))
        prec.backward_step(loss_g, self.opt_g, "g")
        self.step += 1
        return {
            "loss/d": float(terms.loss.detach()),
            "loss/penalty": float(terms.penalty.detach()),
            "loss/g": float(loss_g.detach()),
        }


def parameters(*modules: nn.Module) -> list[torch.Tensor]:
    """Detached copies of every parameter of ``modules``."""
    return [p.detach().clone() for m in modules for p in m.parameters()]


def relative_error(value: torch.Tensor, reference: torch.Tensor) -> float:
    """``||value - reference|| / ||reference||`` in float32."""
    value, reference = value.detach().float().flatten(), reference.detach().float().flatten()
    return float((value - reference).norm() / reference.norm().clamp_min(1e-12))


def cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    """Cosine similarity of two tensors, flattened."""
    return float(torch.nn.functional.cosine_similarity(a.flatten(), b.flatten(), dim=0))


@pytest.fixture
def fp16_on_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lift the device rule so that fp16's scaler path runs on the CPU (GradScaler works there)."""
    monkeypatch.setattr(precision_module, "valid_precisions", lambda device: PRECISIONS)


# ---- fp32 is the trainer, unchanged ---------------------------------------------------------
def test_fp32_local_loop_is_the_trainer_bit_for_bit(digits: Digits) -> None:
    """With fp32 and nothing else the object changes nothing: same weights as GanTrainer."""
    from rlgan.gan.trainer import GanTrainer

    def loss() -> GanLoss:
        return NonSaturatingLoss(name="ns_r1", r1_gamma=1.0, r1_every=2)

    settings = TrainSettings(
        iterations=3,
        batch_size=BATCH,
        lr_g=2e-3,
        lr_d=2e-3,
        betas=(0.0, 0.9),
        lr_schedule="constant",
    )
    gen, disc = small_dcgan()
    trainer = GanTrainer(gen, disc, digits, settings, loss(), Z_DIM, torch.device("cpu"), seed=0)
    local = LocalLoop(Precision("cpu"), loss(), digits, small_dcgan())
    for _ in range(3):
        ours, theirs = local.train_step(), trainer.train_step()
        assert ours == theirs
    mine = parameters(local.generator, local.discriminator)
    reference = parameters(trainer.generator, trainer.discriminator)
    assert all(torch.equal(a, b) for a, b in zip(mine, reference, strict=True))


# ---- close to fp32 on a fixed batch ---------------------------------------------------------
@pytest.mark.parametrize(("device", "precision", "channels_last"), VARIANTS)
def test_variant_is_finite_and_close_to_fp32_on_a_fixed_batch(
    digits: Digits, device: str, precision: str, channels_last: bool
) -> None:
    """Samples, logits, both losses and D's gradients match fp32 within half precision."""
    loss = NonSaturatingLoss(name="ns")
    real = digits.images[:BATCH].to(device)
    z = torch.randn(BATCH, Z_DIM, generator=torch.Generator().manual_seed(1)).to(device)

    def run(prec: Precision) -> dict[str, torch.Tensor]:
        gen, disc = (prec.prepare(net) for net in small_dcgan())
        with prec.autocast():
            fake = gen(z)
            real_logits, fake_logits = disc(prec.batch(real)), disc(fake)
            loss_d = loss.discriminator_loss(real_logits, fake_logits)
        loss_d.backward()
        grads = torch.cat([p.grad.flatten() for p in disc.parameters()])
        if prec.channels_last:
            conv = next(m for m in gen.modules() if isinstance(m, nn.ConvTranspose2d))
            assert conv.weight.is_contiguous(memory_format=torch.channels_last)
        return {"fake": fake, "logits": torch.cat([real_logits, fake_logits]), "grads": grads}

    reference = run(Precision(device))
    result = run(Precision(device, precision, channels_last))
    for name, value in result.items():
        assert torch.isfinite(value).all(), name
    if precision != "fp32":
        assert result["fake"].dtype == Precision(device, precision).dtype
    assert relative_error(result["fake"], reference["fake"]) < 0.03
    assert relative_error(result["logits"], reference["logits"]) < 0.05
    assert cosine(result["grads"], reference["grads"]) > 0.99


@pytest.mark.parametrize(
    "loss",
    [
        NonSaturatingLoss(name="ns_r1", r1_gamma=1.0, r1_every=2),
        WassersteinGPLoss(name="wgan_gp", gp_weight=10.0),
    ],
    ids=["ns_r1", "wgan_gp"],
)
def test_bf16_channels_last_training_steps_stay_finite(digits: Digits, loss: GanLoss) -> None:
    """Six bf16 + channels-last iterations with a penalty: finite losses, weights that moved."""
    local = LocalLoop(Precision("cpu", "bf16", channels_last=True), loss, digits, small_dcgan())
    before = parameters(local.generator, local.discriminator)
    rows = [local.train_step() for _ in range(6)]
    assert all(torch.isfinite(torch.tensor(list(row.values()))).all() for row in rows)
    assert any(row["loss/penalty"] > 0 for row in rows)
    after = parameters(local.generator, local.discriminator)
    assert all(torch.isfinite(p).all() for p in after)
    assert all(p.dtype == torch.float32 for p in after)  # autocast keeps fp32 master weights
    assert not all(torch.equal(a, b) for a, b in zip(before, after, strict=True))


# ---- penalties under autocast ---------------------------------------------------------------
def test_penalty_helpers_make_an_input_gradient_penalty_exact_under_bf16_autocast(
    digits: Digits,
) -> None:
    """Inside :func:`full_precision`, on :func:`penalty_critic`, R1 is the float32 value.

    Computed naively inside bf16 autocast it is not (what the helpers are for). R1 is written
    out here so that the test holds before and after losses.py uses the helpers.
    """
    _, disc = small_dcgan()
    real = digits.images[:BATCH]

    def r1(critic: nn.Module, x: torch.Tensor) -> torch.Tensor:
        x = x.detach().float().requires_grad_(True)
        (grad,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
        return grad.pow(2).flatten(1).sum(1).mean()

    exact = r1(disc, real)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        naive = r1(disc, real)
        with full_precision(real.device):
            guarded = r1(penalty_critic(disc), real)
    assert not torch.equal(naive, exact)
    assert torch.equal(guarded, exact)
    guarded.backward()  # the double backward the discriminator's update needs
    grads = [p.grad for p in disc.parameters() if p.grad is not None]  # biases may have none
    assert grads and all(torch.isfinite(g).all() for g in grads)


def test_loss_penalties_are_float32_on_the_eager_critic_inside_autocast(digits: Digits) -> None:
    """Once losses.py uses the helpers: R1/GP of a compiled D inside bf16 autocast are fp32's."""
    gen, disc = small_dcgan()
    real = digits.images[:BATCH]
    with torch.no_grad():
        fake = gen(torch.randn(BATCH, Z_DIM, generator=torch.Generator().manual_seed(2)))
    compiled = Precision("cpu", compile=True, compile_backend="aot_eager").compiled(disc)
    _, r1_exact = r1_penalty(disc, real)
    gp_exact = gradient_penalty(disc, real, fake, torch.Generator().manual_seed(3))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        _, r1 = r1_penalty(compiled, real)
        gp = gradient_penalty(compiled, real, fake, torch.Generator().manual_seed(3))
    (r1 + gp).backward()  # double backward through the eager critic
    torch.testing.assert_close(torch.stack([r1, gp]), torch.stack([r1_exact, gp_exact]))


# ---- bad input, 2-D data, settings ----------------------------------------------------------
def test_precision_errors_name_the_value_and_the_valid_choices() -> None:
    with pytest.raises(ConfigError, match=r"'fp16'.*device='cpu'.*fp32, bf16") as info:
        Precision("cpu", "fp16")
    assert "\n" not in str(info.value)
    with pytest.raises(ConfigError, match=r"'fp8'.*fp32, bf16, fp16"):
        check_precision("fp8")
    with pytest.raises(ConfigError, match=r"'bf16'.*device='mps'.*fp32"):
        check_precision("bf16", "mps")
    assert check_precision("fp16") == "fp16"  # the name alone (settings check it without torch)
    assert check_precision("bf16", torch.device("cpu")) == "bf16"


def test_from_settings_reads_the_three_knobs() -> None:
    knobs = SimpleNamespace(precision="bf16", channels_last=True, compile=False)
    prec = Precision.from_settings(knobs, torch.device("cpu"))
    assert (prec.dtype, prec.channels_last, prec.compile) == (torch.bfloat16, True, False)
    assert prec.uses_autocast and not prec.uses_scaler and prec.scaler("d") is None


def test_channels_last_leaves_2d_points_alone() -> None:
    """2-D points and MLP weights are untouched; the MLP pair trains in bf16 on points."""
    prec = Precision("cpu", "bf16", channels_last=True)
    points = torch.randn(BATCH, 2)
    assert prec.batch(points) is points
    torch.manual_seed(0)
    gen, disc = mlp_pair((2,), z_dim=2, g_hidden=(16,), d_hidden=(16,))
    weights = parameters(gen, disc)
    z = torch.randn(BATCH, 2)
    reference = disc(gen(z)).detach()
    assert prec.prepare(gen) is gen and prec.prepare(disc) is disc
    assert all(torch.equal(a, b) for a, b in zip(weights, parameters(gen, disc), strict=True))
    assert torch.equal(disc(gen(z)).detach(), reference)
    with prec.autocast():
        logits = disc(gen(z))
    assert logits.dtype == torch.bfloat16 and torch.isfinite(logits).all()
    assert relative_error(logits, reference) < 0.1


# ---- the loss scaler (fp16) -----------------------------------------------------------------
def test_scaler_path_trains_skips_inf_steps_and_resumes(fp16_on_cpu: None, digits: Digits) -> None:
    """fp16's logic, run on the CPU: a scaler per network, skipped steps, exact state."""
    loss = NonSaturatingLoss(name="ns_r1", r1_gamma=1.0, r1_every=2)
    local = LocalLoop(Precision("cpu", "fp16"), loss, digits, small_dcgan())
    rows = [local.train_step() for _ in range(3)]
    assert all(torch.isfinite(torch.tensor(list(row.values()))).all() for row in rows)
    assert sorted(local.precision.scalers) == ["d", "g"]
    before = parameters(local.discriminator)
    scale = local.precision.scalers["d"].get_scale()
    with local.precision.autocast():
        bad = local.discriminator(digits.images[:4]).mean() * float("inf")
    assert local.precision.backward_step(bad, local.opt_d, "d") is False
    assert local.precision.scalers["d"].get_scale() == scale / 2
    after = parameters(local.discriminator)
    assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True))
    buffer = io.BytesIO()
    torch.save(local.precision.state_dict(), buffer)
    buffer.seek(0)
    resumed = Precision("cpu", "fp16")
    resumed.load_state_dict(torch.load(buffer, weights_only=True))
    for name, scaler in local.precision.scalers.items():
        assert resumed.scalers[name].state_dict() == scaler.state_dict()


def test_scaler_states_are_ignored_without_fp16() -> None:
    prec = Precision("cpu", "bf16")
    state = {"scale": 1024.0, "growth_factor": 2.0, "backoff_factor": 0.5}
    prec.load_state_dict({"scalers": {"d": state}})
    prec.load_state_dict({})  # a checkpoint of an earlier version
    assert prec.scalers == {} and prec.state_dict() == {"scalers": {}}


# ---- torch.compile --------------------------------------------------------------------------
def test_compiled_networks_train_the_originals_whose_keys_stay_plain(digits: Digits) -> None:
    """The compiled view shares weights; checkpoints use the originals; R1 runs eagerly.

    ``aot_eager`` traces with Dynamo and AOTAutograd like the default ``inductor`` backend
    (where the double-backward limit lives) without compiling C++, so this takes seconds.
    """
    prec = Precision("cpu", "bf16", channels_last=True, compile=True, compile_backend="aot_eager")
    pair = small_dcgan()
    keys = list(pair.discriminator.state_dict())
    local = LocalLoop(prec, NonSaturatingLoss(name="ns"), digits, pair)
    assert local.d is not local.discriminator and penalty_critic(local.d) is local.discriminator
    before = parameters(local.generator, local.discriminator)
    rows = [local.train_step() for _ in range(2)]
    assert all(torch.isfinite(torch.tensor(list(row.values()))).all() for row in rows)
    after = parameters(local.generator, local.discriminator)
    assert not all(torch.equal(a, b) for a, b in zip(before, after, strict=True))
    assert list(local.discriminator.state_dict()) == keys
    fresh = small_dcgan(seed=1).discriminator
    fresh.load_state_dict(local.discriminator.state_dict())
    real = digits.images[:BATCH]
    with full_precision("cpu"):
        _, r1 = r1_penalty(penalty_critic(local.d), real)
    r1.backward()
    assert torch.isfinite(r1)


# ---- CUDA only ------------------------------------------------------------------------------
@CUDA
def test_fp16_trains_on_cuda_with_a_scaler_per_network(digits: Digits) -> None:
    loss = NonSaturatingLoss(name="ns_r1", r1_gamma=1.0, r1_every=2)
    prec = Precision("cuda", "fp16", channels_last=True)
    local = LocalLoop(prec, loss, digits, small_dcgan())
    rows = [local.train_step() for _ in range(6)]
    assert all(torch.isfinite(torch.tensor(list(row.values()))).all() for row in rows)
    assert sorted(prec.scalers) == ["d", "g"]
    assert all(torch.isfinite(p).all() for p in parameters(local.generator, local.discriminator))
    resumed = Precision("cuda", "fp16")
    resumed.load_state_dict(prec.state_dict())
    assert resumed.scalers["g"].get_scale() == prec.scalers["g"].get_scale()


@CUDA
@pytest.mark.slow
def test_inductor_compiled_training_on_cuda(digits: Digits) -> None:
    """The default backend on the GPU, with bf16 (or fp16) and channels-last."""
    precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    prec = Precision("cuda", precision, channels_last=True, compile=True)
    local = LocalLoop(prec, NonSaturatingLoss(name="ns"), digits, small_dcgan())
    rows = [local.train_step() for _ in range(3)]
    assert all(torch.isfinite(torch.tensor(list(row.values()))).all() for row in rows)


# ---- the trainer, once integrated -----------------------------------------------------------


def test_trainer_trains_bf16_channels_last_and_resumes_exactly(digits: Digits) -> None:
    """GanTrainer with train.precision=bf16, channels_last: finite, plain keys, exact resume."""
    from rlgan.gan.trainer import GanTrainer

    settings = TrainSettings(
        iterations=6,
        batch_size=BATCH,
        lr_g=2e-3,
        lr_d=2e-3,
        ema=0.9,
        precision="bf16",
        channels_last=True,
    )

    def trainer() -> GanTrainer:
        gen, disc = small_dcgan()
        loss = NonSaturatingLoss(name="ns_r1", r1_gamma=1.0, r1_every=2)
        return GanTrainer(gen, disc, digits, settings, loss, Z_DIM, torch.device("cpu"), seed=0)

    first = trainer()
    for _ in range(3):
        first.train_step()
    buffer = io.BytesIO()
    torch.save(first.state_dict(), buffer)
    for _ in range(3):
        row = first.train_step()
    assert all(torch.isfinite(torch.tensor(list(row.values()))))
    assert first.state_is_finite()
    state = first.state_dict()
    assert "precision" in state and not any("_orig_mod" in k for k in state["discriminator"])
    conv = next(m for m in first.discriminator.modules() if isinstance(m, nn.Conv2d))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    buffer.seek(0)
    second = trainer()
    second.load_state_dict(torch.load(buffer, weights_only=True))
    for _ in range(3):
        second.train_step()
    for net in ("generator", "discriminator", "ema"):
        mine, resumed = parameters(getattr(first, net)), parameters(getattr(second, net))
        assert all(torch.equal(a, b) for a, b in zip(mine, resumed, strict=True)), net
