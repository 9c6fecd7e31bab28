"""A persistent signature index (`--index DIR`): every document deduplicated so far.

A new crawl batch is deduplicated against everything in the index, and then added to it, so
running batch after batch gives the clusters one run over all of them would give. Each run
appends one segment: `segment-00001.npz` (ids, cluster ids, kept flags, cleaned lengths,
canonical hashes) and its MinHash signatures beside it as `segment-00001.matrix.npy`, which
a run reads through a memory map, only the rows it compares (segments of the first format
hold the signatures inside the `.npz` and are read whole); texts are never stored. A run whose new
documents join clusters of earlier runs together also records the earlier documents whose
cluster id changed (`updated_ids`, `updated_cluster_ids`), and loading applies those updates
in segment order. `index.json` records the MinHash settings, which every later run must share.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zhclean.dedup.canonical import hash_array
from zhclean.dedup.minhash import SEED, as_signature_values
from zhclean.dedup.rows import StoredRows

FORMAT = 1


@dataclass
class IndexedDocs:
    """Documents of earlier runs, in the order they were added."""

    ids: list[str]
    cluster_ids: list[str]
    kept: np.ndarray  # bool
    lengths: np.ndarray  # int64
    hashes: np.ndarray  # (n, 16) uint8
    matrix: np.ndarray | StoredRows  # (n, num_perm) uint32

    def __len__(self) -> int:
        return len(self.ids)


class SignatureIndex:
    """The index folder: load what earlier runs added, append this run's documents."""

    def __init__(self, folder: str | os.PathLike, num_perm: int, ngram: int) -> None:
        self.folder = Path(folder)
        self.settings = {"format": FORMAT, "num_perm": num_perm, "ngram": ngram, "seed": SEED}
        meta = self.folder / "index.json"
        if meta.exists():
            stored = json.loads(meta.read_text(encoding="utf-8"))
            if {k: stored.get(k) for k in self.settings} != self.settings:
                raise ValueError(
                    f"index {self.folder} was built with {stored}, this run uses {self.settings}; "
                    "use a new --index folder for different MinHash settings"
                )

    def segments(self) -> list[Path]:
        return sorted(self.folder.glob("segment-*.npz"))

    def segment_of(self, job: str) -> Path | None:
        """The segment a job appended, if it got that far (a resumed job must not add its
        documents twice, nor be deduplicated against them)."""
        for path in self.segments():
            with np.load(path, allow_pickle=False) as data:
                if "job" in data.files and str(data["job"]) == job:
                    return path
        return None

    def load(self, excluding: Path | None = None) -> IndexedDocs:
        """Every segment's documents, in order, with later segments' cluster updates;
        `excluding` leaves one segment out (the one a resumed job already appended)."""
        parts = [_read_segment(path) for path in self.segments() if path != excluding]
        num_perm = self.settings["num_perm"]
        if not parts:
            return IndexedDocs([], [], np.zeros(0, bool), np.zeros(0, np.int64), np.zeros((0, 16), np.uint8),
                               np.zeros((0, num_perm), np.uint32))
        ids = [str(x) for p in parts for x in p["ids"]]
        blocks = [p["matrix"] if "matrix" in p else str(p["matrix_file"]) for p in parts]
        return IndexedDocs(
            ids=ids,
            cluster_ids=_with_updates(ids, [str(x) for p in parts for x in p["cluster_ids"]], parts),
            kept=np.concatenate([p["kept"] for p in parts]),
            lengths=np.concatenate([p["lengths"] for p in parts]),
            hashes=np.concatenate([p["hashes"].reshape(len(p["hashes"]), -1).astype(np.uint8) for p in parts]),
            matrix=StoredRows(blocks, [len(p["ids"]) for p in parts], num_perm, np.uint32),
        )

    def append(self, docs: IndexedDocs, updates: dict[str, str] | None = None, job: str = "") -> Path | None:
        """Write `docs`, and the new cluster ids of earlier documents in `updates`, as a new
        segment (atomically: a crash leaves no half segment), tagged with the `job` that
        wrote it; a job that appended already (and was resumed) appends nothing more."""
        updates = updates or {}
        if not len(docs):  # no new document, so nothing of the index can have changed either
            return None
        if job and (done := self.segment_of(job)) is not None:
            return done
        self.folder.mkdir(parents=True, exist_ok=True)
        number = len(self.segments()) + 1
        path = self.folder / f"segment-{number:05d}.npz"
        temp = self.folder / f".segment-{number:05d}.tmp.npz"
        # The signatures first: the `.npz` is what makes a segment, so a crash between the two
        # leaves a matrix file that the next run of this number writes over.
        _save_rows(docs.matrix, _matrix_path(path))
        np.savez(
            temp,
            ids=np.array(docs.ids, dtype=str),
            cluster_ids=np.array(docs.cluster_ids, dtype=str),
            kept=docs.kept.astype(bool),
            lengths=docs.lengths.astype(np.int64),
            hashes=hash_array(docs.hashes),
            updated_ids=np.array(list(updates), dtype=str),
            updated_cluster_ids=np.array(list(updates.values()), dtype=str),
            job=np.array(job),
        )
        os.replace(temp, path)
        meta_path = self.folder / "index.json"
        before = json.loads(meta_path.read_text(encoding="utf-8")).get("documents", 0) if meta_path.exists() else 0
        meta = {**self.settings, "documents": before + len(docs), "segments": number}
        meta_path.write_text(json.dumps(meta, indent=1), encoding="utf-8")
        return path


