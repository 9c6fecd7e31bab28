"""How often a pair of documents is clustered, by the exact Jaccard of their canonical forms,
under zhclean's banding and under datasketch's balanced one (9 bands x 13 rows at 0.8).

Pairs: 1,500 People's Daily articles of 12 sentences, each with a copy in which 1-4 sentences
were replaced, which spreads the pairs' Jaccard over 0.3-0.95. SPEC: a pair is a
near-duplicate when its Jaccard is at least 0.8. Usage: python bench/dedup_banding.py
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from zhclean.cli import main as cli
from zhclean.dedup import clusters, minhash
from zhclean.dedup.canonical import canonical_form

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def build_pairs(count: int = 1500, seed: int = 5) -> tuple[list[tuple[str, str]], dict[tuple[str, str], float]]:
    text = (SHARED / "corpora/peoples_daily_1998.txt").read_text(encoding="utf-8")
    sentences = [s for line in text.split("\n") for s in line.split("。") if len(s) > 15]
    rng = random.Random(seed)
    docs, jaccard = [], {}
    for i in range(count):
        base = rng.sample(sentences, 12)
        variant = list(base)
        for j in rng.sample(range(12), rng.choice([1, 2, 3, 4])):
            variant[j] = rng.choice(sentences)
        a, b = ("。".join(base) + "。", "。".join(variant) + "。")
        docs += [(f"b{i}", a), (f"v{i}", b)]
        jaccard[(f"b{i}", f"v{i}")] = _jaccard(canonical_form(a), canonical_form(b))
    return docs, jaccard


def _jaccard(a: str, b: str) -> float:
    ga, gb = ({t[i : i + 5] for i in range(len(t) - 4)} for t in (a, b))
    return len(ga & gb) / len(ga | gb)


def clustered_share(docs: list[tuple[str, str]], jaccard: dict, folder: Path) -> dict[float, tuple[int, int]]:
    """Jaccard bucket (nearest 0.05) -> (pairs clustered, pairs)."""
    source, out = folder / "pairs.jsonl", folder / "out.jsonl"
    source.write_text("".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in docs))
    cli(["dedup", str(source), "-o", str(out), "--quiet", "--workers", "1"])
    rows = (json.loads(line) for line in out.with_name("out.clusters.jsonl").open(encoding="utf-8"))
    cluster = {row["id"]: row["cluster_id"] for row in rows}
    buckets: dict[float, list[int]] = defaultdict(lambda: [0, 0])
    for (a, b), value in jaccard.items():
        bucket = buckets[round(value * 20) / 20]
        bucket[0] += cluster[a] == cluster[b]
        bucket[1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(buckets.items())}


def main() -> None:
    if not (SHARED / "corpora").exists():
        print("skip: ../shared/corpora not found")
        return
    docs, jaccard = build_pairs()
    ours = minhash.optimal_bands(0.8, 128)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results[f"zhclean {ours[0]} x {ours[1]}"] = clustered_share(docs, jaccard, Path(tmp))
        clusters.optimal_bands = lambda threshold, num_perm: (9, 13)
        results["balanced 9 x 13"] = clustered_share(docs, jaccard, Path(tmp))
    buckets = sorted({k for r in results.values() for k in r if k >= 0.6})
    print("| banding | " + " | ".join(f"J ≈ {k:.2f}" for k in buckets) + " |")
    print("|---|" + "---|" * len(buckets))
    for name, result in results.items():
        cells = [f"{100 * result[k][0] / result[k][1]:.0f}% of {result[k][1]}" for k in buckets]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
