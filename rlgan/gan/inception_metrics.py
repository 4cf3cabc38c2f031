"""Optional FID and KID of generated images through torchmetrics (``eval.inception=true``).

:class:`InceptionMetrics` embeds a fixed set of real images once, then at each evaluation
embeds the generated images and hands both feature sets to torchmetrics'
``FrechetInceptionDistance`` and ``KernelInceptionDistance``. The features are computed here,
once per image, and passed to both metrics through a pass-through "feature extractor" (so the
two metrics share one forward pass, and KID, whose own Inception cannot be given a weights
file, never downloads anything).

The feature network is torch-fidelity's FID Inception-v3 (2048-d pool features), loaded from
a local weights file (``eval.inception_weights``); it is never downloaded. Any other
``nn.Module`` mapping (B, 3, H, W) images in [0, 1] to (B, D) features can be passed instead
(the tests use a tiny fixed conv net). torchmetrics and torch-fidelity are optional: the
``rlgan[metrics]`` extra; :func:`check_config` names what is missing before any training.
"""

from __future__ import annotations

import importlib.util
import logging
import pickle
import warnings
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig
from torch import nn

from rlgan.common.errors import ConfigError, require
from rlgan.gan.evaluators import Evaluator
from rlgan.gan.metric_names import FID, INCEPTION_METRICS, KID_MEAN, KID_STD
from rlgan.gan.settings import EvalSettings

log = logging.getLogger(__name__)

INCEPTION_FEATURES = 2048
WEIGHTS_FILE = "weights-inception-2015-12-05-6726825d.pth"
WEIGHTS_URL = "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/" + WEIGHTS_FILE
KID_SUBSETS = 100


def module_available(name: str) -> bool:
    """Whether the top-level module ``name`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def cached_weights_path() -> Path:
    """Where torch-fidelity caches the Inception weights (``$TORCH_HOME/hub/checkpoints``)."""
    return Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_FILE


def weights_path(value: Any) -> Path:
    """The local Inception weights file named by ``eval.inception_weights`` (ConfigError).

    ``null`` falls back to torch-fidelity's cache location when a file is there.
    """
    where = (
        f"They are never downloaded: fetch {WEIGHTS_URL} (torch-fidelity's release page) "
        f"once, then pass eval.inception_weights=<path>, or place the file at "
        f"{cached_weights_path()}, where torch-fidelity caches it."
    )
    if value is None or str(value) == "":
        cached = cached_weights_path()
        if cached.is_file():
            return cached
        raise ConfigError(
            "eval.inception=true needs the FID Inception weights as a local file, "
            "but eval.inception_weights is not set and no cached copy exists. " + where
        )
    path = Path(str(value)).expanduser()
    require(
        path.is_file(),
        f"Invalid eval.inception_weights={str(value)!r}: no such file "
        f"(expected torch-fidelity's {WEIGHTS_FILE}). " + where,
    )
    return path


def check_config(cfg: DictConfig) -> Path | None:
    """Validate the ``eval.inception*`` keys of ``cfg`` (ConfigError); return the weights file.

    Returns ``None`` when ``eval.inception`` is off. Cheap: nothing is imported or loaded.
    """
    from rlgan.gan.data import data_class, image_data_options

    evaluation = cfg.eval
    if not evaluation.get("inception", False):
        return None
    data = str(cfg.data.get("name"))
    require(
        data_class(cfg.data).supports_inception,
        f"Invalid eval.inception=true for data={data}: FID and KID score images, so they "
        f"need an image data set ({', '.join(image_data_options())}); set "
        "eval.inception=false for 2-D data.",
    )
    subset = evaluation.get("kid_subset_size", 1000)
    require(
        isinstance(subset, int) and not isinstance(subset, bool) and subset >= 2,
        f"Invalid eval.kid_subset_size={subset!r}: it must be an integer >= 2 (it is "
        "clamped to the number of samples; 1000 is usual).",
    )
    n_samples = evaluation.get("n_samples")
    require(
        isinstance(n_samples, int) and n_samples >= 2,
        f"Invalid eval.n_samples={n_samples!r} with eval.inception=true: FID and KID need "
        "at least 2 generated samples.",
    )
    require(
        module_available("torchmetrics"),
        "eval.inception=true computes FID and KID with torchmetrics, which is not "
        'installed: pip install "rlgan[metrics]" (or set eval.inception=false).',
    )
    require(
        module_available("torch_fidelity"),
        "eval.inception=true needs torch-fidelity (the Inception network of FID and KID), "
        "which is not installed. It depends on torchvision, so it comes with the vision "
        'extra: pip install "rlgan[metrics,vision]" (torchvision may replace a CPU torch '
        "build; see docs/gan.md).",
    )
    return weights_path(evaluation.get("inception_weights"))


class InceptionFeatures(nn.Module):
    """torch-fidelity's FID Inception-v3 (through torchmetrics): 2048-d features of images.

    Takes (B, 3, H, W) floats in [0, 1] and converts them to bytes as torchmetrics does with
    ``normalize=True``; the network resizes them to 299x299 itself.
    """

    num_features = INCEPTION_FEATURES

    def __init__(self, weights: str | Path) -> None:
        super().__init__()
        from torchmetrics.image.fid import NoTrainInceptionV3

        try:
            self.net = NoTrainInceptionV3(
                name="inception-v3-compat",
                features_list=[str(self.num_features)],
                feature_extractor_weights_path=str(weights),
            )
        except (
            RuntimeError,
            OSError,
            EOFError,
            KeyError,
            ValueError,
            pickle.UnpicklingError,
        ) as err:
            raise ConfigError(
                f"Invalid eval.inception_weights={str(weights)!r}: it could not "
                f"be loaded as torch-fidelity's Inception weights ({err}). "
                f"Expected {WEIGHTS_FILE} from {WEIGHTS_URL}."
            ) from err

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Pool features, shape ``(B, 2048)``, of images in [0, 1]."""
        return self.net((images * 255).byte())


