"""Calibrate the script step's machine-conversion threshold.

Genuine Traditional text: `../shared/corpora/tw_news.jsonl` (Taiwan / Hong Kong news).
Machine-converted text: People's Daily paragraphs grouped into ~600-character articles and
run through `charconv` (conservative and naive character-by-character converters).
Prints, for a grid of thresholds, the share of each side that `--script auto` would convert.
Usage: python bench/calibrate_script.py [--out docs/script-calibration.md]
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import opencc  # noqa: E402
from charconv import convert  # noqa: E402

from zhclean.steps.script import ScriptOptions, detect, is_machine_converted  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@cache
def _opencc(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(f"{config}.json")


def genuine_traditional() -> list[str]:
    path = SHARED / "corpora/tw_news.jsonl"
    texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    return [t for t in texts if len(t) >= 100]


def converted_articles(conservative: bool | str, size: int = 600) -> list[str]:
    """People's Daily articles through a character converter, or an OpenCC config name."""
    paragraphs = (SHARED / "corpora/peoples_daily_1998.txt").read_text(encoding="utf-8").split("\n")
    articles, current = [], ""
    for p in paragraphs:
        current += p.strip() + "\n"
        if len(current) >= size:
            if isinstance(conservative, str):
                articles.append(_opencc(conservative).convert(current))
            else:
                articles.append(convert(current, conservative))
            current = ""
    return articles


def rate(texts: list[str], options: ScriptOptions) -> float:
    hits = sum(is_machine_converted(detect(t, options), options) for t in texts)
    return hits / len(texts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out")
    args = parser.parse_args()
    if not (SHARED / "corpora").exists():
        print("skip: ../shared/corpora not found")
        return
    sides = {
        "tw_news (genuine)": genuine_traditional(),
        "PD conservative conv.": converted_articles(True),
        "PD naive conv.": converted_articles(False),
        "PD OpenCC s2t": converted_articles("s2t"),
        "PD OpenCC s2tw": converted_articles("s2tw"),
    }
    rows = ["| threshold (per 1k Han) | min places | " + " | ".join(sides) + " |",
            "|---|---|" + "---|" * len(sides)]
    for threshold in (0.5, 1.0, 2.0, 3.0, 5.0):
        for min_evidence in (1, 2, 3):
            options = ScriptOptions(threshold=threshold, min_evidence=min_evidence)
            rates = [f"{100 * rate(t, options):.2f}%" for t in sides.values()]
            rows.append(f"| {threshold} | {min_evidence} | " + " | ".join(rates) + " |")
    counts = ", ".join(f"{name}: {len(t)} docs" for name, t in sides.items())
    table = "\n".join(rows)
    print(counts)
    print(table)
    if args.out:
        Path(args.out).write_text(f"{counts}\n\n{table}\n", encoding="utf-8")


if __name__ == "__main__":
    main()
