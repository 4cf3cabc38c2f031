"""``rlgan-gan``: the Hydra entry point of the GAN runner (a thin wrapper around ``train``)."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from rlgan.common.app import CONFIG_PATH, run_app
from rlgan.gan.train import train


@hydra.main(version_base="1.3", config_path=CONFIG_PATH, config_name="gan")
def main(cfg: DictConfig) -> float:
    """Train a GAN (``rlgan-gan data=grid25 model=mlp loss=hinge ...``); return its objective."""
    return run_app("rlgan-gan", train, cfg)


if __name__ == "__main__":
    main()
