"""``rlgan-gan``: the Hydra entry point of the GAN runner (a thin wrapper around ``train``).

Importing this module costs Hydra and rlgan's config tree only: the trainer (torch, data,
metrics) is imported once the task function starts, so ``rlgan-gan --help``, ``--cfg job`` and
a command line Hydra refuses (exit 2, see :mod:`rlgan.common.hydra_cli`) stay fast.
"""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

from rlgan.common.hydra_cli import hydra_command

#: The package holding the config tree (as :data:`rlgan.common.app.CONFIG_PATH`).
CONFIG_PATH = "pkg://rlgan.conf"


def checked_train(cfg: DictConfig, run_dir: str | Path | None = None) -> float:
    """Refuse bad settings cheaply (no torch import), then import the runner and train.

    ``run_dir`` is the run folder (default: Hydra's output folder, as ``train`` chooses).
    """
    if not cfg.get("resume"):
        from rlgan.gan.settings import check_run_settings

        check_run_settings(cfg)
    if (cfg.get("render") or {}).get("live", False):
        from rlgan.render.live import require_live_window

        require_live_window()  # no display: refused before any data or model is built
    from rlgan.gan.train import train

    return train(cfg, run_dir=run_dir)


@hydra_command(config_path=CONFIG_PATH, config_name="gan")
def main(cfg: DictConfig) -> float:
    """Train a GAN (``rlgan-gan data=grid25 model=mlp loss=hinge ...``); return its objective."""
    from rlgan.common.app import run_app

    return run_app("rlgan-gan", checked_train, cfg)


if __name__ == "__main__":
    main()
