"""Adversarial losses: one object per loss, owning its D and G terms and its penalty.

Every discriminator returns raw scores (logits), shape ``(B,)``. A :class:`GanLoss` turns
them into the discriminator's loss (:meth:`~GanLoss.discriminator_loss`) and the generator's
(:meth:`~GanLoss.generator_loss`), and :meth:`~GanLoss.discriminator_terms` runs one whole
discriminator objective, penalties included: R1 on real data (Mescheder et al. 2018) for every
loss when ``r1_gamma > 0`` and R2, the same penalty on generated data, when ``r2_gamma > 0``
(both lazy, on every ``r1_every``-th update, as in StyleGAN2), plus the loss's own
:meth:`~GanLoss.penalty` hook (WGAN-GP's gradient penalty, Gulrajani et al. 2017). A
relativistic loss (:class:`RelativisticPairLoss`) also needs the discriminator's scores of a
real batch for the generator's loss: its :attr:`~GanLoss.pairs_real_and_fake` tells the
trainer to pass them.

Class-conditional runs pass the labels: :meth:`~GanLoss.discriminator_terms` scores real
samples with their labels and fakes with the labels they were generated for (R1 and the loss's
penalty use the real labels), and :meth:`~GanLoss.conditional_generator_terms` scores the
generator's samples with their requested labels. A discriminator with an auxiliary
classifier (AC-GAN) adds cross-entropy terms: on the real labels for D, on the requested
labels for G (as in TAC-GAN/StudioGAN's AC-GAN, D is not trained to classify fakes).

``conf/loss/<name>.yaml`` names the class with ``_target_``; the trainer calls the object and
knows no loss names. A new loss is one subclass and one yaml file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import torch
import torch.nn.functional as F  # noqa: N812

from rlgan.common.errors import require_int, require_positive
from rlgan.gan.metric_names import LOSS_D, LOSS_G
from rlgan.gan.precision import full_precision, penalty_critic

Critic = Callable[[torch.Tensor], torch.Tensor]


class ConditionalCritic(Protocol):
    """A class-conditional discriminator (:mod:`rlgan.nets.gan`'s conditional bodies)."""

    def __call__(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Logits ``(B,)`` of samples ``x`` for ``labels``."""
        ...

    def forward_with_classes(
        self, x: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Logits and, from an auxiliary classifier head, class logits ``(B, K)``."""
        ...


#: The metrics a loss reports (every run's valid objectives besides its evaluator's).
LOSS_METRIC_NAMES = (LOSS_D.name, LOSS_G.name)


@dataclass
class DiscriminatorTerms:
    """One discriminator update's objective: the adversarial ``loss`` and the ``penalty``.

    ``classes``: an AC-GAN discriminator's cross-entropy on the real labels (None otherwise).
    """

    loss: torch.Tensor
    penalty: torch.Tensor
    classes: torch.Tensor | None = None

    @property
    def total(self) -> torch.Tensor:
        """What the discriminator minimises: ``loss + penalty`` (``+ classes`` for AC-GAN)."""
        total = self.loss + self.penalty
        return total if self.classes is None else total + self.classes


class GanLoss:
    """Base class of the adversarial losses: D and G terms, R1/R2 and a penalty hook.

    ``name`` is the option's name (recorded in ``metrics.json``); ``r1_gamma > 0`` adds
    ``gamma / 2 * E ||grad_x D(x)||^2`` on real data, on every ``r1_every``-th discriminator
    update only and then weighted by ``r1_every`` (lazy R1); ``r2_gamma > 0`` adds the same
    penalty on the generated samples of those updates (R2).
    """

    #: Whether :meth:`generator_loss` needs the discriminator's scores of a real batch too.
    pairs_real_and_fake = False

    def __init__(
        self, *, name: str, r1_gamma: float = 0.0, r1_every: int = 1, r2_gamma: float = 0.0
    ) -> None:
        require_positive("loss.r1_gamma", r1_gamma, allow_zero=True)
        require_positive("loss.r2_gamma", r2_gamma, allow_zero=True)
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
        self.r2_gamma = float(r2_gamma)

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """The discriminator's loss on scores of real and generated samples."""
        raise NotImplementedError

    def generator_loss(
        self, fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The generator's loss on the discriminator's scores of its samples.

        ``real_logits``: scores of a real batch, given when :attr:`pairs_real_and_fake`.
        """
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

    def r2_due(self, update: int) -> bool:
        """Whether discriminator update number ``update`` carries the R2 penalty (fakes)."""
        return self.r2_gamma > 0 and update % self.r1_every == 0

    def _scored(
        self, critic: Critic, samples: torch.Tensor, gamma: float, due: bool
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(scores, penalty)`` of ``samples``: the lazy ``gamma`` penalty when ``due``."""
        if not due:
            return critic(samples), torch.zeros((), device=samples.device)
        scores, norm2 = r1_penalty(critic, samples)
        return scores, 0.5 * gamma * self.r1_every * norm2

    def discriminator_terms(
        self,
        discriminator: Critic,
        real: torch.Tensor,
        fake: torch.Tensor,
        update: int,
        generator: torch.Generator | None = None,
        real_labels: torch.Tensor | None = None,
        fake_labels: torch.Tensor | None = None,
    ) -> DiscriminatorTerms:
        """The whole objective of discriminator update ``update`` on ``real`` and ``fake``.

        With ``real_labels`` and ``fake_labels`` (a class-conditional run) ``discriminator``
        is a :class:`ConditionalCritic`: see :meth:`conditional_discriminator_terms`.
        """
        if real_labels is not None:
            assert fake_labels is not None, "a conditional run labels its fakes too"
            return self.conditional_discriminator_terms(
                discriminator, real, fake, real_labels, fake_labels, update, generator
            )
        real_logits, r1 = self._scored(discriminator, real, self.r1_gamma, self.r1_due(update))
        fake_logits, r2 = self._scored(discriminator, fake, self.r2_gamma, self.r2_due(update))
        penalty = r1 + r2
        loss = self.discriminator_loss(real_logits, fake_logits)
        own = self.penalty(discriminator, real, fake, generator)
        if own is not None:
            penalty = penalty + own
        return DiscriminatorTerms(loss, penalty)

    def conditional_discriminator_terms(
        self,
        discriminator: ConditionalCritic,
        real: torch.Tensor,
        fake: torch.Tensor,
        real_labels: torch.Tensor,
        fake_labels: torch.Tensor,
        update: int,
        generator: torch.Generator | None = None,
    ) -> DiscriminatorTerms:
        """A class-conditional discriminator's objective.

        Real samples are scored with their labels, fakes with the labels they were generated
        for; R1 and the loss's own penalty see the real labels, R2 the fakes'. An auxiliary
        classifier head adds its cross-entropy on the real labels
        (:attr:`DiscriminatorTerms.classes`).
        """
        penalty = torch.zeros((), device=real.device)
        if self.r1_due(update):
            inputs = real.detach().float().requires_grad_(True)
            with full_precision(real.device):  # see r1_penalty
                critic = penalty_critic(discriminator)
                real_logits, class_logits = critic.forward_with_classes(inputs, real_labels)
                r1 = input_gradient_norm2(real_logits, inputs)
            penalty = penalty + 0.5 * self.r1_gamma * self.r1_every * r1
        else:
            real_logits, class_logits = discriminator.forward_with_classes(real, real_labels)

        if self.r2_due(update):

            def fake_critic(x: torch.Tensor) -> torch.Tensor:
                return penalty_critic(discriminator)(x, fake_labels)

            fake_logits, r2 = self._scored(fake_critic, fake, self.r2_gamma, True)
            penalty = penalty + r2
        else:
            fake_logits = discriminator(fake, fake_labels)
        loss = self.discriminator_loss(real_logits, fake_logits)

        def real_critic(x: torch.Tensor) -> torch.Tensor:
            return penalty_critic(discriminator)(x, real_labels)

        own = self.penalty(real_critic, real, fake, generator)
        if own is not None:
            penalty = penalty + own
        classes = None if class_logits is None else F.cross_entropy(class_logits, real_labels)
        return DiscriminatorTerms(loss, penalty, classes)

    def conditional_generator_terms(
        self,
        discriminator: ConditionalCritic,
        fake: torch.Tensor,
        labels: torch.Tensor,
        real_logits: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(adversarial loss, class loss)`` of samples ``fake`` generated for ``labels``.

        The class loss is an auxiliary classifier head's cross-entropy on the requested
        labels (None without such a head); the generator minimises their sum.
        ``real_logits``: a real batch's scores (with its labels), when
        :attr:`pairs_real_and_fake`.
        """
        logits, class_logits = discriminator.forward_with_classes(fake, labels)
        classes = None if class_logits is None else F.cross_entropy(class_logits, labels)
        return self.generator_loss(logits, real_logits), classes


class NonSaturatingLoss(GanLoss):
    """The non-saturating GAN loss (Goodfellow et al. 2014): softplus of the logits."""

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """``E softplus(-D(x)) + E softplus(D(G(z)))``."""
        return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()

    def generator_loss(
        self, fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``E softplus(-D(G(z)))``."""
        return F.softplus(-fake_logits).mean()


class HingeLoss(GanLoss):
    """The hinge loss of SNGAN/BigGAN."""

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """``E relu(1 - D(x)) + E relu(1 + D(G(z)))``."""
        return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()

    def generator_loss(
        self, fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``-E D(G(z))``."""
        return -fake_logits.mean()


class WassersteinGPLoss(GanLoss):
    """WGAN with gradient penalty (Gulrajani et al. 2017), weighted by ``gp_weight``."""

    def __init__(
        self,
        *,
        name: str,
        gp_weight: float = 10.0,
        r1_gamma: float = 0.0,
        r1_every: int = 1,
        r2_gamma: float = 0.0,
    ) -> None:
        super().__init__(name=name, r1_gamma=r1_gamma, r1_every=r1_every, r2_gamma=r2_gamma)
        require_positive("loss.gp_weight", gp_weight, allow_zero=True)
        self.gp_weight = float(gp_weight)

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """``E D(G(z)) - E D(x)`` (the critic's negated Wasserstein estimate)."""
        return fake_logits.mean() - real_logits.mean()

    def generator_loss(
        self, fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None
    ) -> torch.Tensor:
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

    def generator_loss(
        self, fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``E (D(G(z)) - 1)^2 / 2``."""
        return 0.5 * (fake_logits - 1).pow(2).mean()


class RelativisticPairLoss(GanLoss):
    """The relativistic pairing loss, RpGAN (Jolicoeur-Martineau 2019).

    With R1 and R2 it is the loss of R3GAN (Huang et al. 2024).

    The discriminator judges each real sample against a generated one, not each alone:
    ``softplus(D(G(z)) - D(x))`` for the discriminator and ``softplus(D(x) - D(G(z)))`` for
    the generator, on the i-th real and generated samples of their batches. A generator that
    drops a mode leaves real samples of that mode scoring above every fake, which its loss
    keeps pushing against (the motivation of R3GAN).
    """

    pairs_real_and_fake = True

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """``E softplus(D(G(z)) - D(x))`` over the pairs."""
        return F.softplus(fake_logits - real_logits).mean()

    def generator_loss(
        self, fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``E softplus(D(x) - D(G(z)))`` over the pairs (``real_logits`` required)."""
        if real_logits is None:
            raise ValueError("the relativistic loss scores each fake against a real sample")
        return F.softplus(real_logits - fake_logits).mean()


def r1_penalty(discriminator: Critic, real: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(scores, E ||grad_x D(x)||^2)`` on real samples (multiply by gamma / 2).

    R2 is the same on generated samples.

    In float32 on the eager critic whatever the training precision (autocast off; the
    module behind a compiled critic), as every gradient penalty: see rlgan.gan.precision.
    """
    real = real.detach().float().requires_grad_(True)
    with full_precision(real.device):
        scores = penalty_critic(discriminator)(real)
        return scores, input_gradient_norm2(scores, real)


def input_gradient_norm2(scores: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """``E ||grad_x scores||^2`` over the batch, differentiable (``inputs`` require grad)."""
    (grad,) = torch.autograd.grad(scores.sum(), inputs, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()


def gradient_penalty(
    discriminator: Critic,
    real: torch.Tensor,
    fake: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """WGAN-GP's ``E (||grad D(x_hat)|| - 1)^2`` on random interpolates of real and fake."""
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    alpha = torch.rand(shape, generator=generator).to(real.device)
    mixed = alpha * real.detach().float() + (1 - alpha) * fake.detach().float()
    mixed = mixed.requires_grad_(True)
    with full_precision(real.device):  # float32, eager critic: see r1_penalty
        scores = penalty_critic(discriminator)(mixed)
        (grad,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
        return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()