class _Precomputed(nn.Identity):
    """The "feature extractor" handed to torchmetrics: its inputs already are features."""

    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.num_features = num_features


def to_unit_rgb(images: torch.Tensor) -> torch.Tensor:
    """Map images in [-1, 1] (grey or RGB) to 3-channel floats in [0, 1]."""
    images = torch.nan_to_num(images.float(), nan=0.0).clamp(-1, 1)
    if images.shape[1] == 1:
        images = images.repeat(1, 3, 1, 1)
    return (images + 1) / 2


class InceptionMetrics:
    """FID and KID of generated images against fixed real images, in a feature network's space.

    ``real``: (N, C, H, W) images in [-1, 1] with C in {1, 3}, embedded once.
    ``extractor``: maps (B, 3, H, W) images in [0, 1] to (B, D) features (default: the FID
    Inception). ``kid_subset_size`` is clamped to the number of samples at each evaluation.
    """

    def __init__(
        self,
        real: torch.Tensor,
        extractor: nn.Module,
        kid_subset_size: int = 1000,
        kid_subsets: int = KID_SUBSETS,
        batch_size: int = 64,
        device: torch.device | str = "cpu",
        seed: int = 0,
    ) -> None:
        from torchmetrics.image.fid import FrechetInceptionDistance
        from torchmetrics.image.kid import KernelInceptionDistance

        self.extractor = extractor.to(device).eval()
        self.device, self.batch_size, self.seed = torch.device(device), batch_size, seed
        self.kid_subset_size = int(kid_subset_size)
        real_features = self.features(real)
        self.n_real, dim = real_features.shape
        self.fid = FrechetInceptionDistance(feature=_Precomputed(dim), reset_real_features=False)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*will save all extracted features")
            self.kid = KernelInceptionDistance(
                feature=_Precomputed(dim),
                subsets=kid_subsets,
                subset_size=self.kid_subset_size,
                reset_real_features=False,
            )
        self.fid.update(real_features, real=True)
        self.kid.update(real_features, real=True)

    @torch.no_grad()
    def features(self, images: torch.Tensor) -> torch.Tensor:
        """Features (CPU floats, shape ``(N, D)``) of images in [-1, 1], in batches."""
        chunks = [
            self.extractor(to_unit_rgb(images[i : i + self.batch_size]).to(self.device))
            for i in range(0, len(images), self.batch_size)
        ]
        return torch.cat(chunks).reshape(len(images), -1).float().cpu()

    @torch.no_grad()
    def evaluate(self, fake: torch.Tensor) -> dict[str, float]:
        """``eval/fid``, ``eval/kid_mean`` and ``eval/kid_std`` of ``fake`` (>= 2 images)."""
        if len(fake) < 2:
            raise ValueError(f"FID and KID need at least 2 generated images, got {len(fake)}")
        fake_features = self.features(fake)
        self.fid.reset()
        self.kid.reset()
        self.fid.update(fake_features, real=False)
        self.kid.update(fake_features, real=False)
        self.kid.subset_size = min(self.kid_subset_size, self.n_real, len(fake))
        fid = float(self.fid.compute())
        # KID draws its subsets from torch's global RNG: seed a forked one, so the values are
        # reproducible and training's random state is left untouched.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            kid_mean, kid_std = self.kid.compute()
        return {FID.name: fid, KID_MEAN.name: float(kid_mean), KID_STD.name: float(kid_std)}


def build(
    images: torch.Tensor,
    settings: EvalSettings,
    device: torch.device | str = "cpu",
    seed: int = 0,
    feature_extractor: nn.Module | None = None,
    name: str = "data",
) -> InceptionMetrics:
    """:class:`InceptionMetrics` for an image run: up to ``eval.n_samples`` real ``images``.

    ``images``: the data set's (N, C, H, W) images in [-1, 1]. ``feature_extractor``
    replaces the Inception network (loaded from ``eval.inception_weights`` otherwise).
    """
    if feature_extractor is None:
        feature_extractor = InceptionFeatures(weights_path(settings.inception_weights))
    count = min(len(images), settings.n_samples)
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    log.info("computing FID/KID features of %d real %s images", count, name)
    return InceptionMetrics(
        images[order[:count]],
        feature_extractor,
        kid_subset_size=settings.kid_subset_size,
        device=device,
        seed=seed,
    )


class InceptionEvaluator(Evaluator):
    """The evaluator of ``eval.inception=true``: FID and KID of generated images.

    Cheap to construct; :meth:`prepare` loads the Inception network and embeds the real
    images (a fixed random set of up to ``eval.n_samples``).
    """

    metrics = INCEPTION_METRICS

    def __init__(
        self,
        images: torch.Tensor,
        settings: EvalSettings,
        device: torch.device | str = "cpu",
        seed: int = 0,
        name: str = "data",
    ) -> None:
        self.images, self.settings, self.device, self.seed = images, settings, device, seed
        self.name = name
        self.scores: InceptionMetrics | None = None

    def prepare(self) -> None:
        """Load the feature network and embed the real images (once)."""
        if self.scores is None:
            self.scores = build(self.images, self.settings, self.device, self.seed, name=self.name)

    def evaluate(
        self, fake: torch.Tensor, generator: torch.Generator | None = None
    ) -> dict[str, float]:
        """``eval/fid``, ``eval/kid_mean`` and ``eval/kid_std`` of ``fake``."""
        self.prepare()
        assert self.scores is not None
        return self.scores.evaluate(fake)
