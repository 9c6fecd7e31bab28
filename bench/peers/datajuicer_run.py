"""Run inside the data-juicer virtual environment (made by bench/peers.py); never imports zhclean.

clean: the nearest data-juicer equivalents of zhclean's default cleaning, in this order:
clean_html_mapper, chinese_convert_mapper (t2s), punctuation_normalization_mapper,
remove_repeat_sentences_mapper, each op timed on the output of the one before.
dedup: document_minhash_deduplicator over character 5-grams at Jaccard 0.8, 128
permutations; clusters rebuilt from the op's own LSH tables (as its process() does).
Prints one JSON object with timings (bench/peers.py samples memory), and writes outputs for scoring.
Usage: python datajuicer_run.py clean|dedup INPUT.jsonl OUTPUT.jsonl
"""

import json
import sys
import time
import warnings

warnings.filterwarnings("ignore")


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def megabytes(texts):
    return sum(len(t.encode("utf-8")) for t in texts) / 1e6


def clean(records, out_path):
    from data_juicer.ops.mapper import (
        ChineseConvertMapper,
        CleanHtmlMapper,
        PunctuationNormalizationMapper,
        RemoveRepeatSentencesMapper,
    )

    ops = [("clean_html_mapper", CleanHtmlMapper()), ("chinese_convert_mapper", ChineseConvertMapper(mode="t2s")),
           ("punctuation_normalization_mapper", PunctuationNormalizationMapper()),
           ("remove_repeat_sentences_mapper", RemoveRepeatSentencesMapper())]
    texts = [r["text"] for r in records]
    total_mb, steps, start_all = megabytes(texts), {}, time.perf_counter()
    for name, op in ops:
        mb, start, out = megabytes(texts), time.perf_counter(), []
        for i in range(0, len(texts), 1000):
            out.extend(op.process_batched({"text": texts[i : i + 1000]})["text"])
        steps[name] = mb / (time.perf_counter() - start)
        texts = out
    seconds = time.perf_counter() - start_all
    with open(out_path, "w", encoding="utf-8") as f:
        for r, t in zip(records, texts, strict=True):
            f.write(json.dumps({"id": r.get("id"), "text": t}, ensure_ascii=False) + "\n")
    return {"steps_mb_per_s": steps, "seconds": seconds, "mb_per_s": total_mb / seconds, "docs_per_s": len(texts) / seconds}


def dedup(records, out_path):
    from data_juicer.ops.deduplicator import DocumentMinhashDeduplicator
    from data_juicer.utils.constant import HashKeys

    op = DocumentMinhashDeduplicator(tokenization="character", window_size=5, jaccard_threshold=0.8,
                                     num_permutations=128, lowercase=True)
    texts = [r["text"] for r in records]
    start = time.perf_counter()
    hashes = [op.compute_hash({"text": t})[HashKeys.minhash] for t in texts]
    parent = list(range(len(texts)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for bands in zip(*hashes, strict=True):  # one LSH table per band, as the op builds them
        table = {}
        for doc, key in enumerate(bands):
            table.setdefault(key, []).append(doc)
        for members in table.values():
            for m in members[1:]:
                a, b = find(members[0]), find(m)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    seconds = time.perf_counter() - start
    with open(out_path, "w", encoding="utf-8") as f:
        for i, r in enumerate(records):
            f.write(json.dumps({"id": r.get("id"), "cluster_id": records[find(i)].get("id")}) + "\n")
    mb = megabytes(texts)
    return {"seconds": seconds, "mb_per_s": mb / seconds, "docs_per_s": len(texts) / seconds}


def main():
    mode, source, out = sys.argv[1:4]
    records = read(source)
    result = clean(records, out) if mode == "clean" else dedup(records, out)
    result["documents"] = len(records)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
