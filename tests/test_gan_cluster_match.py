"""Cluster-matched sampling (rlgan.gan.cluster_match): shares, no repeats, bad input, wiring."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from rlgan.common.errors import ConfigError
from rlgan.gan import cluster_match
from rlgan.gan.cluster_match import ClusterMatcher, cluster_matcher_for


def _two_blobs(n: int, first_share: float, seed: int) -> torch.Tensor:
    """``n`` 2x2 "images" around two far-apart centres, ``first_share`` of them at the first."""
    g = torch.Generator().manual_seed(seed)
    first = torch.rand(n, generator=g) < first_share
    centre = torch.where(first[:, None], torch.full((n, 4), -5.0), torch.full((n, 4), 5.0))
    return (centre + torch.randn(n, 4, generator=g)).reshape(n, 1, 2, 2)


def test_samples_come_in_the_training_shares_without_repeats() -> None:
    """Training 80/20, a generator drawing 50/50: the matched samples come 80/20, all distinct."""
    matcher = ClusterMatcher.fit(_two_blobs(2000, 0.8, seed=0), clusters=2, seed=0)
    for shares in matcher.shares:  # every clustering finds the two blobs
        assert sorted(shares.tolist()) == pytest.approx([0.2, 0.8], abs=0.03)
    rng = torch.Generator().manual_seed(1)
    calls = iter(range(10**6))
    out = matcher.sample(lambda m: _two_blobs(m, 0.5, seed=next(calls) + 10), 5000, rng)
    assert out.shape == (5000, 1, 2, 2)
    assert float((out.flatten(1).mean(1) < 0).float().mean()) == pytest.approx(0.8, abs=0.03)
    assert len(torch.unique(out.flatten(1), dim=0)) == 5000
    raw = _two_blobs(5000, 0.5, seed=99)
    assert float((raw.flatten(1).mean(1) < 0).float().mean()) == pytest.approx(0.5, abs=0.03)


def test_weights_follow_training_over_generated_shares() -> None:
    """Ratios are training / generated share (capped); weights average them, at most 1."""
    one = ClusterMatcher([torch.zeros(3, 1)], [torch.tensor([0.5, 0.25, 0.25])])
    assigned = torch.tensor([[0] * 25 + [1] * 25 + [2] * 50])  # generated 0.25 / 0.25 / 0.5
    ratios = one.ratios(assigned)
    assert ratios.tolist() == [pytest.approx([2.0, 1.0, 0.5])]
    weights = one.weights(ratios, assigned)
    assert weights[:25].tolist() == pytest.approx([1.0] * 25)
    assert weights[-1] == pytest.approx(0.25)
    rare = torch.tensor([[0] * 1 + [1] * 500 + [2] * 499])  # cluster 0 drawn 500x too rarely
    assert float(one.ratios(rare)[0, 0]) == cluster_match.MAX_RATIO
    two = ClusterMatcher([torch.zeros(2, 1)] * 2, [torch.tensor([0.5, 0.5])] * 2)
    both = torch.tensor([[0, 0, 0, 1], [0, 1, 1, 1]])  # shares 3/4, 1/4 and 1/4, 3/4
    ratios = two.ratios(both)
    mean = (ratios[0, both[0]] + ratios[1, both[1]]) / 2
    assert two.weights(ratios, both).tolist() == pytest.approx((mean / 2.0).tolist())
    assert float(two.weights(ratios, both).max()) <= 1.0


def test_same_generator_same_samples() -> None:
    """The keep decisions come from the given generator: a repeat call gives the same images."""
    matcher = ClusterMatcher.fit(_two_blobs(500, 0.7, seed=0), clusters=2, seed=0)

    def run() -> torch.Tensor:
        rng = torch.Generator().manual_seed(3)
        return matcher.sample(lambda m: torch.randn(m, 1, 2, 2, generator=rng) * 5, 100, rng)

    assert torch.equal(run(), run())


class _Images:
    """A stand-in image data set: ``name`` and training ``images``."""

    name = "tiny"

    def __init__(self, n: int) -> None:
        self.images = _two_blobs(n, 0.5, seed=0)


class _Points:
    """A stand-in 2-D data set: no ``images``."""

    name = "grid25"


def test_off_for_zero_and_for_conditional_runs() -> None:
    """0 turns it off, and a conditional run's labels already come in the class shares."""
    assert cluster_matcher_for(0, _Images(50), conditional=False, seed=0) is None
    assert cluster_matcher_for(5, _Images(50), conditional=True, seed=0) is None
    assert cluster_matcher_for(5, _Images(50), conditional=False, seed=0).clusters == 5


