"""Write records as JSONL (plain, .gz, .zst) or Parquet, in one file or in shards.

The format follows the output path's extension. A path with no known extension is a folder
of shards (`part-00000.jsonl`, ...; `--format` picks the shard format). Side files (dropped,
quarantine, summary, clusters) sit next to a file output (`out.quarantine.jsonl` for
`out.jsonl`) or inside a folder output (`out/quarantine.jsonl`).
"""

from __future__ import annotations

import gzip
import os
import sys
from pathlib import Path
from typing import Any

import orjson

OUTPUT_SUFFIXES = (".jsonl.gz", ".jsonl.zst", ".jsonl", ".parquet")
SIDE_FILES = ("dropped", "quarantine", "summary", "clusters")


def split_suffix(path: str) -> tuple[str, str]:
    """("out", ".jsonl.zst") for "out.jsonl.zst"; ("out", "") when no known suffix."""
    for suffix in OUTPUT_SUFFIXES:
        if path.lower().endswith(suffix):
            return path[: -len(suffix)], suffix
    return path, ""


def side_paths(output: str) -> dict[str, str]:
    """Where the side files of a run writing to `output` go."""
    if output == "-":
        stem = "zhclean-stdout."
    else:
        base, suffix = split_suffix(output)
        stem = base + "." if suffix else os.path.join(output, "")
    return {
        name: f"{stem}{name}.{'json' if name == 'summary' else 'jsonl'}" for name in SIDE_FILES
    }


def dumps(record: dict[str, Any]) -> bytes:
    return orjson.dumps(record, option=orjson.OPT_NON_STR_KEYS) + b"\n"


class JsonlWriter:
    def __init__(self, path: str) -> None:
        self.path = path
        if path == "-":
            self._raw, self._stream = None, sys.stdout.buffer
        elif path.endswith(".gz"):
            self._raw, self._stream = None, gzip.open(path, "wb", compresslevel=6)  # noqa: SIM115 - the writer owns the handle
        elif path.endswith(".zst"):
            import zstandard

            self._raw = open(path, "wb")  # noqa: SIM115
            self._stream = zstandard.ZstdCompressor(level=3).stream_writer(self._raw)
        else:
            self._raw, self._stream = None, open(path, "wb", buffering=1 << 20)  # noqa: SIM115

    def write(self, record: dict[str, Any]) -> None:
        self._stream.write(dumps(record))

    def close(self) -> None:
        if self._stream is sys.stdout.buffer:
            self._stream.flush()
            return
        self._stream.close()
        if self._raw is not None and not self._raw.closed:
            self._raw.close()


class ParquetWriter:
    """Buffers rows and writes them in row groups. The schema comes from the first group; a
    later group that does not fit it (a new field, a field whose type changed) starts a new
    file beside the first (`out.parquet`, `out.part-0001.parquet`, ...), so no value is lost."""

    def __init__(self, path: str, rows_per_group: int = 2048) -> None:
        self.path = path
        self.paths = [path]
        self.rows_per_group = rows_per_group
        self._rows: list[dict[str, Any]] = []
        self._writer = None
        self._schema = None

    def write(self, record: dict[str, Any]) -> None:
        self._rows.append(record)
        if len(self._rows) >= self.rows_per_group:
            self._flush()

    def _fitting(self, rows: list[dict[str, Any]]):
        """The rows as a table of the current schema, or None when they do not fit it."""
        import pyarrow as pa

        names = set(self._schema.names)
        if any(not names.issuperset(row) for row in rows):
            return None
        try:
            return pa.Table.from_pylist(rows, schema=self._schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
            return None

    def _flush(self) -> None:
        rows, self._rows = self._rows, []
        if rows:
            self._write_rows(rows)

    def _write_rows(self, rows: list[dict[str, Any]]) -> None:
        """Write rows that fit the current file; otherwise start a new file with their own
        schema, halving the rows until each part has one (types may change mid-group)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = self._fitting(rows) if self._writer is not None else None
        if table is None:
            try:
                table = _table_of(rows)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                if len(rows) > 1:
                    middle = len(rows) // 2
                    self._write_rows(rows[:middle])
                    self._write_rows(rows[middle:])
                    return
                table = _table_of([_flattened(rows[0])])
            if self._writer is not None:
                self._writer.close()
                stem, suffix = split_suffix(self.path)
                self.paths.append(f"{stem}.part-{len(self.paths):04d}{suffix}")
            self._schema = table.schema
            self._writer = pq.ParquetWriter(self.paths[-1], self._schema, compression="zstd")
        self._writer.write_table(table)

    def close(self) -> None:
        self._flush()
        if self._writer is None:  # no rows at all: still leave a valid empty file
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({}), self.path)
        else:
            self._writer.close()


def _table_of(rows: list[dict[str, Any]]):
    """A table with a column for every key of any row (pyarrow's from_pylist takes the
    first row's keys only and would drop the rest)."""
    import pyarrow as pa

    keys = list(dict.fromkeys(key for row in rows for key in row))
    return pa.Table.from_pydict({key: [row.get(key) for row in rows] for key in keys})


def _flattened(row: dict[str, Any]) -> dict[str, Any]:
    """A row Arrow cannot type (a list mixing numbers and strings): nested values as JSON."""
    scalar = (str, int, float, bool, type(None))
    return {k: v if isinstance(v, scalar) else orjson.dumps(v, option=orjson.OPT_NON_STR_KEYS).decode()
            for k, v in row.items()}


def _single_writer(path: str):
    return ParquetWriter(path) if path.endswith(".parquet") else JsonlWriter(path)


class ShardedWriter:
    """Rolls over to a new file every `shard_size` records."""

    def __init__(self, pattern: str, shard_size: int) -> None:
        self.pattern = pattern  # with one "{:05d}"
        self.shard_size = shard_size
        self.paths: list[str] = []
        self._count = 0
        self._current = None

    def write(self, record: dict[str, Any]) -> None:
        if self._current is None or self._count >= self.shard_size:
            if self._current is not None:
                self._current.close()
            path = self.pattern.format(len(self.paths))
            self.paths.append(path)
            self._current = _single_writer(path)
            self._count = 0
        self._current.write(record)
        self._count += 1

    def close(self) -> None:
        if self._current is None:
            self.write_empty()
        self._current.close()

    def write_empty(self) -> None:
        path = self.pattern.format(0)
        self.paths.append(path)
        self._current = _single_writer(path)


def open_writer(output: str, shard_size: int = 0, shard_format: str = "jsonl"):
    """A writer for `output`: one file, numbered file shards, or a folder of part files."""
    if output == "-":
        return JsonlWriter("-")
    base, suffix = split_suffix(output)
    if not suffix:  # a folder of shards
        Path(output).mkdir(parents=True, exist_ok=True)
        ext = "." + shard_format.lstrip(".")
        if ext not in OUTPUT_SUFFIXES:
            raise ValueError(f"unknown shard format {shard_format!r}")
        size = shard_size or 1_000_000
        return ShardedWriter(os.path.join(output, "part-{:05d}" + ext), size)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    if shard_size:
        return ShardedWriter(base + "-{:05d}" + suffix, shard_size)
    return _single_writer(output)
