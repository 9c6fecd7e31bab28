"""Signature rows left where they are stored, read only when asked for.

At a million documents the signature matrix is 512 MB; the clustering needs the rows of the
candidate pairs and of the clusters' members only (a tenth of them on a crawl), and its band
keys, which the signature stage writes beside each shard's matrix. So the driver holds the
keys and reads rows on demand from the shards' `.npy` files through a memory map opened for
one gather: the pages read are released with it, and the process never holds the matrix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class StoredRows:
    """Rows of several blocks (arrays in memory, or `.npy` files), as one matrix that can be
    indexed by an array of row numbers: `rows[docs]` is `matrix[docs]`."""

    def __init__(self, blocks: Sequence[np.ndarray | str], lengths: Sequence[int], width: int,
                 dtype: np.dtype | type = np.uint32) -> None:
        self.blocks = list(blocks)
        self.starts = np.concatenate(([0], np.cumsum(np.asarray(lengths, dtype=np.int64))))
        self.shape = (int(self.starts[-1]), width)
        self.dtype = np.dtype(dtype)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, docs: np.ndarray) -> np.ndarray:
        docs = np.asarray(docs, dtype=np.int64)
        out = np.empty((len(docs), self.shape[1]), dtype=self.dtype)
        block_of = np.searchsorted(self.starts, docs, side="right") - 1
        for b in np.unique(block_of).tolist():
            chosen = np.flatnonzero(block_of == b)
            out[chosen] = self._take(b, docs[chosen] - self.starts[b])
        return out

    def _take(self, b: int, local: np.ndarray) -> np.ndarray:
        block = self.blocks[b]
        if isinstance(block, np.ndarray):
            return block[local]
        mapped = np.load(block, mmap_mode="r", allow_pickle=False)
        try:
            return np.asarray(mapped[local])
        finally:
            del mapped

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """The whole matrix (for what needs all of it: the Ray pair finder, an index segment)."""
        whole = self[np.arange(self.shape[0])]
        return whole if dtype is None else whole.astype(dtype)


def take_rows(matrix: np.ndarray | StoredRows, chosen: Sequence[int] | np.ndarray) -> np.ndarray | StoredRows:
    """The rows `chosen` of `matrix`, still stored where they are when they were."""
    chosen = np.asarray(chosen, dtype=np.int64)
    if isinstance(matrix, np.ndarray):
        return matrix[chosen]
    return _Selected(matrix, chosen)


class _Selected(StoredRows):
    """Some rows of stored rows, renumbered from 0."""

    def __init__(self, rows: StoredRows, chosen: np.ndarray) -> None:
        self.rows, self.chosen = rows, chosen
        self.shape, self.dtype = (len(chosen), rows.shape[1]), rows.dtype

    def __getitem__(self, docs: np.ndarray) -> np.ndarray:
        return self.rows[self.chosen[np.asarray(docs, dtype=np.int64)]]


def stacked(first: np.ndarray, then: np.ndarray | StoredRows) -> np.ndarray | StoredRows:
    """`first`'s rows followed by `then`'s, without reading `then` when it is stored."""
    if isinstance(then, np.ndarray):
        return np.vstack([first, then])
    return _Stacked(first, then)


class _Stacked(StoredRows):
    def __init__(self, first: np.ndarray, then: StoredRows) -> None:
        self.first, self.then = first, then
        self.shape, self.dtype = (len(first) + then.shape[0], then.shape[1]), np.result_type(first.dtype, then.dtype)

    def __getitem__(self, docs: np.ndarray) -> np.ndarray:
        docs = np.asarray(docs, dtype=np.int64)
        out = np.empty((len(docs), self.shape[1]), dtype=self.dtype)
        early = docs < len(self.first)
        out[early] = self.first[docs[early]]
        out[~early] = self.then[docs[~early] - len(self.first)]
        return out
