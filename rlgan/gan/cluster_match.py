"""Cluster-matched sampling: a generator's samples drawn in the training images' cluster shares.

An unconditional GAN draws some kinds of image too often and others too rarely (Santurkar
et al. 2018; docs/gan.md, "What is left: class proportions"). Without labels, k-means on the
training images' pixels splits them into ``K`` clusters with known shares. A pool of
generated images is assigned to the same clusters and each image is kept with a probability
proportional to its cluster's training share over its generated share, so the kept images
come in the training shares; the weights are averaged over several k-means clusterings,
since one clustering's split is arbitrary. It is rejection sampling: no image is repeated,
unlike resampling a fixed pool. Sampling each cluster in its share of the data is the
self-conditioned GAN's idea (Liu et al. 2020); here it is applied after training, to the
generator as it is, and needs no labels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from rlgan.common.errors import ConfigError

#: The largest training share / generated share ratio a cluster is weighted by, so one
#: cluster the generator almost never draws cannot make every other sample rare.
MAX_RATIO = 10.0
#: k-means clusterings (seeded apart) whose weights are averaged. One clustering's split of
#: the digits moved a generator's fd_ratio by up to 0.1 between k-means seeds; the average
#: of eight moved it by under 0.02 (docs/gan.md, "Cluster-matched sampling").
CLUSTERINGS = 8
#: The smallest pool drawn at a time: the first one estimates the generator's own shares.
MIN_POOL = 8192
#: Pools drawn at most per call before giving up.
MAX_ROUNDS = 1000


class ClusterMatcher:
    """Rejection sampler to the cluster shares of a set of training images.

    ``centroids`` holds one ``(K, D)`` tensor of cluster centres (of flattened images) per
    clustering and ``shares`` the matching ``(K,)`` training shares. An image's weight is the
    mean over clusterings of its cluster's training share / generated share (each capped at
    :data:`MAX_RATIO`). Build one with :meth:`fit`.
    """

    def __init__(self, centroids: Sequence[torch.Tensor], shares: Sequence[torch.Tensor]) -> None:
        if not centroids or len(centroids) != len(shares):
            raise ValueError("need one shares vector per clustering, and at least one")
        for c, w in zip(centroids, shares, strict=True):
            if c.dim() != 2 or w.shape != (len(c),):
                raise ValueError(f"need centroids (K, D) and shares (K,), got {c.shape}")
        self.centroids = [c.float() for c in centroids]
        self.shares = [w.float() / w.sum() for w in shares]

    @classmethod
    def fit(
        cls, images: torch.Tensor, clusters: int, seed: int, clusterings: int = CLUSTERINGS
    ) -> ClusterMatcher:
        """``clusterings`` k-means runs (scikit-learn's, seeded from ``seed``) on ``images``.

        ``clusters`` must lie between 2 and the number of images (ConfigError otherwise).
        """
        from sklearn.cluster import KMeans

        flat = images.reshape(len(images), -1).float()
        if not 2 <= clusters <= len(flat):
            raise ConfigError(
                f"Invalid sampling.cluster_match={clusters}: it must lie between 2 and the "
                f"{len(flat)} training images (0 turns cluster-matched sampling off)."
            )
        centroids, shares = [], []
        for j in range(clusterings):
            kmeans = KMeans(clusters, n_init=1, random_state=int(seed) * clusterings + j)
            kmeans.fit(flat.numpy())
            centroids.append(torch.as_tensor(kmeans.cluster_centers_, dtype=torch.float32))
            labels = torch.as_tensor(kmeans.labels_).long()
            shares.append(torch.bincount(labels, minlength=clusters).float())
        return cls(centroids, shares)

    @property
    def clusters(self) -> int:
        """The number of clusters ``K`` of each clustering."""
        return len(self.centroids[0])

    def assign(self, images: torch.Tensor, chunk: int = 8192) -> torch.Tensor:
        """Each image's nearest centroid in each clustering: ``(clusterings, N)`` indices."""
        flat = images.reshape(len(images), -1).float()
        rows = []
        for centroids in self.centroids:
            parts = [
                torch.cdist(flat[i : i + chunk], centroids).argmin(dim=1)
                for i in range(0, len(flat), chunk)
            ]
            rows.append(torch.cat(parts) if parts else torch.zeros(0, dtype=torch.long))
        return torch.stack(rows)

    def ratios(self, assigned: torch.Tensor) -> torch.Tensor:
        """Per clustering and cluster, training share / share in a pool: ``(clusterings, K)``.

        ``assigned`` is the pool's :meth:`assign`; each ratio is capped at :data:`MAX_RATIO`
        (a cluster the pool never drew counts as drawn once).
        """
        size = max(assigned.shape[1], 1)
        rows = []
        for share, row in zip(self.shares, assigned, strict=True):
            pool = torch.bincount(row, minlength=len(share)).float() / size
            rows.append((share / pool.clamp_min(1.0 / size)).clamp_max(MAX_RATIO))
        return torch.stack(rows)

    @staticmethod
    def weights(ratios: torch.Tensor, assigned: torch.Tensor) -> torch.Tensor:
        """Each image's keep probability ``(N,)``, from ``ratios`` and its ``assigned`` clusters.

        Its mean ratio over the clusterings, divided by the largest mean ratio any image could
        have, so that it never exceeds 1.
        """
        mean = ratios.gather(1, assigned).mean(dim=0)
        return mean / ratios.max(dim=1).values.mean()

    def sample(
        self, draw: Callable[[int], torch.Tensor], n: int, generator: torch.Generator
    ) -> torch.Tensor:
        """``n`` images from ``draw`` (``draw(m)``: ``m`` fresh samples) in the training shares.

        Pools of ``max(n, MIN_POOL)`` images are drawn until ``n`` are kept; the first one
        estimates the generator's own shares. ``generator`` draws the keep decisions (and
        ``draw`` should use it for its latents, so the result is reproducible).
        """
        if n <= 0:
            return draw(0)
        size = max(n, MIN_POOL)
        pool = draw(size)
        assigned = self.assign(pool)
        ratios = self.ratios(assigned)
        kept: list[torch.Tensor] = []
        total = 0
        for _ in range(MAX_ROUNDS):
            keep = torch.rand(len(pool), generator=generator) < self.weights(ratios, assigned)
            kept.append(pool[keep])
            total += int(keep.sum())
            if total >= n:
                return torch.cat(kept)[:n]
            pool = draw(size)
            assigned = self.assign(pool)
        raise RuntimeError(f"cluster-matched sampling kept {total} of {n} in {MAX_ROUNDS} pools")


def configured_clusters(cfg: Mapping[str, Any]) -> int:
    """``sampling.cluster_match`` of a run config; 0 for a config saved before it existed."""
    sampling = cfg.get("sampling") or {}
    return int(sampling.get("cluster_match", 0) or 0)


def cluster_matcher_for(
    clusters: int, data: object, conditional: bool, seed: int
) -> ClusterMatcher | None:
    """The run's matcher for ``sampling.cluster_match=clusters`` (None: off).

    0 turns it off, and so does a conditional run (its labels already come in the data's
    class shares). Otherwise ``data`` must be an image data set (its training ``images``);
    2-D data is refused with a ConfigError.
    """
    if not clusters or conditional:
        return None
    images = getattr(data, "images", None)
    if not isinstance(images, torch.Tensor):
        name = getattr(data, "name", type(data).__name__)
        raise ConfigError(
            f"Invalid sampling.cluster_match={clusters} for data={name}: cluster-matched "
            "sampling clusters the training images' pixels and is for image data sets only; "
            "set sampling.cluster_match=0."
        )
    return ClusterMatcher.fit(images, int(clusters), seed)
