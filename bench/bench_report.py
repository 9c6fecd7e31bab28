"""The run report (issue 17): how long `zhclean report` takes on a large run's summary and how
big its files are, and what the report's counters cost the run.

1. `zhclean clean --workers 2` over the dev set replicated to --mb megabytes (bench_clean's
   input), then `write_report` on its summary, timed; the sizes of OUT.report.html/.json.
2. The counters' cost: the same run with the counters on and off (`observe_batch` and the
   examples' describing replaced by no-ops in every process of the run, through a
   sitecustomize only these runs see), alternated --rounds times; the least wall and CPU
   time of each, and the differences as shares.
Usage: python bench/bench_report.py [--mb 200] [--workers 2] [--rounds 3]
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


# A sitecustomize for the runs without counters: every process of the run (the driver and
# its spawned workers) imports it first, and finds the counters replaced by no-ops.
_NO_COUNTERS = """
import os
if os.environ.get("ZHCLEAN_BENCH_NO_COUNTERS"):
    import zhclean.core.observe as observe
    import zhclean.engines.records as records
    records.observe_batch = lambda *args: None
    observe.Observations.describe = lambda self, describe_all: None
"""


def _run(path: Path, workers: int, counters: bool) -> dict:
    hook = OUT / "no-counters-hook"
    hook.mkdir(parents=True, exist_ok=True)
    (hook / "sitecustomize.py").write_text(_NO_COUNTERS)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), str(BENCH.parent)])}
    if not counters:
        env["ZHCLEAN_BENCH_NO_COUNTERS"] = "1"
    out = OUT / "counters-out.jsonl"
    start_cpu = _children_cpu()
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "zhclean.cli", "clean", str(path), "-o", str(out), "--workers",
                    str(workers), "--quiet"], check=True, env=env)
    seconds, cpu = time.monotonic() - start, _children_cpu() - start_cpu
    observed = json.loads(out.with_name("counters-out.summary.json").read_text()).get("observed", {})
    assert bool(observed.get("changed")) == counters, "the hook did not take"
    return {"seconds": seconds, "cpu": cpu}


def counters_cost(megabytes: int, workers: int, rounds: int) -> dict:
    """Whole runs with and without the counters, alternated; the least wall and CPU time of
    each (the CPU time of the whole process tree, from the children's rusage)."""
    path = build_input(megabytes)
    on, off = [], []
    for _ in range(rounds):
        off.append(_run(path, workers, False))
        on.append(_run(path, workers, True))
    best = {kind: {m: min(r[m] for r in runs) for m in ("seconds", "cpu")} for kind, runs in (("on", on), ("off", off))}
    return {"input_mb": round(path.stat().st_size / 1e6, 1), "workers": workers, "rounds": rounds,
            "seconds_with_counters": round(best["on"]["seconds"], 2), "seconds_without": round(best["off"]["seconds"], 2),
            "cpu_seconds_with_counters": round(best["on"]["cpu"], 2), "cpu_seconds_without": round(best["off"]["cpu"], 2),
            "wall_share": round(best["on"]["seconds"] / best["off"]["seconds"] - 1, 4),
            "cpu_share": round(best["on"]["cpu"] / best["off"]["cpu"] - 1, 4),
            "all_rounds": {"with": [{k: round(v, 2) for k, v in r.items()} for r in on],
                           "without": [{k: round(v, 2) for k, v in r.items()} for r in off]}}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result = {"report": report_of_run(args.mb, args.workers),
              "counters": counters_cost(args.mb, args.workers, args.rounds)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
