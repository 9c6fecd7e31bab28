"""CSV and TSV files: one record a row, as many Chinese datasets ship.

The first row is a header when it reads as one: every cell a short name (an ASCII
identifier such as `label`, `content`, `news_title`, or up to eight characters without
sentence punctuation, such as `标题`). Otherwise the file has no header and its columns are
named by position: one column is `text`; two are `label` and `text` (THUCNews-style
`体育<TAB>正文`); more are `column_1`, `column_2`, ... and the last one `text`. `--text-field`
picks the column to clean, as for JSONL.

The encoding is read off the first megabyte (UTF-8, else GB18030, else Big5, each strictly);
a line that does not decode in it later is quarantined as `undecodable` with its bytes, and
the rows after it are read on; a malformed quote ends the file with one `unreadable_file`
item after the rows before it. Quoted fields may span lines; a row's line
number is the line it starts on, so made-up ids point at the file's own lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import sys
from collections.abc import Iterator

from zhclean.core.outcome import BadRecord, Reason
from zhclean.io.items import Item, Piece

SNIFF_BYTES = 1 << 20
_ASCII_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_ .\-]{0,63}")
_SHORT_NAME = re.compile(r"[^\s。，、！？；：,.!?;:\"“”'‘’()（）]{1,8}")


def sniff_encoding(head: bytes) -> str:
    """The codec of a file whose first bytes are `head` (a prefix: its last character may be
    cut, which an incremental decoder forgives)."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    for codec in ("utf-8", "gb18030", "cp950"):
        try:
            codecs.getincrementaldecoder(codec)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return codec
    return "utf-8"  # the first undecodable row quarantines the rest, with the reason


def is_header(row: list[str]) -> bool:
    """Whether a first row names columns rather than holding a record."""
    cells = [c.strip() for c in row]
    return bool(cells) and all(_ASCII_NAME.fullmatch(c) or _SHORT_NAME.fullmatch(c) for c in cells)


def positional_names(width: int) -> list[str]:
    if width == 1:
        return ["text"]
    if width == 2:
        return ["label", "text"]
    return [f"column_{i}" for i in range(1, width)] + ["text"]


def table_items(piece: Piece, open_piece, max_bytes: int = 0) -> Iterator[Item]:
    """The rows of a CSV (`piece.kind == "csv"`) or TSV file as `row` items."""
    csv.field_size_limit(min(sys.maxsize, max_bytes or sys.maxsize))
    rejected: list[Item] = []  # lines that do not decode, quarantined where they stood
    lines = _LineCounter()
    try:
        with open_piece(piece) as raw:
            buffered = raw if hasattr(raw, "peek") else io.BufferedReader(raw)
            encoding = sniff_encoding(buffered.peek(SNIFF_BYTES)[:SNIFF_BYTES])
            reader = csv.reader(_decoded_lines(piece, buffered, encoding, lines, rejected),
                                csv.excel_tab if piece.kind == "tsv" else csv.excel)
            names: list[str] | None = None
            for row in reader:
                yield from _drain(rejected)
                start = lines.row_start
                lines.row_start = lines.count + 1
                if not row:
                    continue  # a blank line holds no record
                if names is None:
                    if is_header(row):
                        names = [c.strip() for c in row]
                        continue
                    names = positional_names(len(row))
                yield Item(piece.path, piece.name, start, record=_record(names, row), kind="row")
            yield from _drain(rejected)
    except (csv.Error, OSError, EOFError) as error:
        yield from _drain(rejected)
        detail = f"cannot read {piece.path} after line {lines.count}: {type(error).__name__}: {error}"
        yield Item(piece.path, piece.name, lines.count + 1, kind="row", error=BadRecord(Reason.UNREADABLE_FILE, detail))


class _LineCounter:
    """Physical lines read so far, and the line the row being read started on."""

    def __init__(self) -> None:
        self.count = 0
        self.row_start = 1


def _decoded_lines(piece: Piece, stream, encoding: str, lines: _LineCounter, rejected: list[Item]) -> Iterator[str]:
    """The file's lines as text, one by one (so a line that does not decode costs only
    itself: it becomes an `undecodable` item and the reader goes on after it)."""
    for raw in stream:
        lines.count += 1
        try:
            yield raw.decode(encoding)
        except UnicodeDecodeError as error:
            detail = f"line {lines.count} is not {encoding}: {error.reason} at byte {error.start}"
            rejected.append(Item(piece.path, piece.name, lines.count, raw=raw, kind="row",
                                 error=BadRecord(Reason.UNDECODABLE, detail)))
            if lines.row_start == lines.count:
                lines.row_start += 1


def _drain(items: list[Item]) -> Iterator[Item]:
    yield from items
    items.clear()


def _record(names: list[str], row: list[str]) -> dict[str, str | None]:
    """The row by column name; missing cells are None, extra ones `column_N` by position."""
    record: dict[str, str | None] = dict.fromkeys(names)
    for i, value in enumerate(row):
        record[names[i] if i < len(names) else f"column_{i + 1}"] = value
    return record
