"""Plan inputs into shards, and read the items of one shard.

A shard is the unit of work: one task reads it, cleans it and writes its own part files.
Shards are planned from the inputs alone (their names, sizes and, for Parquet, footers), never
from the worker count, so the same input always gives the same shards and a killed run can
be resumed shard by shard. A shard is a list of pieces:

- a byte range of a plain JSONL file, cut at a line break (large files become many pieces);
- a whole compressed JSONL or .txt file (a compressed stream cannot be entered midway);
- a range of row groups of a Parquet file;
- standard input, as one streaming shard.

Small files are coalesced into one shard until it reaches the target size. Each piece knows
the number of its first line (counted while planning, at memchr speed), so made-up ids
(`2024/part.jsonl:17`) do not depend on how the input was cut.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import sys
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any

from zhclean.core.outcome import BadRecord, Reason
from zhclean.io.formats import Format, detect, require, strip_compression
from zhclean.io.items import KEPT_PREFIX_BYTES, Item, Piece

__all__ = ["KEPT_PREFIX_BYTES", "Item", "Piece", "Plan", "Shard"]

MIN_SHARD_BYTES = 1 << 20
MAX_SHARD_BYTES = 128 << 20
SHARDS_PER_INPUT = 64  # enough to keep many workers busy, and a short tail when the last shards run
_BLOCK = 1 << 20
# The side files zhclean writes beside or inside an output; a folder input never reads them.
_SIDE_FILE = re.compile(r"(^|\.)(summary\.json|quarantine\.jsonl|dropped\.jsonl|clusters\.jsonl)$")
# Side files whose names a crawl may hold too (`report.html`): zhclean's only beside its summary.
_SUMMARISED_SIDE_FILE = re.compile(r"\.(shared_lines\.jsonl|report\.html|report\.json)$")
# A folder holding these is a dedup signature index, which a folder input never reads.
_INDEX_FILES = {"index.json", "segment-00001.npz"}
JSON_BLANK = b" \t\r\n"  # JSON's whitespace: a line of only these is no record


@dataclass(frozen=True, slots=True)
class Shard:
    index: int
    pieces: tuple[Piece, ...]

    @property
    def size(self) -> int:
        return sum(p.size for p in self.pieces)

    @property
    def streaming(self) -> bool:
        """Standard input: read once, in the driver's process."""
        return any(p.kind == "stdin" for p in self.pieces)


@dataclass
class InputFile:
    path: str
    name: str
    format: Format
    size: int


@dataclass
class Plan:
    """The shards of a run, and what the folder inputs held that zhclean does not read."""

    shards: list[Shard]
    files: list[InputFile]
    skipped: Counter = field(default_factory=Counter)  # by extension

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


# ---------------------------------------------------------------- which files


def input_root(paths: list[str]) -> str:
    """The folder ids are relative to: the deepest folder holding every input (a folder
    input counts as itself), so `a/part.jsonl` and `b/part.jsonl` keep their folders."""
    places = [os.path.abspath(p) if os.path.isdir(p) else os.path.dirname(os.path.abspath(p))
              for p in paths if p != "-" and "://" not in p]
    return os.path.commonpath(places) if places else os.getcwd()


def _is_side_path(path: Path) -> bool:
    if _SIDE_FILE.search(path.name) or path.name.endswith(".parts"):
        return True
    summarised = _SUMMARISED_SIDE_FILE.search(path.name)
    return bool(summarised) and path.with_name(path.name[: summarised.start()] + ".summary.json").exists()


