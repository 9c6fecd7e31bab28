"""The default filters on real corpora: what they drop, and how they score on the labelled set.

For docs/filters.md. Cleans each corpus of ../shared/corpora with the default pipeline and
filters, then reports per corpus the documents dropped by filter and reason (the genuine
news corpora should lose at most 1%), every drop of the news corpora with the start of its
text (`--list`), and precision and recall of the drops against the hand labels in
tests/data/filter_labels.tsv (docs/filter-labels.md says how they were made).
People's Daily 1998 has no article boundaries: its paragraphs are cut into 2,000
pseudo-articles of consecutive paragraphs.
Usage: python bench/calibrate_filters.py [--list] [--signals FILTER]
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

from zhclean.pipeline import Pipeline, Result

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"
LABELS = ROOT / "tests" / "data" / "filter_labels.tsv"
PSEUDO_ARTICLES = 2000


def news_corpora() -> dict[str, list[str]]:
    """The genuine news corpora the defaults must keep (≤ 1% dropped)."""
    lines = [line for line in (SHARED / "peoples_daily_1998.txt").read_text(encoding="utf-8").split("\n") if line]
    cuts = [len(lines) * i // PSEUDO_ARTICLES for i in range(PSEUDO_ARTICLES + 1)]
    with (SHARED / "thucnews_1000.tsv").open(encoding="utf-8") as f:
        thucnews = [line.rstrip("\n").split("\t", 1)[1] for line in f]
    with (SHARED / "tw_news.jsonl").open(encoding="utf-8") as f:
        tw_news = [json.loads(line)["text"] for line in f]
    return {
        "People's Daily 1998, 2,000 pseudo-articles": ["\n".join(lines[a:b]) for a, b in zip(cuts, cuts[1:], strict=False)],
        "THUCNews (Sina), 1,000": thucnews,
        "tw_news (Taiwan / Hong Kong), 5,023": tw_news,
    }


def labelled() -> list[tuple[str, str, str, str]]:
    """(corpus, key, label, text) for every hand-labelled document."""
    with (SHARED / "chinesewebtext_2021-43.jsonl").open(encoding="utf-8") as f:
        web = [json.loads(line)["raw_content"] for line in f]
    with (SHARED / "weibo_sample.csv").open(encoding="utf-8") as f:
        weibo = [row[1] for row in list(csv.reader(f))[1:]]
    texts = {"chinesewebtext_2021-43": lambda key: web[int(key)], "weibo_sample": lambda key: weibo[int(key) - 1]}
    with LABELS.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [(r["corpus"], r["key"], r["label"], texts[r["corpus"]](r["key"])) for r in rows]


def clean_all(pipeline: Pipeline, texts: list[str]) -> list[Result]:
    return [result for i in range(0, len(texts), 256) for result in pipeline.clean_many(texts[i : i + 256])]


def preview(text: str, limit: int = 70) -> str:
    return " ".join(text.split())[:limit].replace("|", "\\|")


def scores(results: list[Result], labels: list[str]) -> dict[str, float]:
    tp = sum(1 for r, label in zip(results, labels, strict=True) if not r.kept and label == "drop")
    fp = sum(1 for r, label in zip(results, labels, strict=True) if not r.kept and label == "keep")
    fn = sum(1 for r, label in zip(results, labels, strict=True) if r.kept and label == "drop")
    return {"tp": tp, "fp": fp, "fn": fn, "precision": tp / max(1, tp + fp), "recall": tp / max(1, tp + fn)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--list", action="store_true", help="list every drop of the news corpora")
    args = parser.parse_args()
    pipeline = Pipeline()
    print("| corpus | documents | dropped | share | by filter/reason |\n|---|---|---|---|---|")
    drops: list[tuple[str, Result]] = []
    for name, texts in news_corpora().items():
        results = clean_all(pipeline, texts)
        reasons = Counter(f"{r.dropped_by}/{r.verdict.reason}" for r in results if not r.kept)
        dropped = sum(reasons.values())
        print(f"| {name} | {len(texts):,} | {dropped} | {dropped / len(texts):.2%} | "
              f"{', '.join(f'{k} {v}' for k, v in reasons.most_common())} |")
        drops += [(name, r) for r in results if not r.kept]
    if args.list:
        print("\n| corpus | filter/reason | value | text |\n|---|---|---|---|")
        for name, r in drops:
            print(f"| {name.split(',')[0]} | {r.dropped_by}/{r.verdict.reason} | {r.verdict.value} | {preview(r.text)} |")
    rows = labelled()
    results = clean_all(pipeline, [text for *_, text in rows])
    print("\n| labelled set | documents | drops (labels) | precision | recall |\n|---|---|---|---|---|")
    for corpus in ("chinesewebtext_2021-43", "weibo_sample", None):
        picked = [(row, r) for row, r in zip(rows, results, strict=True) if corpus in (None, row[0])]
        s = scores([r for _, r in picked], [row[2] for row, _ in picked])
        print(f"| {corpus or 'all'} | {len(picked)} | {s['tp'] + s['fn']} | {s['precision']:.3f} | {s['recall']:.3f} |")
    print("\n| corpus | key | label | zhclean | text |\n|---|---|---|---|---|")
    for (corpus, key, label, _), r in zip(rows, results, strict=True):
        predicted = "keep" if r.kept else f"drop {r.dropped_by}/{r.verdict.reason} {r.verdict.value}"
        if (label == "drop") != (not r.kept):
            print(f"| {corpus} | {key} | {label} | {predicted} | {preview(r.text)} |")


if __name__ == "__main__":
    main()
