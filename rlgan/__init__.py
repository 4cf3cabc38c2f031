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

In a notebook, ``rlgan.train("rl", ["algo=dqn", "env.id=Acrobot-v1"])`` trains as
``rlgan-rl`` would and returns the run (:mod:`rlgan.notebook`, docs/notebook.md);
``rlgan.load_run(folder)`` opens a run written earlier.

``import rlgan`` registers our environments with Gymnasium, without importing Gymnasium: when
Gymnasium is imported already, they are registered at once; otherwise as soon as it is
(:func:`register_when_gymnasium_is_imported`). Either way, ``gymnasium.make("rlgan/Maze-v0")``
works after ``import rlgan``. Sub-packages import their heavy dependencies (torch, SB3, pygame)
only when used, so ``rlgan-rl --help`` pays for Hydra and the config tree alone.
"""

from __future__ import annotations

import importlib.util
import sys
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

from rlgan.common.lazy import lazy_exports

__version__ = "0.1.0"

#: The notebook API, imported on first use (``rlgan.train``, ``rlgan.load_run``).
__getattr__, __dir__ = lazy_exports(
    __name__, globals(), {"train": "rlgan.notebook", "load_run": "rlgan.notebook"}
)


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


def _register_envs() -> None:
    """Register rlgan's environments (imports ``rlgan.envs``, which needs Gymnasium)."""
    from rlgan.envs import register_envs

    register_envs()


class _RegisterOnGymnasiumImport(MetaPathFinder):
    """Import hook: once ``gymnasium`` has been executed, register rlgan's environments.

    It finds nothing itself: for ``gymnasium`` it asks the other finders for the spec and
    wraps that spec's loader, so Gymnasium loads exactly as it would without the hook. It
    removes itself from ``sys.meta_path`` after it fired.
    """

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        """The spec the other finders give for ``gymnasium``, with a registering loader."""
        if fullname != "gymnasium":
            return None
        spec = self._others_spec(fullname, path, target)
        loader = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        execute = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            execute(module)
            self.remove()
            _register_envs()

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec

    def _others_spec(
        self, fullname: str, path: object, target: ModuleType | None
    ) -> ModuleSpec | None:
        """The spec of the first other finder on ``sys.meta_path`` that knows ``fullname``."""
        for finder in list(sys.meta_path):
            find = getattr(finder, "find_spec", None)
            if finder is self or isinstance(finder, type(self)) or find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                return spec
        return None

    def remove(self) -> None:
        """Take this hook off ``sys.meta_path`` (no error when it is gone already)."""
        if self in sys.meta_path:
            sys.meta_path.remove(self)


def register_when_gymnasium_is_imported() -> None:
    """Register rlgan's environments now if Gymnasium is loaded, else once it is imported."""
    gymnasium = sys.modules.get("gymnasium")
    if gymnasium is not None and hasattr(gymnasium, "register"):
        _register_envs()
    elif not any(isinstance(f, _RegisterOnGymnasiumImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _RegisterOnGymnasiumImport())


_map_top_level_folders()
register_when_gymnasium_is_imported()
