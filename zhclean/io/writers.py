"""Write records as JSONL, plain or compressed, to a file or standard output.

Parquet parts are written by `zhclean.io.parquet`; where final outputs go is
`zhclean.jobs.output`'s business.
"""

from __future__ import annotations

import gzip
import sys
from typing import Any

from zhclean.io import jsonsafe


def dumps(record: dict[str, Any]) -> bytes:
    """One JSONL line; pass-through values orjson cannot hold (integers beyond 64 bits,
    Decimal, bytes from Parquet) are written as `jsonsafe` documents."""
    return jsonsafe.dumps(record) + b"\n"


class JsonlWriter:
    """JSONL to `path`, compressed as its name says (a trailing `.tmp` is not part of the
    name). Gzip headers carry no name and no time, so equal records give equal bytes."""

    def __init__(self, path: str) -> None:
        self.path = path
        name = path.removesuffix(".tmp")
        if path == "-":
            self._raw, self._stream = None, sys.stdout.buffer
        elif name.endswith(".gz"):
            self._raw = open(path, "wb")  # noqa: SIM115 - the writer owns the handle
            self._stream = gzip.GzipFile(filename="", mode="wb", compresslevel=6, fileobj=self._raw, mtime=0)
        elif name.endswith(".zst"):
            import zstandard

            self._raw = open(path, "wb")  # noqa: SIM115
            self._stream = zstandard.ZstdCompressor(level=3).stream_writer(self._raw)
        else:
            self._raw, self._stream = None, open(path, "wb", buffering=1 << 20)  # noqa: SIM115

    def write(self, record: dict[str, Any]) -> None:
        self._stream.write(dumps(record))

    def write_raw(self, line: bytes) -> None:
        """One JSONL line as it is, given with or without its line break."""
        self._stream.write(line if line.endswith(b"\n") else line + b"\n")

    def close(self) -> None:
        if self._stream is sys.stdout.buffer:
            self._stream.flush()
            return
        self._stream.close()
        if self._raw is not None and not self._raw.closed:
            self._raw.close()
