"""Clusters from signatures: LSH candidates, verification, connected components, one keeper each.

Pure functions over arrays: no files, no engines, and no Python loop over documents or
pairs: at a million documents a dict of band buckets, a set of pair tuples and a Python
union-find were most of the clustering time and ~5 KB of memory per document. A candidate
pair is a duplicate when its estimated Jaccard (share of equal MinHash values) reaches the
threshold, or when the canonical hashes are equal. Each cluster keeps its longest cleaned
text, ties broken by input order; a cluster holding documents of an earlier run (`--index`)
keeps the one that run kept, since it is already published.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from zhclean.dedup.index import IndexedDocs
from zhclean.dedup.minhash import optimal_bands
from zhclean.dedup.rows import StoredBands, StoredRows, band_column, rows_of, stacked

# A bucket of up to this many documents proposes all its pairs; up to `MAX_BUCKET`, a star
# and a chain (enough to connect them); beyond, none (a band every document shares says nothing).
ALL_PAIRS_BUCKET = 50
MAX_BUCKET = 5000
_CHUNK = 1 << 14  # rows gathered or hashed at a time: bounds the temporaries (8 MB of signatures)
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass
class Signatures:
    """What clustering reads of each document. `matrix` is an array or rows stored elsewhere
    (`zhclean.dedup.rows.StoredRows`): only `matrix[docs]` is asked of it. `keys` are the
    band keys (`band_keys`) when the signature stage computed them."""

    ids: Sequence[str]
    lengths: np.ndarray
    hashes: np.ndarray  # (n, 16) uint8: canonical hashes
    matrix: np.ndarray | StoredRows
    keys: np.ndarray | StoredBands | None = None


def band_keys(matrix: np.ndarray | StoredRows, bands: int, rows: int) -> np.ndarray:
    """(n, bands) uint64: each band's `rows` MinHash values hashed into one key. Equal bands
    have equal keys; the rare unequal bands with equal keys are told apart where buckets are
    cut (`_bucket_runs`), so the buckets are exactly those of the values themselves."""
    n = matrix.shape[0]
    keys = np.empty((n, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, n, _CHUNK):
            chunk = np.arange(start, min(n, start + _CHUNK))  # rows by number: stored rows too
            block = rows_of(matrix, chunk, slice(0, bands * rows)).astype(np.uint64).reshape(-1, bands, rows)
            key = np.zeros(block.shape[:2], dtype=np.uint64)
            for j in range(rows):
                key = (key ^ block[:, :, j]) * _MIX
                key ^= key >> np.uint64(31)
            keys[start:start + _CHUNK] = key
    return keys


def _bucket_runs(order: np.ndarray, sorted_keys: np.ndarray, values: Callable[[np.ndarray], np.ndarray],
                 ) -> Iterable[np.ndarray]:
    """The buckets of one band, as arrays of documents in input order: runs of equal keys in
    `order` (a stable sort, so input order within a run), split where the values differ."""
    # Runs from where equal neighbours begin and end: a byte per document, where the places of
    # every change of key (nearly every document) took 8 bytes each, three times over.
    same = (sorted_keys[1:] == sorted_keys[:-1]).view(np.int8)
    edges = np.diff(same, prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    if not len(starts):
        return
    ends = np.flatnonzero(edges == -1) + 1
    # Every member against its run's first: equal keys with unequal values (a hash collision)
    # are regrouped by their values; otherwise the run is the bucket.
    size = ends - starts
    members = order[np.repeat(starts, size) + _ranges(size)]
    firsts = np.repeat(order[starts], size)
    # One gather of the band's values for every document involved (a band is 32 bytes a
    # document): gathering per chunk of members opened every stored block again each time.
    involved, at = np.unique(np.concatenate((members, firsts)), return_inverse=True)
    gathered = values(involved)
    unequal = np.any(gathered[at[: len(members)]] != gathered[at[len(members):]], axis=1)
    broken = np.add.reduceat(unequal, np.concatenate(([0], np.cumsum(size)[:-1]))) > 0
    yield from same_size_buckets(starts[~broken], ends[~broken], order)
    for start, end in zip(starts[broken].tolist(), ends[broken].tolist(), strict=True):
        groups: dict[bytes, list[int]] = {}
        for doc in order[start:end].tolist():
            groups.setdefault(values(np.array([doc]))[0].tobytes(), []).append(doc)
        yield from (np.array(g, dtype=np.int64) for g in groups.values() if len(g) > 1)


def same_size_buckets(starts: np.ndarray, ends: np.ndarray, order: np.ndarray) -> Iterable[np.ndarray]:
    """The runs as (buckets, size) matrices, one per distinct size: pairs are made per size."""
    size = ends - starts
    for s in np.unique(size).tolist():
        at = starts[size == s]
        yield order[at[:, None] + np.arange(s)]


def _ranges(size: np.ndarray) -> np.ndarray:
    """0..size-1 for every size, concatenated."""
    total = int(size.sum())
    offsets = np.repeat(np.cumsum(size) - size, size)
    return np.arange(total) - offsets


def bucket_pairs(buckets: np.ndarray) -> np.ndarray:
    """Candidate pairs of buckets of one size (rows: members in input order), as (k, 2):
    all pairs up to `ALL_PAIRS_BUCKET` members, a star and a chain up to `MAX_BUCKET`,
    none beyond."""
    k, s = buckets.shape if buckets.ndim == 2 else (1, len(buckets))
    buckets = buckets.reshape(k, s)
    if s < 2 or s > MAX_BUCKET:
        return np.zeros((0, 2), dtype=np.int64)
    if s <= ALL_PAIRS_BUCKET:
        first, second = np.triu_indices(s, 1)
        return np.stack((buckets[:, first].ravel(), buckets[:, second].ravel()), axis=1)
    star = np.stack((np.repeat(buckets[:, 0], s - 1), buckets[:, 1:].ravel()), axis=1)
    chain = np.stack((buckets[:, :-1].ravel(), buckets[:, 1:].ravel()), axis=1)
    return np.concatenate((star, chain))


def candidate_pairs(matrix: np.ndarray | StoredRows, bands: int, rows: int,
                    keys: np.ndarray | StoredBands | None = None) -> np.ndarray:
    """Distinct pairs (a < b) of documents sharing at least one LSH band, as (k, 2) int64.
    `keys`: the band keys of `matrix`, when known."""
    if keys is None:
        keys = band_keys(np.asarray(matrix), bands, rows)
    n = matrix.shape[0]
    found = np.zeros(0, dtype=np.int64)  # the pairs so far, as distinct sorted codes a * n + b
    for band in range(bands):
        column = band_column(keys, band)
        order = np.argsort(column, kind="stable")
        cols = slice(band * rows, (band + 1) * rows)
        codes = [_codes(bucket_pairs(buckets), n)
                 for buckets in _bucket_runs(order, column[order], lambda docs, c=cols: rows_of(matrix, docs, c))]
        if codes:  # merged band by band: the pairs of all bands at once were the clustering's peak
            found = np.union1d(found, np.concatenate(codes))
    return _pairs(found, n)


def _codes(pairs: np.ndarray, n: int) -> np.ndarray:
    """Pairs (a, b) of documents among n as one int64 each, a * n + b: sorted as the pairs are."""
    return pairs[:, 0].astype(np.int64) * n + pairs[:, 1]


def _pairs(codes: np.ndarray, n: int) -> np.ndarray:
    """The (k, 2) pairs of `_codes`."""
    return np.stack((codes // n, codes % n), axis=1) if n else np.zeros((0, 2), dtype=np.int64)


def unique_pairs(found: list[np.ndarray], n: int) -> np.ndarray:
    """The distinct pairs among `found` (each (k, 2), a < b), sorted."""
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    return _pairs(np.unique(np.concatenate([_codes(pairs, n) for pairs in found])), n)


def equal_shares(matrix: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per pair, how many MinHash values of documents a and b are equal."""
    counts = np.empty(len(a), dtype=np.int64)
    for at in range(0, len(a), _CHUNK):
        chunk = slice(at, at + _CHUNK)
        counts[chunk] = np.count_nonzero(matrix[a[chunk]] == matrix[b[chunk]], axis=1)
    return counts


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per document, the smallest document of its connected component under the edges (a, b):
    roots hooked to the smaller root along every edge, then pointers jumped to the roots,
    until every edge joins one root (a few rounds)."""
    root = np.arange(n, dtype=np.int64)
    while len(a):
        ra, rb = root[a], root[b]
        apart = ra != rb
        if not apart.any():
            break
        a, b, ra, rb = a[apart], b[apart], ra[apart], rb[apart]
        np.minimum.at(root, np.maximum(ra, rb), np.minimum(ra, rb))
        while True:
            jumped = root[root]
            if np.array_equal(jumped, root):
                break
            root = jumped
    return root


def hash_edges(hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges from each document to the first document with the same canonical hash: the
    hashes read as two 64-bit words, sorted (stable, so the first of equal ones leads)."""
    if not len(hashes):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    words = np.ascontiguousarray(hashes, dtype=np.uint8).view(np.uint64).reshape(len(hashes), 2)
    order = np.lexsort((words[:, 1], words[:, 0]))
    ordered = words[order]
    same = np.concatenate(([False], np.all(ordered[1:] == ordered[:-1], axis=1)))
    first = order[np.maximum.accumulate(np.where(same, 0, np.arange(len(order))))]
    return first[same].astype(np.int64), order[same].astype(np.int64)


