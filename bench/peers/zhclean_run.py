"""zhclean's side of bench/peers.py, in a process of its own like each peer's, so that speed
and memory are measured the same way for every tool.

clean: the default pipeline, in-process, one core; writes outputs (with the `zhclean`
object) for scoring. Prints one JSON object with timings.
Usage: python zhclean_run.py clean INPUT.jsonl OUTPUT.jsonl
"""

import json
import sys
import time


def main():
    _, source, out_path = sys.argv[1:4]
    from zhclean.pipeline import Pipeline

    with open(source, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    pipeline = Pipeline()
    pipeline.clean("预热")  # tables and converters are built once per process, before timing
    start = time.perf_counter()
    results = [pipeline.clean(r["text"]) for r in records]
    seconds = time.perf_counter() - start
    with open(out_path, "w", encoding="utf-8") as f:
        for r, result in zip(records, results, strict=True):
            f.write(json.dumps({"id": r.get("id"), "text": result.text, "zhclean": result.meta}, ensure_ascii=False) + "\n")
    mb = sum(len(r["text"].encode("utf-8")) for r in records) / 1e6
    print(json.dumps({"seconds": seconds, "mb_per_s": mb / seconds, "docs_per_s": len(records) / seconds}))


if __name__ == "__main__":
    main()
