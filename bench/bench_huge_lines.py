"""Huge single records (issue 22): a 1 GB one-line JSONL file and a gzip holding a 5 GB line.

Each goes through `zhclean clean --workers 1` between two ordinary records; the huge line
must be quarantined as `too_long` (read through in chunks, never held whole), the others kept,
and the run's peak RSS (its whole process tree, sampled) stay under 1 GB. The inputs are made
here in bench/out/ (the gzip compresses to a few MB; the plain file is 1 GB on disk).
Usage: python bench/bench_huge_lines.py [--plain-gb 1] [--gzip-gb 5]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
sys.path.insert(0, str(BENCH))

GOOD = "市政府昨日召开新闻发布会，介绍了今年城市更新工作的进展情况。"
CHUNK = ("中文内容" * 65536).encode()  # 768 KB of UTF-8


def _line(record_id: str, text: str) -> bytes:
    return json.dumps({"id": record_id, "text": text}, ensure_ascii=False).encode() + b"\n"


def _write(stream, gigabytes: float) -> None:
    stream.write(_line("before", GOOD))
    stream.write(b'{"id": "huge", "text": "')
    for _ in range(int(gigabytes * (1 << 30) / len(CHUNK))):
        stream.write(CHUNK)
    stream.write(b'"}\n')
    stream.write(_line("after", GOOD))


def build(plain_gb: float, gzip_gb: float) -> tuple[Path, Path]:
    OUT.mkdir(exist_ok=True)
    plain, packed = OUT / f"huge-line-{plain_gb:g}gb.jsonl", OUT / f"huge-line-{gzip_gb:g}gb.jsonl.gz"
    if not plain.exists():
        with open(plain, "wb") as f:
            _write(f, plain_gb)
    if not packed.exists():
        with gzip.open(packed, "wb", compresslevel=1) as f:
            _write(f, gzip_gb)
    return plain, packed


def run(path: Path) -> dict:
    from bench_dedup import run_tree

    out = OUT / "huge-out.jsonl"
    code, seconds, peak = run_tree([sys.executable, "-m", "zhclean.cli", "clean", str(path), "-o", str(out),
                                    "--workers", "1", "--quiet"])
    summary = json.loads(out.with_name("huge-out.summary.json").read_text())
    kept = [json.loads(line)["id"] for line in out.open(encoding="utf-8")]
    return {"input": path.name, "bytes_on_disk": path.stat().st_size, "seconds": round(seconds, 1),
            "peak_rss_mb": peak, "kept": kept, "quarantine_reasons": summary["quarantine_reasons"],
            "exit": code}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plain-gb", type=float, default=1)
    parser.add_argument("--gzip-gb", type=float, default=5)
    args = parser.parse_args()
    for path in build(args.plain_gb, args.gzip_gb):
        print(json.dumps(run(path)))


if __name__ == "__main__":
    main()