def keepers(root: np.ndarray, lengths: np.ndarray, prior: int, prior_kept: np.ndarray | None) -> np.ndarray:
    """Per document, its cluster's keeper: an index document that was kept (the earliest), else
    the earliest index document, else the longest cleaned text, ties to the earliest."""
    n = len(root)
    rank = np.full(n, 2, dtype=np.int8)  # 0: kept by an earlier run, 1: in the index, 2: new
    longest_first = np.negative(lengths, dtype=np.int64)
    if prior:
        assert prior_kept is not None
        rank[:prior] = np.where(np.asarray(prior_kept[:prior], dtype=bool), 0, 1)
        longest_first[:prior] = 0
    # lexsort is stable: ties of all three keys stay in input order, the earliest first.
    order = np.lexsort((longest_first, rank, root))
    del rank, longest_first
    grouped = root[order]
    heads = order[np.concatenate(([True], grouped[1:] != grouped[:-1]))]
    del grouped, order
    best = np.empty(n, dtype=np.int64)
    best[root[heads]] = heads
    return best[root]


def cluster(sigs: Signatures, threshold: float, num_perm: int, prior_kept: np.ndarray | None = None,
            find_pairs: Callable[[np.ndarray | StoredRows, int, int], object] | None = None,
            ) -> tuple[np.ndarray, np.ndarray]:
    """(keeper index per document, similarity of each document to its cluster's keeper).

    The first `len(prior_kept)` documents come from the index: a cluster holding any of them
    keeps the earliest one kept before (it is already published); other clusters keep
    their longest cleaned text, ties broken by input order.
    """
    n = len(sigs.ids)
    prior = 0 if prior_kept is None else len(prior_kept)
    bands, rows = optimal_bands(threshold, num_perm)
    if find_pairs is None:
        keys = sigs.keys if sigs.keys is not None and sigs.keys.shape[1] == bands else None
        pairs = candidate_pairs(sigs.matrix, bands, rows, keys)
    else:  # the Ray finder
        pairs = _as_pairs(find_pairs(sigs.matrix, bands, rows))
    # The share of equal values against the threshold, as Python computes `count / num_perm`.
    share = np.arange(num_perm + 1) / num_perm
    close = share[equal_shares(sigs.matrix, pairs[:, 0], pairs[:, 1])] >= threshold
    by_hash = hash_edges(sigs.hashes)
    root = components(n, np.concatenate((by_hash[0], pairs[close, 0])), np.concatenate((by_hash[1], pairs[close, 1])))
    keeper = keepers(root, sigs.lengths, prior, prior_kept)
    similarity = np.ones(n, dtype=np.float64)
    member = np.flatnonzero(keeper != np.arange(n))
    rounded = np.array([round(s, 4) for s in share.tolist()])  # Python's rounding, as before
    similarity[member] = rounded[equal_shares(sigs.matrix, member, keeper[member])]
    return keeper, similarity


