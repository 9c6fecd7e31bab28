"""Speed of each cleaning step on the text it really sees, one core, MB/s.

Each corpus is run through the default pipeline once, recording what every step receives
(text and fields so far); then each step is timed alone over its own inputs, best of
--repeat runs. MB/s counts the UTF-8 bytes the step received. Also times the whole pipeline,
and the script step's detection alone and detection + conversion (issue 4). The whole
pipeline is timed as the engines run it (batches, step by step) and one document at a time.

Corpora (from ../shared, skipped when absent): the noisy dev set, its glossed records, seed
000 (a real content-farm page), People's Daily paragraphs (clean Simplified) and Taiwan/Hong
Kong news (genuine Traditional).
Usage: python bench/bench_steps.py [--repeat 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _jsonl_texts(path: Path, keep: Callable[[dict], bool] = lambda r: True) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return [r["text"] for r in map(json.loads, f) if keep(r)]


def corpora() -> dict[str, list[str]]:
    """Named document lists, each at least a few MB (small sets are repeated)."""
    dev = SHARED / "dev"
    gloss_ids = {r["id"] for r in map(json.loads, (dev / "gold.jsonl").open()) if "gloss" in r["kinds"]}
    pd_lines = (SHARED / "corpora/peoples_daily_1998.txt").read_text(encoding="utf-8").split("\n")
    found = {
        "dev noisy": _jsonl_texts(dev / "noisy.jsonl") * 4,
        "dev glossed": _jsonl_texts(dev / "noisy.jsonl", lambda r: r["id"] in gloss_ids) * 8,
        "seed 000 (content farm)": [(SHARED / "seeds/000.txt").read_text(encoding="utf-8")] * 600,
        "People's Daily": ["\n".join(pd_lines[i : i + 10]) for i in range(0, len(pd_lines), 10)][:6000],
        "tw_news (Traditional)": _jsonl_texts(SHARED / "corpora/tw_news.jsonl")[:2000],
    }
    return found


def staged_inputs(docs: list[str]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """What each default step receives for every document: (text, fields so far)."""
    from zhclean.pipeline import Pipeline

    pipeline = Pipeline()
    seen: dict[str, list[tuple[str, dict[str, Any]]]] = {spec.name: [] for spec in pipeline.specs}
    for text in docs:
        fields: dict[str, Any] = {}
        for spec in pipeline.specs:
            seen[spec.name].append((text, dict(fields)))
            out = spec.function(text, fields, pipeline.options[spec.name], False)
            text = out.text
            fields.update(out.fields)
    return seen


def best_seconds(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def megabytes(texts: list[str]) -> float:
    return sum(len(t.encode("utf-8")) for t in texts) / 1e6


def _run_step(step: Callable, options: Any, inputs: list[tuple[str, dict[str, Any]]]) -> None:
    for text, fields in inputs:
        step(text, fields, options, False)


def time_corpus(docs: list[str], repeat: int) -> dict[str, float]:
    """MB/s per step (on its staged input), for the whole pipeline and for script detection."""
    from zhclean.engines.records import BATCH_ITEMS
    from zhclean.pipeline import Pipeline
    from zhclean.steps import REGISTRY
    from zhclean.steps.script import ScriptOptions, detect, is_machine_converted

    pipeline = Pipeline()
    row: dict[str, float] = {}
    staged = staged_inputs(docs)
    for name, inputs in staged.items():
        seconds = best_seconds(partial(_run_step, REGISTRY[name].function, pipeline.options[name], inputs), repeat)
        row[name] = megabytes([t for t, _ in inputs]) / seconds
    script_inputs = [t for t, _ in staged["script"]]
    script_options = ScriptOptions()
    seconds = best_seconds(lambda: [is_machine_converted(detect(t), script_options) for t in script_inputs], repeat)
    row["script: detection only"] = megabytes(script_inputs) / seconds
    seconds = best_seconds(lambda: [pipeline.clean(d) for d in docs], repeat)
    row["whole pipeline, one document at a time"] = megabytes(docs) / seconds
    # As the engines run it: batches of BATCH_ITEMS documents, step by step (clean_many).
    seconds = best_seconds(lambda: [pipeline.clean_many(docs[i : i + BATCH_ITEMS])
                                    for i in range(0, len(docs), BATCH_ITEMS)], repeat)
    row["whole pipeline"] = megabytes(docs) / seconds
    return row


def run(repeat: int = 3) -> dict[str, dict[str, float]] | None:
    if not (SHARED / "dev/noisy.jsonl").exists():
        return None
    from zhclean.pipeline import Pipeline

    Pipeline().prepare_worker()  # build tables and converters before timing, as the engines' workers do
    results = {}
    for label, docs in corpora().items():
        results[f"{label}, {megabytes(docs):.1f} MB"] = time_corpus(docs, repeat)
    return results


def markdown(results: dict[str, dict[str, float]]) -> str:
    labels = list(results)
    rows = list(next(iter(results.values())))
    lines = ["| step | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for row in rows:
        cells = [f"{results[label][row]:.1f}" for label in labels]
        name = f"**{row}**" if row == "whole pipeline" else row
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = run(args.repeat)
    if results is None:
        print("skip: ../shared not found")
        return
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
