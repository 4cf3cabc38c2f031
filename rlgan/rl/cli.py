"""``rlgan-rl``: the Hydra entry point of the RL runner (a thin wrapper around ``train``).

Importing this module costs Hydra and rlgan's config tree only: the runner (torch, SB3,
Gymnasium) is imported once the task function starts, so ``rlgan-rl --help``, ``--cfg job`` and
a command line Hydra refuses (exit 2, see :mod:`rlgan.common.hydra_cli`) stay fast.
"""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

from rlgan.common.hydra_cli import APP_OPEN_NODES, hydra_command

#: The package holding the config tree (as :data:`rlgan.common.app.CONFIG_PATH`).
CONFIG_PATH = "pkg://rlgan.conf"
#: Config nodes whose keys need no ``+``: ``env.kwargs.<knob>=...`` sets any constructor knob
#: of the env (checked against its constructor by :func:`rlgan.rl.knobs.check_env_kwargs`).
OPEN_NODES = APP_OPEN_NODES["rl"]


def checked_train(cfg: DictConfig, run_dir: str | Path | None = None) -> float:
    """Refuse bad run knobs cheaply (no torch/SB3 import), then import the runner and train.

    ``run_dir`` is the run folder (default: Hydra's output folder, as ``train`` chooses).
    """
    if not cfg.get("resume") and not cfg.get("evaluate"):
        from rlgan.rl.knobs import check_env_kwargs, check_run_knobs

        check_run_knobs(cfg)
        check_env_kwargs(cfg.get("env") or {})
    from rlgan.rl.train import train

    return train(cfg, run_dir=run_dir)


@hydra_command(config_path=CONFIG_PATH, config_name="rl", open_nodes=OPEN_NODES)
def main(cfg: DictConfig) -> float:
    """Train (or resume / evaluate) as configured; return the objective for sweepers."""
    from rlgan.common.app import run_app

    return run_app("rlgan-rl", checked_train, cfg)


if __name__ == "__main__":
    main()
