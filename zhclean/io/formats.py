"""The one table of file formats: which suffixes zhclean reads and writes, and how.

Readers, writers, the shard planner and the CLI all ask this module, so `.ndjson.gz` or
`.txt.zst` mean the same thing everywhere. A name is a base format (`jsonl`, `parquet`,
`txt`) optionally followed by a compression suffix (`.gz`, `.zst`); Parquet compresses
inside the file and takes none.
"""

from __future__ import annotations

from dataclasses import dataclass

BASE_SUFFIXES: dict[str, str] = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet", ".txt": "txt",
    # Crawl input: WARC (response records: HTML whose text is extracted; WET conversion
    # records: text already extracted) and single HTML pages.
    ".warc": "warc", ".wet": "warc", ".html": "html", ".htm": "html",
    # Delimited tables, one record a row (`--text-field` names the column).
    ".csv": "csv", ".tsv": "tsv",
}
COMPRESSIONS: dict[str, str] = {".gz": "gzip", ".zst": "zstd"}
# What `-o` may end with (and `--format` name without the dot).
OUTPUT_SUFFIXES = (".jsonl.gz", ".jsonl.zst", ".jsonl", ".parquet")


@dataclass(frozen=True, slots=True)
class Format:
    """A file's base format and compression, read off its name."""

    kind: str  # "jsonl", "parquet", "txt", "warc", "html", "csv" or "tsv"
    compression: str | None  # None, "gzip" or "zstd"
    suffix: str  # the whole suffix, e.g. ".jsonl.zst"

    @property
    def splittable(self) -> bool:
        """Whether byte ranges of the file can be read independently (plain JSONL)."""
        return self.kind == "jsonl" and self.compression is None


def detect(name: str) -> Format | None:
    """The format of a file name, or None when zhclean does not read it."""
    lower = name.lower()
    compression = None
    outer = ""
    for suffix, codec in COMPRESSIONS.items():
        if lower.endswith(suffix):
            compression, outer = codec, suffix
            lower = lower[: -len(suffix)]
            break
    for suffix, kind in BASE_SUFFIXES.items():
        if lower.endswith(suffix):
            if kind == "parquet" and compression:
                return None
            return Format(kind, compression, suffix + outer)
    return None


def require(name: str) -> Format:
    """`detect`, or a one-line error listing what is known."""
    found = detect(name)
    if found is None:
        known = ", ".join(sorted(BASE_SUFFIXES)) + " (all but .parquet also with .gz or .zst)"
        raise ValueError(f"unknown input format: {name} (known: {known})")
    return found


def strip_compression(name: str) -> str:
    """`part.jsonl` for `part.jsonl.zst`: the name ids are made from, the same for a file
    and its compressed copy."""
    lower = name.lower()
    for suffix in COMPRESSIONS:
        if lower.endswith(suffix) and detect(name) is not None:
            return name[: -len(suffix)]
    return name


def split_output(path: str) -> tuple[str, str]:
    """("out", ".jsonl.zst") for "out.jsonl.zst"; (path, "") when it names a folder."""
    lower = path.lower()
    for suffix in OUTPUT_SUFFIXES:
        if lower.endswith(suffix):
            return path[: -len(suffix)], suffix
    return path, ""
