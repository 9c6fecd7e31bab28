"""What the filters cost beside the cleaning steps, per filter, on the dev set (issue 19: all
default filters together ≤ 10% of the cleaning pipeline's time).

The dev set's noisy records are cleaned once (untimed); then, in alternating rounds, the
cleaning pipeline without filters is timed on the raw texts, each filter alone and the
defaults together on the cleaned texts as the pipeline runs them (batches of 256 documents
measured together, `Document.many`, fresh each round so each row includes its batch
screens), and the whole pipeline with its default filters on the raw texts (its extra time
over the cleaning is the filters' cost with the pipeline's bookkeeping). Reports ms per MB
of cleaned text and the share of the cleaning time; minimum of the rounds.
Usage: python bench/bench_filters.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from zhclean.filters import DEFAULT_FILTERS, FILTERS, Document
from zhclean.pipeline import Pipeline

DEV = Path(__file__).resolve().parents[2] / "shared" / "dev" / "noisy.jsonl"


def timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def run(rounds: int = 5) -> dict:
    """{"documents", "mb", "rows": [{"name", "default", "ms_per_mb", "share"}]}: minimum of
    `rounds` alternating rounds; share is of the cleaning time."""
    texts = [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines()] * 4
    steps_only = Pipeline(filters=())
    cleaned = [r.text for r in steps_only.clean_many(texts)]
    megabytes = sum(len(t.encode()) for t in cleaned) / 1e6
    names = list(DEFAULT_FILTERS) + [n for n in FILTERS if n not in DEFAULT_FILTERS]
    calls = {n: (FILTERS[n].function, FILTERS[n].make_options()) for n in names}
    best: dict[str, float] = {}

    def batched(names: list[str]) -> None:
        for i in range(0, len(cleaned), 256):
            part = cleaned[i : i + 256]
            for doc in Document.many(part, [{}] * len(part)):
                for name in names:
                    calls[name][0](doc, calls[name][1])

    with_filters = Pipeline()
    for _ in range(rounds):
        seconds = timed(lambda: [steps_only.clean_many(texts[i : i + 256]) for i in range(0, len(texts), 256)])
        best["cleaning"] = min(best.get("cleaning", seconds), seconds)
        for name in calls:
            seconds = timed(lambda n=name: batched([n]))
            best[name] = min(best.get(name, seconds), seconds)
        seconds = timed(lambda: batched(list(DEFAULT_FILTERS)))
        best["defaults together"] = min(best.get("defaults together", seconds), seconds)
        seconds = timed(lambda: [with_filters.clean_many(texts[i : i + 256]) for i in range(0, len(texts), 256)])
        best["pipeline"] = min(best.get("pipeline", seconds), seconds)
    best["pipeline with the defaults, over the cleaning"] = best.pop("pipeline") - best["cleaning"]
    rows = [{"name": name, "default": name not in FILTERS or FILTERS[name].default,
             "ms_per_mb": round(1000 * seconds / megabytes, 1), "share": round(seconds / best["cleaning"], 3)}
            for name, seconds in best.items()]
    return {"documents": len(texts), "mb": round(megabytes, 1), "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    result = run(parser.parse_args().rounds)
    print(f"dev set x4: {result['documents']} documents, {result['mb']} MB cleaned text\n")
    print("| | ms per MB | share of the cleaning time |\n|---|---|---|")
    for row in result["rows"]:
        label = row["name"] if row["default"] else f"{row['name']} (off)"
        print(f"| {label} | {row['ms_per_mb']} | {100 * row['share']:.1f}% |")


if __name__ == "__main__":
    main()
