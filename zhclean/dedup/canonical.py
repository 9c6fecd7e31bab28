"""The canonical form two documents are compared on: cleaned, Simplified, letters only.

SPEC: the cleaned text, converted to Simplified, with punctuation, whitespace and glosses
removed, so a Traditional repost with glosses matches its Simplified original.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from zhclean.chars import TRAD_ONLY, char_tables
from zhclean.steps.script import to_simplified

_NOT_WORD = re.compile(r"[\W_]+")
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
# Odd 64-bit multipliers for a polynomial hash of each n-gram's code points.
_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x27D4EB2F165667C5, 0x94D049BB133111EB],
    dtype=np.uint64,
)


def canonical_form(cleaned_text: str) -> str:
    """Simplified, lower-cased, without punctuation or whitespace (glosses are already gone).
    Only text holding a Traditional-only character goes through OpenCC."""
    if (char_tables().classes(cleaned_text) == TRAD_ONLY).any():
        cleaned_text = to_simplified(cleaned_text)
    return _NOT_WORD.sub("", cleaned_text).lower()


def canonical_hash(canonical: str) -> bytes:
    return hashlib.blake2b(canonical.encode("utf-8"), digest_size=16).digest()


def shingle_hashes(canonical: str, n: int = 5) -> np.ndarray:
    """Distinct 64-bit hashes of the character n-grams, computed with numpy (no Python loop
    over characters). A text shorter than n is one shingle."""
    codes = np.frombuffer(canonical.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
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
    return np.unique(hashes & _MASK64)
