"""``rlgan-rl``: the Hydra entry point of the RL runner (a thin wrapper around ``train``).

Importing this module costs Hydra and rlgan's config tree only: the runner (torch, SB3,
Gymnasium) is imported once the task function starts, so ``rlgan-rl --help``, ``--cfg job`` and
a command line Hydra refuses (exit 2, see :mod:`rlgan.common.hydra_cli`) stay fast.
"""

from __future__ import annotations

from omegaconf import DictConfig

from rlgan.common.hydra_cli import hydra_command

#: The package holding the config tree (as :data:`rlgan.common.app.CONFIG_PATH`).
CONFIG_PATH = "pkg://rlgan.conf"


def checked_train(cfg: DictConfig) -> float:
    """Refuse bad run knobs cheaply (no torch/SB3 import), then import the runner and train."""
    if not cfg.get("resume") and not cfg.get("evaluate"):
        from rlgan.rl.knobs import check_run_knobs

        check_run_knobs(cfg)
    from rlgan.rl.train import train

    return train(cfg)


@hydra_command(config_path=CONFIG_PATH, config_name="rl")
def main(cfg: DictConfig) -> float:
    """Train (or resume / evaluate) as configured; return the objective for sweepers."""
    from rlgan.common.app import run_app

    return run_app("rlgan-rl", checked_train, cfg)


if __name__ == "__main__":
    main()
