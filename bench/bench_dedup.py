"""Near-duplicate detection at corpus scale: `zhclean dedup` vs a datasketch baseline.

Synthesises --docs documents of about 1,500 characters from sentences of ../shared/corpora
(People's Daily, THUCNews, Taiwan/Hong Kong news; every document a different random draw of
sentences), of which --dup-share are reposts of an earlier document: a few characters
changed, punctuation rewritten as ASCII, or converted to Traditional character by character.
The records are written as `zhclean clean` writes them (with a `zhclean` object), so the run
times deduplication itself. Reports wall time, docs/s and the peak RSS of the process tree,
and the pairs found against the planted ones.

Baseline: what peers do with the library they use, datasketch: MinHash(num_perm=128) over the
same character 5-grams (of the raw text: peers do not canonicalise), MinHashLSH at the same
threshold, on the first --baseline-docs documents, one process.
Usage: python bench/bench_dedup.py --docs 1000000 --workers 2 --baseline-docs 50000
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
OUT = Path(__file__).resolve().parent / "out"
_SENTENCE = re.compile(r"[^。！？\n]{8,120}[。！？]")


def sentences() -> list[str]:
    texts = (SHARED / "corpora/peoples_daily_1998.txt").read_text(encoding="utf-8").split("\n")
    texts += [line.split("\t")[-1] for line in (SHARED / "corpora/thucnews_1000.tsv").open(encoding="utf-8")]
    texts += [json.loads(line)["text"] for line in (SHARED / "corpora/tw_news.jsonl").open(encoding="utf-8")]
    return sorted({s for t in texts for s in _SENTENCE.findall(t)})


def _repost(text: str, rng: random.Random, to_traditional: dict[int, str]) -> str:
    kind = rng.randrange(3)
    if kind == 0:  # a few characters changed
        chars = list(text)
        for _ in range(max(1, len(chars) // 400)):
            chars[rng.randrange(len(chars))] = rng.choice("的了是在和有")
        return "".join(chars)
    if kind == 1:
        return text.replace("，", ",").replace("。", ". ").replace("：", ":")
    return text.translate(to_traditional)


def build(docs: int, dup_share: float, seed: int = 7) -> tuple[Path, set[tuple[str, str]]]:
    """The JSONL input and the planted (original id, repost id) pairs."""
    path = OUT / f"dedup-{docs}.jsonl"
    planted_path = OUT / f"dedup-{docs}.planted.json"
    if path.exists() and planted_path.exists():
        return path, {tuple(p) for p in json.loads(planted_path.read_text())}
    sys.path.insert(0, str(Path(__file__).parent))
    from charconv import table

    to_traditional = table(True)
    pool = sentences()
    rng = random.Random(seed)
    texts: list[str] = []
    planted: set[tuple[str, str]] = set()
    OUT.mkdir(exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for i in range(docs):
            if texts and rng.random() < dup_share:
                j = rng.randrange(max(0, len(texts) - 10_000), len(texts))  # recent window: bounded memory
                text = _repost(texts[j][1], rng, to_traditional)
                planted.add((texts[j][0], f"d{i}"))
            else:
                parts, size = [], 0
                while size < 1500:
                    parts.append(pool[rng.randrange(len(pool))])
                    size += len(parts[-1])
                text = "".join(parts)
            texts.append((f"d{i}", text))
            if len(texts) > 20_000:
                del texts[:10_000]
            f.write(json.dumps({"id": f"d{i}", "text": text, "zhclean": {"chars_out": len(text)}}, ensure_ascii=False) + "\n")
    planted_path.write_text(json.dumps(sorted(planted)))
    return path, planted


class TreeRss:
    """Peak RSS of a process and all its descendants, sampled every 0.5 s with ps."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            out = subprocess.run(["ps", "-eo", "pid,ppid,rss"], capture_output=True, text=True).stdout.split("\n")[1:]
            rows = [tuple(map(int, line.split())) for line in out if line.strip()]
            tree, grew = {self.pid}, True
            while grew:  # every descendant, not only children
                more = {pid for pid, ppid, _ in rows if ppid in tree} - tree
                tree |= more
                grew = bool(more)
            self.peak = max(self.peak, sum(rss for pid, _, rss in rows if pid in tree))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak // 1024


