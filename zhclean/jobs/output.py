"""Where a job's outputs go, the checks before it starts, and finalising its parts.

Layout for `-o OUT.jsonl` (any output suffix): the records in `OUT.jsonl`, and beside it
`OUT.quarantine.jsonl`, `OUT.dropped.jsonl`, `OUT.summary.json` (and `OUT.clusters.jsonl`
for dedup); the job's work in `OUT.parts/` until it ends. A folder output `-o OUT` holds
only record files (`OUT/part-00000.jsonl`, ...), so `pyarrow.dataset`, pandas or HF
`datasets` read it in one call; its side files sit beside it (`OUT.summary.json`).

Every final file is written under a temporary name and renamed when complete; the summary
comes last, so an output with a summary is a finished one.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import sys
from dataclasses import dataclass
from typing import Any

from zhclean.io.formats import OUTPUT_SUFFIXES, split_output
from zhclean.jobs.parts import JobDir, write_atomic

SIDE_FILES = ("quarantine", "dropped", "clusters")
# The record files of a folder output: the only names a rerun may replace.
_PART_NAME = re.compile(r"part-\d{5}(\.jsonl(\.gz|\.zst)?|\.parquet)")


@dataclass(frozen=True)
class OutputSpec:
    path: str  # as given: a file, a folder, or "-"
    kind: str  # "file", "folder" or "stdout"
    suffix: str  # format of the record files: ".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet"
    records_per_file: int = 0  # 0: one file per output (file), or per shard (folder)

    @classmethod
    def of(cls, path: str, folder_format: str = "jsonl", records_per_file: int = 0) -> OutputSpec:
        if path == "-":
            return cls(path, "stdout", ".jsonl")
        _, suffix = split_output(path)
        if suffix:
            return cls(path, "file", suffix, records_per_file)
        suffix = "." + folder_format.lstrip(".")
        if suffix not in OUTPUT_SUFFIXES:
            raise ValueError(f"unknown output format {folder_format!r} (known: "
                             f"{', '.join(s.lstrip('.') for s in OUTPUT_SUFFIXES)})")
        return cls(path, "folder", suffix, records_per_file)

    @property
    def stem(self) -> str:
        if self.kind == "stdout":
            return "zhclean-stdout"
        return split_output(self.path)[0].rstrip("/" + os.sep) if self.kind == "file" else self.path.rstrip("/" + os.sep)

    def side(self, name: str) -> str:
        return f"{self.stem}.{name}.{'json' if name == 'summary' else 'jsonl'}"

    @property
    def parts_dir(self) -> str:
        return f"{self.stem}.parts"

    def written_paths(self) -> list[str]:
        """Every path the job writes, for the checks against its inputs."""
        paths = [self.parts_dir, self.side("summary"), *(self.side(n) for n in SIDE_FILES)]
        return paths if self.kind == "stdout" else [self.path, *paths]

    def describe(self) -> dict[str, Any]:
        return {"path": os.path.abspath(self.path) if self.kind != "stdout" else "-", "kind": self.kind,
                "suffix": self.suffix, "records_per_file": self.records_per_file}


def check_paths(out: OutputSpec, input_paths: list[str]) -> None:
    """Refuse, before anything is written, an output that would overwrite or lie inside an
    input, or that exists as the wrong kind of thing."""
    inputs = [os.path.realpath(p) for p in input_paths if p != "-"]
    for written in out.written_paths():
        real = os.path.realpath(written)
        for source in inputs:
            if real == source or (os.path.isdir(source) and real.startswith(source.rstrip(os.sep) + os.sep)):
                raise ValueError(f"output {written} would overwrite or lie inside the input {source}; "
                                 "choose an output outside the inputs")
            if os.path.isdir(real) and source.startswith(real.rstrip(os.sep) + os.sep) and written != out.parts_dir:
                raise ValueError(f"output {written} is a folder holding the input {source}")
    if out.kind == "folder" and os.path.exists(out.path) and not os.path.isdir(out.path):
        raise ValueError(f"output {out.path} is an existing file, not a folder: give a file suffix "
                         f"({', '.join(OUTPUT_SUFFIXES)}) or another path")
    if out.kind == "folder" and os.path.isdir(out.path):
        foreign = [name for name in os.listdir(out.path) if not _PART_NAME.fullmatch(name)]
        if foreign:
            raise ValueError(f"output folder {out.path} holds files zhclean did not write ({foreign[0]}, ...); "
                             "a finished run replaces the whole folder, so choose an empty or new one")
    if out.kind == "file" and os.path.isdir(out.path):
        raise ValueError(f"output {out.path} is an existing folder, not a file")


# ---------------------------------------------------------------- finalising


def concat_jsonl(parts: list[str], dest: str, suffix: str) -> None:
    """Concatenate part files into `dest` (via a temporary name). Gzip members and zstd
    frames concatenate into valid streams, so compressed parts are copied as bytes."""
    temp = f"{dest}.tmp"
    if len(parts) == 1:
        shutil.move(parts[0], temp)
    else:
        with open(temp, "wb") as out:
            if not parts:
                out.write(_empty(suffix))
            for part in parts:
                with open(part, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
    os.replace(temp, dest)


def _empty(suffix: str) -> bytes:
    """A valid stream of no records in the given format."""
    if suffix.endswith(".gz"):
        return gzip.compress(b"", mtime=0)
    if suffix.endswith(".zst"):
        import zstandard

        return zstandard.ZstdCompressor().compress(b"")
    return b""


def stream_to_stdout(parts: list[str]) -> None:
    out = sys.stdout.buffer
    for part in parts:
        with open(part, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 22)
    out.flush()


def finalise_records(out: OutputSpec, parts: list[str]) -> list[str]:
    """Move the kept parts (in shard order) to the final record files; their paths."""
    if out.kind == "stdout":
        stream_to_stdout(parts)
        return ["-"]
    if out.kind == "file" and not out.records_per_file:
        if out.suffix == ".parquet":
            _parquet_file(parts, out.path)
        else:
            concat_jsonl(parts, out.path, out.suffix)
        return [out.path]
    return _numbered_files(out, parts)


def _numbered_files(out: OutputSpec, parts: list[str]) -> list[str]:
    """One final file per part: `OUT/part-00000.jsonl` in a folder built under a temporary
    name, or `OUT-00000.jsonl` beside a file output split by `--shard-size`."""
    if out.kind == "folder":
        building = f"{out.path.rstrip('/' + os.sep)}.tmp"
        shutil.rmtree(building, ignore_errors=True)
        os.makedirs(building)
        names = [os.path.join(building, f"part-{i:05d}{out.suffix}") for i in range(max(1, len(parts)))]
    else:
        names = [f"{out.stem}-{i:05d}{out.suffix}" for i in range(max(1, len(parts)))]
    if out.suffix == ".parquet":
        _parquet_parts(parts, names)
    elif parts:
        for part, name in zip(parts, names, strict=True):
            os.replace(part, name)
    else:
        write_atomic(names[0], _empty(out.suffix))
    if out.kind == "folder":
        _swap_folder(building, out.path)
        return [os.path.join(out.path, os.path.basename(n)) for n in names]
    _remove_stale_numbered(out, len(names))
    return names


def _remove_stale_numbered(out: OutputSpec, count: int) -> None:
    """An earlier run's `OUT-00007.jsonl` beyond this run's files would read as part of it."""
    index = count
    while os.path.exists(stale := f"{out.stem}-{index:05d}{out.suffix}"):
        os.remove(stale)
        index += 1


def _swap_folder(building: str, final: str) -> None:
    """Put a finished folder under its final name, replacing an earlier run's."""
    old = f"{final.rstrip('/' + os.sep)}.old"
    if os.path.isdir(final):
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
    os.replace(building, final)
    shutil.rmtree(old, ignore_errors=True)


