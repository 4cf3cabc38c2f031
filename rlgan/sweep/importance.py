"""Which searched parameters mattered: Optuna's own importance evaluator on a finished search.

The study is rebuilt from what the sweep recorded in ``optimization_results.yaml`` (each
trial's parameters, value and state, and each parameter's distribution); a results file
without distributions (the released hydra-optuna-sweeper's, or an older rlgan's) gets them
from the values the trials took. Optuna's fANOVA evaluator (its default, seeded here so a
report is reproducible) then gives each parameter's share of the objective's variance.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

#: Seed of the fANOVA random forest.
IMPORTANCE_SEED = 0


def _number(value: Any) -> bool:
    """Whether ``value`` is an int or float (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _inferred(values: Sequence[Any]) -> Any:
    """A distribution covering ``values`` (None when they are all equal)."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    distinct = list(dict.fromkeys(values))
    if len(distinct) < 2:
        return None
    if all(isinstance(v, int) and not isinstance(v, bool) for v in distinct):
        return IntDistribution(min(distinct), max(distinct))
    if all(_number(v) for v in distinct):
        return FloatDistribution(float(min(distinct)), float(max(distinct)))
    return CategoricalDistribution(distinct)


def _distributions(results: Mapping[str, Any], trials: Sequence[Mapping[str, Any]]) -> dict:
    """Each parameter's distribution: recorded, else inferred from the trials' values."""
    from optuna.distributions import json_to_distribution

    recorded = results.get("distributions") or {}
    names = list(dict.fromkeys(name for t in trials for name in (t.get("params") or {})))
    found = {}
    for name in names:
        if name in recorded:
            text = recorded[name]
            found[name] = json_to_distribution(text if isinstance(text, str) else json.dumps(text))
            continue
        dist = _inferred([t["params"][name] for t in trials if name in (t.get("params") or {})])
        if dist is not None:
            found[name] = dist
    return found


def rebuild_study(results: Mapping[str, Any]) -> Any:
    """An in-memory Optuna study holding the search's completed trials.

    Trials whose parameters fall outside the distributions (a search space changed between
    resumed sessions) are left out.
    """
    import optuna

    direction = results.get("direction") if results.get("direction") else "maximize"
    trials = [
        t
        for t in results.get("trials") or []
        if t.get("value") is not None
        and math.isfinite(float(t["value"]))
        and t.get("state", "complete") == "complete"
        and t.get("params")
    ]
    dists = _distributions(results, trials)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=direction)
    for trial in trials:
        params = {name: trial["params"][name] for name in dists if name in trial["params"]}
        if len(params) != len(dists):
            continue
        try:
            frozen = optuna.trial.create_trial(
                params=params, distributions=dists, value=float(trial["value"])
            )
        except ValueError:
            continue
        study.add_trial(frozen)
    return study


def param_importances(results: Mapping[str, Any]) -> dict[str, float]:
    """Each parameter's importance, summing to 1, largest first.

    Empty when it cannot be computed: fewer than 2 completed trials, all with one value, or
    no parameter that varied.
    """
    import optuna

    study = rebuild_study(results)
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if len(complete) < 2 or not complete[0].distributions:
        return {}
    if len({t.value for t in complete}) < 2:
        return {}
    evaluator = optuna.importance.FanovaImportanceEvaluator(seed=IMPORTANCE_SEED)
    found = optuna.importance.get_param_importances(study, evaluator=evaluator)
    return {str(name): float(value) for name, value in found.items()}
