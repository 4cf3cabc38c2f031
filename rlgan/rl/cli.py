"""``rlgan-rl``: the Hydra entry point of the RL runner (a thin wrapper around ``train``)."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from rlgan.common.app import CONFIG_PATH, run_app


@hydra.main(version_base="1.3", config_path=CONFIG_PATH, config_name="rl")
def main(cfg: DictConfig) -> float:
    """Train (or resume / evaluate) as configured; return the objective for sweepers."""
    from rlgan.rl.train import train

    return run_app("rlgan-rl", train, cfg)


if __name__ == "__main__":
    main()
