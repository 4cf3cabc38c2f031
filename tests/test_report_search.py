"""rlgan-report on a Bayesian search: best_preset.yaml composes, parameter importance.

The search folder is built by hand as the rlgan_optuna sweeper and Hydra leave it (each trial's
``.hydra/`` composed from rlgan-rl's real config with the trial's overrides), so no training
runs here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from omegaconf import OmegaConf, open_dict

from rlgan.common.app import compose_config
from rlgan.sweep.importance import param_importances
from rlgan.sweep.report import make_report

#: (learning_rate, gae_lambda, activation, objective) of each trial; trial 3 is the best.
TRIALS = [
    (0.0031622776601683794, 0.9012345678901234, "tanh", 180.0),
    (0.0005123456789012345, 0.8123456789012345, "relu", 95.0),
    (0.0071234567890123456, 0.9512345678901234, "tanh", 260.0),
    (0.0012345678901234567, 0.9859374850242252, "relu", 500.0),
    (0.0091234567890123456, 0.8512345678901234, "elu", 120.0),
    (0.0021234567890123456, 0.9712345678901234, "relu", 410.0),
]
BEST = 3


def _compose_with_hydra(overrides: list[str]):
    """rlgan-rl's config with its ``hydra`` node, as Hydra composes a job."""
    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra

    GlobalHydra.instance().clear()
    with initialize_config_module(config_module="rlgan.conf", version_base="1.3"):
        return compose(config_name="rl", overrides=overrides, return_hydra_config=True)


def make_search(
    root: Path, base: tuple[str, ...] = ("+hparams_search=ppo_cartpole", "seed=1")
) -> Path:
    """A finished ``rlgan-rl -m +hparams_search=ppo_cartpole`` sweep folder of 6 trials.

    ``base``: the overrides every trial shares (the sweeper's fixed ones).
    """
    records = []
    for num, (lr, lam, act, value) in enumerate(TRIALS):
        params = {
            "algo.hyperparams.learning_rate": lr,
            "algo.hyperparams.gae_lambda": lam,
            "net.activation": act,
        }
        overrides = list(base) + [f"{k}={v}" for k, v in params.items()]
        cfg = _compose_with_hydra(overrides)
        run = root / str(num)
        (run / ".hydra").mkdir(parents=True)
        hydra = OmegaConf.create({"hydra": OmegaConf.to_container(cfg.hydra, resolve=False)})
        OmegaConf.save(hydra, run / ".hydra" / "hydra.yaml")
        with open_dict(cfg):
            del cfg["hydra"]
        OmegaConf.save(cfg, run / ".hydra" / "config.yaml")
        (run / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
        metrics = {
            "app": "rl",
            "status": "ok",
            "seed": 1,
            "objective": "eval/mean_reward",
            "eval/mean_reward": value,
        }
        (run / "metrics.json").write_text(json.dumps(metrics))
        records.append({"number": num, "params": params, "value": value, "state": "complete"})
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        distribution_to_json,
    )

    distributions = {
        "algo.hyperparams.learning_rate": FloatDistribution(3e-4, 1e-2, log=True),
        "algo.hyperparams.gae_lambda": FloatDistribution(0.8, 0.99),
        "net.activation": CategoricalDistribution(["tanh", "relu", "elu"]),
    }
    results = {
        "name": "rlgan_optuna",
        "objective": "eval/mean_reward",
        "direction": "maximize",
        "best_params": records[BEST]["params"],
        "best_value": TRIALS[BEST][3],
        "n_trials": len(records),
        "n_failed": 0,
        "trials": records,
        "distributions": {k: distribution_to_json(d) for k, d in distributions.items()},
    }
    OmegaConf.save(OmegaConf.create(results), root / "optimization_results.yaml")
    return root


