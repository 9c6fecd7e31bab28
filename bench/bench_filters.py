"""What the filters cost beside the cleaning steps, per filter, on the dev set (issue 19: all
default filters together ≤ 10% of the cleaning pipeline's time).

The dev set's noisy records are cleaned once (untimed); then, in alternating rounds, the
cleaning pipeline without filters is timed on the raw texts and each filter alone on the
cleaned texts (a fresh `Document` per text), and the defaults together as the pipeline runs
them (documents measured a batch of 256 at a time, `Document.many`). Reports ms per MB of
cleaned text per filter and the defaults' share of the cleaning time; minimum of the rounds.
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

    def batched() -> None:
        for i in range(0, len(cleaned), 256):
            part = cleaned[i : i + 256]
            for doc in Document.many(part, [{}] * len(part)):
                for name in DEFAULT_FILTERS:
                    calls[name][0](doc, calls[name][1])

    for _ in range(rounds):
        seconds = timed(lambda: [steps_only.clean_many(texts[i : i + 256]) for i in range(0, len(texts), 256)])
        best["cleaning"] = min(best.get("cleaning", seconds), seconds)
        for name, (function, options) in calls.items():
            seconds = timed(lambda f=function, o=options: [f(Document(t), o) for t in cleaned])
            best[name] = min(best.get(name, seconds), seconds)
        seconds = timed(batched)
        best["defaults together"] = min(best.get("defaults together", seconds), seconds)
    rows = [{"name": name, "default": name in ("cleaning", "defaults together") or FILTERS[name].default,
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
