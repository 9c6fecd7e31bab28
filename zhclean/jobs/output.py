"""Where a job's outputs go, the checks before it starts, and finalising its parts.

Layout for `-o OUT.jsonl` (any output suffix): the records in `OUT.jsonl`, and beside it
`OUT.quarantine.jsonl`, `OUT.dropped.jsonl`, `OUT.summary.json` (and `OUT.clusters.jsonl`
for dedup); the job's work in `OUT.parts/` until it ends. A folder output `-o OUT` holds
only record files (`OUT/part-00000.jsonl`, ...), so `pyarrow.dataset`, pandas or HF
`datasets` read it in one call; its side files sit beside it (`OUT.summary.json`).

Every final file is built inside the parts folder and renamed into place when all of them
are complete (`Staging`); the summary comes last, so an output with a summary is a finished
one, and the parts folder goes only after it.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import shutil
import sys
from dataclasses import dataclass
from typing import Any

from zhclean.io.formats import OUTPUT_SUFFIXES, split_output
from zhclean.io.shards import Piece, Shard
from zhclean.jobs.parts import JobDir

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

    def report_paths(self) -> tuple[str, str]:
        """`OUT.report.html` and `OUT.report.json` (`zhclean report`, `--report`)."""
        from zhclean.report.html import report_paths

        return report_paths(self.side("summary"))

    @property
    def parts_dir(self) -> str:
        return f"{self.stem}.parts"

    def written_paths(self) -> list[str]:
        """Every path the job writes, for the checks against its inputs."""
        paths = [self.parts_dir, self.side("summary"), *(self.side(n) for n in SIDE_FILES), *self.report_paths()]
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


class Staging:
    """The final files of a job, built inside its parts folder (`OUT.parts/final/`), then
    committed by renames alone: the records, the side files, the summary last, so a run
    killed while it builds them leaves nothing beside the parts folder, and one killed
    between the renames is finished by `--resume`. Building never consumes a part (a
    single part is hard-linked, not moved), so the parts stay valid until the summary is
    in place and the parts folder goes."""

    def __init__(self, out: OutputSpec) -> None:
        self.out = out
        self.root = os.path.join(out.parts_dir, "final")
        shutil.rmtree(self.root, ignore_errors=True)  # an earlier, interrupted finalise
        os.makedirs(self.root)
        self.moves: list[tuple[str, str]] = []  # (built, final)
        self.numbered = 0

    def _built(self, final: str) -> str:
        built = os.path.join(self.root, os.path.basename(final.rstrip("/" + os.sep)))
        self.moves.append((built, final))
        return built

    def records(self, parts: list[str]) -> None:
        """The kept parts, in shard order, as the final record files."""
        out = self.out
        if out.kind == "stdout":
            stream_to_stdout(parts)
        elif out.kind == "file" and not out.records_per_file:
            built = self._built(out.path)
            if out.suffix == ".parquet":
                _parquet_file(parts, built)
            else:
                concat_jsonl(parts, built, out.suffix)
        elif out.kind == "folder":
            folder = self._built(out.path)
            os.makedirs(folder)
            names = [os.path.join(folder, f"part-{i:05d}{out.suffix}") for i in range(max(1, len(parts)))]
            _numbered_files(out, parts, names)
        else:  # a file output split by --shard-size: OUT-00000.jsonl, ...
            finals = [f"{out.stem}-{i:05d}{out.suffix}" for i in range(max(1, len(parts)))]
            _numbered_files(out, parts, [self._built(name) for name in finals])
            self.numbered = len(finals)

    def side(self, name: str, parts: list[str]) -> None:
        """A side file (quarantine, dropped, clusters) from its parts; always written."""
        concat_jsonl(parts, self._built(self.out.side(name)), ".jsonl")

    def commit(self, summary: bytes) -> None:
        """Rename everything into place, the summary last. An earlier run's summary and
        report go first: a new record file never sits beside an old summary or report."""
        summary_path = self.out.side("summary")
        os.makedirs(os.path.dirname(os.path.abspath(summary_path)), exist_ok=True)
        for stale in (summary_path, *self.out.report_paths()):
            with contextlib.suppress(FileNotFoundError):
                os.remove(stale)
        for built, final in self.moves:
            if os.path.isdir(built):
                _swap_folder(built, final, os.path.join(self.out.parts_dir, "old"))
            else:
                os.replace(built, final)
        if self.numbered:
            _remove_stale_numbered(self.out, self.numbered)
        built = os.path.join(self.root, os.path.basename(summary_path))
        with open(built, "wb") as f:
            f.write(summary)
        os.replace(built, summary_path)


def _link_or_copy(source: str, dest: str) -> None:
    """`dest` with the bytes of `source`, which stays: a hard link where the file system
    has them."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(dest)
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)


