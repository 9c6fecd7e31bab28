"""Joining shard parts into one output: byte for byte, through the kernel where it can copy
and through this process where it cannot (a pipe, an in-memory buffer)."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import pytest

from zhclean.jobs.output import _append_parts, _copied_in_kernel, concat_jsonl


def _parts(tmp_path: Path, sizes: list[int]) -> tuple[list[str], bytes]:
    paths, whole = [], b""
    for n, size in enumerate(sizes):
        data = bytes((n * 31 + i) % 251 for i in range(size))
        path = tmp_path / f"part-{n}.jsonl"
        path.write_bytes(data)
        paths.append(str(path))
        whole += data
    return paths, whole


def test_parts_join_byte_for_byte_into_a_file(tmp_path: Path):
    parts, whole = _parts(tmp_path, [0, 1, 70_000, 3, 1 << 20])
    concat_jsonl(parts, str(tmp_path / "out.jsonl"), ".jsonl")
    assert (tmp_path / "out.jsonl").read_bytes() == whole


def test_bytes_written_before_and_after_a_kernel_copy_stay_in_order(tmp_path: Path):
    parts, whole = _parts(tmp_path, [5000])
    with open(tmp_path / "out", "wb") as out:
        out.write(b"head")  # buffered, not yet in the file: the copy must come after it
        with open(parts[0], "rb") as src:
            copied = _copied_in_kernel(src, out)
        out.write(b"tail")
    if copied == 0:
        pytest.skip("copy_file_range does not apply on this system")
    assert copied == len(whole)
    assert (tmp_path / "out").read_bytes() == b"head" + whole + b"tail"


def test_a_buffer_without_a_file_gets_every_byte_through_the_process(tmp_path: Path):
    parts, whole = _parts(tmp_path, [10, 200_000])
    out = io.BytesIO()
    _append_parts(parts, out)
    assert out.getvalue() == whole


def test_a_pipe_gets_every_byte(tmp_path: Path):
    parts, whole = _parts(tmp_path, [300_000, 7, 90_000])
    read_end, write_end = os.pipe()
    received = bytearray()
    reader = threading.Thread(target=lambda: received.extend(_drain(read_end)))
    reader.start()
    with open(write_end, "wb") as out:
        _append_parts(parts, out)
    reader.join()
    assert bytes(received) == whole


def _drain(fd: int) -> bytes:
    with open(fd, "rb") as f:
        return f.read()