@pytest.mark.parametrize(
    ("clusters", "data", "named"),
    [
        (5, _Points(), ["sampling.cluster_match=5", "data=grid25", "image data"]),
        (51, _Images(50), ["sampling.cluster_match=51", "50 training images"]),
        (1, _Images(50), ["sampling.cluster_match=1", "between 2"]),
    ],
)
def test_bad_cluster_counts_are_config_errors(
    clusters: int, data: object, named: list[str]
) -> None:
    """2-D data, more clusters than images or a single cluster: one ConfigError naming them."""
    with pytest.raises(ConfigError) as err:
        cluster_matcher_for(clusters, data, conditional=False, seed=0)
    for text in named:
        assert text in str(err.value)


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        (["data=grid25", "sampling.cluster_match=5"], "for data=grid25"),
        (["sampling.cluster_match=-1"], "sampling.cluster_match=-1"),
        (["sampling.cluster_match=5000"], "1347 training images"),
    ],
)
def test_command_line_refuses_bad_values_with_exit_2(
    tmp_path: Path, overrides: list[str], named: str
) -> None:
    """``rlgan-gan`` stops before training with exit status 2 and writes no run."""
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "rlgan.gan.cli", *overrides, f"hydra.run.dir={run_dir}"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert named in done.stderr
    assert not (run_dir / "metrics.json").exists()


def test_digits_runs_draw_their_metrics_through_the_matcher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The digits default matches 20 clusters: its evaluations and load_run().sample use it."""
    import rlgan
    from rlgan.common.app import compose_config
    from rlgan.gan.train import train

    calls: list[int] = []
    original = ClusterMatcher.sample

    def counted(self: ClusterMatcher, draw, n, generator):  # type: ignore[no-untyped-def]
        calls.append(self.clusters)
        return original(self, draw, n, generator)

    monkeypatch.setattr(ClusterMatcher, "sample", counted)
    cfg = compose_config(
        "gan",
        ["train.iterations=20", "eval.freq=20", "eval.n_samples=2000", "log.tensorboard=false"],
    )
    assert cfg.sampling.cluster_match == 20
    train(cfg, run_dir=tmp_path / "run")
    assert calls and set(calls) == {20}
    run = rlgan.load_run(tmp_path / "run")
    calls.clear()
    assert run.sample(10, seed=0).shape == (10, 1, 8, 8)
    assert calls == [20]


def test_a_config_saved_before_the_knob_runs_without_it(tmp_path: Path) -> None:
    """A run folder's config from before ``sampling`` existed trains and samples unmatched."""
    from omegaconf import OmegaConf

    import rlgan
    from rlgan.common.app import compose_config
    from rlgan.gan.train import train

    cfg = compose_config(
        "gan",
        ["train.iterations=10", "eval.freq=10", "eval.n_samples=500", "log.tensorboard=false"],
    )
    OmegaConf.set_struct(cfg, False)
    del cfg["sampling"]
    train(cfg, run_dir=tmp_path / "old")
    run = rlgan.load_run(tmp_path / "old")
    assert run.matcher is None
    assert run.sample(4, seed=0).shape == (4, 1, 8, 8)
