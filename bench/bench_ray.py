"""The Ray engine: its overhead against the local engine, and a run on a two-node cluster.

1. Overhead: `zhclean clean` of --mb megabytes (the dev set replicated, as bench_clean.py
   builds it) with `--engine local` and with `--engine ray` (a local Ray started, and shut
   down, by the command), 2 workers each; the output and its side files must be
   byte-identical. Both engines run the same shard tasks on the same shards; the Ray engine
   adds Ray's start (about 3 s), the actors' start per stage and Ray's shutdown.
2. Two nodes: `ray start --head --num-cpus 1` and a second node on this machine with
   `ray start --address`, each with one CPU, so the two cleaning actors of `--workers 2` must
   run one on each node. `zhclean clean` and `zhclean dedup` of the dev set with
   `--ray-address` (and shards of 256 KB, so that the dev set makes several) must give what
   the local engine gives. The cluster is stopped afterwards.
Usage: python bench/bench_ray.py [--mb 200] [--skip-overhead] [--skip-cluster]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SHARED = BENCH.parent.parent / "shared"
OUT = BENCH / "out"
PORT = 6390
SIDE_FILES = ("quarantine", "dropped", "clusters")


def zhclean(*args: str, env: dict | None = None) -> float:
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "zhclean.cli", *args, "--quiet"], check=True, env=env,
                   stderr=subprocess.DEVNULL)
    return time.monotonic() - start


def overhead(megabytes: int) -> dict:
    sys.path.insert(0, str(BENCH))
    from bench_clean import build_input

    path = build_input(megabytes)
    seconds = {}
    for engine in ("local", "ray"):
        seconds[engine] = zhclean("clean", str(path), "-o", str(OUT / f"ray-bench-{engine}/out.jsonl"),
                                  "--workers", "2", "--engine", engine)
    same = identical(OUT / "ray-bench-local/out.jsonl", OUT / "ray-bench-ray/out.jsonl")
    shards = json.loads((OUT / "ray-bench-ray/out.summary.json").read_text())["shards"]
    for engine in seconds:
        shutil.rmtree(OUT / f"ray-bench-{engine}")
    mb = path.stat().st_size / 1e6
    return {"input_mb": round(mb), "local_s": round(seconds["local"], 1), "ray_s": round(seconds["ray"], 1),
            "local_mb_per_s": round(mb / seconds["local"], 1), "ray_mb_per_s": round(mb / seconds["ray"], 1),
            "ray_overhead": f"{100 * (seconds['ray'] / seconds['local'] - 1):.0f}%", "identical_output": same,
            "shards": shards}


def identical(local: Path, on_ray: Path) -> bool:
    """The record file and every side file, byte for byte."""
    pairs = [(local, on_ray)] + [(local.with_name(f"out.{side}.jsonl"), on_ray.with_name(f"out.{side}.jsonl"))
                                 for side in SIDE_FILES if local.with_name(f"out.{side}.jsonl").exists()]
    return all(b.exists() and filecmp.cmp(a, b, shallow=False) for a, b in pairs)


def two_nodes() -> dict:
    ray = [str(Path(sys.executable).with_name("ray"))]
    env = {**os.environ, "RAY_AUTH_MODE": "token"}  # the same auth mode on every node
    address = f"127.0.0.1:{PORT}"
    quiet = {"env": env, "check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.run([*ray, "start", "--head", "--num-cpus", "1", "--port", str(PORT),
                    "--include-dashboard=false", "--disable-usage-stats"], **quiet)
    try:
        subprocess.run([*ray, "start", "--address", address, "--num-cpus", "1", "--disable-usage-stats"], **quiet)
        probe = (f"import ray, json; ray.init(address='{address}', log_to_driver=False); "
                 "print(json.dumps([n['Resources'].get('CPU', 0) for n in ray.nodes() if n['Alive']]))")
        nodes = json.loads(subprocess.run([sys.executable, "-c", probe], env=env, check=True,
                                          capture_output=True, text=True).stdout.strip().splitlines()[-1])
        result = {"alive_nodes": len(nodes), "cpus_per_node": nodes}
        small_shards = OUT / "two-nodes-shards.toml"
        small_shards.write_text("[io]\nshard_bytes = 262144\n")
        for command, source in (("clean", "dev/noisy.jsonl"), ("dedup", "dev/dups.jsonl")):
            outs = {}
            for engine in ("local", "ray"):
                out = OUT / f"two-nodes-{command}-{engine}/out.jsonl"
                extra = ["--config", str(small_shards)] + (["--ray-address", address] if engine == "ray" else [])
                result[f"{command}_{engine}_s"] = round(zhclean(command, str(SHARED / source), "-o", str(out),
                                                                "--workers", "2", "--engine", engine, *extra, env=env), 1)
                outs[engine] = out
            result[f"{command}_identical"] = identical(outs["local"], outs["ray"])
            result[f"{command}_shards"] = json.loads(outs["ray"].with_name("out.summary.json").read_text())["shards"]
            for out in outs.values():
                shutil.rmtree(out.parent)
        small_shards.unlink()
        return result
    finally:
        subprocess.run([*ray, "stop", "--force"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--skip-overhead", action="store_true")
    parser.add_argument("--skip-cluster", action="store_true")
    args = parser.parse_args()
    if not (SHARED / "dev/noisy.jsonl").exists():
        print("skip: ../shared not found")
        return
    OUT.mkdir(exist_ok=True)
    results = {}
    if not args.skip_cluster:
        results["two_nodes"] = two_nodes()
    if not args.skip_overhead:
        results["overhead"] = overhead(args.mb)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
