"""The training data of a GAN run: the :class:`GanDataSet` protocol and :func:`build_data`.

``conf/data/<name>.yaml`` names a :class:`GanDataSet` subclass with ``_target_``; its other
keys are the constructor's keyword arguments. A data set brings everything that depends on
what the data is:

- real samples (:meth:`~GanDataSet.sample`, from a seeded :class:`torch.Generator`, so a
  resumed run draws the same batches as an uninterrupted one);
- class labels, when it has them (:attr:`~GanDataSet.has_labels`,
  :meth:`~GanDataSet.sample_labelled`, :meth:`~GanDataSet.class_frequencies`): what a
  class-conditional run (``model.conditional=true``) trains on;
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
    """What a data set's pictures may ask of the networks in training (in eval mode, CPU).

    In a class-conditional run (:attr:`num_classes` > 0) the sampling methods take labels;
    left None, :meth:`generate` draws them from the class frequencies, :meth:`samples_of`
    cycles through :attr:`display_classes`, and :meth:`fixed_samples` returns one row of
    :data:`rlgan.gan.conditioning.GRID_COLUMNS` samples per displayed class (the same
    latents in every row).
    """

    #: The classes of a class-conditional run (0: unconditional).
    num_classes: int
    #: The classes pictures show, one row each (all up to 10, else 10 spread evenly).
    display_classes: list[int]

    def generate(
        self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``n`` samples of the sampling generator, latents drawn from ``generator``."""
        ...

    def fixed_samples(
        self, count: int | None = None, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Samples of the run's fixed latents (the first ``count``; all when None)."""
        ...

    def latents(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` latents of the generator's prior, drawn from ``generator``."""
        ...

    def samples_of(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """The sampling generator's samples of latents ``z`` (CPU)."""
        ...

    def critic_probabilities(
        self, points: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``sigmoid(D(points))``, shape ``(N,)`` (conditional: averaged over the classes)."""
        ...

    def live_labels(self, n: int) -> torch.Tensor | None:
        """``n`` labels of the class picked in the live view (None: none picked, or none)."""
        ...


def view_classes(view: ModelView) -> int:
    """``view.num_classes``: 0 for an unconditional run, or a view that predates the attribute."""
    return int(getattr(view, "num_classes", 0) or 0)


def view_live_labels(view: ModelView, n: int) -> torch.Tensor | None:
    """``view.live_labels(n)``: None for an unconditional run (or a view without the method)."""
    return view.live_labels(n) if view_classes(view) else None


class GanDataSet:
    """Base class of the data sets: real samples, an evaluator and the run's pictures.

    Subclasses set :attr:`shape` in their constructor and implement :meth:`sample`,
    :meth:`evaluator`, :meth:`picture` and :meth:`live_payload`. ``name`` is the option's
    name (``metrics.json``'s ``data``); ``objective`` is the default metric ``train()``
    returns, one of the evaluator's metrics or ``loss/d`` / ``loss/g``.
    """

    #: Whether FID/KID (``eval.inception=true``) apply: the samples are images.
    supports_inception: ClassVar[bool] = False
    #: Whether the samples can carry class labels (a conditional run needs
    #: :attr:`num_classes` >= 2 as well: an image folder without sub-folders has one class).
    has_labels: ClassVar[bool] = False

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

    @property
    def num_classes(self) -> int:
        """Number of classes of the labels (0: no labels)."""
        return 0

    def class_name(self, index: int) -> str:
        """The name of class ``index`` (its number unless the data names its classes)."""
        return str(int(index))

    def sample_labelled(
        self, n: int, generator: torch.Generator, device: torch.device | str = "cpu"
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(samples, labels)``: :meth:`sample`'s draw and the class of each sample.

        It draws from ``generator`` exactly as :meth:`sample` does.
        """
        raise ConfigError(f"data={self.name} has no class labels (it is not a labelled set).")

    def class_frequencies(self) -> torch.Tensor:
        """The classes' frequencies in the data, ``(num_classes,)`` float (uniform here)."""
        import torch

        return torch.full((self.num_classes,), 1.0 / max(self.num_classes, 1))

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


def _options_where(flag: str) -> tuple[str, ...]:
    """The ``data=`` options whose data set class has the class attribute ``flag`` set."""
    from importlib.resources import files

    import yaml

    from rlgan.gan.building import CONFIG_PACKAGE, group_choices

    found = []
    for option in group_choices("data"):
        text = files(CONFIG_PACKAGE).joinpath("data", f"{option}.yaml").read_text("utf-8")
        node = yaml.safe_load(text) or {}
        try:
            if getattr(data_class(node), flag):
                found.append(option)
        except ConfigError:
            continue
    return tuple(found)


@cache
def image_data_options() -> tuple[str, ...]:
    """The ``data=`` options whose data sets are images (for error messages)."""
    return _options_where("supports_inception")


@cache
def labelled_data_options() -> tuple[str, ...]:
    """The ``data=`` options whose samples carry class labels (for error messages)."""
    return _options_where("has_labels")


def build_data(cfg: Mapping[str, Any]) -> GanDataSet:
    """Instantiate ``cfg`` (a ``conf/data`` node): load or describe the data set."""
    from rlgan.gan.building import build_object

    data_class(cfg)
    return build_object(cfg, "data", GanDataSet)