def _parquet_file(parts: list[str], dest: str) -> None:
    from zhclean.io.parquet import ParquetPartWriter, concat_parts, unified_schema

    temp = f"{dest}.tmp"
    if parts:
        concat_parts(parts, temp, unified_schema(parts))
    else:
        ParquetPartWriter(temp).close()
    os.replace(temp, dest)


def _parquet_parts(parts: list[str], names: list[str]) -> None:
    """Parquet files that all share one schema, so a folder reads as one dataset."""
    from zhclean.io.parquet import ParquetPartWriter, conform_part, unified_schema

    if not parts:
        ParquetPartWriter(f"{names[0]}.tmp").close()
        os.replace(f"{names[0]}.tmp", names[0])
        return
    import pyarrow.parquet as pq

    schema = unified_schema(parts)
    for part, name in zip(parts, names, strict=True):
        if pq.read_schema(part).equals(schema):
            os.replace(part, name)
        else:
            conform_part(part, schema, f"{name}.tmp")
            os.replace(f"{name}.tmp", name)


def finalise_side(out: OutputSpec, name: str, parts: list[str]) -> str:
    """A side file (quarantine, dropped, clusters) from its parts; always written."""
    dest = out.side(name)
    os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
    concat_jsonl(parts, dest, ".jsonl")
    return dest


def part_paths(job: JobDir, markers: list[dict[str, Any]], key: str) -> list[str]:
    """The part files of `key` over the shards' done markers, in shard order."""
    found: list[str] = []
    for marker in markers:
        names = marker["files"].get(key)
        if isinstance(names, str):
            names = [names]
        found.extend(job.file(n) for n in names or () if n)
    return found
