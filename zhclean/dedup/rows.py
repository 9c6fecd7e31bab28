"""Signature rows left where they are stored, read only when asked for; ids kept compact.

At a million documents the signature matrix is 512 MB; the clustering needs the rows of the
candidate pairs and of the clusters' members only (a tenth of them on a crawl), and its band
keys, which the signature stage writes beside each shard's matrix. So the driver reads the
keys one band at a time and the rows on demand, from the shards' `.npy` files through a
memory map opened for one read: the pages read are released with it, and the process never
holds the matrix.
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
        return self.take(docs)

    def take(self, docs: np.ndarray, columns: slice = slice(None)) -> np.ndarray:
        """`matrix[docs][:, columns]`, reading only those columns of those rows."""
        docs = np.asarray(docs, dtype=np.int64)
        out = np.empty((len(docs), self.width_of(columns)), dtype=self.dtype)
        block_of = np.searchsorted(self.starts, docs, side="right") - 1
        for b in np.unique(block_of).tolist():
            chosen = np.flatnonzero(block_of == b)
            out[chosen] = self._take(b, docs[chosen] - self.starts[b], columns)
        return out

    def width_of(self, columns: slice) -> int:
        return len(range(*columns.indices(self.shape[1])))

    def _take(self, b: int, local: np.ndarray, columns: slice) -> np.ndarray:
        block = self.blocks[b]
        if isinstance(block, np.ndarray):
            return block[local, columns]
        mapped = _mapped(block)
        try:
            return np.asarray(mapped[local, columns])
        finally:
            del mapped

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """The whole matrix (for what needs all of it: the Ray pair finder, an index segment)."""
        whole = self[np.arange(self.shape[0])]
        return whole if dtype is None else whole.astype(dtype)


class StoredBands:
    """Band keys of several shards, each shard's stored band-major in a `.npy` file of shape
    (bands, documents), as one (documents, bands) table: `column(band)` reads one band of
    every shard, 8 bytes a document where all 16 bands at once are 128, which was the
    largest thing the driver held."""

    def __init__(self, files: Sequence[str], lengths: Sequence[int], bands: int) -> None:
        self.files = list(files)
        self.shape = (int(np.sum(np.asarray(lengths, dtype=np.int64))), bands)

    def __len__(self) -> int:
        return self.shape[0]

    def column(self, band: int) -> np.ndarray:
        return np.concatenate([_mapped(f)[band] for f in self.files]) if self.files else np.zeros(0, np.uint64)

    def __getitem__(self, docs: np.ndarray) -> np.ndarray:
        """The keys of `docs`, every band (for a subset of the run: documents already indexed),
        read a band at a time like the rest."""
        docs = np.asarray(docs, dtype=np.int64)
        return np.stack([self.column(band)[docs] for band in range(self.shape[1])], axis=1)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = self[np.arange(self.shape[0])]
        return whole if dtype is None else whole.astype(dtype)


def band_column(keys: np.ndarray | StoredBands, band: int) -> np.ndarray:
    """One band's keys of every document."""
    return keys.column(band) if isinstance(keys, StoredBands) else keys[:, band]


def _mapped(path: str) -> np.ndarray:
    return np.load(path, mmap_mode="r", allow_pickle=False)


def rows_of(matrix: np.ndarray | StoredRows, docs: np.ndarray, columns: slice = slice(None)) -> np.ndarray:
    """The `columns` of the rows `docs` of a matrix in memory or stored."""
    if isinstance(matrix, StoredRows):
        return matrix.take(docs, columns)
    return matrix[np.asarray(docs, dtype=np.int64), columns]


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

    def take(self, docs: np.ndarray, columns: slice = slice(None)) -> np.ndarray:
        return rows_of(self.rows, self.chosen[np.asarray(docs, dtype=np.int64)], columns)


def stacked(first: np.ndarray | StoredRows, then: np.ndarray | StoredRows) -> np.ndarray | StoredRows:
    """`first`'s rows followed by `then`'s, without reading either when it is stored."""
    if isinstance(first, np.ndarray) and isinstance(then, np.ndarray):
        return np.vstack([first, then])
    return _Stacked(first, then)


class _Stacked(StoredRows):
    def __init__(self, first: np.ndarray | StoredRows, then: np.ndarray | StoredRows) -> None:
        self.first, self.then = first, then
        self.shape, self.dtype = (len(first) + then.shape[0], then.shape[1]), np.result_type(first.dtype, then.dtype)

    def take(self, docs: np.ndarray, columns: slice = slice(None)) -> np.ndarray:
        docs = np.asarray(docs, dtype=np.int64)
        out = np.empty((len(docs), self.width_of(columns)), dtype=self.dtype)
        early = docs < len(self.first)
        out[early] = rows_of(self.first, docs[early], columns)
        out[~early] = rows_of(self.then, docs[~early] - len(self.first), columns)
        return out


class IdList(Sequence[str]):
    """Document ids as one UTF-8 buffer and offsets: ~1/4 of the memory of a list of str
    (8 bytes and the id's bytes each, against ~60 bytes for a short id), which at a million
    documents is the largest thing the driver holds besides what Ray itself needs."""

    def __init__(self, ids: Sequence[str] = ()) -> None:
        encoded = [i.encode("utf-8", "surrogatepass") for i in ids]
        self._data = b"".join(encoded)
        self._ends = np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)))

    @classmethod
    def joined(cls, parts: Sequence[IdList | Sequence[str]]) -> IdList:
        """The ids of `parts`, in order, as one list."""
        lists = [p if isinstance(p, IdList) else cls(p) for p in parts]
        joined = cls()
        joined._data = b"".join(p._data for p in lists)
        offsets = np.cumsum([0] + [len(p._data) for p in lists[:-1]])
        ends = [p._ends + offset for p, offset in zip(lists, offsets.tolist(), strict=True)]
        joined._ends = np.concatenate(ends) if ends else np.zeros(0, np.int64)
        return joined

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        start = int(self._ends[i - 1]) if i else 0
        return self._data[start:int(self._ends[i])].decode("utf-8", "surrogatepass")

    def __iter__(self):
        starts = np.concatenate(([0], self._ends[:-1])).tolist()
        data = self._data
        for start, end in zip(starts, self._ends.tolist(), strict=True):
            yield data[start:end].decode("utf-8", "surrogatepass")

    def __add__(self, other: Sequence[str]) -> IdList:
        return IdList.joined([self, other])

    def __radd__(self, other: Sequence[str]) -> IdList:
        return IdList.joined([other, self])
