"""Run inside the datatrove virtual environment (made by bench/peers.py); never imports zhclean.

dedup: datatrove's four-stage MinHash deduplication (signatures, buckets, clusters, filter)
with language="cmn_Hani" (its Chinese word tokenizer; "zh" would silently fall back to a
generic one), 5-gram shingles, 14 buckets x 8 hashes (its defaults), one task. Cluster ids
are saved, so every input document can be scored.
Prints one JSON object with timings (bench/peers.py samples memory), and writes id -> cluster_id rows.
Usage: python datatrove_run.py dedup INPUT.jsonl OUTPUT.jsonl WORK_DIR
"""

import json
import os
import shutil
import sys
import time
import warnings

warnings.filterwarnings("ignore")


def main():
    _, source, out_path, work = sys.argv[1:5]
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(f"{work}/input")
    shutil.copy(source, f"{work}/input/data.jsonl")
    config = MinhashConfig()
    reader = JsonlReader(f"{work}/input", compression=None)
    stages = [
        [reader, MinhashDedupSignature(output_folder=f"{work}/sigs", config=config, language="cmn_Hani")],
        [MinhashDedupBuckets(input_folder=f"{work}/sigs", output_folder=f"{work}/buckets", config=config)],
        [MinhashDedupCluster(input_folder=f"{work}/buckets", output_folder=f"{work}/remove", config=config,
                             save_cluster_id=True)],
        [JsonlReader(f"{work}/input", compression=None),
         MinhashDedupFilter(input_folder=f"{work}/remove", load_cluster_ids=True,
                            exclusion_writer=JsonlWriter(f"{work}/removed", compression=None)),
         JsonlWriter(f"{work}/kept", compression=None)],
    ]
    start = time.perf_counter()
    for i, pipeline in enumerate(stages):
        tasks = config.num_buckets if i == 1 else 1
        LocalPipelineExecutor(pipeline, tasks=tasks, workers=1, logging_dir=f"{work}/logs/{i}").run()
    seconds = time.perf_counter() - start
    rows = []
    for folder in ("kept", "removed"):
        for name in sorted(os.listdir(f"{work}/{folder}")):
            with open(f"{work}/{folder}/{name}", encoding="utf-8") as f:
                for line in f:
                    doc = json.loads(line)
                    cluster = doc.get("metadata", {}).get("minhash_cluster_id", -1)
                    rows.append({"id": doc["id"], "cluster_id": f"c{cluster}" if cluster != -1 else doc["id"]})
    with open(out_path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    mb = os.path.getsize(source) / 1e6
    print(json.dumps({"seconds": seconds, "mb_per_s": mb / seconds, "docs_per_s": len(rows) / seconds,
                      "documents": len(rows)}))


if __name__ == "__main__":
    main()