def concat_jsonl(parts: list[str], dest: str, suffix: str) -> None:
    """Concatenate part files into `dest`. Gzip members and zstd frames concatenate into
    valid streams, so compressed parts are copied as bytes."""
    if len(parts) == 1:
        _link_or_copy(parts[0], dest)
        return
    with open(dest, "wb") as out:
        if not parts:
            out.write(_empty(suffix))
        _append_parts(parts, out)


def _append_parts(parts: list[str], out) -> None:
    for part in parts:
        with open(part, "rb") as src:
            src.seek(_copied_in_kernel(src, out))
            shutil.copyfileobj(src, out, 1 << 22)  # whatever the kernel did not copy


def _copied_in_kernel(src, out) -> int:
    """How many bytes of `src` `copy_file_range` appended to `out`: the kernel copies (or, on
    file systems that share extents, links) them without passing them through this process,
    which halves the time of joining gigabytes of parts into one output. 0 where it does not
    apply (a pipe such as standard output, another OS, a file system that refuses it)."""
    if not hasattr(os, "copy_file_range"):
        return 0
    copied = 0
    try:
        out.flush()
        size = os.fstat(src.fileno()).st_size
        while copied < size and (step := os.copy_file_range(src.fileno(), out.fileno(), size - copied)):
            copied += step
    except (OSError, ValueError, AttributeError):
        pass  # the rest goes through this process
    if copied:
        out.seek(0, os.SEEK_END)  # the buffered file learns where the kernel left its end
    return copied


def _empty(suffix: str) -> bytes:
    """A valid stream of no records in the given format."""
    if suffix.endswith(".gz"):
        return gzip.compress(b"", mtime=0)
    if suffix.endswith(".zst"):
        import zstandard

        return zstandard.ZstdCompressor().compress(b"")
    return b""


def stream_to_stdout(parts: list[str]) -> None:
    _append_parts(parts, sys.stdout.buffer)
    sys.stdout.buffer.flush()


def _numbered_files(out: OutputSpec, parts: list[str], names: list[str]) -> None:
    """One file per part under `names` (at least one file, empty when there is no part)."""
    if out.suffix == ".parquet":
        _parquet_parts(parts, names)
    elif parts:
        for part, name in zip(parts, names, strict=True):
            _link_or_copy(part, name)
    else:
        with open(names[0], "wb") as f:
            f.write(_empty(out.suffix))


def _remove_stale_numbered(out: OutputSpec, count: int) -> None:
    """An earlier run's `OUT-00007.jsonl` beyond this run's files would read as part of it."""
    index = count
    while os.path.exists(stale := f"{out.stem}-{index:05d}{out.suffix}"):
        os.remove(stale)
        index += 1


def _swap_folder(built: str, final: str, old: str) -> None:
    """Put a finished folder under its final name, replacing an earlier run's (moved to
    `old`, inside the parts folder, first)."""
    if os.path.isdir(final):
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
    os.replace(built, final)
    shutil.rmtree(old, ignore_errors=True)


def _parquet_file(parts: list[str], dest: str) -> None:
    from zhclean.io.parquet import ParquetPartWriter, concat_parts, unified_schema

    if parts:
        concat_parts(parts, dest, unified_schema(parts))
    else:
        ParquetPartWriter(dest).close()


def _parquet_parts(parts: list[str], names: list[str]) -> None:
    """Parquet files that all share one schema, so a folder reads as one dataset."""
    from zhclean.io.parquet import ParquetPartWriter, conform_part, unified_schema

    if not parts:
        ParquetPartWriter(names[0]).close()
        return
    import pyarrow.parquet as pq

    schema = unified_schema(parts)
    for part, name in zip(parts, names, strict=True):
        if pq.read_schema(part).equals(schema):
            _link_or_copy(part, name)
        else:
            conform_part(part, schema, name)


def part_paths(job: JobDir, markers: list[dict[str, Any]], key: str) -> list[str]:
    """The part files of `key` over the shards' done markers, in shard order."""
    found: list[str] = []
    for marker in markers:
        names = marker["files"].get(key)
        if isinstance(names, str):
            names = [names]
        found.extend(job.file(n) for n in names or () if n)
    return found


def shards_of(parts: JobDir, markers: list[dict[str, Any]]) -> list[Shard]:
    """A stage's kept parts as the shards of the next stage (same indices)."""
    shards = []
    for marker in markers:
        paths = part_paths(parts, [marker], "kept")
        pieces = tuple(Piece(p, os.path.basename(p), "jsonl", size=os.path.getsize(p)) for p in paths)
        shards.append(Shard(marker["shard"], pieces))
    return shards
