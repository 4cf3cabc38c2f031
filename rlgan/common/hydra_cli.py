"""``@hydra.main`` for rlgan's commands, with bad input exiting 2 wherever it is caught.

Hydra reports a bad command line (``algo=nope``, ``foo=1`` not in struct, a malformed override,
an unknown ``--config-name``) in one paragraph and exits 1. rlgan's own bad-input errors
(:class:`~rlgan.common.errors.ConfigError`, argparse) exit 2, so :func:`hydra_command` turns
Hydra's exit 1 into 2 when it comes from such an error raised before the task function started.
A failure once the task function has run (an unexpected exception while training, a sweep
whose later batch fails) keeps Hydra's status 1 and its traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
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


def hydra_command(
    config_path: str, config_name: str
) -> Callable[[Callable[[DictConfig], Any]], Callable[..., Any]]:
    """Decorator like ``hydra.main(version_base="1.3", ...)`` whose bad input exits 2.

    The decorated function is called like Hydra's (``main()`` reads ``sys.argv``;
    ``main(cfg)`` calls the task directly). Hydra's exit 1 becomes
    :data:`BAD_INPUT_STATUS` only when the error it reported is bad input (see
    :func:`is_bad_input`) and the task function has not started in this process.
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
