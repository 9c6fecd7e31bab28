"""MinHash signatures (rensa) and LSH banding tuned to a Jaccard threshold.

Signatures come from rensa, fed whole batches of numpy-hashed shingles in one call.
Banding: LSH only proposes candidates; the estimated Jaccard of each candidate pair decides.
So `optimal_bands` picks the steepest banding (most rows r, b = num_perm // r bands) that
still proposes at least 90% of the pairs that sit exactly at the threshold, and more of those
above it. datasketch's criterion (false-positive mass below plus false-negative mass above,
equal weights) suits LSH without verification: for 0.8 and 128 permutations it gives
9 bands x 13 rows, which proposes only 40% of pairs at 0.8 and 69% at 0.85.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import rensa

from zhclean.dedup.canonical import canonical_codes, canonical_hash, shingle_hashes

SEED = 1234


def signatures(shingle_sets: list[np.ndarray], num_perm: int) -> np.ndarray:
    """(len(shingle_sets), num_perm) matrix of MinHash values: uint32, as rensa computes them
    (half the memory of uint64 at every stage that holds signatures)."""
    if not shingle_sets:
        return np.zeros((0, num_perm), dtype=np.uint32)
    sizes = np.array([s.size for s in shingle_sets], dtype=np.uint64)
    offsets = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(sizes, dtype=np.uint64)])
    flat = np.concatenate(shingle_sets) if sizes.sum() else np.zeros(0, dtype=np.uint64)
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(flat, offsets, num_perm, SEED)
    return as_signature_values(np.asarray(matrix.to_rows(), dtype=np.uint64).reshape(len(shingle_sets), num_perm))


def as_signature_values(matrix: np.ndarray) -> np.ndarray:
    """`matrix` as uint32 when every value fits (rensa's are 32-bit; index segments written
    before stored them as uint64), else unchanged: equality, all dedup asks of them, is kept."""
    if matrix.dtype != np.uint32 and (not matrix.size or int(matrix.max()) < 1 << 32):
        return matrix.astype(np.uint32)
    return matrix


def sign_texts(texts: list[str], ngram: int, num_perm: int) -> tuple[list[bytes], np.ndarray]:
    """Per cleaned text, its canonical form's hash and its MinHash signature (one matrix)."""
    codes = [canonical_codes(text) for text in texts]
    return [canonical_hash(c) for c in codes], signatures([shingle_hashes(c, ngram) for c in codes], num_perm)


def _probability(s: np.ndarray, bands: int, rows: int) -> np.ndarray:
    return 1.0 - (1.0 - s**rows) ** bands


MIN_CANDIDATE_PROBABILITY = 0.9  # of a pair at exactly the threshold


@lru_cache(maxsize=32)
def optimal_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows): the most rows per band (fewest candidates below the threshold) whose
    banding still proposes a pair at the threshold with probability >= 0.9."""
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if _probability(np.float64(threshold), bands, rows) >= MIN_CANDIDATE_PROBABILITY:
            return bands, rows
    return num_perm, 1


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / a.size
