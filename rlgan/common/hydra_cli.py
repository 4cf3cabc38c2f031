"""``@hydra.main`` for rlgan's commands, with bad input exiting 2 wherever it is caught.

Hydra reports a bad command line (``algo=nope``, ``foo=1`` not in struct, a malformed override,
an unknown ``--config-name``) in one paragraph and exits 1. rlgan's own bad-input errors
(:class:`~rlgan.common.errors.ConfigError`, argparse) exit 2, so :func:`hydra_command` turns
Hydra's exit 1 into 2 when it comes from such an error raised before the task function started.
A failure once the task function has run (an unexpected exception while training, a sweep
whose later batch fails) keeps Hydra's status 1 and its traceback.

Some config nodes take keys the config files cannot list in full, such as ``env.kwargs``
(every constructor knob of the env). Hydra's struct mode would refuse ``env.kwargs.foo=1``
unless written ``+env.kwargs.foo=1``; a command names such nodes (``open_nodes``) and
:func:`open_node_overrides` turns their plain overrides into Hydra's add-or-override form
(``++env.kwargs.foo=1``), so the app itself checks the key (with a close-match hint).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from typing import Any

import hydra
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from rlgan.common.errors import ConfigError

#: Exit status for bad input (argparse's, and rlgan's ConfigError).
BAD_INPUT_STATUS = 2
#: Hydra's exit status when it reports an error itself.
HYDRA_ERROR_STATUS = 1


def is_bad_input(error: BaseException | None) -> bool:
    """Whether ``error`` (what Hydra caught before exiting 1) is a user's bad input."""
    from hydra.errors import CompactHydraException, InstantiationException

    if isinstance(error, InstantiationException):
        return False
    return isinstance(error, (CompactHydraException, OmegaConfBaseException, ConfigError))


#: Per config name, the nodes whose keys need no ``+`` (``env.kwargs.<knob>=...`` sets any
#: constructor knob of the env, checked by :func:`rlgan.rl.knobs.check_env_kwargs`).
APP_OPEN_NODES: dict[str, tuple[str, ...]] = {"rl": ("env.kwargs",), "arena": ("env.kwargs",)}


def open_node_overrides(overrides: Sequence[str], open_nodes: Sequence[str]) -> list[str]:
    """``overrides`` with each plain ``<node>.<key>=<value>`` of an open node made ``++``.

    ``open_nodes`` are dotted config paths (``env.kwargs``) whose keys the app checks itself.
    Overrides with a prefix of their own (``+``, ``++``, ``~``), command-line flags and
    overrides of other keys are returned unchanged, in order.
    """
    result = []
    for text in overrides:
        key, equals, _ = text.partition("=")
        if (
            equals
            and not text.startswith(("+", "~", "-"))
            and any(key.startswith(f"{node}.") and len(key) > len(node) + 1 for node in open_nodes)
        ):
            text = f"++{text}"
        result.append(text)
    return result


def hydra_command(
    config_path: str, config_name: str, open_nodes: Sequence[str] = ()
) -> Callable[[Callable[[DictConfig], Any]], Callable[..., Any]]:
    """Decorator like ``hydra.main(version_base="1.3", ...)`` whose bad input exits 2.

    The decorated function is called like Hydra's (``main()`` reads ``sys.argv``;
    ``main(cfg)`` calls the task directly). Hydra's exit 1 becomes
    :data:`BAD_INPUT_STATUS` only when the error it reported is bad input (see
    :func:`is_bad_input`) and the task function has not started in this process.
    ``open_nodes`` are config nodes whose new keys need no ``+`` (see
    :func:`open_node_overrides`).
    """

    def decorate(task: Callable[[DictConfig], Any]) -> Callable[..., Any]:
        started: list[bool] = []  # one entry per task call of the current main() call

        @functools.wraps(task)
        def tracked(cfg: DictConfig) -> Any:
            started.append(True)
            return task(cfg)

        hydra_main = hydra.main(
            version_base="1.3", config_path=config_path, config_name=config_name
        )(tracked)

        @functools.wraps(task)
        def main(cfg_passthrough: DictConfig | None = None) -> Any:
            started.clear()
            if open_nodes and cfg_passthrough is None:
                sys.argv[1:] = open_node_overrides(sys.argv[1:], open_nodes)
            try:
                return hydra_main(cfg_passthrough)
            except SystemExit as exit_:
                if (
                    exit_.code == HYDRA_ERROR_STATUS
                    and not started
                    and is_bad_input(exit_.__context__)
                ):
                    raise SystemExit(BAD_INPUT_STATUS) from None
                raise

        return main

    return decorate
