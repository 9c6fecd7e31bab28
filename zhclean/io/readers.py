"""Read JSONL (plain, .gz, .zst), Parquet, .txt files, folders of them, or JSONL on stdin.

Readers stream: they yield one `Item` at a time and never hold a file in memory. They do not
parse JSONL lines (workers do, in parallel); they only report what they could not read, as
items carrying an error, so that every input record ends up somewhere.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
COMPRESSION_SUFFIXES = (".gz", ".zst")
KNOWN_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson", ".json", ".json.gz",
                  ".json.zst", ".parquet", ".txt")


@dataclass(slots=True)
class Item:
    """One input record as the engine sees it, before parsing."""

    source: str  # file the record came from ("-" for stdin)
    line: int  # 1-based line (JSONL) or row (Parquet) number
    raw: bytes | None = None  # a JSONL line or a .txt file's bytes
    record: dict[str, Any] | None = None  # a Parquet row, already structured
    kind: str = "jsonl"  # "jsonl", "txt" or "row"
    error: str | None = None  # the reader could not read it at all


def format_of(path: str) -> str:
    name = path.lower()
    for suffix in COMPRESSION_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith(".txt"):
        return "txt"
    raise ValueError(f"unknown input format: {path} (expected one of {', '.join(KNOWN_SUFFIXES)})")


def expand_inputs(paths: list[str]) -> list[str]:
    """Files to read: the paths given, with folders expanded recursively (sorted)."""
    files: list[str] = []
    for path in paths:
        if path == "-":
            files.append(path)
        elif "://" in path:  # a pyarrow filesystem URI (s3://, gs://, file://): the Ray engine reads it
            format_of(path)
            files.append(path)
        elif os.path.isdir(path):
            found = sorted(
                str(p) for p in Path(path).rglob("*") if p.is_file() and p.name.lower().endswith(KNOWN_SUFFIXES)
            )
            files.extend(found)
        elif os.path.isfile(path):
            format_of(path)
            files.append(path)
        else:
            raise FileNotFoundError(f"input not found: {path}")
    return files


def input_size(files: list[str]) -> int | None:
    """Total bytes on disk, for a progress bar; None when reading stdin or URIs."""
    if "-" in files or any("://" in f for f in files):
        return None
    return sum(os.path.getsize(f) for f in files)


def _open_binary(path: str):
    if path == "-":
        return sys.stdin.buffer
    if path.endswith(".gz"):
        return gzip.open(path, "rb")
    if path.endswith(".zst"):
        import zstandard

        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(open(path, "rb")))
    return open(path, "rb")


def line_items(path: str, lines: Iterable[bytes], first_line: int = 1) -> Iterator[Item]:
    """JSONL lines as items numbered from `first_line`; blank lines count but yield nothing.
    Every engine numbers lines this way, so made-up ids (`file:line`) agree."""
    for number, line in enumerate(lines, start=first_line):
        if line.strip():
            yield Item(path, number, raw=line)


def _jsonl_items(path: str) -> Iterator[Item]:
    stream = _open_binary(path)
    try:
        yield from line_items(path, stream)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _parquet_items(path: str, batch_size: int = 1024) -> Iterator[Item]:
    import pyarrow.parquet as pq

    number = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_size):
        for row in batch.to_pylist():
            number += 1
            yield Item(path, number, record=row, kind="row")


def _txt_items(path: str) -> Iterator[Item]:
    yield Item(path, 1, raw=Path(path).read_bytes(), kind="txt")


def iter_items(files: list[str]) -> Iterator[Item]:
    """Every record of every file, in order."""
    for path in files:
        kind = "jsonl" if path == "-" else format_of(path)
        try:
            if kind == "jsonl":
                yield from _jsonl_items(path)
            elif kind == "parquet":
                yield from _parquet_items(path)
            else:
                yield from _txt_items(path)
        except OSError as error:  # a truncated .gz, an unreadable Parquet footer
            yield Item(path, 0, kind=kind, error=f"cannot read {path}: {error}")
        except Exception as error:  # noqa: BLE001 - pyarrow raises its own types
            yield Item(path, 0, kind=kind, error=f"cannot read {path}: {type(error).__name__}: {error}")
