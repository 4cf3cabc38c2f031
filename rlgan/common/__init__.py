"""What both runners need, written once: devices, seeding, atomic files, run folders, errors.

- :mod:`~rlgan.common.device`: :func:`resolve_device` (``auto`` picks CUDA when present).
- :mod:`~rlgan.common.seeding`: :func:`seed_everything`.
- :mod:`~rlgan.common.atomic`: crash-safe writes (:func:`atomic_write_bytes`, ...).
- :mod:`~rlgan.common.errors`: :class:`ConfigError` and the one-paragraph error helpers.
- :mod:`~rlgan.common.run_dir`: the layout of a run folder, ``metrics.json``, checkpoints.
- :mod:`~rlgan.common.app`: the thin layer between ``@hydra.main`` and a ``train(cfg)``.
- :mod:`~rlgan.common.hydra_cli`: ``@hydra.main`` whose bad command lines exit 2.
- :mod:`~rlgan.common.csv_log`: ``progress.csv`` writer.
- :mod:`~rlgan.common.plotting`: mean/std curve plots.

The names below are re-exported lazily (PEP 562): ``from rlgan.common import ConfigError``
imports :mod:`~rlgan.common.errors` only, not torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rlgan.common.lazy import lazy_exports

if TYPE_CHECKING:
    from rlgan.common.atomic import atomic_torch_save, atomic_write_bytes, atomic_write_json
    from rlgan.common.device import resolve_device
    from rlgan.common.errors import ConfigError
    from rlgan.common.seeding import seed_everything

#: Re-exported name -> the module that defines it.
_LAZY = {
    "ConfigError": "rlgan.common.errors",
    "atomic_torch_save": "rlgan.common.atomic",
    "atomic_write_bytes": "rlgan.common.atomic",
    "atomic_write_json": "rlgan.common.atomic",
    "resolve_device": "rlgan.common.device",
    "seed_everything": "rlgan.common.seeding",
}

__all__ = [
    "ConfigError",
    "atomic_torch_save",
    "atomic_write_bytes",
    "atomic_write_json",
    "resolve_device",
    "seed_everything",
]

__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
