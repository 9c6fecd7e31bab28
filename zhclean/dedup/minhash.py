"""MinHash signatures (rensa) and LSH banding tuned to a Jaccard threshold.

Signatures come from rensa, fed whole batches of numpy-hashed shingles in one call.
Banding: `optimal_bands` picks b bands of r rows (b*r <= num_perm) minimising the
probability mass of false positives below the threshold plus false negatives above it,
the same criterion as datasketch's `_optimal_param`, with equal weights.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import rensa

SEED = 1234


def signatures(shingle_sets: list[np.ndarray], num_perm: int) -> np.ndarray:
    """(len(shingle_sets), num_perm) uint64 matrix of MinHash values."""
    if not shingle_sets:
        return np.zeros((0, num_perm), dtype=np.uint64)
    sizes = np.array([s.size for s in shingle_sets], dtype=np.uint64)
    offsets = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(sizes, dtype=np.uint64)])
    flat = np.concatenate(shingle_sets) if sizes.sum() else np.zeros(0, dtype=np.uint64)
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(flat, offsets, num_perm, SEED)
    return np.asarray(matrix.to_rows(), dtype=np.uint64).reshape(len(shingle_sets), num_perm)


def _probability(s: np.ndarray, bands: int, rows: int) -> np.ndarray:
    return 1.0 - (1.0 - s**rows) ** bands


@lru_cache(maxsize=32)
def optimal_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) minimising false positives below and false negatives above `threshold`."""
    below = np.linspace(0.0, threshold, 200)
    above = np.linspace(threshold, 1.0, 200)
    best, best_error = (1, num_perm), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            fp = np.trapezoid(_probability(below, bands, rows), below)
            fn = np.trapezoid(1.0 - _probability(above, bands, rows), above)
            if fp + fn < best_error:
                best, best_error = (bands, rows), fp + fn
    return best


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / a.size