def _as_pairs(found: object) -> np.ndarray:
    """A pair finder's answer (an array or a set of tuples, as the Ray finder gives) as (k, 2)."""
    if isinstance(found, np.ndarray):
        return found.reshape(-1, 2).astype(np.int64, copy=False)
    return np.array(sorted(found), dtype=np.int64).reshape(-1, 2)


def with_prior(prior: IndexedDocs, sigs: Signatures, banding: tuple[int, int] | None = None) -> Signatures:
    """The index's documents followed by this run's, as one set of signatures; with the
    (bands, rows) of this run's keys, the index's keys are computed to go with them."""
    keys = None
    if sigs.keys is not None and banding is not None:
        keys = np.concatenate([band_keys(prior.matrix, *banding), sigs.keys])
    return Signatures(prior.ids + sigs.ids, np.concatenate([prior.lengths, sigs.lengths]),
                      np.concatenate([prior.hashes, sigs.hashes]), stacked(prior.matrix, sigs.matrix), keys)


def reclustered(prior: IndexedDocs, everything: Signatures, keeper: np.ndarray) -> dict[int, str]:
    """Earlier documents whose cluster id this run changed (a new document joined their
    cluster to an older one): index position -> new cluster id."""
    return {i: everything.ids[keeper[i]] for i in range(len(prior))
            if everything.ids[keeper[i]] != prior.cluster_ids[i]}


def as_indexed(sigs: Signatures, cluster_ids: list[str], kept: np.ndarray) -> IndexedDocs:
    return IndexedDocs(sigs.ids, cluster_ids, kept, sigs.lengths, sigs.hashes, sigs.matrix)