def _with_updates(ids: list[str], cluster_ids: list[str], parts: list) -> list[str]:
    """`cluster_ids` after every segment's updates, applied in segment order (segments written
    before updates existed have none)."""
    position = {doc: i for i, doc in enumerate(ids)}
    for part in parts:
        if "updated_ids" in part:
            for doc, cluster_id in zip(part["updated_ids"], part["updated_cluster_ids"], strict=True):
                cluster_ids[position[str(doc)]] = str(cluster_id)
    return cluster_ids


_SEGMENT_ARRAYS = ("ids", "cluster_ids", "kept", "lengths", "hashes")
_ROWS_AT_A_TIME = 1 << 14  # signature rows copied into a segment at a time (8 MB)


def _matrix_path(segment: Path) -> Path:
    return segment.with_name(segment.name.removesuffix(".npz") + ".matrix.npy")


def _save_rows(matrix: np.ndarray | StoredRows, path: Path) -> None:
    """`matrix` as a `.npy` file, a block of rows at a time (rows stored in the shards' files
    are never all in memory), in place only when complete."""
    n, width = matrix.shape
    temp = path.with_name(f".{path.name}.tmp.npy")
    out = np.lib.format.open_memmap(temp, mode="w+", dtype=np.uint32, shape=(n, width))
    for start in range(0, n, _ROWS_AT_A_TIME):
        out[start:start + _ROWS_AT_A_TIME] = as_signature_values(
            np.asarray(matrix[np.arange(start, min(n, start + _ROWS_AT_A_TIME))]))
    out.flush()
    del out
    os.replace(temp, path)


def _read_segment(path: Path) -> dict[str, np.ndarray]:
    """One segment's arrays (its signatures as the path of their file, `matrix_file`, unless
    the segment holds them); a damaged segment is a one-line error naming it."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        if "matrix" in arrays:
            arrays["matrix"] = as_signature_values(arrays["matrix"])
        else:
            rows = np.load(_matrix_path(path), mmap_mode="r", allow_pickle=False)
            if rows.shape[0] != len(arrays.get("ids", ())):
                raise ValueError(f"{rows.shape[0]:,} signatures for {len(arrays.get('ids', ())):,} documents")
            arrays["matrix_file"] = np.array(str(_matrix_path(path)))
    except Exception as error:  # noqa: BLE001 - zip, zlib and numpy errors alike
        raise ValueError(f"index segment {path} is unreadable ({type(error).__name__}: {error}); "
                         "restore it or start a new --index folder") from None
    missing = [name for name in _SEGMENT_ARRAYS if name not in arrays]
    if missing:
        raise ValueError(f"index segment {path} lacks {', '.join(missing)}; restore it or start a new --index folder")
    return arrays
