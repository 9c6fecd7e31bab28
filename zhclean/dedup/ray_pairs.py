"""LSH candidates as a Ray shuffle, for `--engine ray`: the pairs `clusters.candidate_pairs`
finds, computed on the cluster.

One row per (document, band) holds the band's MinHash values; rows are hash-partitioned by
the band's values into a few partitions (a few per CPU, and about a million rows each), so
that a bucket never spans two partitions. Each partition is one group of a Ray Data
`groupby`: sorted by (band, values, document) with numpy, cut into buckets where the key
changes, and only buckets of two or more documents reach `bucket_pairs`, the local rule.
Grouping by the band key itself would make one Python call per bucket, that is one per
document and band (minutes for 200,000 documents).
"""

from __future__ import annotations

import numpy as np

from zhclean.config import Config
from zhclean.dedup.clusters import bucket_pairs, same_size_buckets, unique_pairs
from zhclean.engines.ray_engine import init_ray, require_ray

ROWS_PER_PARTITION = 1_000_000
PARTITIONS_PER_CPU = 2
# Ray Data's sort-based shuffle: with few groups it starts in a second where the default
# (hash) shuffle takes five to ten, and it was 3x faster at 200,000 documents (2 CPUs).
SHUFFLE = "sort_shuffle_pull_based"
_MIX = np.uint64(0x9E3779B97F4A7C15)  # spreads MinHash values (small numbers) over partitions


def candidate_pairs(matrix: np.ndarray, bands: int, rows: int, config: Config) -> np.ndarray:
    n = matrix.shape[0]
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    ray = require_ray()
    init_ray(config)  # started already by the signature stage, unless a resumed job skipped it
    table = band_rows(matrix, bands, rows, partitions(n * bands, ray))
    step = max(1, -(-table.num_rows // max(1, _cpus(ray))))
    blocks = [table.slice(start, step) for start in range(0, table.num_rows, step)]
    context = ray.data.DataContext.get_current()
    strategy, context.shuffle_strategy = context.shuffle_strategy, SHUFFLE
    try:
        grouped = ray.data.from_arrow(blocks).groupby("part").map_groups(_partition_pairs, batch_format="numpy")
        found = [np.stack((batch["a"], batch["b"]), axis=1)
                 for batch in grouped.iter_batches(batch_size=None, batch_format="numpy")]
    finally:
        context.shuffle_strategy = strategy
    return unique_pairs(found, n)


def partitions(count: int, ray) -> int:
    return max(PARTITIONS_PER_CPU * _cpus(ray), -(-count // ROWS_PER_PARTITION))


def _cpus(ray) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def band_rows(matrix: np.ndarray, bands: int, rows: int, parts: int):
    """The (document, band) rows as an Arrow table: `part`, `band`, `doc`, `k0`...: band b's
    rows come after band b-1's, documents in input order."""
    import pyarrow as pa

    n = matrix.shape[0]
    values = np.ascontiguousarray(matrix[:, : bands * rows].astype(np.uint64, copy=False)
                                  .reshape(n, bands, rows).transpose(1, 0, 2)).reshape(bands * n, rows)
    band = np.repeat(np.arange(bands, dtype=np.int32), n)
    part = ((values[:, 0] * _MIX >> np.uint64(32)) + band.astype(np.uint64)) % np.uint64(parts)
    columns = {"part": pa.array(part.astype(np.int32)), "band": pa.array(band),
               "doc": pa.array(np.tile(np.arange(n, dtype=np.int64), bands))}
    columns.update({f"k{j}": pa.array(values[:, j]) for j in range(rows)})
    return pa.table(columns)


def _partition_pairs(group: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The candidate pairs of one partition: its buckets are runs of equal (band, key)."""
    keys = [group["band"]] + [group[f"k{j}"] for j in range(sum(name.startswith("k") for name in group))]
    order = np.lexsort([group["doc"], *reversed(keys)])  # by band, key, then document
    docs = group["doc"][order]
    changed = np.zeros(len(order), dtype=bool)
    changed[:1] = True
    for column in keys:
        ordered = column[order]
        changed[1:] |= ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(changed)
    ends = np.append(starts[1:], len(order))
    sizable = ends - starts > 1
    found = [bucket_pairs(buckets) for buckets in same_size_buckets(starts[sizable], ends[sizable], docs)]
    pairs = np.concatenate(found) if found else np.zeros((0, 2), dtype=np.int64)
    return {"a": pairs[:, 0].astype(np.int64), "b": pairs[:, 1].astype(np.int64)}
