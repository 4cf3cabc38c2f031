"""The training data of a GAN run: the :class:`GanDataSet` protocol and :func:`build_data`.

``conf/data/<name>.yaml`` names a :class:`GanDataSet` subclass with ``_target_``; its other
keys are the constructor's keyword arguments. A data set brings everything that depends on
what the data is:

- real samples (:meth:`~GanDataSet.sample`, from a seeded :class:`torch.Generator`, so a
  resumed run draws the same batches as an uninterrupted one);
- its evaluator (:meth:`~GanDataSet.evaluator`: the metrics, hence the valid objectives);
- what a sample picture is (:meth:`~GanDataSet.picture`), what the live view shows
  (:meth:`~GanDataSet.live_payload`) and the frames of the latent interpolation GIF
  (:meth:`~GanDataSet.interpolation_frames`; image data only).

The shipped ones: :mod:`rlgan.gan.data2d` (2-D mixtures and shapes) and
:mod:`rlgan.gan.image_data` (digits, MNIST, Fashion-MNIST, CIFAR-10, image folders). A new
data set is one subclass plus one yaml file (docs/extending.md, "Custom data set").
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from rlgan.common.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np
    import torch

    from rlgan.gan.evaluators import Evaluator
    from rlgan.gan.settings import EvalSettings


class ModelView(Protocol):
    """What a data set's pictures may ask of the networks in training (in eval mode, CPU)."""

    def generate(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` samples of the sampling generator, latents drawn from ``generator``."""
        ...

    def fixed_samples(self, count: int | None = None) -> torch.Tensor:
        """Samples of the run's fixed latents (the first ``count``; all when None)."""
        ...

    def latents(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` latents of the generator's prior, drawn from ``generator``."""
        ...

    def samples_of(self, z: torch.Tensor) -> torch.Tensor:
        """The sampling generator's samples of latents ``z`` (CPU)."""
        ...

    def critic_probabilities(self, points: torch.Tensor) -> torch.Tensor:
        """``sigmoid(D(points))``, shape ``(N,)``."""
        ...


class GanDataSet:
    """Base class of the data sets: real samples, an evaluator and the run's pictures.

    Subclasses set :attr:`shape` in their constructor and implement :meth:`sample`,
    :meth:`evaluator`, :meth:`picture` and :meth:`live_payload`. ``name`` is the option's
    name (``metrics.json``'s ``data``); ``objective`` is the default metric ``train()``
    returns, one of the evaluator's metrics or ``loss/d`` / ``loss/g``.
    """

    #: Whether FID/KID (``eval.inception=true``) apply: the samples are images.
    supports_inception: ClassVar[bool] = False

    def __init__(self, *, name: str, objective: str) -> None:
        self.name = str(name)
        self.objective = str(objective)
        self.shape: tuple[int, ...] = ()

    @property
    def size(self) -> int | None:
        """Number of stored samples (None when samples are drawn afresh, as for 2-D toys)."""
        return None

    def sample(
        self, n: int, generator: torch.Generator, device: torch.device | str = "cpu"
    ) -> torch.Tensor:
        """Draw ``n`` real samples using ``generator`` (a CPU generator), on ``device``."""
        raise NotImplementedError

    def evaluator(
        self, settings: EvalSettings, device: torch.device | str = "cpu", seed: int = 0
    ) -> Evaluator:
        """The evaluator of this data (cheap to build; ``prepare()`` does the heavy part)."""
        raise NotImplementedError

    def picture(self, view: ModelView, step: int, seed: int) -> np.ndarray:
        """The sample picture of iteration ``step``: an ``(H, W, 3)`` uint8 array."""
        raise NotImplementedError

    def live_payload(self, view: ModelView, step: int, seed: int) -> dict[str, Any]:
        """Keyword arguments ``real``, ``fake``, ``heatmap``, ``images`` of the live view."""
        raise NotImplementedError

    def interpolation_frames(self, view: ModelView, seed: int) -> list[np.ndarray]:
        """Frames (``(H, W, 3)`` uint8) of the run's latent interpolation GIF; none here."""
        return []


def data_class(cfg: Mapping[str, Any]) -> type[GanDataSet]:
    """The :class:`GanDataSet` subclass ``cfg._target_`` names (imported, nothing loaded)."""
    from rlgan.gan.building import target_class

    cls = target_class(cfg, "data")
    if not (isinstance(cls, type) and issubclass(cls, GanDataSet)):
        raise ConfigError(
            f"Invalid data._target_={str(cfg.get('_target_'))!r}: it is not a "
            "rlgan.gan.data.GanDataSet subclass."
        )
    return cls


@cache
def image_data_options() -> tuple[str, ...]:
    """The ``data=`` options whose data sets are images (for error messages)."""
    from importlib.resources import files

    import yaml

    from rlgan.gan.building import CONFIG_PACKAGE, group_choices

    found = []
    for option in group_choices("data"):
        text = files(CONFIG_PACKAGE).joinpath("data", f"{option}.yaml").read_text("utf-8")
        node = yaml.safe_load(text) or {}
        try:
            if data_class(node).supports_inception:
                found.append(option)
        except ConfigError:
            continue
    return tuple(found)


def build_data(cfg: Mapping[str, Any]) -> GanDataSet:
    """Instantiate ``cfg`` (a ``conf/data`` node): load or describe the data set."""
    from rlgan.gan.building import build_object

    data_class(cfg)
    return build_object(cfg, "data", GanDataSet)
