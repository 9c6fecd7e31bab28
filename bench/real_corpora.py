"""What the default cleaning changes on real corpora: documents each step edited, per corpus.

The dev set is synthetic; this shows the defaults on text nobody planted noise in
(../shared/corpora), for docs/accuracy.md. `--rule NAME` lists what one boilerplate rule took.
Usage: python bench/real_corpora.py [--rule chinatimes_comment_rules]
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
STEPS = ("markup", "boilerplate", "repeated_line", "script", "punctuation", "unicode", "whitespace")


def corpora() -> dict[str, list[str]]:
    def jsonl(name: str, field: str) -> list[str]:
        with (SHARED / name).open(encoding="utf-8") as f:
            return [json.loads(line)[field] for line in f]

    lines = (SHARED / "peoples_daily_1998.txt").read_text(encoding="utf-8").split("\n")
    with (SHARED / "weibo_sample.csv").open(encoding="utf-8") as f:
        weibo = [row[1] for row in list(csv.reader(f))[1:]]
    with (SHARED / "thucnews_1000.tsv").open(encoding="utf-8") as f:
        thucnews = [line.rstrip("\n").split("\t", 1)[1] for line in f]
    return {
        "People's Daily 1998 paragraphs": [line for line in lines if line.strip()],
        "THUCNews (Sina)": thucnews,
        "tw_news (Taiwan / Hong Kong)": jsonl("tw_news.jsonl", "text"),
        "ChineseWebText (Common Crawl)": jsonl("chinesewebtext_2021-43.jsonl", "raw_content"),
        "Weibo": weibo,
    }


def edited_documents(docs: list[str]) -> Counter:
    """Step -> documents it changed (the script step: documents converted)."""
    from zhclean.pipeline import Pipeline

    counts: Counter = Counter()
    for result in Pipeline().clean_many(docs):
        for step in STEPS:
            changed = result.meta["machine_converted"] if step == "script" else result.edits.get(step, 0)
            counts[step] += bool(changed)
    return counts


def rule_removals(docs: list[str], rule: str) -> list[str]:
    from zhclean.pipeline import Pipeline

    pipeline = Pipeline()
    return [r.removed for d in docs for r in pipeline.clean(d, explain=True).removals if r.rule == rule]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rule", help="list the removals of one boilerplate rule")
    args = parser.parse_args()
    if not SHARED.exists():
        print("skip: ../shared/corpora not found")
        return
    found = corpora()
    if args.rule:
        for name, docs in found.items():
            removed = Counter(rule_removals(docs, args.rule))
            print(f"{name}: {sum(removed.values())} removals")
            for text, n in removed.most_common(10):
                print(f"  {n} x {text[:100]}")
        return
    print("| corpus | documents | " + " | ".join(s if s != "script" else "script (converted)" for s in STEPS) + " |")
    print("|---" * (len(STEPS) + 2) + "|")
    for name, docs in found.items():
        counts = edited_documents(docs)
        print(f"| {name} | {len(docs):,} | " + " | ".join(f"{counts[s]:,}" for s in STEPS) + " |")


if __name__ == "__main__":
    main()
