"""Throughput and peak memory of `zhclean clean`, and per-step speed on realistic text.

Builds a JSONL input of --mb megabytes by replicating ../shared/dev/noisy.jsonl (ids made
unique), runs the CLI in a subprocess with --workers N, and reports MB/s, MB/s per core and
the peak RSS of the whole process tree. `--steps` also times each step alone on the dev set
text and on People's Daily text (no glosses).
Usage: python bench/bench_clean.py --mb 200 --workers 2 [--steps]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
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


def time_steps() -> dict:
    from zhclean.pipeline import Pipeline
    from zhclean.steps import DEFAULT_ORDER

    dev = [json.loads(line)["text"] for line in (SHARED / "dev/noisy.jsonl").open(encoding="utf-8")]
    pd = (SHARED / "corpora/peoples_daily_1998.txt").read_text(encoding="utf-8").split("\n")
    pd_docs = ["\n".join(pd[i : i + 10]) for i in range(0, len(pd), 10)]
    gloss_docs = [t for t in dev if "(" in t]
    results = {}
    for label, docs in (("dev noisy", dev), ("People's Daily (clean)", pd_docs), ("dev glossed", gloss_docs)):
        mb = sum(len(d.encode()) for d in docs) / 1e6
        row = {}
        for name in DEFAULT_ORDER:
            pipeline = Pipeline(steps=[name])
            pipeline.clean(docs[0])
            start = time.perf_counter()
            for d in docs:
                pipeline.clean(d)
            row[name] = round(mb / (time.perf_counter() - start), 1)
        whole = Pipeline()
        start = time.perf_counter()
        for d in docs:
            whole.clean(d)
        row["whole pipeline"] = round(mb / (time.perf_counter() - start), 1)
        results[f"{label} ({mb:.1f} MB) MB/s per core"] = row
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--steps", action="store_true")
    args = parser.parse_args()
    if not (SHARED / "dev/noisy.jsonl").exists():
        print("skip: ../shared not found")
        return
    if args.steps:
        print(json.dumps(time_steps(), indent=1, ensure_ascii=False))
    path = build_input(args.mb)
    print(json.dumps(run_clean(path, args.workers), indent=1))
    os.remove(OUT / "clean-out.jsonl")


if __name__ == "__main__":
    main()
