"""Build the training data of a GAN run from ``cfg.data``: 2-D toys or image sets.

:func:`build_data` validates the config (clear :class:`ConfigError` before any heavy work)
and returns a :class:`GanData`, which samples real batches from a seeded
:class:`torch.Generator` (so a resumed run draws the same batches as an uninterrupted one).
Images are scaled to [-1, 1], the range of the generators' ``tanh`` output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812

from rlgan.common.errors import ConfigError, invalid_choice, require_positive
from rlgan.gan import images as image_sets
from rlgan.gan import toy2d

DATA_NAMES = toy2d.TOY2D_NAMES + image_sets.IMAGE_NAMES


@dataclass
class GanData:
    """Real data of a run: a vector or image sampler plus what the metrics need."""

    name: str
    kind: str  # "vector" (2-D toys) or "image"
    shape: tuple[int, ...]
    mixture: toy2d.GaussianMixture2D | None = None
    images: torch.Tensor | None = None  # (N, C, H, W) in [-1, 1]
    labels: torch.Tensor | None = None
    class_names: list[str] = field(default_factory=list)
    noise: float = 0.05

    def sample(self, n: int, generator: torch.Generator,
               device: torch.device | str = "cpu") -> torch.Tensor:
        """Draw ``n`` real samples using ``generator`` (a CPU generator), on ``device``."""
        if self.kind == "image":
            assert self.images is not None
            index = torch.randint(len(self.images), (n,), generator=generator)
            return self.images[index].to(device)
        if self.mixture is not None:
            centers = torch.as_tensor(self.mixture.centers, dtype=torch.float32)
            modes = torch.randint(len(centers), (n,), generator=generator)
            noise = torch.randn(n, 2, generator=generator) * self.mixture.std
            return (centers[modes] + noise).to(device)
        seed = int(torch.randint(2**31 - 1, (1,), generator=generator))
        points = toy2d.sample_shape(self.name, n, np.random.default_rng(seed), self.noise)
        return torch.from_numpy(points).to(device)

    @property
    def num_classes(self) -> int:
        """Number of classes of an image set (0 without labels)."""
        return len(self.class_names) if self.labels is not None else 0


def build_data(cfg: Mapping[str, Any]) -> GanData:
    """Load or describe the data set named by ``cfg.name`` (see ``conf/data/*.yaml``)."""
    name = str(cfg.get("name"))
    if name not in DATA_NAMES:
        raise invalid_choice("data", name, DATA_NAMES)
    if name in toy2d.MIXTURES:
        mixture = toy2d.ring8() if name == "ring8" else toy2d.grid25()
        return GanData(name=name, kind="vector", shape=(2,), mixture=mixture)
    if name in toy2d.SHAPES:
        noise = float(cfg.get("noise", 0.05))
        require_positive("data.noise", noise, allow_zero=True)
        return GanData(name=name, kind="vector", shape=(2,), noise=noise)
    return _build_images(name, cfg)


def _build_images(name: str, cfg: Mapping[str, Any]) -> GanData:
    """Load an image set, resize it to ``cfg.image_size`` when set, scale it to [-1, 1]."""
    size = cfg.get("image_size")
    if size is not None:
        require_positive("data.image_size", size)
    channels = int(cfg.get("channels") or 3)
    if channels not in (1, 3):
        raise invalid_choice("data.channels", channels, (1, 3))
    root, download = cfg.get("root"), bool(cfg.get("download", True))
    if name == "digits":
        arrays = image_sets.load_digits()
    elif name in ("mnist", "fashion_mnist"):
        arrays = image_sets.load_mnist_like(name, root, download)
    elif name == "cifar10":
        arrays = image_sets.load_cifar10(root, download)
    else:
        arrays = image_sets.load_folder(root, int(size or 32), channels)
    limit = cfg.get("max_images")
    images = torch.from_numpy(arrays.images)
    labels = None if arrays.labels is None else torch.from_numpy(arrays.labels)
    if limit:
        images = images[: int(limit)]
        labels = None if labels is None else labels[: int(limit)]
    if size is not None and tuple(images.shape[-2:]) != (int(size), int(size)):
        images = F.interpolate(images, size=(int(size), int(size)), mode="bilinear",
                               align_corners=False, antialias=True).clamp(0, 1)
    if len(images) < 2:
        raise ConfigError(f"data={name} has only {len(images)} image(s); a GAN needs more.")
    return GanData(name=name, kind="image", shape=tuple(images.shape[1:]),
                   images=images * 2 - 1, labels=labels, class_names=arrays.class_names)
