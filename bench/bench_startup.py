"""Start-up costs: one record end to end, and where a second worker starts to pay.

1. `zhclean clean` of a one-record file, wall time, with the table cache warm (the usual
   case after the first run) and cold (`ZHCLEAN_CACHE_DIR` pointed at an empty folder).
2. Inputs of several sizes (the dev set replicated), `--workers 1` against `--workers 2`
   and the default: the break-even behind `BYTES_PER_WORKER` in zhclean/jobs/clean.py.

Runs are interleaved and repeated; the median is reported (this VM's speed drifts).
Usage: python bench/bench_startup.py [--repeat 3] [--sizes 2,4,8,12,16,24,32] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_clean import OUT, SHARED, build_input  # noqa: E402

ONE_RECORD = {"id": "one", "text": "重(zhong)要的(de)会议(yi)在(zai)北京举行,来源:本报"}


def timed_clean(path: Path, workers: int | None, env: dict | None = None) -> float:
    out = OUT / "startup-out.jsonl"
    args = [sys.executable, "-m", "zhclean.cli", "clean", str(path), "-o", str(out), "--quiet"]
    if workers:
        args += ["--workers", str(workers)]
    start = time.monotonic()
    subprocess.run(args, check=True, env=env)
    return time.monotonic() - start


def one_record(repeat: int) -> dict:
    OUT.mkdir(exist_ok=True)
    path = OUT / "one-record.jsonl"
    path.write_text(json.dumps(ONE_RECORD, ensure_ascii=False) + "\n", encoding="utf-8")
    timed_clean(path, None)  # fills the default cache
    warm, cold = [], []
    for _ in range(repeat):
        warm.append(timed_clean(path, None))
        with tempfile.TemporaryDirectory() as empty:
            cold.append(timed_clean(path, None, dict(os.environ, ZHCLEAN_CACHE_DIR=empty)))
    return {"one_record_s_warm_cache": round(statistics.median(warm), 2),
            "one_record_s_cold_cache": round(statistics.median(cold), 2)}


def break_even(sizes: list[int], repeat: int) -> list[dict]:
    rows = []
    for megabytes in sizes:
        path = build_input(megabytes)
        runs: dict[str, list[float]] = {"1": [], "2": [], "default": []}
        for _ in range(repeat):
            for key in runs:
                runs[key].append(timed_clean(path, None if key == "default" else int(key)))
        medians = {k: statistics.median(v) for k, v in runs.items()}
        rows.append({"input_mb": megabytes, **{f"workers_{k}_s": round(v, 2) for k, v in medians.items()},
                     "speed_up_2_over_1": round(medians["1"] / medians["2"], 2)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def run(repeat: int = 3, sizes: tuple[int, ...] = (2, 4, 8, 12, 16, 24, 32)) -> dict:
    """Both measurements, for bench/run_all.py."""
    result = {**one_record(repeat), "sizes": break_even(list(sizes), repeat)}
    for side in ("startup-out.jsonl", "startup-out.summary.json", "startup-out.quarantine.jsonl",
                 "startup-out.dropped.jsonl"):
        (OUT / side).unlink(missing_ok=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="2,4,8,12,16,24,32")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    if not (SHARED / "dev/noisy.jsonl").exists():
        print("skip: ../shared not found")
        return
    result = run(args.repeat, tuple(int(s) for s in args.sizes.split(",")))
    print(json.dumps(result, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
