"""The input items a shard task reads, and the pieces of files they come from.

Apart from `zhclean.io.shards` so that the readers of each container format (WARC, CSV)
can make items without importing the planner that calls them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zhclean.core.outcome import BadRecord

# What a too-long record keeps of its raw bytes in the quarantine file: enough to find it.
KEPT_PREFIX_BYTES = 64 << 10


@dataclass(slots=True)
class Item:
    """One input record as a shard task sees it, before parsing."""

    source: str  # the file it came from ("-" for stdin)
    name: str  # that file's name relative to the input root: ids are made from it
    line: int  # 1-based line (JSONL) or row (Parquet) number
    raw: bytes | None = None  # a JSONL line or a .txt file's bytes
    record: dict[str, Any] | None = None  # a Parquet row, already structured
    kind: str = "jsonl"  # "jsonl", "txt", "row", "html", "wet" (WARC text) or "skip"
    error: BadRecord | None = None  # the reader could not read it at all
    meta: dict[str, Any] | None = None  # what the container says of it (a WARC record's URL, id, date)
    skip: str | None = None  # a `skip` item: why it is no document (a WARC request record, an image)

    @property
    def size(self) -> int:
        return len(self.raw) if self.raw is not None else 256


@dataclass(frozen=True, slots=True)
class Piece:
    """A part of one input file that one shard reads."""

    path: str
    name: str
    kind: str  # "jsonl", "parquet", "txt", "stdin", "warc", "html", "csv", "tsv"
    compression: str | None = None
    start: int = 0  # JSONL: first byte; Parquet: first row group
    end: int = -1  # JSONL: end byte (-1: end of file); Parquet: end row group (exclusive)
    first_line: int = 1
    size: int = 0  # bytes on disk, for progress and planning
    error: str | None = None  # planning could not read the file (a broken Parquet footer)
    limit: int = -1  # read at most this many items (--limit); -1: all