def run_tree(command: list[str]) -> tuple[int, float, int]:
    """Run `command`: (exit code, wall seconds, peak RSS of its process tree in MB)."""
    start = time.monotonic()
    proc = subprocess.Popen(command)
    rss = TreeRss(proc.pid)
    code = proc.wait()
    return code, time.monotonic() - start, rss.stop()


def run_zhclean(path: Path, workers: int, planted: set[tuple[str, str]]) -> dict:
    out = OUT / "dedup-out.jsonl"
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "zhclean.cli", "dedup", str(path), "-o", str(out),
                             "--workers", str(workers), "--quiet"])
    rss = TreeRss(proc.pid)
    code = proc.wait()
    seconds = time.monotonic() - start
    peak = rss.stop()
    if code:
        raise SystemExit(f"zhclean dedup failed with exit code {code}")
    clusters: dict[str, str] = {}
    with (OUT / "dedup-out.clusters.jsonl").open() as f:
        for line in f:
            row = json.loads(line)
            clusters[row["id"]] = row["cluster_id"]
    found = sum(clusters[a] == clusters[b] for a, b in planted)
    docs = len(clusters)
    stages = json.loads((OUT / "dedup-out.summary.json").read_text()).get("stage_seconds", {})
    for name in ("dedup-out.jsonl", "dedup-out.clusters.jsonl", "dedup-out.dropped.jsonl"):
        (OUT / name).unlink(missing_ok=True)
    return {"tool": "zhclean dedup", "documents": docs, "workers": workers, "seconds": round(seconds, 1),
            "docs_per_s": round(docs / seconds), "input_mb": round(path.stat().st_size / 1e6),
            "peak_rss_mb_tree": peak, "planted_pairs": len(planted), "planted_found": round(found / len(planted), 4),
            "stage_seconds": stages}


def run_datasketch(path: Path, docs: int, planted: set[tuple[str, str]], threshold: float = 0.8) -> dict:
    from datasketch import MinHash, MinHashLSH

    start = time.monotonic()
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    cluster: dict[str, str] = {}
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f):
            if n >= docs:
                break
            record = json.loads(line)
            text = record["text"]
            m = MinHash(num_perm=128)
            m.update_batch([text[i : i + 5].encode("utf-8") for i in range(max(1, len(text) - 4))])
            similar = lsh.query(m)
            cluster[record["id"]] = cluster[similar[0]] if similar else record["id"]
            lsh.insert(record["id"], m)
    seconds = time.monotonic() - start
    inside = [(a, b) for a, b in planted if a in cluster and b in cluster]
    found = sum(cluster[a] == cluster[b] for a, b in inside)
    return {"tool": "datasketch MinHash + MinHashLSH (raw text)", "documents": len(cluster), "workers": 1,
            "seconds": round(seconds, 1), "docs_per_s": round(len(cluster) / seconds),
            "peak_rss_mb_tree": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "planted_pairs": len(inside), "planted_found": round(found / max(1, len(inside)), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--dup-share", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline-docs", type=int, default=50_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not (SHARED / "corpora/peoples_daily_1998.txt").exists():
        print("skip: ../shared not found")
        return
    start = time.monotonic()
    path, planted = build(args.docs, args.dup_share)
    print(f"input: {path} ({path.stat().st_size / 1e6:.0f} MB, built in {time.monotonic() - start:.0f} s)", file=sys.stderr)
    results = [run_zhclean(path, args.workers, planted)]
    if args.baseline_docs:
        results.append(run_datasketch(path, args.baseline_docs, planted))
    print(json.dumps(results, indent=1))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
