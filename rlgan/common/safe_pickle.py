"""Unpickling with an allow-list: the pickles rlgan reads cannot run arbitrary code.

A pickle names the functions and classes it needs to rebuild its objects, and plain
``pickle.load`` imports and calls whatever it names: loading a file made by someone else can
run any code. :class:`SafeUnpickler` admits only what rlgan's own files need:

- NumPy arrays, scalars, scalar types, dtypes and random generators (and the functions
  NumPy pickles them with);
- torch tensors, dtypes and devices (a pickled tensor's storage is read back with
  ``torch.load(weights_only=True)``);
- Gymnasium spaces; stable-baselines3 / sb3-contrib policies, buffers, schedules, action
  noises, enums and named tuples; torch ``nn.Module`` and optimiser classes; the networks
  and activation factory of :mod:`rlgan.nets`;
- ``collections.deque`` / ``OrderedDict`` / ``defaultdict``, ``functools.partial`` and a few
  builtin containers.

Anything else (``builtins.open``, ``os.system``, functions stored by value, ...) raises
:class:`UnsafeFileError`, naming the file and the refused global. ``trust=True`` in the
loaders skips the check for files the user made or trusts.
"""

from __future__ import annotations

import importlib
import io
import os
import pickle
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rlgan.common.errors import ConfigError

#: What the error message and the docs say the allow-list admits.
ADMITS = (
    "NumPy arrays and random generators, torch tensors, Gymnasium spaces, "
    "stable-baselines3 / sb3-contrib classes, torch modules and optimisers, rlgan.nets "
    "networks and plain Python containers"
)


class UnsafeFileError(ConfigError):
    """A file asked to import or call something outside rlgan's allow-list.

    ``source`` is the file and ``refused`` the global it needed (both may be empty when the
    error sums up several files).
    """

    def __init__(self, message: str, source: str = "", refused: str = "") -> None:
        super().__init__(message)
        self.source = source
        self.refused = refused


def unsafe_file_error(source: str | os.PathLike, refused: str) -> UnsafeFileError:
    """The error for ``source`` (a file) whose unpickling needs the global ``refused``."""
    return UnsafeFileError(
        f"Refused to load {str(source)!r}: unpickling it needs {refused}, which is not on "
        f"rlgan's allow-list ({ADMITS}), so loading it could run arbitrary code. rlgan's own "
        "files never need it: the file was made elsewhere or tampered with. If you made it "
        "yourself or trust where it came from, pass trust=true to load it anyway.",
        source=str(source),
        refused=refused,
    )


# ---- the allow-list -----------------------------------------------------------------------
#: Exact ``(module, name)`` globals admitted besides the classes of :data:`CLASS_MODULES`.
ALLOWED_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    {
        ("numpy", "dtype"),
        ("numpy", "ndarray"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy._core.numeric", "_frombuffer"),
        ("numpy.random._pickle", "__generator_ctor"),
        ("numpy.random._pickle", "__bit_generator_ctor"),
        ("numpy.random._pickle", "__randomstate_ctor"),
        ("numpy.random.bit_generator", "__pyx_unpickle_SeedSequence"),
        ("torch", "device"),
        ("torch", "Size"),
        ("torch._utils", "_rebuild_tensor_v2"),
        ("torch._utils", "_rebuild_parameter"),
        ("collections", "deque"),
        ("collections", "OrderedDict"),
        ("collections", "defaultdict"),
        ("functools", "partial"),
        ("copyreg", "_reconstructor"),
        ("_codecs", "encode"),
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("builtins", "slice"),
        ("builtins", "complex"),
        ("builtins", "bytearray"),
        ("builtins", "range"),
        ("builtins", "object"),
        ("rlgan.nets.activations", "make_activation"),
    }
)

#: Modules (and their submodules) whose *classes* of the kinds in :func:`_safe_class` load.
CLASS_MODULES: tuple[str, ...] = (
    "gymnasium.spaces",
    "stable_baselines3",
    "sb3_contrib",
    "torch.nn.modules",
    "torch.optim",
    "numpy.random",
    "numpy.dtypes",
    "numpy._core",
    "rlgan.nets",
    "rlgan.rl.schedules",
)
#: Modules whose classes of those kinds load, without their submodules.
CLASS_MODULES_EXACT: tuple[str, ...] = ("numpy",)

