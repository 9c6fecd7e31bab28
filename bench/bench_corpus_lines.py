"""What `--corpus-lines` adds to `zhclean clean`: wall time, CPU and peak memory, on --mb MB.

The input is real text, replicated without becoming copies of itself: the tw_news, THUCNews
and dev-set records, again and again, each round with its Han characters put through a
different permutation (a cipher per round). Every round is then a corpus of its own, with the
same line lengths, punctuation and boilerplate share as the original (tw_news's inserted
sentence is shared within each round), and no unit is shared across rounds. The cleaning
steps see scrambled characters (the script step finds mixed text, and cleaning runs about
twice as fast as on real text), so compare the two runs with each other. `--plain` repeats
the real text as it is instead: cleaning at its real speed, every round an exact copy of the
first (each unit's spread is that of one round: the stage does all its work, finds what one
round has).
Usage: python bench/bench_corpus_lines.py --mb 200 --workers 2 [--plain]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
OUT = Path(__file__).resolve().parent / "out"
HAN = [chr(c) for c in range(0x4E00, 0x9FA6)]


def _texts() -> list[str]:
    texts = []
    for name in ("corpora/tw_news.jsonl", "dev/noisy.jsonl"):
        path = SHARED / name
        if path.exists():
            texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]
    thuc = SHARED / "corpora/thucnews_1000.tsv"
    if thuc.exists():
        texts += [row.split("\t")[-1] for row in thuc.read_text(encoding="utf-8").splitlines() if "\t" in row]
    if not texts:
        sys.exit(f"no corpora under {SHARED}")
    return texts


def build_input(megabytes: int, plain: bool = False) -> Path:
    path = OUT / f"corpus-lines-{megabytes}mb{'-plain' if plain else ''}.jsonl"
    if path.exists():
        return path
    OUT.mkdir(exist_ok=True)
    texts = _texts()
    target, written, round_ = megabytes * 1_000_000, 0, 0
    with path.open("wb") as f:
        while written < target:
            shuffled = HAN[:]
            random.Random(round_).shuffle(shuffled)
            cipher = str.maketrans(dict(zip(HAN, shuffled, strict=True))) if round_ and not plain else {}
            for i, text in enumerate(texts):
                data = json.dumps({"id": f"{round_}-{i}", "text": text.translate(cipher)},
                                  ensure_ascii=False).encode() + b"\n"
                f.write(data)
                written += len(data)
                if written >= target:
                    break
            round_ += 1
    return path


def run(path: Path, workers: int, lines: bool) -> dict:
    out = OUT / "corpus-lines-out.jsonl"
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "zhclean.cli", "clean", str(path), "-o", str(out), "--workers",
                    str(workers), "--quiet", *(["--corpus-lines"] if lines else [])], check=True)
    seconds = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = json.loads(out.with_suffix("").with_suffix(".summary.json").read_text())
    mb = path.stat().st_size / 1e6
    return {"corpus_lines": lines, "seconds": round(seconds, 1), "mb_per_s_per_core": round(mb / seconds / workers, 2),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime - cpu, 1),
            "peak_rss_mb_largest_process": round(usage.ru_maxrss / 1024, 1),
            "stage": summary.get("corpus_lines")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, interleaved; the fastest counts")
    parser.add_argument("--plain", action="store_true", help="repeat the real text as it is (see above)")
    args = parser.parse_args()
    path = build_input(args.mb, args.plain)
    print(f"input {path} ({path.stat().st_size / 1e6:.0f} MB)")
    best: dict[bool, dict] = {}
    for _ in range(args.repeat):
        for lines in (False, True):
            result = run(path, args.workers, lines)
            print(json.dumps(result, ensure_ascii=False))
            if lines not in best or result["seconds"] < best[lines]["seconds"]:
                best[lines] = result
    added = best[True]["seconds"] / best[False]["seconds"] - 1
    print(f"--corpus-lines adds {added:+.1%} wall time ({best[False]['seconds']} s -> {best[True]['seconds']} s)")


if __name__ == "__main__":
    main()
