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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_clean(path: Path, workers: int, pythonpath: str | None = None) -> dict:
    """One `zhclean clean` in a subprocess. CPU of the whole process tree comes from the
    children's rusage (the driver waits for its workers, so theirs is included); the
    driver's own share from the summary's `cpu_seconds.driver` (absent before the shards
    design: then only the tree's total is known). `pythonpath` runs another checkout."""
    out = OUT / "clean-out.jsonl"
    env = dict(os.environ, PYTHONPATH=pythonpath) if pythonpath else None
    cpu_before = _children_cpu()
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "zhclean.cli", "clean", str(path), "-o", str(out),
                    "--workers", str(workers), "--quiet"], check=True, env=env, cwd=pythonpath)
    seconds = time.monotonic() - start
    total_cpu = _children_cpu() - cpu_before
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary = json.loads((OUT / "clean-out.summary.json").read_text())
    driver_cpu = (summary.get("cpu_seconds") or {}).get("driver")
    mb = path.stat().st_size / 1e6
    result = {"input_mb": round(mb, 1), "workers": workers, "seconds": round(seconds, 1),
              "mb_per_s": round(mb / seconds, 2), "mb_per_s_per_core": round(mb / seconds / workers, 2),
              "cpu_seconds_total": round(total_cpu, 1),
              "peak_rss_mb_largest_process": round(peak_kb / 1024, 1)}
    if driver_cpu is not None:
        result["cpu_seconds_driver"] = round(driver_cpu, 2)
        result["driver_cpu_share"] = round(driver_cpu / total_cpu, 3) if total_cpu else None
    return result


def run_pipeline(path: Path) -> dict:
    """The cleaning pipeline alone over the whole file, one core: records are read and parsed
    untimed, then cleaned in the engines' batches (`clean_many`), timed. MB/s counts the text's
    UTF-8 bytes, as bench_steps does."""
    from zhclean.engines.records import BATCH_ITEMS
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
    parser.add_argument("--baseline", help="also run the checkout at this path (PYTHONPATH) for comparison")
    args = parser.parse_args()
    if not (SHARED / "dev/noisy.jsonl").exists():
        print("skip: ../shared not found")
        return
    path = build_input(args.mb)
    print(json.dumps(run_clean(path, args.workers), indent=1))
    if args.baseline:
        print(json.dumps({"baseline": args.baseline, **run_clean(path, args.workers, args.baseline)}, indent=1))
    if args.pipeline:
        print(json.dumps(run_pipeline(path), indent=1))
    for side in ("clean-out.jsonl", "clean-out.summary.json", "clean-out.quarantine.jsonl", "clean-out.dropped.jsonl"):
        (OUT / side).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
