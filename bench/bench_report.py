"""The run report (issue 17): how long `zhclean report` takes on a large run's summary and how
big its files are, and what the report's counters cost the run.

1. `zhclean clean --workers 2` over the dev set replicated to --mb megabytes (bench_clean's
   input), then `write_report` on its summary, timed; the sizes of OUT.report.html/.json.
2. The counters' cost: one shard task (parse, clean, write, count) over the first
   --shard-mb megabytes, on one core, with the observations on and with them off
   (`observe_result` and the examples' re-cleaning replaced by no-ops), alternated
   --rounds times; the least CPU time of each, and the difference as a share.
Usage: python bench/bench_report.py [--mb 200] [--shard-mb 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from bench_clean import OUT, build_input, run_clean  # noqa: E402


def report_of_run(megabytes: int, workers: int) -> dict:
    from zhclean.report.html import write_report

    path = build_input(megabytes)
    run = run_clean(path, workers)
    summary = OUT / "clean-out.summary.json"
    start = time.perf_counter()
    html, js = write_report(str(summary))
    seconds = time.perf_counter() - start
    return {"run": run, "report_seconds": round(seconds, 3),
            "report_html_kb": round(os.path.getsize(html) / 1024, 1),
            "report_json_kb": round(os.path.getsize(js) / 1024, 1),
            "summary_kb": round(summary.stat().st_size / 1024, 1)}


def _slice(source: Path, megabytes: int) -> Path:
    path = OUT / f"report-shard-{megabytes}mb.jsonl"
    if not path.exists():
        with source.open("rb") as f, path.open("wb") as out:
            written = 0
            for line in f:
                out.write(line)
                written += len(line)
                if written >= megabytes * 1_000_000:
                    break
    return path


def _shard_cpu(path: Path, observing: bool) -> float:
    import zhclean.engines.records as records
    from zhclean.config import load_config
    from zhclean.core import observe
    from zhclean.io.shards import plan_shards
    from zhclean.jobs.shard_task import CleanTask

    real_observe, real_explain = records.observe_result, observe.Observations.explain_candidates
    if not observing:
        records.observe_result = lambda *args: None
        observe.Observations.explain_candidates = lambda self, describe: None
    parts = OUT / "report-parts"
    shutil.rmtree(parts, ignore_errors=True)
    parts.mkdir()
    try:
        (shard,) = plan_shards([str(path)], target_bytes=path.stat().st_size * 2).shards
        task = CleanTask(load_config(None).with_overrides(workers=1), str(parts))
        start = time.process_time()
        task(shard)
        return time.process_time() - start
    finally:
        records.observe_result, observe.Observations.explain_candidates = real_observe, real_explain


def counters_cost(megabytes: int, shard_mb: int, rounds: int) -> dict:
    path = _slice(build_input(megabytes), shard_mb)
    _shard_cpu(path, True)  # warm: tables and caches
    on, off = [], []
    for _ in range(rounds):
        on.append(_shard_cpu(path, True))
        off.append(_shard_cpu(path, False))
    best_on, best_off = min(on), min(off)
    return {"shard_mb": round(path.stat().st_size / 1e6, 1), "rounds": rounds,
            "cpu_seconds_with_counters": round(best_on, 2), "cpu_seconds_without": round(best_off, 2),
            "counters_share": round((best_on - best_off) / best_off, 4),
            "all_rounds": {"with": [round(x, 2) for x in on], "without": [round(x, 2) for x in off]}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shard-mb", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result = {"report": report_of_run(args.mb, args.workers),
              "counters": counters_cost(args.mb, args.shard_mb, args.rounds)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
