"""Adversarial losses (``ns``, ``hinge``, ``wgan_gp``, ``lsgan``) and gradient penalties.

Every discriminator returns raw scores (logits), shape ``(B,)``. A :class:`GANLoss` turns
them into the discriminator's and the generator's losses; :func:`r1_penalty` (Mescheder et
al. 2018) and :func:`gradient_penalty` (Gulrajani et al. 2017) need the discriminator itself.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F  # noqa: N812

from rlgan.common.errors import invalid_choice

LOSS_NAMES = ("ns", "hinge", "wgan_gp", "lsgan")


class GANLoss:
    """The two halves of an adversarial objective, selected by name."""

    def __init__(self, name: str) -> None:
        if name not in LOSS_NAMES:
            raise invalid_choice("loss", name, LOSS_NAMES)
        self.name = name

    def discriminator(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        """The discriminator's loss on scores of real and generated samples."""
        if self.name == "ns":
            return F.softplus(-real_scores).mean() + F.softplus(fake_scores).mean()
        if self.name == "hinge":
            return F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()
        if self.name == "wgan_gp":
            return fake_scores.mean() - real_scores.mean()
        return 0.5 * ((real_scores - 1).pow(2).mean() + fake_scores.pow(2).mean())

    def generator(self, fake_scores: torch.Tensor) -> torch.Tensor:
        """The generator's loss on the discriminator's scores of its samples."""
        if self.name == "ns":
            return F.softplus(-fake_scores).mean()
        if self.name in ("hinge", "wgan_gp"):
            return -fake_scores.mean()
        return 0.5 * (fake_scores - 1).pow(2).mean()


def r1_penalty(discriminator: Callable[[torch.Tensor], torch.Tensor],
               real: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(scores, E ||grad_x D(x)||^2)`` on real samples (multiply by gamma / 2)."""
    real = real.detach().requires_grad_(True)
    scores = discriminator(real)
    (grad,) = torch.autograd.grad(scores.sum(), real, create_graph=True)
    return scores, grad.pow(2).flatten(1).sum(1).mean()


def gradient_penalty(discriminator: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor,
                     fake: torch.Tensor, generator: torch.Generator | None = None
                     ) -> torch.Tensor:
    """WGAN-GP's ``E (||grad D(x_hat)|| - 1)^2`` on random interpolates of real and fake."""
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    alpha = torch.rand(shape, generator=generator).to(real.device)
    mixed = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(discriminator(mixed).sum(), mixed, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()
