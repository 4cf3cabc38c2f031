"""Statistics over seeds, as the field reports them: IQM, bootstrap intervals, profiles.

Agarwal et al. (2021, "Deep RL at the edge of the statistical precipice") recommend the
interquartile mean (IQM: the mean of the middle 50% of runs) with a 95% stratified-bootstrap
confidence interval, and performance profiles (the fraction of runs that score better than a
threshold), over mean ± std. The ``rliable`` package, written by the paper's authors,
implements them; this module only adapts it to one metric over the seeds of a group:

- scores of a group are rliable's ``(runs, tasks)`` matrix with one task (the metric);
- a metric where lower is better gets a profile counting runs *below* each threshold;
- the bootstrap is seeded (:data:`BOOTSTRAP_SEED`), so a report is the same every time, and
  the caller's global NumPy random state is restored afterwards (rliable draws from it).

With fewer than :data:`MIN_SEEDS` runs a group gets no interval: its IQM is (nearly) its
mean and a bootstrap over a handful of values says little, so the report shows mean ± std
and says why (:data:`FEW_SEEDS_NOTE`). Importing this module is cheap; rliable (and SciPy,
arch) are imported at the first computation.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

#: Fewest finished seeds for an IQM with a bootstrap confidence interval.
MIN_SEEDS = 5
#: Bootstrap replications (rliable's default is 50,000: 2,000 keep a report under a second).
BOOTSTRAP_REPS = 2000
#: Coverage of the confidence intervals.
CONFIDENCE = 0.95
#: Seed of the bootstrap, so the same runs always give the same intervals.
BOOTSTRAP_SEED = 0
#: Why a group with fewer than :data:`MIN_SEEDS` seeds shows mean ± std only.
FEW_SEEDS_NOTE = (
    f"with fewer than {MIN_SEEDS} finished seeds the IQM is (nearly) the mean and a bootstrap "
    "CI over so few values means little, so mean ± std (sample std) is shown; run "
    f"{MIN_SEEDS} or more seeds for the IQM and its {CONFIDENCE:.0%} stratified-bootstrap CI"
)


@dataclass(frozen=True)
class Interval:
    """A point estimate with its confidence interval ``[low, high]``."""

    point: float
    low: float
    high: float


@dataclass(frozen=True)
class SeedStats:
    """One metric over the finished seeds of a group: classic and robust summaries."""

    values: tuple[float, ...]
    mean: float
    std: float
    #: IQM with its bootstrap CI; None with fewer than :data:`MIN_SEEDS` values.
    iqm: Interval | None

    @property
    def count(self) -> int:
        """How many values (finished seeds with a finite value)."""
        return len(self.values)


@contextlib.contextmanager
def seeded_numpy(seed: int) -> Iterator[None]:
    """Seed NumPy's global random state for the block, then restore the caller's.

    rliable's stratified bootstrap draws its indices from the global state (not from the
    ``random_state`` it accepts), so this is what makes its intervals reproducible.
    """
    saved = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(saved)


def _matrix(values: Sequence[float]) -> np.ndarray:
    """The score matrix rliable expects of one task: shape ``(runs, 1)``."""
    return np.asarray(values, dtype=float).reshape(-1, 1)


def aggregates() -> dict[str, Callable[[np.ndarray], float]]:
    """The aggregates the report shows, by name: IQM, median and mean over a group's seeds.

    IQM and mean are rliable's. rliable's ``aggregate_median`` is the median *across tasks*
    of the per-task means, which for our single task is the mean again; the median over the
    seeds is NumPy's.
    """
    from rliable import metrics

    return {
        "IQM": metrics.aggregate_iqm,
        "median": lambda scores: float(np.median(scores)),
        "mean": metrics.aggregate_mean,
    }


def iqm(values: Sequence[float]) -> float:
    """Interquartile mean of ``values`` (rliable: 25% trimmed from each end)."""
    from rliable import metrics

    return float(metrics.aggregate_iqm(_matrix(values)))


def interval_estimates(
    scores: Mapping[str, Sequence[float]],
    aggregate: str = "IQM",
    reps: int = BOOTSTRAP_REPS,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, Interval]:
    """``aggregate`` of each entry of ``scores`` with a stratified-bootstrap CI (rliable).

    ``scores`` maps a name (a group) to its values over seeds; ``aggregate`` is a key of
    :func:`aggregates`. Intervals are percentile intervals of :data:`CONFIDENCE` coverage.
    """
    from rliable import library

    func = aggregates()[aggregate]
    matrices = {name: _matrix(values) for name, values in scores.items() if len(values)}
    if not matrices:
        return {}
    with seeded_numpy(seed):
        points, intervals = library.get_interval_estimates(
            matrices,
            lambda m: np.array([func(m)]),
            reps=reps,
            confidence_interval_size=CONFIDENCE,
        )
    return {
        name: Interval(
            float(np.ravel(points[name])[0]),
            float(np.ravel(intervals[name][0])[0]),
            float(np.ravel(intervals[name][1])[0]),
        )
        for name in matrices
    }


def seed_stats(
    values: Sequence[float], reps: int = BOOTSTRAP_REPS, seed: int = BOOTSTRAP_SEED
) -> SeedStats:
    """Mean, sample std and (with at least :data:`MIN_SEEDS` values) IQM with its CI.

    Non-finite values are left out.
    """
    kept = tuple(float(v) for v in values if math.isfinite(float(v)))
    if not kept:
        return SeedStats((), math.nan, math.nan, None)
    arr = np.asarray(kept)
    std = float(arr.std(ddof=1)) if arr.size > 1 else 0.0
    robust = None
    if arr.size >= MIN_SEEDS:
        robust = interval_estimates({"scores": kept}, "IQM", reps=reps, seed=seed)["scores"]
    return SeedStats(kept, float(arr.mean()), std, robust)


@dataclass(frozen=True)
class Profile:
    """A performance profile: per group, the fraction of runs better than each threshold."""

    thresholds: np.ndarray
    #: Group name -> fraction of runs better than each threshold.
    fractions: dict[str, np.ndarray]
    #: Group name -> ``(low, high)`` arrays of the bootstrap CI at each threshold.
    intervals: dict[str, tuple[np.ndarray, np.ndarray]]
    higher_is_better: bool


def performance_profile(
    scores: Mapping[str, Sequence[float]],
    higher_is_better: bool = True,
    points: int = 101,
    reps: int = BOOTSTRAP_REPS,
    seed: int = BOOTSTRAP_SEED,
) -> Profile:
    """Score distributions of each group over thresholds spanning every observed value.

    For a metric where higher is better the profile at threshold ``t`` is the fraction of a
    group's runs scoring above ``t`` (rliable's run-score distribution); where lower is better,
    the fraction scoring below ``t``. Each point gets a bootstrap CI.
    """
    from rliable import library

    matrices = {name: _matrix(values) for name, values in scores.items() if len(values)}
    every = np.concatenate([m.ravel() for m in matrices.values()]) if matrices else np.zeros(1)
    low, high = float(every.min()), float(every.max())
    pad = 0.02 * (high - low) if high > low else max(abs(low) * 0.05, 1e-9)
    taus = np.linspace(low - pad, high + pad, points)

    def better(matrix: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
        flat = matrix.ravel()[:, None]
        hits = flat > thresholds[None, :] if higher_is_better else flat < thresholds[None, :]
        return hits.mean(axis=0)

    if not matrices:
        return Profile(taus, {}, {}, higher_is_better)
    with seeded_numpy(seed):
        fractions, intervals = library.create_performance_profile(
            matrices,
            taus,
            custom_profile_func=better,
            reps=reps,
            confidence_interval_size=CONFIDENCE,
        )
    return Profile(
        taus,
        {name: np.asarray(fractions[name], dtype=float) for name in matrices},
        {
            name: (np.asarray(intervals[name][0], float), np.asarray(intervals[name][1], float))
            for name in matrices
        },
        higher_is_better,
    )
