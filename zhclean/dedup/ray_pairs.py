"""LSH candidates as a Ray shuffle, for `--engine ray`: one row per (document, band) keyed by
the band's hash, grouped by key; each group yields its pairs as the local buckets do."""

from __future__ import annotations

import numpy as np

from zhclean.config import Config
from zhclean.dedup.clusters import bucket_pairs
from zhclean.engines.ray_engine import init_ray, require_ray


def candidate_pairs(matrix: np.ndarray, bands: int, rows: int, config: Config) -> set[tuple[int, int]]:
    import pyarrow as pa

    ray = require_ray()
    init_ray(config)
    n = matrix.shape[0]
    if n < 2:
        return set()
    keys = [np.ascontiguousarray(matrix[:, b * rows : (b + 1) * rows]) for b in range(bands)]
    table = pa.table({
        "key": pa.array([f"{b}:".encode() + row.tobytes() for b in range(bands) for row in keys[b]], pa.binary()),
        "doc": pa.array(np.tile(np.arange(n, dtype=np.int64), bands)),
    })
    grouped = ray.data.from_arrow(table).groupby("key").map_groups(_bucket_pairs, batch_format="numpy")
    pairs: set[tuple[int, int]] = set()
    for batch in grouped.iter_batches(batch_size=None, batch_format="numpy"):
        pairs.update(zip(batch["a"].tolist(), batch["b"].tolist(), strict=True))
    return pairs


def _bucket_pairs(group: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    found = bucket_pairs(sorted(group["doc"].tolist()))
    return {"a": np.array([a for a, _ in found], dtype=np.int64), "b": np.array([b for _, b in found], dtype=np.int64)}
