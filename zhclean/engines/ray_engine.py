"""The Ray engine: the same pipeline and record handling as the local engine, on a Ray cluster.

The driver cuts the inputs into chunks (byte ranges of uncompressed JSONL that end at line
breaks, with their first line number; one chunk per compressed, Parquet or .txt file) and
makes a Ray Dataset of them. `map_batches` runs a callable class over each chunk in Ray's
worker processes: it reads the range itself (local paths or anything `pyarrow.fs` opens),
and parses, validates, cleans or quarantines each record with the very functions the local
engine uses (`engines/records.py`), so both engines quarantine the same records for the same
reasons and produce the same output. Each actor builds its pipeline (OpenCC converters, the
pinyin map) once, in its own process; nothing unpicklable crosses the wire. Results come
back to the driver in input order (`preserve_order`), which writes them with the usual
writers, one batch at a time, so memory stays flat.

Dedup runs its signature pass the same way, and its LSH banding as a Ray shuffle: one row
per (document, band), grouped by band hash; each group yields candidate pairs. See
docs/ray.md for the algorithm, its costs and how to use an existing cluster.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import orjson

from zhclean.config import Config
from zhclean.engines.local import batches, item_bytes
from zhclean.io.readers import Item, format_of, iter_items, line_items

CHUNK_BYTES = 16 << 20
MIN_CHUNK_BYTES = 256 << 10
_BLOCK = 1 << 20


def require_ray():
    """The `ray` module, or a one-line error saying how to get it."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise ValueError("the Ray engine needs Ray: pip install 'zhclean[ray]'") from None
    return ray


def init_ray(config: Config) -> None:
    """Connect to `config.ray_address`, or start a local Ray with `workers` CPUs (unless this
    process already joined one), and ask Ray Data to keep input order: pass 2 of dedup and
    the writers rely on it."""
    ray = require_ray()
    if not ray.is_initialized():
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                   "logging_level": logging.WARNING}
        if config.ray_address:
            ray.init(address=config.ray_address, **options)
        else:
            ray.init(num_cpus=config.worker_count, **options)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)


def _filesystem(path: str):
    import pyarrow.fs as pafs

    if "://" in path:
        return pafs.FileSystem.from_uri(path)
    return pafs.LocalFileSystem(), os.path.abspath(path)


def chunks(files: list[str], workers: int = 1, chunk_bytes: int = CHUNK_BYTES) -> list[dict[str, Any]]:
    """Work units: (path, start, end, first line) ranges of plain JSONL, whole other files.
    Small inputs get smaller ranges, so that every worker has some."""
    total = sum(_size(path) for path in files)
    chunk_bytes = max(MIN_CHUNK_BYTES, min(chunk_bytes, total // (4 * max(1, workers)) + 1))
    found: list[dict[str, Any]] = []
    for path in files:
        if path == "-":
            raise ValueError("the Ray engine reads files, not standard input")
        if format_of(path) != "jsonl" or path.endswith((".gz", ".zst")):
            found.append({"path": path, "start": 0, "end": -1, "line": 1})
            continue
        found.extend(_jsonl_ranges(path, chunk_bytes))
    return [{**c, "seq": i} for i, c in enumerate(found)]


def _size(path: str) -> int:
    fs, local = _filesystem(path)
    return fs.get_file_info(local).size or 0


def _jsonl_ranges(path: str, chunk_bytes: int) -> Iterator[dict[str, Any]]:
    """Ranges of about `chunk_bytes` ending at line breaks, with the number of their first
    line (one streaming pass that counts line breaks; nothing is held)."""
    fs, local = _filesystem(path)
    start, line, pending, position = 0, 1, 0, 0
    with fs.open_input_stream(local) as stream:
        while block := stream.read(_BLOCK):
            block_start, position = position, position + len(block)
            cut = block.rfind(b"\n")
            if position - start >= chunk_bytes and cut >= 0:
                end = block_start + cut + 1
                yield {"path": path, "start": start, "end": end, "line": line}
                line += pending + block.count(b"\n")  # nothing follows the last break
                start, pending = end, 0
            else:
                pending += block.count(b"\n")
    if position > start:
        yield {"path": path, "start": start, "end": position, "line": line}


def chunk_items(chunk: dict[str, Any]) -> Iterator[Item]:
    """The items of one chunk, numbered as the local readers number them."""
    path = chunk["path"]
    if chunk["end"] < 0 and "://" in path:
        yield from _remote_file_items(path)
        return
    if chunk["end"] < 0:
        yield from iter_items([path])
        return
    fs, local = _filesystem(path)
    with fs.open_input_file(local) as f:
        f.seek(chunk["start"])
        data = f.read(chunk["end"] - chunk["start"])
    yield from line_items(path, data.splitlines(keepends=True), chunk["line"])


def _remote_file_items(path: str) -> Iterator[Item]:
    """Items of a whole compressed JSONL, Parquet or .txt file behind a pyarrow URI."""
    import pyarrow.parquet as pq

    fs, local = _filesystem(path)
    kind = format_of(path)
    try:
        if kind == "parquet":
            with fs.open_input_file(local) as f:
                rows = (row for batch in pq.ParquetFile(f).iter_batches(1024) for row in batch.to_pylist())
                yield from (Item(path, n, record=row, kind="row") for n, row in enumerate(rows, start=1))
            return
        with fs.open_input_stream(local, compression="detect") as f:
            data = f.read()
        if kind == "txt":
            yield Item(path, 1, raw=data, kind="txt")
            return
        yield from line_items(path, data.splitlines(keepends=True))
    except Exception as error:  # noqa: BLE001 - pyarrow raises its own types
        yield Item(path, 0, kind=kind, error=f"cannot read {path}: {type(error).__name__}: {error}")


def iter_file_items(files: list[str]) -> Iterator[Item]:
    """Every item of `files` in order, read in this process as the workers read them."""
    for chunk in chunks(files):
        yield from chunk_items(chunk)


class _ChunkCleaner:
    """Ray actor: cleans whole chunks with one pipeline built in its own process."""

    def __init__(self, config: Config) -> None:
        from zhclean.pipeline import Pipeline

        self.config = config
        self.pipeline = Pipeline.from_config(config).prepare_worker()

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list]:
        from zhclean.engines.records import process_batch

        kinds, records, sizes = [], [], []
        for chunk in _rows(batch):
            for items in batches(chunk_items(chunk)):  # the local engine's batches: same speed
                for item, (kind, record) in zip(items, process_batch(items, self.pipeline, self.config), strict=True):
                    kinds.append(kind)
                    records.append(orjson.dumps(record))
                    sizes.append(item_bytes(item))
        return {"kind": kinds, "record": records, "size": sizes}


class _ChunkSigner:
    """Ray actor: the dedup signature pass over whole chunks."""

    def __init__(self, config: Config) -> None:
        from zhclean.dedup import runner

        runner._init_signature_worker(config)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list]:
        from zhclean.dedup.runner import _signature_batch, signature_rows_of

        out: dict[str, list] = {"kind": [], "id": [], "length": [], "hash": [], "signature": [], "size": []}
        for chunk in _rows(batch):
            items = list(chunk_items(chunk))
            for kind, ident, length, digest, signature, size in signature_rows_of(items, *_signature_batch(items)):
                out["kind"].append(kind)
                out["id"].append(orjson.dumps(ident).decode() if kind == "bad" else ident)
                out["length"].append(length)
                out["hash"].append(digest)
                out["signature"].append(b"" if signature is None else signature.tobytes())
                out["size"].append(size)
        return out


