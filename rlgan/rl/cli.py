"""Test."""
import hydra
from omegaconf import DictConfig, OmegaConf


@hydra.main(version_base="1.3", config_path="pkg://rlgan.conf", config_name="rl")
def main(cfg: DictConfig) -> None:
    """Print."""
    print(OmegaConf.to_yaml(cfg))
