"""Metric directions: from the runs' metrics.json, the declarations, or unknown; the sweeper's."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest
from omegaconf import OmegaConf

from rlgan.common.errors import ConfigError
from rlgan.sweep.directions import (
    FROM_DECLARATION,
    FROM_RUNS,
    UNKNOWN,
    declared_direction,
    resolve_direction,
)
from rlgan.sweep.hydra_plugins.rlgan_optuna.rlgan_optuna_sweeper import config_objective
from rlgan.sweep.optuna_search import resolve_search_direction


@pytest.mark.parametrize(
    "metric, direction",
    [
        ("eval/mean_reward", "maximize"),
        ("solved_at_timesteps", "minimize"),
        ("eval/sliced_w1", "minimize"),
        ("eval/fd_classifier", "minimize"),
        ("eval/high_quality_frac", "maximize"),
    ],
)
def test_the_apps_objectives_are_declared(metric: str, direction: str) -> None:
    assert declared_direction(metric) == direction
    assert resolve_direction(metric).source == FROM_DECLARATION


def test_every_data_config_objective_is_declared() -> None:
    from importlib.resources import files

    data = files("rlgan.conf") / "data"
    objectives = {
        OmegaConf.load(str(f)).get("objective") for f in data.iterdir() if f.name.endswith(".yaml")
    }
    objectives.discard(None)
    assert objectives, "no data config names an objective"
    assert {o: declared_direction(o) for o in objectives if declared_direction(o) is None} == {}


def test_recorded_directions_win_and_bad_records_are_ignored() -> None:
    records = [None, {"eval/mean_reward": "sideways"}, {"eval/mean_reward": "minimize"}, "x"]
    resolved = resolve_direction("eval/mean_reward", records)
    assert (resolved.direction, resolved.source, resolved.note) == ("minimize", FROM_RUNS, None)
    assert not resolved.descending


def test_unknown_metric_is_unknown_not_guessed() -> None:
    resolved = resolve_direction("train/loss_of_something_new")
    assert resolved.direction is None and resolved.source == UNKNOWN
    assert not resolved.known and resolved.descending


def test_sweeper_minimizes_a_declared_distance_when_no_direction_is_given(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="rlgan.sweep.optuna_search"):
        assert resolve_search_direction(None, "eval/fd_classifier") == "minimize"
        assert resolve_search_direction(None, "eval/mean_reward") == "maximize"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_explicit_direction_wins_but_a_contradiction_is_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="rlgan.sweep.optuna_search"):
        assert resolve_search_direction("minimize", "eval/fd_classifier") == "minimize"
        assert caplog.records == []
        assert resolve_search_direction("maximize", "eval/fd_classifier") == "maximize"
    (record,) = caplog.records
    assert "contradicts the declaration of eval/fd_classifier (minimize)" in record.getMessage()


@pytest.mark.parametrize(
    "objective, words",
    [
        ("custom/score", "the objective 'custom/score' is not declared"),
        (None, "the job config has no objective"),
    ],
)
def test_undeclared_objective_is_maximized_with_a_warning(
    objective: str | None, words: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="rlgan.sweep.optuna_search"):
        assert resolve_search_direction(None, objective) == "maximize"
    (record,) = caplog.records
    assert words in record.getMessage() and "hydra.sweeper.direction" in record.getMessage()
    assert resolve_search_direction("minimize", objective) == "minimize"


def test_bad_direction_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="hydra.sweeper.direction='up'"):
        resolve_search_direction("up", "eval/mean_reward")


def test_sweeper_reads_the_objective_from_the_composed_config() -> None:
    gan_like = OmegaConf.create(
        {"data": {"objective": "eval/fd_classifier"}, "objective": "${data.objective}"}
    )
    assert config_objective(gan_like) == "eval/fd_classifier"
    assert config_objective(OmegaConf.create({"x": 1})) is None
    assert config_objective(OmegaConf.create({"objective": "${nope}"})) is None


def test_sweeper_config_leaves_the_direction_to_the_declaration() -> None:
    from rlgan.sweep.hydra_plugins.rlgan_optuna.rlgan_optuna_sweeper import (
        RlganOptunaSweeper,
        RlganOptunaSweeperConf,
    )

    assert RlganOptunaSweeperConf().direction is None
    assert RlganOptunaSweeper().settings.direction is None


def test_direction_lookup_imports_no_torch_or_sb3() -> None:
    code = (
        "import json, sys\nfrom rlgan.sweep.directions import declared_direction\n"
        "assert declared_direction('eval/fd_classifier') == 'minimize'\n"
        "assert declared_direction('solved_at_timesteps') == 'minimize'\n"
        "print(json.dumps([m for m in ('torch', 'stable_baselines3', 'gymnasium')"
        " if m in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_report_help_imports_no_numpy_and_no_declarations() -> None:
    code = (
        "import json, sys\nfrom rlgan.sweep.report import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(json.dumps([m for m in ('numpy', 'torch', 'rlgan.rl.metrics',"
        " 'rlgan.gan.metric_names') if m in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
