"""Pairwise precision and recall of `zhclean dedup` on ../shared/dev/dups.jsonl (cluster labels)."""

from __future__ import annotations

import itertools
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from zhclean.cli import main as cli

DUPS = Path(__file__).resolve().parents[1].parent / "shared/dev/dups.jsonl"


def pairs(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for members in groups.values() for p in itertools.combinations(members, 2)}


def evaluate(path: Path = DUPS) -> dict[str, float]:
    """zhclean dedup on `path`, scored against its `cluster` labels."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dedup.jsonl"
        cli(["dedup", str(path), "-o", str(out), "--quiet", "--workers", "1"])
        return score_clusters(out.with_name("dedup.clusters.jsonl"), path)


def score_clusters(clusters: Path, path: Path = DUPS) -> dict[str, float]:
    """Pairwise precision and recall of a clusters file (rows with `id` and `cluster_id`)."""
    truth: dict[str, list[str]] = defaultdict(list)
    for line in path.open(encoding="utf-8"):
        record = json.loads(line)
        truth[record["cluster"]].append(record["id"])
    found: dict[str, list[str]] = defaultdict(list)
    for line in clusters.open(encoding="utf-8"):
        row = json.loads(line)
        found[str(row["cluster_id"])].append(row["id"])
    true_pairs, found_pairs = pairs(truth), pairs(found)
    hits = len(true_pairs & found_pairs)
    return {
        "documents": sum(len(v) for v in truth.values()),
        "true_pairs": len(true_pairs),
        "found_pairs": len(found_pairs),
        "precision": round(hits / len(found_pairs), 4) if found_pairs else 1.0,
        "recall": round(hits / len(true_pairs), 4) if true_pairs else 1.0,
    }


if __name__ == "__main__":
    if not DUPS.exists():
        print("skip: ../shared/dev/dups.jsonl not found")
        sys.exit(0)
    print(json.dumps({"dedup": evaluate()}, indent=1))
