"""Group runs by app and configuration (overrides without the seed) and summarise each group."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from rlgan.sweep.numbers import format_number
from rlgan.sweep.runs import Run
from rlgan.sweep.stats import SeedStats, seed_stats


@dataclass
class Stat:
    """Mean, standard deviation and count of one metric over a group's finished runs."""

    mean: float
    std: float
    count: int

    def text(self, digits: int = 4) -> str:
        """``mean ± std`` with ``digits`` significant digits (``-`` when no value)."""
        if self.count == 0:
            return "-"
        if self.count == 1:
            return format_number(self.mean, digits)
        return f"{format_number(self.mean, digits)} ± {format_number(self.std, digits)}"


@dataclass
class Group:
    """Runs of one app that share their configuration."""

    app: str
    overrides: tuple[str, ...]
    runs: list[Run] = field(default_factory=list)
    #: Overrides every group of the app shares; left out of :attr:`label`.
    common: tuple[str, ...] = ()
    #: :meth:`seed_stats` results by metric (bootstraps are computed once).
    _robust: dict[str, SeedStats] = field(default_factory=dict, repr=False, compare=False)

    @property
    def label(self) -> str:
        """The overrides that set this group apart (``(defaults)`` when there are none)."""
        own = [o for o in self.overrides if o not in self.common]
        return " ".join(own) if own else "(defaults)"

    @property
    def ok_runs(self) -> list[Run]:
        """Runs that finished (``status: ok``)."""
        return [run for run in self.runs if run.status == "ok"]

    @property
    def n_failed(self) -> int:
        """Runs recorded as failed."""
        return sum(run.status == "failed" for run in self.runs)

    @property
    def n_incomplete(self) -> int:
        """Runs neither ok nor failed (running, interrupted, or without metrics.json)."""
        return len(self.runs) - len(self.ok_runs) - self.n_failed

    def values(self, metric: str) -> list[float]:
        """``metric`` of each finished run that recorded a finite value (one per seed)."""
        return [v for v in (run.metric(metric) for run in self.ok_runs) if math.isfinite(v)]

    def seed_stats(self, metric: str) -> SeedStats:
        """Mean, std and, with enough seeds, IQM with its bootstrap CI (computed once)."""
        if metric not in self._robust:
            self._robust[metric] = seed_stats(self.values(metric))
        return self._robust[metric]

    def stat(self, metric: str) -> Stat:
        """Summary of ``metric`` over the finished runs with a finite value."""
        values = self.values(metric)
        if not values:
            return Stat(math.nan, math.nan, 0)
        arr = np.asarray(values, dtype=float)
        std = float(arr.std(ddof=1)) if arr.size > 1 else 0.0
        return Stat(float(arr.mean()), std, int(arr.size))


def group_runs(runs: Sequence[Run]) -> list[Group]:
    """Group runs by ``(app, overrides without seed)``, keeping first-seen order.

    Overrides shared by all groups of an app (when it has several) become each group's
    ``common`` overrides, so labels show only what differs.
    """
    groups: dict[tuple[str, tuple[str, ...]], Group] = {}
    for run in runs:
        key = (run.app, run.group_overrides)
        groups.setdefault(key, Group(app=run.app, overrides=key[1])).runs.append(run)
    for app in {group.app for group in groups.values()}:
        mine = [group for group in groups.values() if group.app == app]
        if len(mine) > 1:
            shared = set(mine[0].overrides).intersection(*(g.overrides for g in mine[1:]))
            for group in mine:
                group.common = tuple(o for o in group.overrides if o in shared)
    return list(groups.values())


def sort_groups(groups: Sequence[Group], metric: str, descending: bool) -> list[Group]:
    """Groups sorted by the mean of ``metric`` (groups without a value last).

    ``descending`` comes from the metric's direction (:mod:`rlgan.sweep.directions`) or
    ``--sort``; nothing here guesses it from the name.
    """

    def key(group: Group) -> tuple[bool, float]:
        stat = group.stat(metric)
        missing = stat.count == 0
        value = 0.0 if missing else stat.mean
        return (missing, -value if descending else value)

    return sorted(groups, key=key)
