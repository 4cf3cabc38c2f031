"""GAN checkpoints: ``checkpoints/step_<iteration>.pt``, written atomically, loaded safely.

A checkpoint is :meth:`~rlgan.gan.trainer.GanTrainer.state_dict` plus the run's extras
(``wall_time_s``, ``fixed_z``): only tensors and plain Python values, so it loads with
``torch.load(weights_only=True)``, which runs no code stored in the file.
:func:`load_gan_checkpoint` uses the newest checkpoint that loads; damaged ones (empty,
truncated, garbage, not finite, refused by the weights-only loader) are skipped with a
one-line warning.
"""

from __future__ import annotations

import math
import os
import pickle
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from rlgan.common.atomic import atomic_torch_save
from rlgan.common.loading import DamagedFileError, first_loadable, one_line, require_nonempty
from rlgan.common.run_dir import (
    CHECKPOINT_DIR,
    checkpoint_path,
    list_checkpoints,
    prune_checkpoints,
)
from rlgan.common.safe_pickle import unsafe_file_error
from rlgan.gan.trainer import iter_tensors

CHECKPOINT_SUFFIX = ".pt"
#: Entries every GAN checkpoint holds.
REQUIRED_KEYS = ("step", "generator", "discriminator", "opt_g", "opt_d", "rng")
_REFUSED_GLOBAL = re.compile(r"Unsupported global: GLOBAL (\S+)")
_WEIGHTS_ERROR = re.compile(r"WeightsUnpickler error:\s*(.+?)(?:\n\n|$)", re.DOTALL)


def check_plain(obj: Any, where: str = "state") -> None:
    """Raise TypeError unless ``obj`` is tensors and plain values in dicts/lists/tuples.

    That is what ``torch.load(weights_only=True)`` reads back; checking before saving keeps
    a non-loadable object from ever reaching a checkpoint.
    """
    if obj is None or isinstance(
        obj,
        (
            bool,
            int,
            float,
            complex,
            str,
            bytes,
            torch.Tensor,
            torch.dtype,
            torch.device,
            torch.Size,
        ),
    ):
        return
    if isinstance(obj, Mapping):
        for key, value in obj.items():
            check_plain(key, f"{where} key")
            check_plain(value, f"{where}[{key!r}]")
        return
    if isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            check_plain(value, f"{where}[{i}]")
        return
    raise TypeError(
        f"{where} is a {type(obj).__name__}: a GAN checkpoint may hold only "
        "tensors, plain Python values and dicts/lists/tuples of them"
    )


def save_gan_checkpoint(
    run_dir: str | os.PathLike, step: int, state: Mapping[str, Any], keep: int
) -> Path:
    """Atomically write ``state`` as the checkpoint of ``step``; keep the ``keep`` newest.

    ``keep <= 0`` keeps all. Raises TypeError when ``state`` holds something
    ``weights_only`` loading would refuse (see :func:`check_plain`).
    """
    check_plain(state)
    path = atomic_torch_save(checkpoint_path(run_dir, step, CHECKPOINT_SUFFIX), dict(state))
    prune_checkpoints(run_dir, CHECKPOINT_SUFFIX, int(keep))
    return path


def _torch_load(path: Path, device: str | torch.device, trust: bool) -> Any:
    """``torch.load`` one file; the weights-only loader's refusals become UnsafeFileError."""
    try:
        return torch.load(path, map_location=device, weights_only=not trust)
    except pickle.UnpicklingError as err:
        refused = _REFUSED_GLOBAL.search(str(err))
        if refused:
            raise unsafe_file_error(path, refused.group(1)) from None
        detail = _WEIGHTS_ERROR.search(str(err))
        reason = detail.group(1) if detail else str(err)
        raise DamagedFileError(f"it is not a readable torch file ({one_line(reason)})") from None
    except RuntimeError as err:
        raise DamagedFileError(f"it is not a readable torch file ({one_line(str(err))})") from None


def _check_state(state: Any) -> dict[str, Any]:
    """``state`` when it is a complete, finite GAN checkpoint; DamagedFileError otherwise."""
    if not isinstance(state, dict):
        raise DamagedFileError(f"it holds a {type(state).__name__}, not an rlgan-gan checkpoint")
    missing = [key for key in REQUIRED_KEYS if key not in state]
    if missing:
        raise DamagedFileError(f"it is not an rlgan-gan checkpoint (no {', '.join(missing)})")
    for tensor in iter_tensors(
        {k: state[k] for k in ("generator", "discriminator", "ema", "opt_g", "opt_d") if k in state}
    ):
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise DamagedFileError("its weights or optimiser state hold NaN or infinity")
    if not math.isfinite(float(state.get("wall_time_s", 0.0) or 0.0)):
        raise DamagedFileError("its wall_time_s is not finite")
    return state


def load_gan_checkpoint(
    run_dir: str | os.PathLike, device: str | torch.device, trust: bool = False
) -> tuple[dict[str, Any], Path] | None:
    """The newest loadable GAN checkpoint of ``run_dir``: ``(state, path)``.

    ``None`` when the run has no checkpoint file. Tensors land on ``device``. Damaged
    checkpoints are skipped with a one-line warning; when none loads, raise
    :class:`~rlgan.common.errors.ConfigError` (:class:`~rlgan.common.safe_pickle.UnsafeFileError`
    when one was refused as unsafe) listing every file and why it failed. ``trust=True``
    loads with ``weights_only=False`` (checkpoints of older rlgan versions or made
    elsewhere).
    """
    found = list_checkpoints(run_dir, CHECKPOINT_SUFFIX)
    if not found:
        return None

    def load(path: Path) -> dict[str, Any]:
        require_nonempty(path)
        return _check_state(_torch_load(path, device, trust))

    return first_loadable(
        [path for _, path in reversed(found)],
        load,
        what="GAN checkpoint",
        where=Path(run_dir) / CHECKPOINT_DIR,
        advice="Resuming needs one intact checkpoint; start a new run instead.",
    )
