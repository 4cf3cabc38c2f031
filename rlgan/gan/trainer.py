"""One GAN's training state and its update step: D steps, G step, EMA, lr schedules.

:class:`GanTrainer` owns the networks, optimisers, schedules and the random generator that
draws latents and real batches, and can save and restore all of it (``state_dict``), so a
resumed run continues exactly where the checkpoint left off. It takes typed settings
(:class:`~rlgan.gan.settings.TrainSettings`) and a loss object
(:class:`~rlgan.gan.losses.GanLoss`), and knows no loss or data set names.

A class-conditional trainer (``conditional=True``, class-conditional networks) draws every
real batch with its labels (:meth:`~rlgan.gan.data.GanDataSet.sample_labelled`) and the
fakes' labels from the data's class frequencies, both from the checkpointed random
generator, so a resumed conditional run also continues exactly. An unconditional trainer
runs exactly the operations it ran before conditioning existed.
"""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from rlgan.common.errors import ConfigError
from rlgan.gan.conditioning import sample_labels
from rlgan.gan.data import GanDataSet
from rlgan.gan.losses import GanLoss
from rlgan.gan.precision import Precision
from rlgan.gan.settings import TrainSettings
from rlgan.nets import eval_mode


class TrainingDivergedError(ConfigError):
    """A loss became NaN or infinite: the run stops, keeping its last good checkpoint."""


def _as_settings(settings: TrainSettings | Mapping[str, Any]) -> TrainSettings:
    """``settings``, or a ``cfg.train`` mapping checked into :class:`TrainSettings`."""
    return settings if isinstance(settings, TrainSettings) else TrainSettings.from_config(settings)


def _as_loss(loss: GanLoss | Mapping[str, Any]) -> GanLoss:
    """``loss``, or a ``conf/loss`` node instantiated into a :class:`GanLoss`."""
    if isinstance(loss, GanLoss):
        return loss
    from rlgan.gan.building import build_object

    return build_object(loss, "loss", GanLoss)