#: Old NumPy module names in pickles made with NumPy 1.x.
_MODULE_ALIASES = {
    "numpy.core.multiarray": "numpy._core.multiarray",
    "numpy.core.numeric": "numpy._core.numeric",
}


def _load_tensor_storage(data: bytes) -> Any:
    """Rebuild a pickled tensor storage with torch's own weights-only loader."""
    import torch

    return torch.load(io.BytesIO(data), weights_only=True)


#: Globals replaced by a safe equivalent (torch's storage loader uses weights_only=False).
_REPLACEMENTS: dict[tuple[str, str], Callable[..., Any]] = {
    ("torch.storage", "_load_from_bytes"): _load_tensor_storage,
}


def _in_modules(module: str, prefixes: tuple[str, ...]) -> bool:
    """True when ``module`` is one of ``prefixes`` or a submodule of one."""
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _safe_class_bases() -> tuple[type, ...]:
    """Kinds of classes that are safe to rebuild (constructing them runs no foreign code)."""
    import enum

    import gymnasium
    import numpy as np
    import torch
    from stable_baselines3.common.buffers import BaseBuffer
    from stable_baselines3.common.noise import ActionNoise
    from stable_baselines3.common.utils import ConstantSchedule, FloatSchedule, LinearSchedule

    return (
        gymnasium.spaces.Space,
        torch.nn.Module,
        torch.optim.Optimizer,
        BaseBuffer,
        ActionNoise,
        FloatSchedule,
        LinearSchedule,
        ConstantSchedule,
        enum.Enum,
        tuple,
        np.dtype,
        np.generic,
        np.random.BitGenerator,
        np.random.SeedSequence,
        np.random.Generator,
        np.random.RandomState,
    )


def _safe_class(obj: Any) -> bool:
    """True for a class of one of the kinds in :func:`_safe_class_bases`."""
    return isinstance(obj, type) and issubclass(obj, _safe_class_bases())


def _torch_dtype(module: str, name: str) -> Any:
    """``torch.<name>`` when it is a dtype such as ``torch.float32``, else None."""
    if module != "torch":
        return None
    import torch

    value = getattr(torch, name, None)
    return value if isinstance(value, torch.dtype) else None


def resolve_global(module: str, name: str) -> Any:
    """The object ``module.name`` when the allow-list admits it, else ``None``.

    Modules outside the allow-list are never imported (an import alone can run code).
    """
    module = _MODULE_ALIASES.get(module, module)
    if (module, name) in _REPLACEMENTS:
        return _REPLACEMENTS[(module, name)]
    if "." in name:
        return None
    dtype = _torch_dtype(module, name)
    if dtype is not None:
        return dtype
    listed = (module, name) in ALLOWED_GLOBALS
    if not listed and not (_in_modules(module, CLASS_MODULES) or module in CLASS_MODULES_EXACT):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            value = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    if listed or _safe_class(value):
        return value
    return None


class SafeUnpickler(pickle.Unpickler):
    """A ``pickle.Unpickler`` that loads only the globals of the allow-list."""

    def __init__(
        self, file: Any, source: str | os.PathLike = "<bytes>", encoding: str = "ASCII"
    ) -> None:
        super().__init__(file, encoding=encoding)
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        """Return the allowed global ``module.name``; raise :class:`UnsafeFileError` otherwise."""
        value = resolve_global(module, name)
        if value is None:
            raise unsafe_file_error(self.source, f"{module}.{name}")
        return value


def safe_loads(data: bytes, source: str | os.PathLike = "<bytes>", encoding: str = "ASCII") -> Any:
    """Unpickle ``data`` through :class:`SafeUnpickler`; ``source`` names it in errors.

    ``encoding`` is pickle's, for Python 2 pickles (``"bytes"`` for CIFAR-10's batches).
    """
    return SafeUnpickler(io.BytesIO(data), source, encoding).load()


def load_pickle(path: str | os.PathLike, trust: bool = False, encoding: str = "ASCII") -> Any:
    """Unpickle the file ``path``: through the allow-list, or plainly when ``trust``."""
    data = Path(path).read_bytes()
    if trust:
        return pickle.loads(data, encoding=encoding)  # noqa: S301 - the user vouched for it
    return safe_loads(data, path, encoding)
