"""Search-space parsing and settings validation of the rlgan_optuna sweeper."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from rlgan.common.errors import ConfigError
from rlgan.sweep.optuna_search import SearchSettings, run_search
from rlgan.sweep.search_space import build_search_space


def test_range_excludes_stop_like_python() -> None:
    space = build_search_space(["a=range(0,5)", "b=range(2, 11, 3)"])
    assert space.distributions["a"] == IntDistribution(0, 4)
    assert space.distributions["b"] == IntDistribution(2, 8, step=3)  # 2, 5, 8


def test_interval_choice_and_fixed_overrides() -> None:
    space = build_search_space(
        [
            "lr=tag(log, interval(1e-4, 1e-2))",
            "act=relu,tanh",
            "n=tag(int, interval(1, 8))",
            "seed=3",
            "opt=choice(adam,sgd)",
        ]
    )
    assert space.distributions["lr"] == FloatDistribution(1e-4, 1e-2, log=True)
    assert space.distributions["act"] == CategoricalDistribution(["relu", "tanh"])
    assert space.distributions["n"] == IntDistribution(1, 8)
    assert space.distributions["opt"] == CategoricalDistribution(["adam", "sgd"])
    assert space.fixed == ["seed=3"]


@pytest.mark.parametrize(
    "override, words",
    [
        ("a=range(5, 5)", "range(5, 5, 1) is empty"),
        ("a=interval(2, 1)", "needs low < high"),
        ("a=tag(log, interval(0, 1))", "low > 0"),
        ("a=interval(", "Invalid search-space override"),
    ],
)
def test_bad_search_space_is_a_config_error(override: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        build_search_space([override])


@pytest.mark.parametrize(
    "settings, knob",
    [
        (SearchSettings(direction="up"), "hydra.sweeper.direction='up'"),
        (SearchSettings(sampler="cmaes"), "hydra.sweeper.sampler='cmaes'"),
        (SearchSettings(n_trials=0), "hydra.sweeper.n_trials=0"),
    ],
)
def test_bad_settings_fail_before_any_job(
    settings: SearchSettings, knob: str, tmp_path: Path
) -> None:
    launched = []
    with pytest.raises(ConfigError, match=knob.replace("(", r"\(")) as info:
        run_search(settings, {"x": "interval(0, 1)"}, [], lambda b, i: launched.append(b), tmp_path)
    assert "valid choices" in str(info.value) or "must be" in str(info.value)
    assert launched == []


def test_search_finds_the_optimum_of_a_quadratic(tmp_path: Path) -> None:
    def launch(batch, initial_job_idx):
        returns = []
        for overrides in batch:
            x = float(dict(o.split("=") for o in overrides)["x"])
            returns.append(SimpleNamespace(return_value=-((x - 0.7) ** 2)))
        return returns

    settings = SearchSettings(direction="maximize", n_trials=30, n_jobs=3, seed=0)
    results = run_search(settings, {"x": "interval(-5, 5)"}, [], launch, tmp_path)
    assert results["n_trials"] == 30
    assert abs(results["best_params"]["x"] - 0.7) < 0.3
    random_best = max(t["value"] for t in results["trials"][:5])
    assert results["best_value"] > random_best or math.isclose(results["best_value"], random_best)
    assert (tmp_path / "optimization_results.yaml").is_file()