def _folder_files(folder: str, skipped: Counter) -> list[str]:
    """Readable files of a folder, recursively, in name order; zhclean's own side files,
    part folders, signature indexes and hidden entries are passed over, other unknown
    files counted."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not d.endswith(".parts"))
        if set(filenames) >= _INDEX_FILES:
            continue  # a dedup signature index (`--index DIR`): its index.json holds no records
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if name.startswith(".") or _is_side_path(path):
                continue
            if detect(name) is None:
                skipped[path.suffix.lower() or "(none)"] += 1
                continue
            found.append(str(path))
    return found


def local_path(path: str) -> str:
    """`file:///data/x.jsonl` as `/data/x.jsonl`; other URIs (s3://, gs://) are refused:
    shards are read from a filesystem every worker sees (see docs/ray.md)."""
    if path.startswith("file://"):
        return urllib.parse.unquote(urllib.parse.urlparse(path).path)
    if "://" in path:
        raise ValueError(f"{path}: only local paths and file:// are read; mount the bucket "
                         "(e.g. with s3fs or gcsfuse) and give its path")
    return path


def input_files(paths: list[str]) -> tuple[list[InputFile], Counter]:
    """The files to read, in order, with their id names; and skipped files by extension."""
    paths = [local_path(p) for p in paths]
    root = input_root(paths)
    skipped: Counter = Counter()
    files: list[InputFile] = []
    for path in paths:
        if path == "-":
            files.append(InputFile("-", "-", Format("jsonl", None, ""), 0))
            continue
        if os.path.isdir(path):
            chosen = _folder_files(path, skipped)
        elif os.path.isfile(path):
            require(path)
            chosen = [path]
        else:
            raise FileNotFoundError(f"input not found: {path}")
        for file in chosen:
            name = os.path.relpath(os.path.abspath(file), root).replace(os.sep, "/")
            files.append(InputFile(file, name, require(file), os.path.getsize(file)))
    _check_distinct(files)
    return files, skipped


def _check_distinct(files: list[InputFile]) -> None:
    """Refuse a file read twice (given twice, or by a folder and a path inside it); name
    files by their path without the compression suffix, so `part.jsonl.gz` gives the ids
    `part.jsonl` gives, unless both are inputs: then the compressed copy keeps its suffix
    and the ids stay distinct."""
    seen: dict[str, str] = {}
    for f in files:
        if f.path == "-":
            continue
        real = os.path.realpath(f.path)
        if real in seen:
            raise ValueError(f"input {f.path} is read twice (also as {seen[real]}): give each file once")
        seen[real] = f.path
    plain = Counter(strip_compression(f.name) for f in files)
    for f in files:
        stripped = strip_compression(f.name)
        if stripped == f.name or plain[stripped] == 1:
            f.name = stripped


# ---------------------------------------------------------------- planning


def shard_target(total_bytes: int) -> int:
    return max(MIN_SHARD_BYTES, min(MAX_SHARD_BYTES, total_bytes // SHARDS_PER_INPUT))


def plan_shards(paths: list[str], target_bytes: int = 0) -> Plan:
    """Shards of about `target_bytes` (0: a size from the input's total) over `paths`."""
    return plan_files(*input_files(paths), target_bytes)


def plan_files(files: list[InputFile], skipped: Counter, target_bytes: int = 0) -> Plan:
    """`plan_shards` over files already listed by `input_files` (a driver that sizes its
    engine from the listing first: reading the files to cut them is the slow part)."""
    if any(f.path == "-" for f in files):
        if len(files) > 1:
            raise ValueError("standard input (-) cannot be combined with other inputs")
        return Plan([Shard(0, (Piece("-", "-", "stdin"),))], files, skipped)
    target = target_bytes or shard_target(sum(f.size for f in files))
    shards: list[Shard] = []
    current: list[Piece] = []
    current_size = 0
    for file in files:
        for piece in _pieces(file, target):
            if current and current_size + piece.size > target:
                shards.append(Shard(len(shards), tuple(current)))
                current, current_size = [], 0
            current.append(piece)
            current_size += piece.size
    if current:
        shards.append(Shard(len(shards), tuple(current)))
    return Plan(shards, files, skipped)


def _pieces(file: InputFile, target: int) -> Iterator[Piece]:
    fmt = file.format
    if fmt.kind == "parquet":
        yield from _parquet_pieces(file, target)
    elif fmt.splittable and file.size > target:
        yield from _jsonl_ranges(file, target)
    else:
        yield Piece(file.path, file.name, fmt.kind, fmt.compression, size=file.size)


def _jsonl_ranges(file: InputFile, target: int) -> Iterator[Piece]:
    """Ranges of at least `target` bytes, each ending at the first line break after that
    (the last one: whatever is left), with the number of their first line: one streaming
    pass that counts line breaks; nothing is held."""
    start, line, pending, position = 0, 1, 0, 0
    with open(file.path, "rb") as stream:
        while block := stream.read(_BLOCK):
            block_start, position = position, position + len(block)
            scanned = 0  # the line breaks of block[:scanned] are counted already
            while position - start > target:
                cut = block.find(b"\n", max(scanned, start + target - 1 - block_start))
                if cut < 0:
                    break
                end = block_start + cut + 1
                pending += block.count(b"\n", scanned, cut + 1)
                yield Piece(file.path, file.name, "jsonl", None, start, end, line, end - start)
                line += pending
                start, pending, scanned = end, 0, cut + 1
            pending += block.count(b"\n", scanned)
    if position > start:
        yield Piece(file.path, file.name, "jsonl", None, start, position, line, position - start)


def _parquet_pieces(file: InputFile, target: int) -> Iterator[Piece]:
    """Runs of row groups of about `target` bytes; an unreadable footer is one piece that
    its shard quarantines."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(file.path).metadata
    except Exception as error:  # noqa: BLE001 - pyarrow raises its own types
        yield Piece(file.path, file.name, "parquet", size=file.size, error=f"{type(error).__name__}: {error}")
        return
    groups = meta.num_row_groups
    if groups == 0:
        yield Piece(file.path, file.name, "parquet", start=0, end=0, size=file.size)
        return
    sizes = [max(1, _group_bytes(meta.row_group(i))) for i in range(groups)]
    scale = file.size / max(1, sum(sizes))
    first, row, size, row_at_first = 0, 1, 0, 1
    for i in range(groups):
        size += sizes[i] * scale
        row += meta.row_group(i).num_rows
        if size >= target or i == groups - 1:
            yield Piece(file.path, file.name, "parquet", None, first, i + 1, row_at_first, int(size))
            first, size, row_at_first = i + 1, 0, row


def _group_bytes(group: Any) -> int:
    return sum(group.column(c).total_compressed_size for c in range(group.num_columns))


# ---------------------------------------------------------------- reading


_CHUNK = 1 << 20


def line_limit(max_chars: int) -> int:
    """The most bytes a JSONL line (or .txt file) may have for its text to hold `max_chars`
    characters: six bytes a character (a `\\u4e2d` escape) plus a megabyte for the other
    fields. A longer line is refused while it is read, before it is held or parsed."""
    return 6 * max_chars + (1 << 20)


def shard_items(shard: Shard, max_bytes: int = 0) -> Iterator[Item]:
    """Every item of a shard, in order. `max_bytes` (0: no limit) bounds a line or a .txt
    file: a longer one is one TOO_LONG item holding its first bytes."""
    for piece in shard.pieces:
        items = piece_items(piece, max_bytes)
        yield from items if piece.limit < 0 else islice(items, piece.limit)


def bytes_read(shard: Shard, item_bytes: int) -> int:
    """What a shard task read, for throughput: its pieces' bytes on disk (a compressed
    file's compressed bytes, a Parquet file's share of its row groups), or, where those are
    not known ahead (standard input, a piece cut by --limit), the items' own bytes."""
    if shard.streaming or any(p.limit >= 0 for p in shard.pieces):
        return item_bytes
    return shard.size


def limited(plan: Plan, limit: int) -> Plan:
    """The plan cut after its first `limit` items (records, and unreadable places that go
    to quarantine), for a quick look at a big input. The piece where the cut falls is
    read once more here to count its items up to the cut; the pieces after it are left out."""
    if limit <= 0:
        return plan
    shards: list[Shard] = []
    remaining = limit
    for shard in plan.shards:
        pieces: list[Piece] = []
        for piece in shard.pieces:
            if piece.kind == "stdin":  # cannot be counted ahead: the reader stops at the limit
                pieces.append(replace(piece, limit=remaining))
                remaining = 0
                break
            count = sum(1 for _ in islice(piece_items(piece), remaining))
            pieces.append(piece if count < remaining else replace(piece, limit=remaining))
            remaining -= count
            if remaining == 0:
                break
        shards.append(Shard(shard.index, tuple(pieces)))
        if remaining == 0:
            break
    return Plan(shards, plan.files, plan.skipped)


def piece_items(piece: Piece, max_bytes: int = 0) -> Iterator[Item]:
    """The items of one piece. A file that breaks while being read yields the records
    before the break, then one item carrying the error."""
    if piece.error is not None:
        yield Item(piece.path, piece.name, 0, kind=piece.kind,
                   error=BadRecord(Reason.UNREADABLE_FILE, f"cannot read {piece.path}: {piece.error}"))
        return
    if piece.kind == "parquet":
        yield from _parquet_items(piece)
        return
    if piece.kind == "warc":
        from zhclean.io.warc import warc_items

        yield from warc_items(piece, max_bytes)
        return
    if piece.kind in ("csv", "tsv"):
        from zhclean.io.delimited import table_items

        yield from table_items(piece, _open, max_bytes)
        return
    last = piece.first_line - 1
    try:
        if piece.kind in ("txt", "html"):
            with _open(piece) as f:
                raw = f.read(max_bytes + 1) if max_bytes else f.read()
                if max_bytes and len(raw) > max_bytes:
                    yield _too_long(piece, 1, raw[:KEPT_PREFIX_BYTES], len(raw) + _skip_rest(f, b""), piece.kind)
                    return
                yield Item(piece.path, piece.name, 1, raw=raw, kind=piece.kind)
            return
        for item in _jsonl_items(piece, max_bytes):
            last = item.line
            yield item
    except Exception as error:  # noqa: BLE001 - a truncated .gz raises EOFError, zstd its own
        detail = f"cannot read {piece.path} after line {last}: {type(error).__name__}: {error}"
        yield Item(piece.path, piece.name, last + 1, kind=piece.kind,
                   error=BadRecord(Reason.UNREADABLE_FILE, detail))


def _open(piece: Piece):
    if piece.kind == "stdin":
        return _Unclosed(sys.stdin.buffer)
    if piece.compression == "gzip":
        return gzip.open(piece.path, "rb")
    if piece.compression == "zstd":
        import zstandard

        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(open(piece.path, "rb"), read_across_frames=True))  # noqa: SIM115
    return open(piece.path, "rb")  # noqa: SIM115 - closed by the caller's with


