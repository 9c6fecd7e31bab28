"""Bounded memory on huge records (issue 22): a line over the --max-chars byte limit is read
through in chunks and quarantined as too_long, never held whole or parsed."""

from __future__ import annotations

import gzip
import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, read_jsonl

from zhclean.cli import main
from zhclean.io.shards import KEPT_PREFIX_BYTES, line_limit

GOOD = "市政府昨日召开新闻发布会，介绍了今年城市更新工作的进展情况。"


def _line(record_id: str, text: str) -> bytes:
    return json.dumps({"id": record_id, "text": text}, ensure_ascii=False).encode() + b"\n"


def test_a_gzipped_line_of_half_a_gigabyte_is_quarantined_in_little_memory(tmp_path: Path) -> None:
    src = tmp_path / "huge.jsonl.gz"
    chunk = ("中文内容" * 65536).encode()  # 768 KB
    with gzip.open(src, "wb", compresslevel=1) as f:
        f.write(_line("before", GOOD))
        f.write(b'{"id": "huge", "text": "')
        for _ in range(650):  # ~500 MB, over the 61 MB limit of the default 10 M characters
            f.write(chunk)
        f.write(b'"}\n')
        f.write(_line("after", GOOD))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run([sys.executable, "-m", "zhclean.cli", "clean", str(src), "-o", str(tmp_path / "out.jsonl"),
                           "--workers", "1", "--quiet"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if before < resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss:  # this child set the peak
        assert peak_mb < 400, f"peak RSS {peak_mb:.0f} MB"
    assert [r["id"] for r in read_jsonl(tmp_path / "out.jsonl")] == ["before", "after"]
    (quarantined,) = read_jsonl(tmp_path / "out.quarantine.jsonl")
    assert quarantined["reason"] == "too_long" and quarantined["line"] == 2
    assert quarantined["raw"].startswith('{"id": "huge"') and len(quarantined["raw"].encode()) <= KEPT_PREFIX_BYTES + 16


@pytest.mark.parametrize("shard_bytes", [0, 300])
def test_too_long_lines_keep_line_numbers_and_counts(tmp_path: Path, shard_bytes: int) -> None:
    """Lines over the limit, between good ones, in one shard or cut into byte ranges: every
    line ends in one place, under its own line number."""
    max_chars = 40
    long_text = "长" * (line_limit(max_chars) // 3 + 10)  # over the byte limit
    lines = [_line(f"g{i}", GOOD) if i % 3 else _line(f"long{i}", long_text) for i in range(12)]
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(lines))
    config = tmp_path / "c.toml"
    config.write_text(f"[io]\nshard_bytes = {shard_bytes}\n", encoding="utf-8")
    assert main(["clean", str(src), "-o", str(tmp_path / "out.jsonl"), "--quiet", "--workers", "1",
                 "--config", str(config), "--max-chars", str(max_chars)]) == 0
    kept = [r["id"] for r in read_jsonl(tmp_path / "out.jsonl")]
    quarantined = read_jsonl(tmp_path / "out.quarantine.jsonl")
    assert kept == [f"g{i}" for i in range(12) if i % 3]
    assert [(q["line"], q["reason"]) for q in quarantined] == [(i + 1, "too_long") for i in range(0, 12, 3)]
    summary = json.loads((tmp_path / "out.summary.json").read_text(encoding="utf-8"))
    assert summary["in"] == 12 and summary["balanced"]