def _rows(batch: dict[str, np.ndarray]) -> Iterator[dict[str, Any]]:
    names = list(batch)
    for values in zip(*(batch[n] for n in names), strict=True):
        yield {n: (v.item() if hasattr(v, "item") else v) for n, v in zip(names, values, strict=True)}


def _mapped(files: list[str], config: Config, actor: type) -> Iterator[dict[str, np.ndarray]]:
    """Batches of `actor`'s output over every chunk of `files`, in input order."""
    ray = require_ray()
    init_ray(config)
    work = chunks(files, config.worker_count)
    if not work:
        return
    actors = ray.data.ActorPoolStrategy(min_size=1, max_size=max(1, config.worker_count))
    dataset = ray.data.from_items(work, override_num_blocks=len(work)).map_batches(
        actor, batch_size=1, fn_constructor_args=(config,), compute=actors,
    )
    yield from dataset.iter_batches(batch_size=None, batch_format="numpy")


def run_files(files: list[str], config: Config, on_result: Callable[[str, dict[str, Any]], None],
              on_progress: Callable[[int, int], None] | None = None) -> None:
    """Clean every record of `files`, calling `on_result(kind, record)` in input order."""
    for batch in _mapped(files, config, _ChunkCleaner):
        for kind, record in zip(batch["kind"], batch["record"], strict=True):
            on_result(str(kind), orjson.loads(record))
        if on_progress is not None:
            on_progress(len(batch["kind"]), int(np.sum(batch["size"])))


def signature_rows(files: list[str], config: Config) -> Iterator[tuple[str, Any, int, bytes, np.ndarray | None, int]]:
    """(kind, id or quarantine entry, length, hash, signature, input bytes) per record, in order."""
    for batch in _mapped(files, config, _ChunkSigner):
        for kind, ident, length, digest, signature, size in zip(
            batch["kind"], batch["id"], batch["length"], batch["hash"], batch["signature"], batch["size"], strict=True
        ):
            if kind == "bad":
                yield "bad", orjson.loads(ident), 0, b"", None, int(size)
            else:
                yield "ok", str(ident), int(length), bytes(digest), np.frombuffer(bytes(signature), dtype=np.uint64), int(size)


def candidate_pairs(matrix: np.ndarray, bands: int, rows: int, config: Config) -> set[tuple[int, int]]:
    """LSH candidates as a Ray shuffle: one row per (document, band) keyed by the band's hash,
    grouped by key; each group yields its pairs as the local engine's buckets do."""
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
    from zhclean.dedup.runner import bucket_pairs

    found = bucket_pairs(sorted(group["doc"].tolist()))
    return {"a": np.array([a for a, _ in found], dtype=np.int64), "b": np.array([b for _, b in found], dtype=np.int64)}