class GanTrainer:
    """Adversarial training of ``generator`` against ``discriminator`` on ``data``.

    ``settings`` and ``loss`` are typed (a ``cfg.train`` mapping and a ``conf/loss`` node are
    also accepted and converted once, here). ``conditional``: the networks are
    class-conditional (``generator(z, labels)``, ``discriminator(x, labels)``) and ``data``
    is labelled.
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        data: GanDataSet,
        settings: TrainSettings | Mapping[str, Any],
        loss: GanLoss | Mapping[str, Any],
        z_dim: int,
        device: torch.device,
        seed: int,
        conditional: bool = False,
    ) -> None:
        self.device = device
        self.data = data
        self.conditional = bool(conditional)
        #: The classes of a conditional run (0: unconditional) and their frequencies.
        self.num_classes = data.num_classes if self.conditional else 0
        self.class_probs = data.class_frequencies().float().cpu() if self.conditional else None
        self.settings = settings = _as_settings(settings)
        self.loss = _as_loss(loss)
        self.z_dim = int(z_dim)
        # train.precision / channels_last / compile. The training steps call the networks
        # through _g and _d (compiled when train.compile=true); checkpoints, the EMA copy and
        # sampling use the modules themselves, in float32.
        self.precision = Precision.from_settings(settings, device)
        self.generator = self.precision.prepare(generator)
        self.discriminator = self.precision.prepare(discriminator)
        self._g = self.precision.compiled(self.generator)
        self._d = self.precision.compiled(self.discriminator)
        self.batch_size = settings.batch_size
        self.d_steps = settings.d_steps
        self.iterations = settings.iterations
        # PyTorch's default Adam implementation: the multi-tensor (foreach) variant and freezing
        # D during the G step won on one of our CPUs and lost on others
        # (benchmarks/gan_throughput.py times each), so the trainer uses neither.
        self.opt_g = torch.optim.Adam(
            self.generator.parameters(), lr=settings.lr_g, betas=settings.betas
        )
        self.opt_d = torch.optim.Adam(
            self.discriminator.parameters(), lr=settings.lr_d, betas=settings.betas
        )
        total = max(1, self.iterations)

        def decay(step: int) -> float:
            return max(0.0, 1.0 - step / total)

        def constant(step: int) -> float:
            return 1.0

        schedules = {"linear": decay, "constant": constant}
        schedule_d = settings.lr_schedule_d or settings.lr_schedule
        self.sched_g = torch.optim.lr_scheduler.LambdaLR(
            self.opt_g, schedules[settings.lr_schedule]
        )
        self.sched_d = torch.optim.lr_scheduler.LambdaLR(self.opt_d, schedules[schedule_d])
        self.ema_decay = settings.ema
        self.ema = copy.deepcopy(self.generator).eval() if self.ema_decay > 0 else None
        if self.ema is not None:
            self.ema.requires_grad_(False)
        self.rng = torch.Generator().manual_seed(int(seed))
        self.step = 0

    # ---- sampling -------------------------------------------------------------------------
    def latents(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` standard-normal latents drawn from ``generator`` (the training one if None)."""
        return torch.randn(n, self.z_dim, generator=generator or self.rng).to(self.device)

    def class_labels(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` labels drawn from the class frequencies (conditional runs), on the device."""
        assert self.class_probs is not None, "an unconditional trainer has no labels"
        return sample_labels(n, self.class_probs, generator or self.rng).to(self.device)

    @property
    def sampler(self) -> nn.Module:
        """The generator used for samples and metrics: the EMA copy when enabled."""
        return self.ema if self.ema is not None else self.generator

    def _labels_for(
        self, n: int, labels: torch.Tensor | None, generator: torch.Generator
    ) -> torch.Tensor | None:
        """``labels`` on the device; a conditional run without them draws from ``generator``."""
        if not self.conditional:
            return None
        if labels is None:
            return self.class_labels(n, generator)
        return labels.to(self.device)

    @torch.no_grad()
    def generate(
        self,
        n: int,
        generator: torch.Generator,
        labels: torch.Tensor | None = None,
        batch: int = 1024,
    ) -> torch.Tensor:
        """``n`` samples from :attr:`sampler` in eval mode, on the CPU.

        A conditional run generates them for ``labels`` (``(n,)``; None: drawn from the
        class frequencies with ``generator``).
        """
        net = self.sampler
        labels = self._labels_for(n, labels, generator)
        with eval_mode(net):
            if labels is None:
                out = [
                    net(self.latents(min(batch, n - i), generator)).cpu()
                    for i in range(0, n, batch)
                ]
            else:
                out = [
                    net(self.latents(min(batch, n - i), generator), labels[i : i + batch]).cpu()
                    for i in range(0, n, batch)
                ]
        return torch.cat(out)

    @torch.no_grad()
    def sample_from(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """:attr:`sampler`'s samples of latents ``z`` (for ``labels``), eval mode, on the CPU."""
        net = self.sampler
        with eval_mode(net):
            if not self.conditional:
                return net(z.to(self.device)).cpu()
            assert labels is not None, "a conditional generator needs labels"
            return net(z.to(self.device), labels.to(self.device)).cpu()

    @torch.no_grad()
    def critic_probabilities(
        self, points: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``sigmoid(D(points))`` with the discriminator in eval mode, on the CPU.

        A conditional discriminator scores ``points`` for ``labels``; without labels, the
        probability is averaged over the classes, weighted by their frequencies.
        """
        disc = self.discriminator
        points = points.to(self.device)
        with eval_mode(disc):
            if not self.conditional:
                return torch.sigmoid(disc(points)).cpu()
            if labels is not None:
                return torch.sigmoid(disc(points, labels.to(self.device))).cpu()
            assert self.class_probs is not None
            total = torch.zeros(len(points))
            for c, weight in enumerate(self.class_probs.tolist()):
                label = torch.full((len(points),), c, device=self.device)
                total += weight * torch.sigmoid(disc(points, label)).cpu()
            return total

    # ---- one iteration --------------------------------------------------------------------
    def train_step(self) -> dict[str, float]:
        """One iteration: ``d_steps`` discriminator updates, one generator update."""
        if self.conditional:
            return self._conditional_step()
        for i in range(self.d_steps):
            loss_d, penalty = self._discriminator_step(self.step * self.d_steps + i)
        real_logits = self._real_scores() if self.loss.pairs_real_and_fake else None
        with self.precision.autocast():
            fake_logits = self._d(self._g(self.latents(self.batch_size)))
            loss_g = self.loss.generator_loss(fake_logits, real_logits)
        self._check_finite("generator", loss_g)
        self._generator_update(loss_g)
        return {"loss/d": float(loss_d), "loss/g": float(loss_g.detach()), "loss/penalty": penalty}

    @torch.no_grad()
    def _real_scores(self) -> torch.Tensor:
        """D's scores of a fresh real batch (with its labels when conditional), no gradient.

        For a loss that judges each generated sample against a real one
        (:attr:`~rlgan.gan.losses.GanLoss.pairs_real_and_fake`).
        """
        if self.conditional:
            real, labels = self.data.sample_labelled(self.batch_size, self.rng, self.device)
            with self.precision.autocast():
                return self._d(self.precision.batch(real), labels)
        real = self.data.sample(self.batch_size, self.rng, self.device)
        with self.precision.autocast():
            return self._d(self.precision.batch(real))

    def _generator_update(self, loss_g: torch.Tensor) -> None:
        """Apply the generator's loss; step both schedules, the EMA and the iteration count."""
        # D's weight gradients are discarded by its next zero_grad
        self.precision.backward_step(loss_g, self.opt_g, "g")
        self.sched_g.step()
        self.sched_d.step()
        if self.ema is not None:
            self._update_ema()
        self.step += 1

    def _discriminator_step(self, update: int) -> tuple[float, float]:
        """Discriminator update number ``update``; returns its loss and penalty as floats."""
        real = self.precision.batch(self.data.sample(self.batch_size, self.rng, self.device))
        with self.precision.autocast():
            with torch.no_grad():
                fake = self._g(self.latents(self.batch_size))
            terms = self.loss.discriminator_terms(self._d, real, fake, update, self.rng)
        self._discriminator_update(terms.total)
        return float(terms.loss.detach()), float(terms.penalty.detach())

    def _discriminator_update(self, total: torch.Tensor) -> None:
        """Apply the discriminator's whole objective ``total`` (checked finite first)."""
        self._check_finite("discriminator", total)
        self.precision.backward_step(total, self.opt_d, "d")

    def _conditional_step(self) -> dict[str, float]:
        """One class-conditional iteration (labels drawn with the batches, see the module).

        An AC-GAN discriminator's cross-entropy terms are reported as ``loss/d_class`` and
        ``loss/g_class`` (``loss/d`` and ``loss/g`` stay the adversarial terms).
        """
        out: dict[str, float] = {}
        for i in range(self.d_steps):
            real, real_labels = self.data.sample_labelled(self.batch_size, self.rng, self.device)
            real = self.precision.batch(real)
            fake_labels = self.class_labels(self.batch_size)
            with self.precision.autocast():
                with torch.no_grad():
                    fake = self._g(self.latents(self.batch_size), fake_labels)
                terms = self.loss.discriminator_terms(
                    self._d,
                    real,
                    fake,
                    self.step * self.d_steps + i,
                    self.rng,
                    real_labels=real_labels,
                    fake_labels=fake_labels,
                )
            self._discriminator_update(terms.total)
            out = {
                "loss/d": float(terms.loss.detach()),
                "loss/penalty": float(terms.penalty.detach()),
            }
            if terms.classes is not None:
                out["loss/d_class"] = float(terms.classes.detach())
        real_logits = self._real_scores() if self.loss.pairs_real_and_fake else None
        labels = self.class_labels(self.batch_size)
        with self.precision.autocast():
            fake = self._g(self.latents(self.batch_size), labels)
            loss_g, classes = self.loss.conditional_generator_terms(
                self._d, fake, labels, real_logits
            )
        total = loss_g if classes is None else loss_g + classes
        self._check_finite("generator", total)
        self._generator_update(total)
        out["loss/g"] = float(loss_g.detach())
        if classes is not None:
            out["loss/g_class"] = float(classes.detach())
        return out

    def _check_finite(self, which: str, loss: torch.Tensor) -> None:
        """Raise :class:`TrainingDivergedError` (before any update) when ``loss`` is NaN/inf."""
        value = float(loss.detach())
        if not math.isfinite(value):
            raise TrainingDivergedError(
                f"Training diverged at iteration {self.step + 1}: the {which} loss is {value}. "
                "The run stopped and its last good checkpoint is kept; try lower learning "
                "rates (train.lr_g / train.lr_d), a penalty (loss.r1_gamma) or "
                "model.spectral_norm=true."
            )

    @torch.no_grad()
    def _update_ema(self) -> None:
        """``ema = d * ema + (1 - d) * generator``, for the weights and the float buffers.

        ``d = min(decay, (1 + t) / (10 + t))`` at iteration ``t``: early on the average
        forgets the random initial weights quickly. Float buffers (batch norm's running
        statistics) are averaged like the weights, so the EMA copy normalises with
        statistics from the same stretch of training as its weights; a copy of the
        generator's latest statistics left some seeds' samples worse (docs/gan.md). Other
        buffers (batch counts) are copied.
        """
        assert self.ema is not None
        decay = min(self.ema_decay, (1.0 + self.step) / (10.0 + self.step))
        for ema_p, p in zip(self.ema.parameters(), self.generator.parameters(), strict=True):
            ema_p.lerp_(p, 1.0 - decay)
        for ema_b, b in zip(self.ema.buffers(), self.generator.buffers(), strict=True):
            if ema_b.is_floating_point():
                ema_b.lerp_(b, 1.0 - decay)
            else:
                ema_b.copy_(b)

    def parameters_finite(self) -> bool:
        """True when every weight of G, D (and EMA) is finite."""
        nets = [self.generator, self.discriminator] + ([self.ema] if self.ema else [])
        return all(torch.isfinite(p).all() for net in nets for p in net.parameters())

    def state_is_finite(self) -> bool:
        """True when every floating tensor of the checkpoint state is finite.

        That is the weights and buffers of G, D and the EMA copy and both optimisers' state
        (Adam's moments): a checkpoint is only worth keeping when all of them are.
        """
        modules = [self.generator, self.discriminator] + ([self.ema] if self.ema else [])
        parts: list[Any] = [m.state_dict() for m in modules]
        parts += [self.opt_g.state_dict()["state"], self.opt_d.state_dict()["state"]]
        return all(
            bool(torch.isfinite(t).all())
            for t in iter_tensors(parts)
            if t.is_floating_point() or t.is_complex()
        )

    # ---- checkpoints ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue training bit-for-bit (on the same device).

        Only tensors, plain Python values and dicts/lists/tuples of them, so the checkpoint
        loads with ``torch.load(weights_only=True)``: the NumPy and Python RNG states are
        stored as an int64 tensor and a list of ints.
        """
        return {
            "step": self.step,
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "ema": None if self.ema is None else self.ema.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "sched_g": self.sched_g.state_dict(),
            "sched_d": self.sched_d.state_dict(),
            "precision": self.precision.state_dict(),
            "rng": {
                "train": self.rng.get_state(),
                "torch": torch.get_rng_state(),
                "numpy": numpy_rng_state(),
                "python": python_rng_state(),
            },
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict`.

        Also one saved by earlier versions, with the NumPy and Python RNG states stored as
        their native tuples (loadable only with ``trust=true``). RNG states are moved to
        the CPU, where the generators live, whatever ``map_location`` the file was read with.
        """
        self.step = int(state["step"])
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        if self.ema is not None and state.get("ema") is not None:
            self.ema.load_state_dict(state["ema"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.sched_g.load_state_dict(state["sched_g"])
        self.sched_d.load_state_dict(state["sched_d"])
        self.precision.load_state_dict(state.get("precision") or {})  # absent before fp16
        rng = state["rng"]
        self.rng.set_state(rng["train"].cpu())
        torch.set_rng_state(rng["torch"].cpu())
        set_numpy_rng_state(rng["numpy"])
        set_python_rng_state(rng["python"])


def iter_tensors(obj: Any) -> Iterator[torch.Tensor]:
    """Every tensor inside nested dicts, lists and tuples."""
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, Mapping):
        for value in obj.values():
            yield from iter_tensors(value)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            yield from iter_tensors(value)


def numpy_rng_state() -> dict[str, Any]:
    """NumPy's global RNG state as a tensor and plain values (``weights_only``-loadable)."""
    name, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)
    return {
        "name": str(name),
        "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
        "pos": int(pos),
        "has_gauss": int(has_gauss),
        "cached_gaussian": float(cached),
    }


def set_numpy_rng_state(state: Any) -> None:
    """Restore :func:`numpy_rng_state` output (or NumPy's own state tuple)."""
    if not isinstance(state, Mapping):
        np.random.set_state(state)
        return
    keys = state["keys"].cpu().numpy().astype(np.uint32)
    np.random.set_state(
        (
            state["name"],
            keys,
            int(state["pos"]),
            int(state["has_gauss"]),
            float(state["cached_gaussian"]),
        )
    )


def python_rng_state() -> dict[str, Any]:
    """Python's ``random`` state as plain values (``weights_only``-loadable)."""
    version, internal, gauss_next = random.getstate()
    return {"version": int(version), "state": [int(v) for v in internal], "gauss_next": gauss_next}


def set_python_rng_state(state: Any) -> None:
    """Restore :func:`python_rng_state` output (or ``random.getstate()``'s tuple)."""
    if isinstance(state, Mapping):
        state = (state["version"], tuple(state["state"]), state["gauss_next"])
    random.setstate(state)
