"""Image data sets: scaled to [-1, 1], scored in a classifier's feature space, drawn as grids.

Each is one small class named by ``conf/data/<name>.yaml`` that says how to load its arrays
(:meth:`ImageData.load`, with the loaders of :mod:`rlgan.gan.images`); :class:`ImageData`
does the rest: optional resizing (``image_size``) and truncation (``max_images``), the
evaluator (classifier features when the images have two or more classes, plus FID/KID with
``eval.inception=true``), sample grids and the live view's images.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812

from rlgan.common.errors import ConfigError, invalid_choice, require_int
from rlgan.common.imaging import tile_images
from rlgan.gan import images as loaders
from rlgan.gan.data import GanDataSet, ModelView
from rlgan.gan.evaluators import Evaluator, combine
from rlgan.gan.settings import EvalSettings

#: Smallest side (pixels) of one cell of a saved sample grid (8x8 digits are upscaled).
MIN_CELL_PIXELS = 32
#: Columns of a saved sample grid; images in a live-view update.
GRID_COLUMNS = 8
LIVE_IMAGES = 16


class ImageData(GanDataSet):
    """Base class of image data sets: ``(N, C, H, W)`` images in [-1, 1] plus labels.

    Keyword arguments (the keys of ``conf/data/*.yaml``): ``image_size`` (resize to a
    square; None: native), ``channels`` (1 or 3; used by loaders that convert),
    ``root`` / ``download`` (where files are, whether to fetch them), ``max_images``
    (keep the first N), ``cache_dir`` / ``classifier_steps`` (the metric classifier).
    """

    supports_inception = True

    def __init__(
        self,
        *,
        name: str,
        objective: str = "eval/fd_classifier",
        image_size: int | None = None,
        channels: int | None = 3,
        root: str | None = None,
        download: bool = True,
        max_images: int | None = None,
        cache_dir: str | None = None,
        classifier_steps: int = 1000,
    ) -> None:
        super().__init__(name=name, objective=objective)
        require_int(
            "data.image_size",
            image_size,
            1,
            nullable=True,
            meaning="side of the square images after resizing; null: native",
        )
        require_int(
            "data.max_images",
            max_images,
            1,
            nullable=True,
            meaning="images kept from the data set; null: all",
        )
        require_int(
            "data.classifier_steps",
            classifier_steps,
            1,
            meaning="training steps of the metric classifier",
        )
        channels = 3 if channels is None else channels
        if isinstance(channels, bool) or channels not in (1, 3):
            raise invalid_choice(
                "data.channels", channels, (1, 3), "It is an integer: 1 (grey) or 3 (RGB)."
            )
        self.image_size, self.channels = image_size, int(channels)
        self.root, self.download = root, bool(download)
        self.cache_dir = cache_dir or "~/.cache/rlgan"
        self.classifier_steps = int(classifier_steps)
        arrays = self.load()
        images = torch.from_numpy(arrays.images)
        labels = None if arrays.labels is None else torch.from_numpy(arrays.labels)
        if max_images:
            images = images[: int(max_images)]
            labels = None if labels is None else labels[: int(max_images)]
        if image_size is not None and tuple(images.shape[-2:]) != (image_size, image_size):
            images = F.interpolate(
                images,
                size=(image_size, image_size),
                mode="bilinear",
                align_corners=False,
                antialias=True,
            ).clamp(0, 1)
        if len(images) < 2:
            raise ConfigError(f"data={name} has only {len(images)} image(s); a GAN needs more.")
        self.images = images * 2 - 1
        self.labels = labels
        self.class_names = list(arrays.class_names)
        self.shape = tuple(images.shape[1:])

    def load(self) -> loaders.ImageArrays:
        """The data set's images ``(N, C, H, W)`` in [0, 1], labels and class names."""
        raise NotImplementedError

    @property
    def size(self) -> int:
        """Number of images."""
        return len(self.images)

    @property
    def num_classes(self) -> int:
        """Number of classes (0 without labels)."""
        return len(self.class_names) if self.labels is not None else 0

    def sample(
        self, n: int, generator: torch.Generator, device: torch.device | str = "cpu"
    ) -> torch.Tensor:
        """``n`` images drawn uniformly with replacement."""
        index = torch.randint(len(self.images), (n,), generator=generator)
        return self.images[index].to(device)

    def evaluator(
        self, settings: EvalSettings, device: torch.device | str = "cpu", seed: int = 0
    ) -> Evaluator:
        """Classifier features (two or more classes) and FID/KID (``eval.inception``)."""
        parts: list[Evaluator] = []
        if self.num_classes >= 2:
            from rlgan.gan.classifier import ClassifierEvaluator

            parts.append(
                ClassifierEvaluator(
                    self, self.cache_dir, self.classifier_steps, settings.n_samples, seed=seed
                )
            )
        if settings.inception:
            from rlgan.gan.inception_metrics import InceptionEvaluator

            parts.append(InceptionEvaluator(self.images, settings, device, seed, self.name))
        return combine(parts)

    def picture(self, view: ModelView, step: int, seed: int) -> np.ndarray:
        """A grid of the fixed latents' images (8 columns, cells of at least 32 px)."""
        images = (view.fixed_samples() + 1) / 2
        return tile_images(images.numpy(), columns=GRID_COLUMNS, upscale_to=MIN_CELL_PIXELS)

    def live_payload(self, view: ModelView, step: int, seed: int) -> dict[str, Any]:
        """The first 16 fixed latents' images, in [0, 1]."""
        images = (view.fixed_samples(LIVE_IMAGES) + 1) / 2
        return {"real": None, "fake": None, "heatmap": None, "images": images.numpy()}


class Digits(ImageData):
    """scikit-learn's 1,797 bundled 8x8 digits (offline)."""

    def load(self) -> loaders.ImageArrays:
        """:func:`rlgan.gan.images.load_digits`."""
        return loaders.load_digits()


class Mnist(ImageData):
    """torchvision's MNIST training set (needs ``rlgan[vision]``)."""

    #: The torchvision data set (``MNIST`` or ``FashionMNIST``).
    variant = "mnist"

    def load(self) -> loaders.ImageArrays:
        """:func:`rlgan.gan.images.load_mnist_like`."""
        return loaders.load_mnist_like(self.variant, self.root, self.download)


class FashionMnist(Mnist):
    """torchvision's Fashion-MNIST training set (needs ``rlgan[vision]``)."""

    variant = "fashion_mnist"


class Cifar10(ImageData):
    """CIFAR-10's training batches under ``<root>/cifar-10-batches-py``."""

    def load(self) -> loaders.ImageArrays:
        """:func:`rlgan.gan.images.load_cifar10`."""
        return loaders.load_cifar10(self.root, self.download)


class ImageFolder(ImageData):
    """Every image under ``root``, resized to ``image_size`` (default 32).

    Sub-folders are classes (two or more give the classifier metrics).
    """

    def load(self) -> loaders.ImageArrays:
        """:func:`rlgan.gan.images.load_folder`."""
        return loaders.load_folder(self.root, int(self.image_size or 32), self.channels)
