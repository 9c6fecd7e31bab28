"""LSH candidates on Ray, for `--engine ray`: the pairs `clusters.candidate_pairs` finds,
computed on the cluster by a shuffle of plain tasks.

Map: one task per block of signatures (a shard's `.npy` file, read where the signature stage
wrote it, or rows put in the object store) makes one row per (document, band) holding the
band's MinHash values, and splits them into partitions by a hash of those values, so that a
bucket never spans two partitions (a few partitions per CPU, about a million rows each).
Reduce: one task per partition takes its piece from every map task, sorts the rows by
(band, values, document) with numpy, cuts them into buckets where the key changes and makes
the pairs of buckets of two or more documents by the local rule (`bucket_pairs`). The driver
holds object references and the pairs, never a signature, and imports no Ray Data (whose
execution machinery alone held ~130 MB of the driver at a million documents).
"""

from __future__ import annotations

import numpy as np

from zhclean.config import Config
from zhclean.dedup.clusters import bucket_pairs, same_size_buckets, unique_pairs
from zhclean.dedup.rows import StoredRows
from zhclean.engines.ray_engine import init_ray, require_ray

ROWS_PER_PARTITION = 1_000_000
PARTITIONS_PER_CPU = 2
ROWS_PER_SOURCE = 1 << 16  # rows of a matrix in memory put in the object store at a time
_MIX = np.uint64(0x9E3779B97F4A7C15)  # spreads MinHash values (small numbers) over partitions


def candidate_pairs(matrix: np.ndarray | StoredRows, bands: int, rows: int, config: Config) -> np.ndarray:
    """Distinct pairs (a < b) of documents sharing at least one LSH band, as (k, 2) int64."""
    n = matrix.shape[0]
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    ray = require_ray()
    init_ray(config)  # started already by the signature stage, unless a resumed job skipped it
    parts = partitions(n * bands, ray)
    split = ray.remote(num_returns=parts)(band_partitions)
    mapped = [split.remote(source, bands, rows, parts, start) for source, start in _sources(matrix, ray)]
    reduce = ray.remote(partition_pairs)
    found = ray.get([reduce.remote(*(pieces[p] for pieces in mapped)) for p in range(parts)])
    return unique_pairs(found, n)


def partitions(count: int, ray) -> int:
    """At least two (a task of one return gives a reference, not a list of them)."""
    return max(2, PARTITIONS_PER_CPU * _cpus(ray), -(-count // ROWS_PER_PARTITION))


def _cpus(ray) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def _sources(matrix: np.ndarray | StoredRows, ray) -> list[tuple[object, int]]:
    """(where a task reads rows, the first row's number) for every block of `matrix`: a
    shard's `.npy` file by its path (the parts folder is shared by every node, as the shard
    tasks' outputs are), else rows put in the object store a block at a time."""
    if type(matrix) is StoredRows and all(isinstance(b, str) for b in matrix.blocks):
        return [(path, int(start)) for path, start in zip(matrix.blocks, matrix.starts[:-1].tolist(), strict=True)]
    n = matrix.shape[0]
    return [(ray.put(np.asarray(matrix[np.arange(start, min(n, start + ROWS_PER_SOURCE))])), start)
            for start in range(0, n, ROWS_PER_SOURCE)]


def band_partitions(source: np.ndarray | str, bands: int, rows: int, parts: int, start: int = 0,
                    ) -> list[dict[str, np.ndarray]]:
    """The (document, band) rows of the signatures in `source` (an array, or a `.npy` file's
    path), the first being document `start`, split into `parts` pieces by a hash of the
    band's values: per piece `band`, `doc` and the values `k` (one row each)."""
    matrix = np.load(source, allow_pickle=False) if isinstance(source, str) else source
    n = matrix.shape[0]
    values = np.ascontiguousarray(matrix[:, : bands * rows].reshape(n, bands, rows).transpose(1, 0, 2)
                                  ).reshape(bands * n, rows)
    band = np.repeat(np.arange(bands, dtype=np.int32), n)
    doc = np.tile(np.arange(start, start + n, dtype=np.int64), bands)
    with np.errstate(over="ignore"):
        part = ((values[:, 0].astype(np.uint64) * _MIX >> np.uint64(32)) + band.astype(np.uint64)) % np.uint64(parts)
    return [{"band": band[part == p], "doc": doc[part == p], "k": values[part == p]} for p in range(parts)]


def partition_pairs(*pieces: dict[str, np.ndarray]) -> np.ndarray:
    """The candidate pairs of one partition (its piece of every map task): its buckets are
    runs of equal (band, values), documents in input order within each."""
    band = np.concatenate([p["band"] for p in pieces])
    doc = np.concatenate([p["doc"] for p in pieces])
    values = np.concatenate([p["k"] for p in pieces])
    keys = [band] + [values[:, j] for j in range(values.shape[1])]
    order = np.lexsort([doc, *reversed(keys)])  # by band, values, then document
    changed = np.zeros(len(order), dtype=bool)
    changed[:1] = True
    for column in keys:
        ordered = column[order]
        changed[1:] |= ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(changed)
    ends = np.append(starts[1:], len(order))
    sizable = ends - starts > 1
    found = [bucket_pairs(buckets) for buckets in same_size_buckets(starts[sizable], ends[sizable], doc[order])]
    return np.concatenate(found) if found else np.zeros((0, 2), dtype=np.int64)
