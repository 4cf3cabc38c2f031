"""rlgan: reinforcement learning and adversarial (GAN) simulation toolkit.

Sub-packages:

- :mod:`rlgan.nets`: the shared network module library (MLPs, conv encoders, GAN bodies).
- :mod:`rlgan.common`: devices, seeding, atomic checkpoints, run folders, errors, plots.
- :mod:`rlgan.rl`: the ``rlgan-rl`` runner (stable-baselines3 on any Gymnasium env).
- :mod:`rlgan.gan`: the ``rlgan-gan`` runner (images and 2-D toy distributions).
- :mod:`rlgan.envs`: our Gymnasium environments (``rlgan/...`` ids), from the top-level
  ``envs/`` folder.
- :mod:`rlgan.render`: the pygame renderer and ``rlgan-watch``.
- :mod:`rlgan.sweep`: sweep helpers and ``rlgan-report``.

``import rlgan`` registers our environments with Gymnasium.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

__version__ = "0.1.0"


def _map_top_level_folders() -> None:
    """Let a plain source checkout (no install) import ``rlgan.conf`` and ``rlgan.envs``.

    Installed (wheel or editable), setuptools maps the top-level ``conf/`` and ``envs/``
    folders to these names. Run from a bare checkout with ``PYTHONPATH=.``, nothing does, so
    the repository root is appended to this package's search path.
    """
    if importlib.util.find_spec("rlgan.conf") is None:
        repo_root = Path(__file__).resolve().parent.parent
        if (repo_root / "conf" / "__init__.py").is_file():
            __path__.append(str(repo_root))


_map_top_level_folders()

from rlgan.envs import register_envs  # noqa: E402

register_envs()
