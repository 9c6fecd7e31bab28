"""zhclean side by side with the tools users would pick instead, on the same data, in one run.

Peers run in their own virtual environments, made here on first use (bench/.venvs/, not in
git), through the scripts in bench/peers/ (which never import zhclean):
- py-data-juicer 1.6.1: clean_html_mapper, chinese_convert_mapper (t2s),
  punctuation_normalization_mapper, remove_repeat_sentences_mapper; and
  document_minhash_deduplicator (character 5-grams, Jaccard 0.8, 128 permutations).
- datatrove: its MinHash deduplication (language "cmn_Hani", its defaults otherwise).
Measured for each: speed (MB/s on one core, docs/s, peak RSS) and what it does to the dev set
(character error rate against gold.jsonl, per noise kind; pairwise precision and recall on
dups.jsonl). A peer that cannot be installed is reported with the reason.
Usage: python bench/peers.py [--clean-mb 20] [--dedup-docs 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SHARED = BENCH.parent.parent / "shared"
OUT = BENCH / "out"
VENVS = BENCH / ".venvs"
PEERS = {
    "data-juicer": ["py-data-juicer==1.6.1", "aiohttp", "ftfy", "selectolax", "opencc", "scipy", "ray[data]"],
    "datatrove": ["datatrove[processing,io]", "spacy", "jieba"],
}
sys.path.insert(0, str(BENCH))


def ensure_venv(name: str) -> tuple[Path | None, str]:
    """The peer's python, made and installed if needed; or None and why not."""
    python = VENVS / name / "bin/python"
    marker = VENVS / name / ".installed"
    if marker.exists():
        return python, "cached"
    start = time.monotonic()
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENVS / name)], check=True, capture_output=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PEERS[name]], check=True,
                       capture_output=True, text=True, timeout=900)
    except subprocess.CalledProcessError as error:
        return None, f"install failed: {(error.stderr or '').strip().splitlines()[-1:]}"
    except subprocess.TimeoutExpired:
        return None, "install took over 15 minutes"
    marker.touch()
    return python, f"installed in {time.monotonic() - start:.0f} s"


def run_peer(python: Path | str, script: str, *args: str) -> dict:
    """Run one tool's script; its timings plus the peak RSS of its process tree, sampled with
    ps (ru_maxrss would include the parent's memory: it survives fork and exec)."""
    from bench_dedup import TreeRss

    proc = subprocess.Popen([str(python), str(BENCH / "peers" / script), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rss = TreeRss(proc.pid)
    stdout, stderr = proc.communicate(timeout=1800)
    peak = rss.stop()
    if proc.returncode:
        raise RuntimeError(f"{script} failed: {stderr.strip().splitlines()[-1:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["peak_rss_mb"] = peak
    return result


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def accuracy(predicted: list[dict]) -> dict:
    from zhclean.eval import score

    result = score(predicted, read_jsonl(SHARED / "dev/gold.jsonl")).as_dict()
    return {"exact_rate": result["exact_rate"], "cer": result["cer"], "kinds": result["kinds"]}


def zhclean_clean(speed_input: Path) -> dict:
    speed = run_peer(sys.executable, "zhclean_run.py", "clean", speed_input, OUT / "peers-zhclean-speed.jsonl")
    run_peer(sys.executable, "zhclean_run.py", "clean", SHARED / "dev/noisy.jsonl", OUT / "peers-zhclean-dev.jsonl")
    return {**speed, **accuracy(read_jsonl(OUT / "peers-zhclean-dev.jsonl"))}


def zhclean_dedup(source: Path) -> dict:
    from bench_dedup import TreeRss

    out = OUT / "peers-zhclean-dedup/out.jsonl"
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "zhclean.cli", "dedup", str(source), "-o", str(out),
                             "--workers", "1", "--quiet"])
    rss = TreeRss(proc.pid)
    if proc.wait():
        raise RuntimeError("zhclean dedup failed")
    seconds = time.monotonic() - start
    docs = sum(1 for _ in out.with_name("out.clusters.jsonl").open())
    return {"seconds": seconds, "docs_per_s": docs / seconds, "mb_per_s": source.stat().st_size / 1e6 / seconds,
            "peak_rss_mb": rss.stop()}


def _dedup_row(quality: dict, speed: dict) -> dict:
    """Accuracy on dev dups plus speed on the synthetic corpus, under distinct names."""
    return {"precision": quality["precision"], "recall": quality["recall"],
            **{k: v for k, v in speed.items() if k in ("seconds", "docs_per_s", "mb_per_s", "peak_rss_mb")}}


def main(clean_mb: int = 20, dedup_docs: int = 10_000) -> dict | None:
    if not (SHARED / "dev/noisy.jsonl").exists():
        print("skip: ../shared not found")
        return None
    from bench_clean import build_input
    from bench_dedup import build
    from dedup_eval import evaluate, score_clusters

    OUT.mkdir(exist_ok=True)
    speed_input = build_input(clean_mb)
    dedup_input, _ = build(dedup_docs, 0.1)
    raw = read_jsonl(SHARED / "dev/noisy.jsonl")
    results: dict = {"inputs": {"clean_speed_mb": round(speed_input.stat().st_size / 1e6, 1),
                                "dedup_speed_docs": dedup_docs,
                                "dedup_speed_mb": round(dedup_input.stat().st_size / 1e6, 1)},
                     "clean": {"no cleaning (raw input)": accuracy(raw), "zhclean": zhclean_clean(speed_input)},
                     "dedup": {"zhclean": _dedup_row(evaluate(), zhclean_dedup(dedup_input))},
                     "peers": {}}
    for name in PEERS:
        python, status = ensure_venv(name)
        results["peers"][name] = status
        if python is None:
            continue
        if name == "data-juicer":
            speed = run_peer(python, "datajuicer_run.py", "clean", speed_input, OUT / "peers-dj-speed.jsonl")
            run_peer(python, "datajuicer_run.py", "clean", SHARED / "dev/noisy.jsonl", OUT / "peers-dj-dev.jsonl")
            results["clean"]["data-juicer (4 mappers)"] = {**speed, **accuracy(read_jsonl(OUT / "peers-dj-dev.jsonl"))}
            speed = run_peer(python, "datajuicer_run.py", "dedup", dedup_input, OUT / "peers-dj-dedup-speed.jsonl")
            run_peer(python, "datajuicer_run.py", "dedup", SHARED / "dev/dups.jsonl", OUT / "peers-dj-dups.jsonl")
            results["dedup"]["data-juicer document_minhash_deduplicator"] = _dedup_row(
                score_clusters(OUT / "peers-dj-dups.jsonl"), speed)
        else:
            speed = run_peer(python, "datatrove_run.py", "dedup", dedup_input, OUT / "peers-dt-speed.jsonl",
                             OUT / "peers-dt-work")
            run_peer(python, "datatrove_run.py", "dedup", SHARED / "dev/dups.jsonl", OUT / "peers-dt-dups.jsonl",
                     OUT / "peers-dt-work")
            results["dedup"]["datatrove MinHash (cmn_Hani)"] = _dedup_row(score_clusters(OUT / "peers-dt-dups.jsonl"), speed)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clean-mb", type=int, default=20)
    parser.add_argument("--dedup-docs", type=int, default=10_000)
    args = parser.parse_args()
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    print(json.dumps(main(args.clean_mb, args.dedup_docs), indent=1, ensure_ascii=False))