class _Unclosed:
    """Standard input inside a `with`: not closed at the end."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def __enter__(self):
        return self.stream

    def __exit__(self, *exc) -> None:
        return None


def _jsonl_items(piece: Piece, max_bytes: int = 0) -> Iterator[Item]:
    """Lines split at `\\n` only (a lone `\\r` is JSON whitespace, not a line break);
    lines of JSON whitespace count but are no records. A line over `max_bytes` is read
    through in chunks, never held whole, and becomes one TOO_LONG item."""
    with _open(piece) as f:
        if piece.start:
            f.seek(piece.start)
        remaining = piece.end - piece.start if piece.end >= 0 else -1
        number = piece.first_line
        while remaining != 0:
            line = f.readline(max_bytes + 1) if max_bytes else f.readline()
            if not line:
                break
            size = len(line)
            too_long = max_bytes and size > max_bytes and not line.endswith(b"\n")
            if too_long:
                size += _skip_rest(f, line)
            if remaining >= 0:
                remaining -= size
            if too_long:
                yield _too_long(piece, number, line[:KEPT_PREFIX_BYTES], size, "jsonl")
            elif line.strip(JSON_BLANK):
                yield Item(piece.path, piece.name, number, raw=line)
            number += 1


def _skip_rest(f, line: bytes) -> int:
    """Read past the rest of a line (or file) in chunks; the bytes skipped."""
    skipped = 0
    while not line.endswith(b"\n"):
        line = f.readline(_CHUNK)
        if not line:
            break
        skipped += len(line)
    return skipped


def _too_long(piece: Piece, number: int, prefix: bytes, size: int, kind: str) -> Item:
    detail = (f"record of {size:,} bytes: a text over --max-chars (at 6 bytes a character); "
              f"the first {len(prefix):,} bytes are kept as raw")
    return Item(piece.path, piece.name, number, raw=prefix, kind=kind,
                error=BadRecord(Reason.TOO_LONG, detail))


def _parquet_items(piece: Piece) -> Iterator[Item]:
    """Rows of the piece's row groups; a group that cannot be read is one quarantine item
    standing for all of its unread rows."""
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(piece.path)
    number = piece.first_line
    for group in range(piece.start, piece.end):
        expected = parquet.metadata.row_group(group).num_rows
        read = 0
        try:
            for batch in parquet.iter_batches(batch_size=1024, row_groups=[group]):
                for row in batch.to_pylist():
                    yield Item(piece.path, piece.name, number + read, record=row, kind="row")
                    read += 1
        except Exception as error:  # noqa: BLE001 - pyarrow raises its own types
            lost = expected - read
            detail = (f"row group {group} of {piece.path} is corrupt ({lost:,} of {expected:,} rows unread): "
                      f"{type(error).__name__}: {error}")
            yield Item(piece.path, piece.name, number + read, kind="row",
                       error=BadRecord(Reason.CORRUPT_ROW_GROUP, detail, rows=lost))
        number += expected
