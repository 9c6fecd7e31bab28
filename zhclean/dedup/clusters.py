"""Clusters from signatures: LSH candidates, verification, union-find, one keeper each.

Pure functions over arrays: no files, no engines. A candidate pair is a duplicate when its
estimated Jaccard (share of equal MinHash values) reaches the threshold, or when the
canonical hashes are equal. Each cluster keeps its longest cleaned text, ties broken by
input order; a cluster holding documents of an earlier run (`--index`) keeps the one that
run kept, since it is already published.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from zhclean.dedup.index import IndexedDocs
from zhclean.dedup.minhash import estimated_jaccard, optimal_bands


@dataclass
class Signatures:
    ids: list[str]
    lengths: np.ndarray
    hashes: list[bytes]
    matrix: np.ndarray


class UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def bucket_pairs(members: list[int]) -> list[tuple[int, int]]:
    """Candidate pairs of one LSH bucket (members in input order): all pairs up to 50
    members, a star and a chain up to 5,000 (enough to connect them), none beyond."""
    if 1 < len(members) <= 50:
        return [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
    if 50 < len(members) <= 5000:
        return [(members[0], m) for m in members[1:]] + list(zip(members, members[1:], strict=False))
    return []


def candidate_pairs(matrix: np.ndarray, bands: int, rows: int) -> set[tuple[int, int]]:
    """Pairs of documents sharing at least one LSH band (bucket by the band's bytes)."""
    pairs: set[tuple[int, int]] = set()
    for band in range(bands):
        buckets: dict[bytes, list[int]] = defaultdict(list)
        block = np.ascontiguousarray(matrix[:, band * rows : (band + 1) * rows])
        for i, key in enumerate(block):
            buckets[key.tobytes()].append(i)
        for members in buckets.values():
            if len(members) > 1:
                pairs.update(bucket_pairs(members))
    return pairs


def cluster(sigs: Signatures, threshold: float, num_perm: int, prior_kept: np.ndarray | None = None,
            find_pairs: Callable[[np.ndarray, int, int], set[tuple[int, int]]] = candidate_pairs,
            ) -> tuple[list[int], dict[int, float]]:
    """(keeper index per document, similarity of each document to its cluster's keeper).

    The first `len(prior_kept)` documents come from the index: a cluster holding any of them
    keeps the earliest one kept before (it is already published); other clusters keep
    their longest cleaned text, ties broken by input order.
    """
    n = len(sigs.ids)
    prior = 0 if prior_kept is None else len(prior_kept)
    uf = UnionFind(n)
    by_hash: dict[bytes, int] = {}
    for i, h in enumerate(sigs.hashes):
        if h in by_hash:
            uf.union(by_hash[h], i)
        else:
            by_hash[h] = i
    bands, rows = optimal_bands(threshold, num_perm)
    for a, b in find_pairs(sigs.matrix, bands, rows):
        if estimated_jaccard(sigs.matrix[a], sigs.matrix[b]) >= threshold:
            uf.union(a, b)
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        members[uf.find(i)].append(i)
    keeper: list[int] = [0] * n
    similarity: dict[int, float] = {}
    for group in members.values():
        best = _keeper(group, sigs.lengths, prior, prior_kept)
        for i in group:
            keeper[i] = best
            similarity[i] = 1.0 if i == best else round(estimated_jaccard(sigs.matrix[i], sigs.matrix[best]), 4)
    return keeper, similarity


def _keeper(group: list[int], lengths: np.ndarray, prior: int, prior_kept: np.ndarray | None) -> int:
    indexed = [i for i in group if i < prior]
    if indexed:
        assert prior_kept is not None
        return next((i for i in indexed if prior_kept[i]), indexed[0])
    return max(group, key=lambda i: (lengths[i], -i))


def with_prior(prior: IndexedDocs, sigs: Signatures) -> Signatures:
    """The index's documents followed by this run's, as one set of signatures."""
    return Signatures(prior.ids + sigs.ids, np.concatenate([prior.lengths, sigs.lengths]),
                      prior.hashes + sigs.hashes, np.vstack([prior.matrix, sigs.matrix]))


def reclustered(prior: IndexedDocs, everything: Signatures, keeper: list[int]) -> dict[int, str]:
    """Earlier documents whose cluster id this run changed (a new document joined their
    cluster to an older one): index position -> new cluster id."""
    return {i: everything.ids[keeper[i]] for i in range(len(prior))
            if everything.ids[keeper[i]] != prior.cluster_ids[i]}


def as_indexed(sigs: Signatures, cluster_ids: list[str], kept: np.ndarray) -> IndexedDocs:
    return IndexedDocs(sigs.ids, cluster_ids, kept, sigs.lengths, sigs.hashes, sigs.matrix)


