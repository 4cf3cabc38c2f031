"""Paths through a generator's latent space: straight lines and spherical interpolation.

A standard-normal latent of many dimensions lies close to the sphere of radius
``sqrt(z_dim)``; the midpoint of a straight line between two latents lies well inside it
(about ``1/sqrt(2)`` of the radius for independent latents), where the generator saw few
latents in training. Spherical linear interpolation (slerp, Shoemake 1985; White 2016 for
GANs) follows the great circle instead, so its latents keep a typical norm. The interpolation
GIF of an image run shows both side by side.
"""

from __future__ import annotations

import torch

#: The interpolation kinds, in the order the GIF's rows show them.
INTERPOLATIONS: tuple[str, ...] = ("lerp", "slerp")


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Points ``(1 - t) a + t b`` for rows ``a``, ``b`` ``(N, D)`` and fractions ``t`` ``(T,)``.

    Returns ``(N, T, D)``.
    """
    t = t.to(a.dtype)[None, :, None]
    return (1 - t) * a[:, None] + t * b[:, None]


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Spherical interpolation from rows ``a`` to ``b`` at fractions ``t``: ``(N, T, D)``.

    ``sin((1 - t) w) / sin(w) a + sin(t w) / sin(w) b`` with ``w`` the angle between ``a``
    and ``b``; nearly parallel pairs (``sin(w) < eps``) fall back to :func:`lerp`.
    """
    t = t.to(a.dtype)[None, :, None]
    cos = torch.nn.functional.cosine_similarity(a, b, dim=-1).clamp(-1.0, 1.0)
    omega = torch.arccos(cos)[:, None, None]
    sin = torch.sin(omega)
    parallel = sin.abs() < eps
    safe = torch.where(parallel, torch.ones_like(sin), sin)
    spherical = (torch.sin((1 - t) * omega) * a[:, None] + torch.sin(t * omega) * b[:, None]) / safe
    straight = (1 - t) * a[:, None] + t * b[:, None]
    return torch.where(parallel, straight, spherical)


def interpolation_paths(anchors: torch.Tensor, steps: int, kind: str) -> torch.Tensor:
    """Closed loops through ``anchors`` ``(N, K, D)``: ``(N, K * steps, D)`` latents.

    Each of the ``N`` loops visits its ``K`` anchors in order and returns to the first;
    ``steps`` points per leg, the leg's start included and its end (the next leg's start)
    left out, so the loop plays seamlessly in a repeating GIF. ``kind`` is ``lerp`` or
    ``slerp``.
    """
    if kind not in INTERPOLATIONS:
        raise ValueError(f"kind={kind!r} is not one of {', '.join(INTERPOLATIONS)}")
    if steps < 1 or anchors.dim() != 3:
        raise ValueError(f"need steps >= 1 and anchors (N, K, D), got {steps}, {anchors.shape}")
    path = lerp if kind == "lerp" else slerp
    t = torch.arange(steps, dtype=anchors.dtype) / steps
    n, k, d = anchors.shape
    ends = anchors.roll(-1, dims=1)
    legs = path(anchors.reshape(n * k, d), ends.reshape(n * k, d), t)  # (N*K, steps, D)
    return legs.reshape(n, k * steps, d)
