"""A quality metric for any image folder: features of an autoencoder trained on the folder.

A folder without class sub-folders has no classifier to lend its features, so this module
trains one on the folder's own training images, without labels: a small convolutional
autoencoder. An image's features are the autoencoder's 32-d code (what the image shows, and
where) beside the spatial standard deviation of each first-layer filter's response (how much
fine detail, edge contrast and texture it has; the code drops what the decoder cannot
reconstruct, and that is where noise and blur live). Each feature is standardised with the
training images' mean and spread, so that no layer's scale dominates.

In these features :class:`FolderQualityEvaluator` reports, against the held-out split (images
no network has seen), what :class:`~rlgan.gan.classifier.ClassifierEvaluator` reports in its
classifier's: the Fréchet distance of generated images, the same for as many training images
drawn at random with repeats, averaged over fixed draws (the floor: what a generator that
returns its training images at random scores) and their ratio, plus
precision and recall (Kynkäänniemi et al., 2019: a sample set's manifold is the union of
balls around each of its feature vectors reaching to its k-th nearest neighbour; precision is
the fraction of generated images inside the held-out images' manifold, recall the fraction
of held-out images inside the generated images'), with the same draws' mean precision and
recall as their floors. Read precision together with recall and the ratio: with a few
hundred held-out images the k-NN balls are wide, and images near the centre of the data (a
mean image, early GAN blobs, pixel-shuffled real images) can land inside one and count as
faithful.

Why an autoencoder and not a contrastive encoder (SimCLR-like: two augmented views of an
image pulled together, other images pushed apart), which was weighed against it on the drawn
shapes of the tests (``benchmarks/folder_quality.py --encoder contrastive``): the contrastive
features react more strongly to blur and noise, but they score unseen real images, which a
perfect generator would produce, with a much wider spread around the floor, wide enough to
hide one dropped shape of six; the autoencoder, which must reconstruct every image, keeps
every corruption above the spread of unseen real images. It also needs no choice of
augmentations, each of which would decide what the metric cannot see (a choice "any folder"
cannot make).

The encoder is trained once per training set and encoder settings and cached under
``<cache_dir>/encoders/`` (key: a hash of the training images, their size and the settings),
written atomically and read back with ``torch.load(weights_only=True)``; a damaged cache file
is reported on one line and the encoder trained again.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from rlgan.common.atomic import atomic_torch_save
from rlgan.common.errors import ConfigError
from rlgan.common.loading import DamagedFileError, describe_failure, one_line, require_nonempty
from rlgan.gan.evaluators import Evaluator
from rlgan.gan.metric_names import (
    ENCODER_FD,
    ENCODER_FD_RATIO,
    ENCODER_FD_TRAIN,
    ENCODER_PRECISION,
    ENCODER_PRECISION_TRAIN,
    ENCODER_RECALL,
    ENCODER_RECALL_TRAIN,
    FOLDER_METRICS,
)
from rlgan.gan.metrics import FLOOR_DRAWS, FrechetReference, floor_scores

log = logging.getLogger(__name__)

#: Bumped whenever the architecture, the training or the cache format changes.
ENCODER_VERSION = 1
CACHE_FORMAT = "rlgan-folder-encoder"
#: Fewest training images the encoder trains on, and fewest held-out images to score against.
MIN_TRAIN_IMAGES = 100
MIN_HELDOUT_IMAGES = 10
#: Smallest image side the encoder takes (two stride-2 convolutions).
MIN_IMAGE_SIDE = 4
#: Side of the encoder's last feature map (pooled to it whatever the image size).
CODE_GRID = 4
#: Images embedded per forward pass.
CHUNK = 512
#: Floor draws (of :data:`~rlgan.gan.metrics.FLOOR_DRAWS`) that the precision and recall
#: floors average: each needs a k-NN search among its ``n`` images, so these take the first
#: 16 draws, the Fréchet floor all of them.
PR_FLOOR_DRAWS = 16


@dataclass(frozen=True)
class EncoderSettings:
    """How the feature autoencoder is built and trained (all part of the cache key)."""

    steps: int = 1000
    batch_size: int = 64
    lr: float = 1e-3
    width: int = 16
    code: int = 32
    seed: int = 0


class FolderEncoder(nn.Module):
    """A convolutional autoencoder: three convolutions, a 4x4 map and a linear code, and back.

    :meth:`features` is what the metric uses; :meth:`forward` reconstructs (training only).
    """

    def __init__(self, channels: int, width: int = 16, code: int = 32) -> None:
        super().__init__()
        self.first = nn.Sequential(nn.Conv2d(channels, width, 3, padding=1), nn.LeakyReLU(0.2))
        self.down = nn.Sequential(
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(2 * width, 2 * width, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.AdaptiveAvgPool2d(CODE_GRID),
            nn.Flatten(),
            nn.Linear(2 * width * CODE_GRID**2, code),
        )
        self.expand = nn.Linear(code, 2 * width * CODE_GRID**2)
        self.up = nn.Sequential(
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(2 * width, 2 * width, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, channels, 3, padding=1),
            nn.Tanh(),
        )
        self.width = int(width)

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(first-layer responses, code)`` of ``images`` in [-1, 1]."""
        first = self.first(images)
        return first, self.down(first)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """Unstandardised features ``(B, width + code)``: filter-response spreads and code."""
        first, code = self.encode(images)
        return torch.cat([first.flatten(2).std(dim=2), code], dim=1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """The reconstruction of ``images``, at their size."""
        _, code = self.encode(images)
        grid = self.expand(code).view(-1, 2 * self.width, CODE_GRID, CODE_GRID)
        out = self.up(grid)
        if tuple(out.shape[-2:]) != tuple(images.shape[-2:]):
            out = F.interpolate(out, size=images.shape[-2:], mode="bilinear", align_corners=False)
        return out


def check_image_counts(
    train: int, heldout: int, side: int, name: str = "folder", neighbours: int = 3
) -> None:
    """Refuse too few images (or too small ones) for the folder metric (ConfigError).

    Cheap: called when the evaluator is built, before any training.
    """
    need_held = max(MIN_HELDOUT_IMAGES, int(neighbours) + 1)
    if train < MIN_TRAIN_IMAGES or heldout < need_held:
        raise ConfigError(
            f"data={name} has too few images for its quality metric: {train} training and "
            f"{heldout} held-out image(s), while the feature encoder trains on at least "
            f"{MIN_TRAIN_IMAGES} training images and is scored against at least {need_held} "
            "held-out ones (data.holdout sets the held-out fraction). Add images to the "
            "folder, or train without the metric: data.encoder_steps=0 objective=loss/g."
        )
    if side < MIN_IMAGE_SIDE:
        raise ConfigError(
            f"data={name} has {side}x{side} images; the quality metric's feature encoder "
            f"needs a side of at least {MIN_IMAGE_SIDE} pixels (set data.image_size)."
        )


def encoder_key(images: torch.Tensor, settings: EncoderSettings) -> str:
    """A short hash of the training images (count, size, pixels) and the encoder settings."""
    digest = hashlib.sha1(f"v{ENCODER_VERSION} {sorted(asdict(settings).items())}".encode())
    digest.update(str(tuple(images.shape)).encode())
    digest.update(images.detach().cpu().float().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def train_encoder(images: torch.Tensor, settings: EncoderSettings) -> FolderEncoder:
    """Train a :class:`FolderEncoder` to reconstruct ``images`` (mean squared error, Adam).

    Gradients are enabled even inside ``torch.no_grad()``, and torch's global random state is
    left as it was (the initial weights and batches come from ``settings.seed``).
    """
    images = images.detach().cpu().float()
    generator = torch.Generator().manual_seed(settings.seed)
    with torch.random.fork_rng(devices=[]), torch.enable_grad():
        torch.manual_seed(settings.seed)
        model = FolderEncoder(images.shape[1], settings.width, settings.code)
        optimiser = torch.optim.Adam(model.parameters(), lr=settings.lr)
        for _ in range(settings.steps):
            batch = images[torch.randint(len(images), (settings.batch_size,), generator=generator)]
            loss = F.mse_loss(model(batch), batch)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
    return model.eval()


def load_encoder(path: Path, channels: int, settings: EncoderSettings) -> FolderEncoder:
    """The encoder cached in ``path``; :class:`DamagedFileError` when it is not usable."""
    require_nonempty(path)
    try:
        stored = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - any failure to read makes the file unusable
        detail = one_line(f"{type(err).__name__}: {err}", 120)
        raise DamagedFileError(f"it is not a readable torch file ({detail})") from None
    if not isinstance(stored, dict) or stored.get("format") != CACHE_FORMAT:
        raise DamagedFileError(f"it is not an rlgan folder-encoder file ({CACHE_FORMAT})")
    if stored.get("version") != ENCODER_VERSION or stored.get("settings") != asdict(settings):
        raise DamagedFileError("it was made by another encoder version or settings")
    state = stored.get("state")
    if not isinstance(state, dict) or not all(
        isinstance(t, torch.Tensor) and bool(torch.isfinite(t).all()) for t in state.values()
    ):
        raise DamagedFileError("its weights are missing or not finite")
    model = FolderEncoder(channels, settings.width, settings.code)
    model.load_state_dict(state)  # RuntimeError on a shape or key mismatch
    return model.eval()


def cached_encoder(
    images: torch.Tensor, cache_dir: str | Path, settings: EncoderSettings, name: str = "folder"
) -> tuple[FolderEncoder, bool]:
    """``(encoder, trained)``: the cached encoder of ``images``, or a newly trained one.

    ``trained`` is False when it was loaded from ``<cache_dir>/encoders/<name>_<key>.pt``. A
    cache file that does not load is reported on one line (log and stderr) and replaced.
    """
    key = encoder_key(images, settings)
    path = Path(cache_dir).expanduser() / "encoders" / f"{name}_{key}.pt"
    if path.exists():
        try:
            return load_encoder(path, images.shape[1], settings), False
        except Exception as err:  # noqa: BLE001 - a damaged cache is retrained, not fatal
            reason = describe_failure(path, err).reason
            message = f"retraining the folder encoder: its cache {path} is unusable: {reason}"
            log.warning("%s", message)
            print(f"rlgan: warning: {message}", file=sys.stderr)
    log.info(
        "training the %s feature encoder (%d steps on %d images; cached in %s)",
        name,
        settings.steps,
        len(images),
        path,
    )
    model = train_encoder(images, settings)
    stored = {
        "format": CACHE_FORMAT,
        "version": ENCODER_VERSION,
        "settings": asdict(settings),
        "state": model.state_dict(),
    }
    atomic_torch_save(path, stored)
    return model, True


def knn_radii(features: torch.Tensor, k: int) -> torch.Tensor:
    """Distance from each row of ``features`` to its ``k``-th nearest other row."""
    # The (k + 1)-th smallest distance: the row itself is the smallest (same values as
    # kthvalue, which is slower on wide rows).
    radii = [
        torch.cdist(features[i : i + CHUNK], features)
        .topk(k + 1, dim=1, largest=False)
        .values[:, -1]
        for i in range(0, len(features), CHUNK)
    ]
    return torch.cat(radii)


def inside_manifold(points: torch.Tensor, support: torch.Tensor, radii: torch.Tensor) -> float:
    """Fraction of ``points`` within ``radii[j]`` of some row ``support[j]``."""
    inside = [
        (torch.cdist(points[i : i + CHUNK], support) <= radii[None]).any(dim=1)
        for i in range(0, len(points), CHUNK)
    ]
    return float(torch.cat(inside).double().mean())


def precision_recall(
    real: torch.Tensor,
    fake: torch.Tensor,
    k: int = 3,
    real_radii: torch.Tensor | None = None,
) -> tuple[float, float]:
    """Kynkäänniemi et al.'s ``(precision, recall)`` of ``fake`` against ``real`` features.

    Each set's manifold is the union of balls around its rows reaching to their ``k``-th
    nearest neighbour in the same set; precision is the fraction of ``fake`` rows inside the
    real manifold, recall the fraction of ``real`` rows inside the fake one. Both sets need
    more than ``k`` rows. ``real_radii``: ``knn_radii(real.double(), k)`` when already known
    (a fixed reference scored many times).
    """
    real, fake = real.double(), fake.double()
    if real_radii is None:
        real_radii = knn_radii(real, k)
    precision = inside_manifold(fake, real, real_radii)
    recall = inside_manifold(real, fake, knn_radii(fake, k))
    return precision, recall


class FolderQualityEvaluator(Evaluator):
    """Scores generated images against held-out ones in a folder-trained encoder's features.

    ``train_images`` and ``heldout_images`` (``(N, C, H, W)`` in [-1, 1]) are the data's two
    splits; the encoder trains on the first only. Like
    :class:`~rlgan.gan.classifier.ClassifierEvaluator`, every evaluation scores chunks of
    ``n`` generated images (the training split's size, at most ``max_samples``;
    ``max_samples // n`` chunks, at least one), averaging each metric over the chunks, and
    the floors are what a generator that returns its training images at random scores: the
    mean over fixed draws of ``n`` training images with repeats
    (:func:`~rlgan.gan.metrics.floor_scores`; all :data:`~rlgan.gan.metrics.FLOOR_DRAWS`
    for the Fréchet distance, the first :data:`PR_FLOOR_DRAWS` for precision and recall,
    which need a k-NN search per draw). ``neighbours`` is precision and recall's k.
    Construction only checks the image counts (:func:`check_image_counts`); :meth:`prepare`
    (called by the first :meth:`evaluate` if not before) loads or trains the encoder, embeds
    the real images and scores the floors.
    """

    metrics = FOLDER_METRICS

    def __init__(
        self,
        train_images: torch.Tensor,
        heldout_images: torch.Tensor,
        cache_dir: str | Path,
        *,
        name: str = "folder",
        settings: EncoderSettings | None = None,
        neighbours: int = 3,
        max_samples: int = 2500,
    ) -> None:
        check_image_counts(
            len(train_images), len(heldout_images), int(train_images.shape[-1]), name, neighbours
        )
        if int(max_samples) <= int(neighbours):
            raise ConfigError(
                f"Invalid eval.n_samples={max_samples!r} for data={name}: precision and recall "
                f"compare each image with its {neighbours} nearest neighbours, so an evaluation "
                f"needs more than {neighbours} generated images (e.g. 2500)."
            )
        self.train_images, self.heldout_images = train_images, heldout_images
        self.cache_dir, self.name = cache_dir, str(name)
        self.settings = settings or EncoderSettings()
        self.neighbours = int(neighbours)
        self.n_samples = min(len(train_images), int(max_samples))
        self.chunks = max(1, int(max_samples) // self.n_samples)
        self.encoder: FolderEncoder | None = None
        #: Whether :meth:`prepare` trained the encoder (False: loaded from the cache).
        self.trained: bool | None = None

    @property
    def max_samples(self) -> int:
        """Generated images one evaluation scores: :attr:`chunks` chunks of :attr:`n_samples`."""
        return self.n_samples * self.chunks

    def prepare(self) -> None:
        """Load or train the encoder; embed both splits; score the floors' draws.

        The precision and recall floors take :data:`PR_FLOOR_DRAWS` draws, the Fréchet
        floor all :data:`~rlgan.gan.metrics.FLOOR_DRAWS`; the held-out split's Fréchet fit
        and k-NN radii are computed once here and reused by every evaluation.
        """
        if self.encoder is not None:
            return
        self.encoder, self.trained = cached_encoder(
            self.train_images, self.cache_dir, self.settings, self.name
        )
        raw = self._raw_features(self.train_images)
        self.mean, self.scale = raw.mean(0), raw.std(0).clamp_min(1e-6)
        self.reference = self._features(self.heldout_images)
        self.fitted_reference = FrechetReference(self.reference.numpy())
        self.reference_radii = knn_radii(self.reference.double(), self.neighbours)
        train = (raw - self.mean) / self.scale
        self.floor = floor_scores(train, self.n_samples, self._distance, FLOOR_DRAWS)
        self.floor |= floor_scores(train, self.n_samples, self._precision_recall, PR_FLOOR_DRAWS)

    @torch.no_grad()
    def _raw_features(self, images: torch.Tensor) -> torch.Tensor:
        """The encoder's unstandardised features of ``images``, in chunks."""
        assert self.encoder is not None
        return torch.cat(
            [
                self.encoder.features(images[i : i + CHUNK].cpu().float())
                for i in range(0, len(images), CHUNK)
            ]
        )

    def _features(self, images: torch.Tensor) -> torch.Tensor:
        """Standardised features of ``images`` (the training split's mean and spread)."""
        return (self._raw_features(images) - self.mean) / self.scale

    def _distance(self, features: torch.Tensor) -> dict[str, float]:
        """``{"fd"}``: the Fréchet distance of ``features`` from the held-out split's."""
        return {"fd": self.fitted_reference.distance(features.numpy())}

    def _precision_recall(self, features: torch.Tensor) -> dict[str, float]:
        """``{"precision", "recall"}`` of ``features`` against the held-out split."""
        precision, recall = precision_recall(
            self.reference, features, self.neighbours, self.reference_radii
        )
        return {"precision": precision, "recall": recall}

    def _scores(self, features: torch.Tensor) -> dict[str, float]:
        """Fréchet distance, precision and recall of ``features`` against the held-out split."""
        return self._distance(features) | self._precision_recall(features)

    def evaluate(
        self, fake: torch.Tensor, generator: torch.Generator | None = None
    ) -> dict[str, float]:
        """The folder metrics of ``fake`` (its first :attr:`max_samples` images)."""
        self.prepare()
        fake = fake[: self.max_samples].cpu().float()
        if len(fake) <= self.neighbours:
            raise ValueError(f"scoring needs more than {self.neighbours} images, got {len(fake)}")
        if len(fake) < self.n_samples:
            log.warning(
                "scoring %d generated images against a floor of %d training images: the "
                "Frechet distance grows as samples shrink, so encoder_fd_ratio is biased up",
                len(fake),
                self.n_samples,
            )
        features = self._features(fake)
        if not bool(torch.isfinite(features).all()):
            features = torch.nan_to_num(features, nan=1e6, posinf=1e6, neginf=-1e6)
        size = min(self.n_samples, len(features))
        chunks = [
            self._scores(features[i : i + size]) for i in range(0, len(features) - size + 1, size)
        ]
        mean = {key: float(np.mean([c[key] for c in chunks])) for key in chunks[0]}
        return {
            ENCODER_FD_RATIO.name: mean["fd"] / max(self.floor["fd"], 1e-12),
            ENCODER_FD.name: mean["fd"],
            ENCODER_FD_TRAIN.name: self.floor["fd"],
            ENCODER_PRECISION.name: mean["precision"],
            ENCODER_RECALL.name: mean["recall"],
            ENCODER_PRECISION_TRAIN.name: self.floor["precision"],
            ENCODER_RECALL_TRAIN.name: self.floor["recall"],
        }
