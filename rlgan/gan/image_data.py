"""Image data sets: scaled to [-1, 1], scored in a classifier's feature space, drawn as grids.

Each is one small class named by ``conf/data/<name>.yaml`` that says how to load its arrays
(:meth:`ImageData.load`, with the loaders of :mod:`rlgan.gan.images`); :class:`ImageData`
does the rest: optional resizing (``image_size``) and truncation (``max_images``), the
evaluator (classifier features when the images have two or more classes, plus FID/KID with
``eval.inception=true``), sample grids, latent interpolations and the live view's images.

The images are split once, with a fixed seed, into a training split (what the GAN and the
metric classifier see: :attr:`ImageData.images`) and a held-out split
(:attr:`ImageData.heldout_images`, ``holdout`` of the images, stratified by class) that only
the evaluator uses, so generated images and the training images are both scored against
images no network has seen.

The labels make every image set usable by a class-conditional run (``model.conditional=true``;
a folder needs one sub-folder per class): its sample grids then have one row per class, the
live view shows the class picked with the number keys, and the evaluator adds
:class:`~rlgan.gan.conditional_metrics.ConditionalImageEvaluator`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812

from rlgan.common.errors import ConfigError, invalid_choice, require, require_int
from rlgan.common.imaging import tile_images
from rlgan.gan import images as loaders
from rlgan.gan import latents
from rlgan.gan.conditioning import GRID_COLUMNS
from rlgan.gan.data import GanDataSet, ModelView, view_classes, view_live_labels
from rlgan.gan.evaluators import Evaluator, combine
from rlgan.gan.settings import EvalSettings

#: Smallest side (pixels) of one cell of a saved sample grid (8x8 digits are upscaled).
MIN_CELL_PIXELS = 32
#: Images in a live-view update (a saved sample grid has GRID_COLUMNS columns).
LIVE_IMAGES = 16
#: The latent interpolation GIF: columns (independent walks), latents each walk visits in a
#: loop, and frames from one latent to the next.
INTERPOLATION_COLUMNS = 8
INTERPOLATION_ANCHORS = 4
INTERPOLATION_STEPS = 12


class ImageData(GanDataSet):
    """Base class of image data sets: ``(N, C, H, W)`` images in [-1, 1] plus labels.

    Keyword arguments (the keys of ``conf/data/*.yaml``): ``image_size`` (resize to a
    square; None: native), ``channels`` (1 or 3; used by loaders that convert),
    ``root`` / ``download`` (where files are, whether to fetch them), ``max_images``
    (keep the first N), ``holdout`` (fraction of the images held out for evaluation, in
    (0, 0.5]), ``cache_dir`` / ``classifier_steps`` (the metric classifier),
    ``encoder_steps`` (the folder metric's autoencoder,
    :mod:`rlgan.gan.folder_quality`; 0: off) and
    ``eval_samples`` / ``cluster_match`` (the defaults of ``eval.n_samples`` and
    ``sampling.cluster_match`` for this data; ``conf/gan.yaml`` reads them, the data set
    itself does not use them).
    """

    supports_inception = True
    has_labels = True

    def __init__(
        self,
        *,
        name: str,
        objective: str = "eval/fd_ratio",
        image_size: int | None = None,
        channels: int | None = 3,
        root: str | None = None,
        download: bool = True,
        max_images: int | None = None,
        cache_dir: str | None = None,
        classifier_steps: int = 1000,
        encoder_steps: int = 0,
        holdout: float = 0.25,
        eval_samples: int | None = None,
        cluster_match: int = 0,
    ) -> None:
        super().__init__(name=name, objective=objective)
        check_holdout(holdout)
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
        require_int(
            "data.encoder_steps",
            encoder_steps,
            0,
            meaning="training steps of the folder metric's feature encoder; 0: no folder metric",
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
        self.encoder_steps = int(encoder_steps)
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
        if len(images) < 4:
            raise ConfigError(
                f"data={name} has only {len(images)} image(s); a GAN needs more (at least "
                "4: two to train on and two held out for evaluation)."
            )
        images = images * 2 - 1
        train, held = split_indices(len(images), labels, float(holdout))
        #: The training split (what the GAN and the metric classifier see), in [-1, 1].
        self.images = images[train]
        self.labels = None if labels is None else labels[train]
        #: The held-out split: only the evaluator sees it.
        self.heldout_images = images[held]
        self.heldout_labels = None if labels is None else labels[held]
        self.holdout = float(holdout)
        self.class_names = list(arrays.class_names)
        #: Copies of the training split on other devices (see :meth:`on_device`).
        self._device_copies: dict[torch.device, tuple[torch.Tensor, torch.Tensor | None]] = {}
        self.shape = tuple(images.shape[1:])

    def load(self) -> loaders.ImageArrays:
        """The data set's images ``(N, C, H, W)`` in [0, 1], labels and class names."""
        raise NotImplementedError

    @property
    def size(self) -> int:
        """Number of training images (the held-out split excluded)."""
        return len(self.images)

    @property
    def num_classes(self) -> int:
        """Number of classes (0 without labels)."""
        return len(self.class_names) if self.labels is not None else 0

    def class_name(self, index: int) -> str:
        """The name of class ``index`` (a folder's sub-folder, CIFAR-10's ``cat``, ...)."""
        return str(self.class_names[int(index)])

    def sample(
        self, n: int, generator: torch.Generator, device: torch.device | str = "cpu"
    ) -> torch.Tensor:
        """``n`` training-split images drawn uniformly with replacement."""
        index = torch.randint(len(self.images), (n,), generator=generator)
        images, _ = self.on_device(device)
        return images[index.to(images.device)]

    def sample_labelled(
        self, n: int, generator: torch.Generator, device: torch.device | str = "cpu"
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(images, labels)``: :meth:`sample`'s draw and the images' classes."""
        if self.labels is None:
            return super().sample_labelled(n, generator, device)
        index = torch.randint(len(self.images), (n,), generator=generator)
        images, labels = self.on_device(device)
        index = index.to(images.device)
        return images[index], labels[index]

    def on_device(self, device: torch.device | str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The training split's images and labels on ``device``, copied there once.

        On the CPU they are :attr:`images` and :attr:`labels` themselves. On a GPU the copy
        is kept, so each batch is indexed where it lives instead of being copied there
        every step; the indices are still drawn from the CPU generator, so the batches
        (and resumes) are those of a CPU run.
        """
        device = torch.device(device)
        if device.type == "cpu":
            return self.images, self.labels
        if device not in self._device_copies:
            labels = None if self.labels is None else self.labels.to(device)
            self._device_copies[device] = (self.images.to(device), labels)
        return self._device_copies[device]

    def class_frequencies(self) -> torch.Tensor:
        """The classes' frequencies in the training split."""
        assert self.labels is not None
        counts = torch.bincount(self.labels, minlength=self.num_classes).double()
        return (counts / counts.sum()).float()

    def evaluator(
        self, settings: EvalSettings, device: torch.device | str = "cpu", seed: int = 0
    ) -> Evaluator:
        """Classifier features (2+ classes), the folder metric and FID/KID (``eval.inception``).

        A class-conditional run puts the conditional metrics first.
        """
        parts: list[Evaluator] = []
        if settings.conditional and self.num_classes >= 2:
            from rlgan.gan.conditional_metrics import ConditionalImageEvaluator

            parts.append(ConditionalImageEvaluator(self, self.cache_dir, self.classifier_steps))
        if self.num_classes >= 2:
            from rlgan.gan.classifier import ClassifierEvaluator

            parts.append(
                ClassifierEvaluator(self, self.cache_dir, self.classifier_steps, settings.n_samples)
            )
        if self.encoder_steps > 0:
            from rlgan.gan.folder_quality import EncoderSettings, FolderQualityEvaluator

            parts.append(
                FolderQualityEvaluator(
                    self.images,
                    self.heldout_images,
                    self.cache_dir,
                    name=self.name,
                    settings=EncoderSettings(steps=self.encoder_steps),
                    max_samples=settings.n_samples,
                )
            )
        if settings.inception:
            from rlgan.gan.inception_metrics import InceptionEvaluator

            parts.append(InceptionEvaluator(self.images, settings, device, seed, self.name))
        return combine(parts)

    def picture(self, view: ModelView, step: int, seed: int) -> np.ndarray:
        """A grid of the fixed latents' images (8 columns, cells of at least 32 px).

        In a conditional run: one row per displayed class, the same 8 latents in every row.
        """
        images = (view.fixed_samples() + 1) / 2
        return tile_images(images.numpy(), columns=GRID_COLUMNS, upscale_to=MIN_CELL_PIXELS)

    def live_payload(self, view: ModelView, step: int, seed: int) -> dict[str, Any]:
        """The first 16 fixed latents' images, in [0, 1].

        In a conditional run: 16 images of the class picked in the live view (number keys),
        or, with none picked, one row of 8 per displayed class.
        """
        labels = view_live_labels(view, LIVE_IMAGES)
        columns = None
        if labels is not None:
            images = view.fixed_samples(LIVE_IMAGES, labels)
        elif view_classes(view):
            images, columns = view.fixed_samples(), GRID_COLUMNS
        else:
            images = view.fixed_samples(LIVE_IMAGES)
        payload = {
            "real": None,
            "fake": None,
            "heatmap": None,
            "images": ((images + 1) / 2).numpy(),
        }
        if columns is not None:
            payload["columns"] = columns
        return payload

    def interpolation_frames(self, view: ModelView, seed: int) -> list[np.ndarray]:
        """Frames of a walk through latent space: straight lines above, slerps below.

        Each of :data:`INTERPOLATION_COLUMNS` columns visits its own
        :data:`INTERPOLATION_ANCHORS` random latents in a loop; a frame is a grid whose top
        row is the straight-line path and whose bottom row is the slerp path at the same
        point (:func:`rlgan.gan.latents.interpolation_paths`). In a conditional run column
        ``i`` keeps the ``i``-th displayed class (cycling) while its latent walks.
        """
        generator = torch.Generator().manual_seed(seed + 11)
        anchors = view.latents(INTERPOLATION_COLUMNS * INTERPOLATION_ANCHORS, generator)
        anchors = anchors.reshape(INTERPOLATION_COLUMNS, INTERPOLATION_ANCHORS, -1)
        labels = None
        if view_classes(view):
            shown = view.display_classes
            per_column = torch.tensor([shown[i % len(shown)] for i in range(INTERPOLATION_COLUMNS)])
            labels = per_column.repeat_interleave(INTERPOLATION_ANCHORS * INTERPOLATION_STEPS)
        frames = []
        for kind in latents.INTERPOLATIONS:
            path = latents.interpolation_paths(anchors, INTERPOLATION_STEPS, kind)
            z = path.reshape(-1, path.shape[-1])
            frames.append(view.samples_of(z) if labels is None else view.samples_of(z, labels))
        # (kind, column, frame, ...) -> per frame: the rows of every kind, one image a column.
        steps = frames[0].shape[0] // INTERPOLATION_COLUMNS
        stacked = torch.stack(frames).reshape(
            len(frames), INTERPOLATION_COLUMNS, steps, *frames[0].shape[1:]
        )
        pictures = (stacked.transpose(1, 2) + 1) / 2  # (kind, frame, column, C, H, W)
        return [
            tile_images(
                pictures[:, t].reshape(-1, *pictures.shape[3:]).numpy(),
                columns=INTERPOLATION_COLUMNS,
                upscale_to=MIN_CELL_PIXELS,
            )
            for t in range(steps)
        ]


def check_holdout(holdout: Any) -> None:
    """Refuse a ``data.holdout`` that is not a fraction in (0, 0.5] (ConfigError)."""
    ok = isinstance(holdout, (int, float)) and not isinstance(holdout, bool)
    require(
        ok and 0.0 < float(holdout) <= 0.5,
        f"Invalid data.holdout={holdout!r}: it is the fraction of the images held out "
        "for evaluation (never trained on), a number in (0, 0.5], e.g. 0.25.",
    )


def split_indices(
    count: int, labels: torch.Tensor | None, fraction: float, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices ``(train, held_out)`` of ``count`` images; ``fraction`` of them held out.

    Stratified by class when ``labels`` are given (each class holds out its share, at least
    one image of every class with two or more); the order is a fixed permutation of
    ``seed``, so every run of a data set uses the same split. Both parts keep at least two
    images.
    """
    generator = torch.Generator().manual_seed(seed)
    groups = (
        [torch.arange(count)]
        if labels is None
        else [torch.nonzero(labels == c).flatten() for c in torch.unique(labels)]
    )
    held: list[torch.Tensor] = []
    for members in groups:
        members = members[torch.randperm(len(members), generator=generator)]
        take = round(fraction * len(members))
        take = min(max(take, 1 if len(members) >= 2 else 0), len(members) - 1)
        held.append(members[:take])
    held_index = torch.cat(held) if held else torch.zeros(0, dtype=torch.long)
    if len(held_index) < 2:  # tiny or one-image-per-class data: hold out two images anyway
        held_index = torch.randperm(count, generator=generator)[:2]
    mask = torch.ones(count, dtype=torch.bool)
    mask[held_index] = False
    return torch.nonzero(mask).flatten(), torch.sort(held_index).values


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
