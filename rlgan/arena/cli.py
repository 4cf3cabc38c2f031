"""``rlgan-arena``: the Hydra entry point of the self-play runner (a thin wrapper around ``train``).

Importing this module costs Hydra and rlgan's config tree only: the runner (torch, SB3,
PettingZoo) is imported once the task function starts, so ``rlgan-arena --help``, ``--cfg job``
and a command line Hydra refuses (exit 2) stay fast.
"""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

from rlgan.common.hydra_cli import hydra_command

#: The package holding the config tree (as :data:`rlgan.common.app.CONFIG_PATH`).
CONFIG_PATH = "pkg://rlgan.conf"


def checked_train(cfg: DictConfig, run_dir: str | Path | None = None) -> float:
    """Refuse bad run knobs cheaply (no torch/SB3 import), then import the runner and train."""
    if not cfg.get("resume"):
        from rlgan.arena.validate import check_run_knobs

        check_run_knobs(cfg)
    from rlgan.arena.train import train

    return train(cfg, run_dir=run_dir)


@hydra_command(config_path=CONFIG_PATH, config_name="arena")
def main(cfg: DictConfig) -> float:
    """Train (or resume) as configured; return the objective for sweepers."""
    from rlgan.common.app import run_app

    return run_app("rlgan-arena", checked_train, cfg)


if __name__ == "__main__":
    main()
