"""Throughput and peak memory of `zhclean clean` on the dev set replicated to --mb megabytes.

Builds a JSONL input of --mb megabytes by replicating ../shared/dev/noisy.jsonl (ids made
unique), runs the CLI in a subprocess with --workers N, and reports MB/s, MB/s per core and
the peak RSS of the whole process tree (bench_steps.py has the per-step speeds). With
--pipeline it also times the cleaning pipeline alone over the same file on one core.
Usage: python bench/bench_clean.py --mb 200 --workers 2 [--pipeline]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
OUT = Path(__file__).resolve().parent / "out"


def build_input(megabytes: int) -> Path:
    path = OUT / f"noisy-{megabytes}mb.jsonl"
    if path.exists():
        return path
    OUT.mkdir(exist_ok=True)
    lines = (SHARED / "dev/noisy.jsonl").read_bytes().splitlines()
    target, written, copy = megabytes * 1_000_000, 0, 0
    with path.open("wb") as f:
        while written < target:
            for line in lines:
                record = json.loads(line)
                record["id"] = f"{record['id']}-{copy}"
                data = json.dumps(record, ensure_ascii=False).encode() + b"\n"
                f.write(data)
                written += len(data)
            copy += 1
    return path


def run_clean(path: Path, workers: int) -> dict:
    out = OUT / "clean-out.jsonl"
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "zhclean.cli", "clean", str(path), "-o", str(out),
                    "--workers", str(workers), "--quiet"], check=True)
    seconds = time.monotonic() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    mb = path.stat().st_size / 1e6
    return {"input_mb": round(mb, 1), "workers": workers, "seconds": round(seconds, 1),
            "mb_per_s": round(mb / seconds, 2), "mb_per_s_per_core": round(mb / seconds / workers, 2),
            "peak_rss_mb_largest_process": round(peak_kb / 1024, 1)}


def run_pipeline(path: Path) -> dict:
    """The cleaning pipeline alone over the whole file, one core: records are read and parsed
    untimed, then cleaned in the engines' batches (`clean_many`), timed. MB/s counts the text's
    UTF-8 bytes, as bench_steps does."""
    from zhclean.engines.local import BATCH_ITEMS
    from zhclean.pipeline import Pipeline

    pipeline = Pipeline().prepare_worker()  # as the engines' workers do
    seconds, text_bytes = 0.0, 0
    with path.open(encoding="utf-8") as f:
        texts = (json.loads(line)["text"] for line in f)
        while batch := list(islice(texts, BATCH_ITEMS)):
            start = time.perf_counter()
            pipeline.clean_many(batch)
            seconds += time.perf_counter() - start
            text_bytes += sum(len(t.encode()) for t in batch)
    return {"input_mb": round(path.stat().st_size / 1e6, 1), "text_mb": round(text_bytes / 1e6, 1),
            "seconds": round(seconds, 1), "mb_per_s": round(text_bytes / 1e6 / seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pipeline", action="store_true", help="also time the pipeline alone, one core")
    args = parser.parse_args()
    if not (SHARED / "dev/noisy.jsonl").exists():
        print("skip: ../shared not found")
        return
    path = build_input(args.mb)
    print(json.dumps(run_clean(path, args.workers), indent=1))
    if args.pipeline:
        print(json.dumps(run_pipeline(path), indent=1))
    os.remove(OUT / "clean-out.jsonl")


if __name__ == "__main__":
    main()
