"""How a GAN trains on its device: mixed precision, channels-last and ``torch.compile``.

:class:`Precision` is built from three ``cfg.train`` knobs and is all the trainer asks about
them:

- ``precision``: ``fp32`` (no autocast: results bit-for-bit as without this module), ``bf16``
  (bfloat16 autocast, on the CPU and CUDA; bfloat16 has float32's range, so no loss scaling)
  or ``fp16`` (float16 autocast with a loss scaler per network, :class:`torch.amp.GradScaler`;
  CUDA only). :meth:`Precision.autocast` wraps the forward passes and the losses,
  :meth:`Precision.backward_step` replaces ``zero_grad``/``backward``/``step``.
- ``channels_last``: :meth:`Precision.prepare` stores the networks' 4-D weights channels-last
  and :meth:`Precision.batch` converts 4-D image batches (2-D points are left alone).
- ``compile``: :meth:`Precision.compiled` returns a ``torch.compile``-d view of a network that
  shares its parameters. The trainer keeps the original modules for checkpoints, the EMA copy
  and sampling, so ``state_dict`` keys never change (no ``_orig_mod.`` prefix).

Gradient penalties (R1, WGAN-GP) differentiate the discriminator's output with respect to
its input and then backpropagate through that gradient (double backward). Two things go
wrong if they run like the rest of the step: a compiled graph refuses double backward, and in
half precision the input gradients lose digits (bfloat16 keeps 8 bits of mantissa) or, in
float16, underflow, because the loss scaler scales the loss, not this inner gradient. Both are
avoided by computing penalties on the eager module in float32: the penalty functions of
:mod:`rlgan.gan.losses` run inside :func:`full_precision` on :func:`penalty_critic` of the
critic they are given, with their inputs cast to float32. The penalty then equals the float32
one whatever the training precision, and its weight gradients are scaled with the rest of the
loss. On lazy R1 steps (every ``loss.r1_every``-th D update) the discriminator therefore
runs once in float32.

The module imports torch lazily: ``rlgan.gan.settings`` checks ``train.precision`` against
:data:`PRECISIONS` before torch is loaded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from rlgan.common.errors import ConfigError, invalid_choice

if TYPE_CHECKING:
    import torch
    from torch import nn

#: The ``train.precision`` choices.
PRECISIONS: tuple[str, ...] = ("fp32", "bf16", "fp16")
#: torch dtype of each precision (by name, so that this table needs no torch import).
_DTYPE_NAMES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}


class PrecisionKnobs(Protocol):
    """What :meth:`Precision.from_settings` reads (``TrainSettings`` has these fields)."""

    precision: str
    channels_last: bool
    compile: bool


def _device_type(device: torch.device | str) -> str:
    """``"cpu"``, ``"cuda"``, ... of a device or its spelling (``"cuda:1"`` -> ``"cuda"``)."""
    return str(device).partition(":")[0]


def valid_precisions(device: torch.device | str) -> tuple[str, ...]:
    """The precisions that train on ``device``: fp32 anywhere, bf16 on CPU/CUDA, fp16 on CUDA.

    bf16 on CUDA needs a GPU with bfloat16 support (Ampere or newer).
    """
    kind = _device_type(device)
    if kind == "cpu":
        return ("fp32", "bf16")
    if kind == "cuda":
        import torch

        return ("fp32", "bf16", "fp16") if torch.cuda.is_bf16_supported() else ("fp32", "fp16")
    return ("fp32",)


def check_precision(precision: Any, device: torch.device | str | None = None) -> str:
    """``precision`` if it is one of :data:`PRECISIONS` that ``device`` supports, else raise.

    Without ``device`` only the name is checked (no torch import). The one-paragraph
    :class:`~rlgan.common.errors.ConfigError` names the value and the valid choices.
    """
    if precision not in PRECISIONS:
        raise invalid_choice("train.precision", precision, PRECISIONS)
    if device is None:
        return str(precision)
    valid = valid_precisions(device)
    if precision not in valid:
        why = {
            "fp16": "float16 training needs loss scaling, which rlgan-gan does on CUDA only",
            "bf16": "bfloat16 autocast runs on the CPU and on CUDA GPUs that support it",
        }.get(str(precision), "")
        raise ConfigError(
            f"Invalid train.precision={precision!r} for device={str(device)!r}: {why}. "
            f"Valid choices on this device are {', '.join(valid)} (fp32: full precision)."
        )
    return str(precision)


def penalty_critic(critic: Callable[..., Any]) -> Callable[..., Any]:
    """The eager module behind ``critic`` (``critic`` itself when it is not compiled).

    Gradient penalties call it: a ``torch.compile``-d graph does not support the double
    backward they need, and the compiled module shares its parameters with this one.
    """
    return getattr(critic, "_orig_mod", critic)


def full_precision(device: torch.device | str) -> contextlib.AbstractContextManager[Any]:
    """A context with autocast off on ``device``'s type: ops inside run in float32.

    For gradient penalties, whose input gradients half precision would round or underflow;
    cast the penalty's inputs with ``.float()`` inside it (a bf16/fp16 generator output
    stays half precision otherwise).
    """
    import torch

    return torch.autocast(_device_type(device), enabled=False)


class Precision:
    """Mixed precision, channels-last and ``torch.compile`` of one GAN's training step.

    ``device``: where training runs; ``precision``: one of :data:`PRECISIONS` that the device
    supports (:func:`check_precision`); ``channels_last``: store 4-D weights and image batches
    channels-last; ``compile``: :meth:`compiled` returns ``torch.compile(module)``.
    ``compile_backend`` is torch.compile's backend (tests use the fast ``aot_eager``).

    The trainer's step becomes::

        with precision.autocast():
            loss = loss_of(compiled_g, compiled_d, precision.batch(real))
        precision.backward_step(loss, optimizer, "d")
    """

    def __init__(
        self,
        device: torch.device | str,
        precision: str = "fp32",
        channels_last: bool = False,
        compile: bool = False,
        *,
        compile_backend: str = "inductor",
    ) -> None:
        import torch

        self.precision = check_precision(precision, device)
        self.device = torch.device(device)
        self.dtype: torch.dtype = getattr(torch, _DTYPE_NAMES[self.precision])
        self.channels_last = bool(channels_last)
        self.compile = bool(compile)
        self.compile_backend = str(compile_backend)
        #: One loss scaler per network (fp16 only), created on first use, by name.
        self.scalers: dict[str, torch.amp.GradScaler] = {}

    @classmethod
    def from_settings(cls, settings: PrecisionKnobs, device: torch.device | str) -> Precision:
        """The :class:`Precision` of ``settings.precision/channels_last/compile`` on ``device``."""
        return cls(device, settings.precision, settings.channels_last, settings.compile)

    @property
    def uses_autocast(self) -> bool:
        """True for bf16 and fp16 (fp32 runs without autocast)."""
        return self.precision != "fp32"

    @property
    def uses_scaler(self) -> bool:
        """True for fp16: losses are scaled before ``backward`` and steps unscaled."""
        return self.precision == "fp16"

    # ---- forward ------------------------------------------------------------------------
    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        """The context for forward passes and losses (a no-op context for fp32).

        Call :meth:`backward_step` outside it, as PyTorch's AMP recipe does.
        """
        if not self.uses_autocast:
            return contextlib.nullcontext()
        import torch

        return torch.autocast(self.device.type, dtype=self.dtype)

    def prepare(self, module: nn.Module) -> nn.Module:
        """``module`` moved to the device, its 4-D weights channels-last if asked (in place)."""
        import torch

        module.to(self.device)
        if self.channels_last:
            module.to(memory_format=torch.channels_last)
        return module

    def batch(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` channels-last if asked and it is a 4-D image batch; otherwise ``x`` itself."""
        import torch

        if self.channels_last and x.dim() == 4:
            return x.contiguous(memory_format=torch.channels_last)
        return x

    def compiled(self, module: nn.Module) -> Callable[..., Any]:
        """``torch.compile(module)`` when ``compile`` is on, else ``module``.

        The result shares ``module``'s parameters; save and load ``module`` itself (the
        compiled wrapper's ``state_dict`` keys carry an ``_orig_mod.`` prefix).
        """
        if not self.compile:
            return module
        import torch

        return torch.compile(module, backend=self.compile_backend)

    # ---- backward -----------------------------------------------------------------------
    def scaler(self, name: str) -> torch.amp.GradScaler | None:
        """The loss scaler of network ``name`` (fp16; created on first use), else None."""
        if not self.uses_scaler:
            return None
        if name not in self.scalers:
            import torch

            self.scalers[name] = torch.amp.GradScaler(self.device.type)
        return self.scalers[name]

    def backward_step(
        self, loss: torch.Tensor, optimizer: torch.optim.Optimizer, name: str = "default"
    ) -> bool:
        """``zero_grad``, ``backward`` and ``step`` of ``optimizer``; False if the step was skipped.

        fp32 and bf16 do exactly ``zero_grad(set_to_none=True)``, ``loss.backward()``,
        ``optimizer.step()``. fp16 scales the loss with network ``name``'s scaler (give the
        generator and the discriminator their own, e.g. ``"g"`` and ``"d"``: their gradients
        differ in size), lets the scaler unscale the gradients and skip the step when they
        hold an inf/NaN, and updates the scale (halved after a skip, doubled after a run of
        good steps).
        """
        optimizer.zero_grad(set_to_none=True)
        scaler = self.scaler(name)
        if scaler is None:
            loss.backward()
            optimizer.step()
            return True
        scaler.scale(loss).backward()
        before = scaler.get_scale()
        scaler.step(optimizer)
        scaler.update()
        return scaler.get_scale() >= before

    # ---- checkpoints --------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The loss scalers' states (plain numbers; empty unless fp16), for exact resumes."""
        return {"scalers": {name: s.state_dict() for name, s in self.scalers.items()}}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict`; scaler states are ignored unless this run is fp16.

        A checkpoint of a run without scalers (or of an earlier version, ``{}``) leaves
        the scalers to start afresh.
        """
        for name, scaler_state in dict(state.get("scalers") or {}).items():
            scaler = self.scaler(name)
            if scaler is not None:
                scaler.load_state_dict(dict(scaler_state))
