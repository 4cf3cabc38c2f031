"""Adversarial losses: one object per loss, owning its D and G terms and its penalty.

Every discriminator returns raw scores (logits), shape ``(B,)``. A :class:`GanLoss` turns
them into the discriminator's loss (:meth:`~GanLoss.discriminator_loss`) and the generator's
(:meth:`~GanLoss.generator_loss`), and :meth:`~GanLoss.discriminator_terms` runs one whole
discriminator objective, penalties included: R1 on real data (Mescheder et al. 2018) for every
loss when ``r1_gamma > 0`` (lazy, on every ``r1_every``-th update, as in StyleGAN2), plus the
loss's own :meth:`~GanLoss.penalty` hook (WGAN-GP's gradient penalty, Gulrajani et al. 2017).

``conf/loss/<name>.yaml`` names the class with ``_target_``; the trainer calls the object and
knows no loss names. A new loss is one subclass and one yaml file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F  # noqa: N812

from rlgan.common.errors import require_int, require_positive
from rlgan.gan.metric_names import LOSS_D, LOSS_G

Critic = Callable[[torch.Tensor], torch.Tensor]

#: The metrics a loss reports (every run's valid objectives besides its evaluator's).
LOSS_METRIC_NAMES = (LOSS_D.name, LOSS_G.name)


@dataclass
class DiscriminatorTerms:
    """One discriminator update's objective: the adversarial ``loss`` and the ``penalty``."""

    loss: torch.Tensor
    penalty: torch.Tensor

    @property
    def total(self) -> torch.Tensor:
        """What the discriminator minimises: ``loss + penalty``."""
        return self.loss + self.penalty


class GanLoss:
    """Base class of the adversarial losses: D and G terms, R1 and a penalty hook.

    ``name`` is the option's name (recorded in ``metrics.json``); ``r1_gamma > 0`` adds
    ``gamma / 2 * E ||grad_x D(x)||^2`` on real data, on every ``r1_every``-th discriminator
    update only and then weighted by ``r1_every`` (lazy R1).
    """

    def __init__(self, *, name: str, r1_gamma: float = 0.0, r1_every: int = 1) -> None:
        require_positive("loss.r1_gamma", r1_gamma, allow_zero=True)
        require_int(
            "loss.r1_every",
            r1_every,
            1,
            meaning="apply the R1 penalty every k-th discriminator update (1: every "
            "update; 4 or 16: lazy R1)",
        )
        self.name = str(name)
        self.r1_gamma = float(r1_gamma)
        self.r1_every = int(r1_every)

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """The discriminator's loss on scores of real and generated samples."""
        raise NotImplementedError

    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        """The generator's loss on the discriminator's scores of its samples."""
        raise NotImplementedError

    def penalty(
        self,
        discriminator: Critic,
        real: torch.Tensor,
        fake: torch.Tensor,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor | None:
        """The loss's own regulariser of the discriminator (None: none; WGAN-GP has one).

        ``generator`` is the training random generator (for random interpolates).
        """
        return None

    def r1_due(self, update: int) -> bool:
        """Whether discriminator update number ``update`` (from 0) carries the R1 penalty."""
        return self.r1_gamma > 0 and update % self.r1_every == 0

    def discriminator_terms(
        self,
        discriminator: Critic,
        real: torch.Tensor,
        fake: torch.Tensor,
        update: int,
        generator: torch.Generator | None = None,
    ) -> DiscriminatorTerms:
        """The whole objective of discriminator update ``update`` on ``real`` and ``fake``."""
        penalty = torch.zeros((), device=real.device)
        if self.r1_due(update):
            real_logits, r1 = r1_penalty(discriminator, real)
            penalty = penalty + 0.5 * self.r1_gamma * self.r1_every * r1
        else:
            real_logits = discriminator(real)
        loss = self.discriminator_loss(real_logits, discriminator(fake))
        own = self.penalty(discriminator, real, fake, generator)
        if own is not None:
            penalty = penalty + own
        return DiscriminatorTerms(loss, penalty)


class NonSaturatingLoss(GanLoss):
    """The non-saturating GAN loss (Goodfellow et al. 2014): softplus of the logits."""

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """``E softplus(-D(x)) + E softplus(D(G(z)))``."""
        return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()

    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        """``E softplus(-D(G(z)))``."""
        return F.softplus(-fake_logits).mean()


class HingeLoss(GanLoss):
    """The hinge loss of SNGAN/BigGAN."""

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """``E relu(1 - D(x)) + E relu(1 + D(G(z)))``."""
        return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()

    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        """``-E D(G(z))``."""
        return -fake_logits.mean()


class WassersteinGPLoss(GanLoss):
    """WGAN with gradient penalty (Gulrajani et al. 2017), weighted by ``gp_weight``."""

    def __init__(
        self, *, name: str, gp_weight: float = 10.0, r1_gamma: float = 0.0, r1_every: int = 1
    ) -> None:
        super().__init__(name=name, r1_gamma=r1_gamma, r1_every=r1_every)
        require_positive("loss.gp_weight", gp_weight, allow_zero=True)
        self.gp_weight = float(gp_weight)

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """``E D(G(z)) - E D(x)`` (the critic's negated Wasserstein estimate)."""
        return fake_logits.mean() - real_logits.mean()

    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        """``-E D(G(z))``."""
        return -fake_logits.mean()

    def penalty(
        self,
        discriminator: Critic,
        real: torch.Tensor,
        fake: torch.Tensor,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor | None:
        """``gp_weight * E (||grad D(x_hat)|| - 1)^2`` (None when ``gp_weight`` is 0)."""
        if self.gp_weight <= 0:
            return None
        return self.gp_weight * gradient_penalty(discriminator, real, fake, generator)


class LeastSquaresLoss(GanLoss):
    """The least-squares GAN loss (Mao et al. 2017), targets 1 (real) and 0 (fake)."""

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """``(E (D(x) - 1)^2 + E D(G(z))^2) / 2``."""
        return 0.5 * ((real_logits - 1).pow(2).mean() + fake_logits.pow(2).mean())

    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        """``E (D(G(z)) - 1)^2 / 2``."""
        return 0.5 * (fake_logits - 1).pow(2).mean()


def r1_penalty(discriminator: Critic, real: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(scores, E ||grad_x D(x)||^2)`` on real samples (multiply by gamma / 2)."""
    real = real.detach().requires_grad_(True)
    scores = discriminator(real)
    (grad,) = torch.autograd.grad(scores.sum(), real, create_graph=True)
    return scores, grad.pow(2).flatten(1).sum(1).mean()


def gradient_penalty(
    discriminator: Critic,
    real: torch.Tensor,
    fake: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """WGAN-GP's ``E (||grad D(x_hat)|| - 1)^2`` on random interpolates of real and fake."""
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    alpha = torch.rand(shape, generator=generator).to(real.device)
    mixed = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(discriminator(mixed).sum(), mixed, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()