@pytest.fixture(scope="module")
def search(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_search(tmp_path_factory.mktemp("search") / "multirun")


@pytest.fixture(scope="module")
def reported(search: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    make_report([str(search)], out=out)
    return out


def test_best_preset_composes_to_the_best_trials_config(
    search: Path, reported: Path, tmp_path: Path
) -> None:
    text = (reported / "best_preset.yaml").read_text()
    assert text.startswith("# @package _global_\n")
    assert "trial 3, seed 1: eval/mean_reward = 500 (maximize)" in text
    # The sweeper's settings are not in it: using the preset starts no search.
    assert "sweeper" not in text.split("Written by rlgan-report.")[1]
    # Used as the docs say: copied into experiment/ of a folder on the search path.
    (tmp_path / "experiment").mkdir()
    shutil.copy(reported / "best_preset.yaml", tmp_path / "experiment" / "best.yaml")
    searchpath = f"hydra.searchpath=[pkg://rlgan.rl.presets,file://{tmp_path}]"
    cfg = compose_config("rl", [searchpath, "+experiment=best", "seed=1"])
    lr, lam, act, _ = TRIALS[BEST]
    assert cfg.algo.hyperparams.learning_rate == lr
    assert cfg.algo.hyperparams.gae_lambda == lam
    assert cfg.net.activation == act
    # Everything else is what the best trial ran with, search preset included (50k steps).
    trial = OmegaConf.load(search / str(BEST) / ".hydra" / "config.yaml")
    assert cfg.total_timesteps == 50000 == trial.total_timesteps
    assert OmegaConf.to_container(cfg) == OmegaConf.to_container(trial)
    # And a plain run is not the same config (the preset carries the difference).
    assert OmegaConf.to_container(compose_config("rl", ["seed=1"])) != OmegaConf.to_container(trial)


def test_search_report_has_importance_history_and_preset(reported: Path) -> None:
    markdown = (reported / "report.md").read_text()
    assert "best_preset.yaml" in markdown and "Parameter importance" in markdown
    for name in ("search_history_0.png", "search_importance_0.png"):
        assert (reported / "plots" / name).stat().st_size > 5000


def test_importances_from_recorded_or_inferred_distributions(search: Path) -> None:
    results = OmegaConf.to_container(OmegaConf.load(search / "optimization_results.yaml"))
    recorded = param_importances(results)
    assert set(recorded) == {
        "algo.hyperparams.learning_rate",
        "algo.hyperparams.gae_lambda",
        "net.activation",
    }
    assert sum(recorded.values()) == pytest.approx(1.0)
    assert list(recorded.values()) == sorted(recorded.values(), reverse=True)
    # The objective follows gae_lambda closely here: it ranks first.
    assert next(iter(recorded)) == "algo.hyperparams.gae_lambda"
    # A results file without distributions (the released hydra-optuna-sweeper's) works too.
    del results["distributions"]
    inferred = param_importances(results)
    assert set(inferred) == set(recorded)
    # Nothing to rank with a single completed trial.
    results["trials"] = results["trials"][:1]
    assert param_importances(results) == {}


def test_a_trial_run_with_a_preset_and_a_group_choice(tmp_path: Path) -> None:
    # A search run on top of +experiment=ppo_cartpole with its network swapped: the preset
    # cannot include another of its own group, so that preset is written out in it.
    search = tmp_path / "multirun"
    make_search(search, ("+experiment=ppo_cartpole", "net=mlp_large", "seed=0"))
    make_report([str(search)], out=tmp_path / "out", plots=False)
    text = (tmp_path / "out" / "best_preset.yaml").read_text()
    assert "override /net: mlp_large" in text and "/experiment" not in text.split("Written")[1]
    (tmp_path / "conf" / "experiment").mkdir(parents=True)
    shutil.copy(tmp_path / "out" / "best_preset.yaml", tmp_path / "conf/experiment/best.yaml")
    searchpath = f"hydra.searchpath=[pkg://rlgan.rl.presets,file://{tmp_path / 'conf'}]"
    cfg = compose_config("rl", [searchpath, "+experiment=best"])
    trial = OmegaConf.load(search / str(BEST) / ".hydra" / "config.yaml")
    assert OmegaConf.to_container(cfg) == OmegaConf.to_container(trial)
    assert cfg.net.hidden_sizes == [256, 256]
