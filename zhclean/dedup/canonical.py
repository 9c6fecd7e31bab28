"""The canonical form two documents are compared on: cleaned, Simplified, letters only.

SPEC: the cleaned text, converted to Simplified, with punctuation, whitespace and glosses
removed, so a Traditional repost with glosses matches its Simplified original. Computed as
one table lookup per code point (numpy): each character maps to its one-character Simplified
form, lower-cased, or to nothing when it is not a letter or digit. A character-level mapping
is all a comparison needs, and it runs at memory speed where an OpenCC pass does not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from zhclean.chars import char_tables, codes_of, text_of
from zhclean.table_cache import disk_cached

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
# Odd 64-bit multipliers for a polynomial hash of each n-gram's code points.
_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x27D4EB2F165667C5, 0x94D049BB133111EB],
    dtype=np.uint64,
)
_HAN_EXTENSIONS = (0x20000, 0x31350)


@disk_cached
def canonical_table() -> np.ndarray:
    """uint32 per code point: its canonical character, or 0 to drop it (not a letter/digit).
    A loop over the BMP (30 ms): kept on disk with the character tables it derives from."""
    table = char_tables().to_simplified_code.copy()
    for code in range(0x10000):
        char = chr(code)
        if not char.isalnum():
            table[code] = 0
        elif char.lower() != char and len(char.lower()) == 1:
            table[code] = ord(char.lower())
    keep = np.zeros(table.shape, dtype=bool)
    keep[: 0x10000] = True
    keep[_HAN_EXTENSIONS[0] : _HAN_EXTENSIONS[1]] = True
    table[~keep] = 0  # outside the BMP, only Han ideographs are words (emoji are not)
    return table


def canonical_codes(cleaned_text: str) -> np.ndarray:
    """The canonical form as uint32 code points (glosses are already gone from cleaned text)."""
    mapped = canonical_table()[codes_of(cleaned_text)]
    return mapped[mapped != 0]


def canonical_form(cleaned_text: str) -> str:
    """Simplified, lower-cased, without punctuation or whitespace."""
    return text_of(canonical_codes(cleaned_text))


HASH_BYTES = 16  # a canonical hash's length


def hash_array(hashes: Sequence[bytes] | np.ndarray) -> np.ndarray:
    """Canonical hashes as an (n, HASH_BYTES) uint8 array, the form clustering and the index hold."""
    if isinstance(hashes, np.ndarray):
        return hashes.reshape(len(hashes), HASH_BYTES).astype(np.uint8, copy=False)
    return np.frombuffer(b"".join(hashes), dtype=np.uint8).reshape(len(hashes), HASH_BYTES)


def canonical_hash(codes: np.ndarray) -> bytes:
    return hashlib.blake2b(codes.tobytes(), digest_size=HASH_BYTES).digest()


def shingle_hashes(codes: np.ndarray, n: int = 5) -> np.ndarray:
    """64-bit hashes of the character n-grams of canonical `codes`, with numpy (no Python loop
    over characters). Repeats are kept: MinHash takes minima, so they change nothing. A text
    shorter than n is one shingle."""
    codes = codes.astype(np.uint64)
    if codes.size == 0:
        return np.zeros(0, dtype=np.uint64)
    if codes.size < n:
        n = codes.size
    windows = np.lib.stride_tricks.sliding_window_view(codes, n)
    with np.errstate(over="ignore"):
        hashes = (windows * _MULTIPLIERS[:n]).sum(axis=1, dtype=np.uint64)
        hashes ^= hashes >> np.uint64(29)
        hashes *= np.uint64(0xBF58476D1CE4E5B9)
        hashes ^= hashes >> np.uint64(32)
    return hashes & _MASK64
