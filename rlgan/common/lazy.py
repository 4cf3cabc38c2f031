"""Lazy re-exports for package ``__init__`` files (PEP 562), so importing a package is cheap.

A package lists ``{name: defining module}`` and gets a module ``__getattr__`` that imports the
defining module on first use, and a ``__dir__`` that lists the lazy names too::

    __getattr__, __dir__ = lazy_exports(__name__, globals(), {"Viewer": "rlgan.render.viewer"})
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(
    package: str, namespace: dict[str, Any], table: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose names ``table`` re-exports."""

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's required name
        """Import a re-exported name's module on first use."""
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807 - the module hook's required name
        """The package's names, the lazy re-exports included."""
        return sorted(set(namespace) | set(table))

    return __getattr__, __dir__
