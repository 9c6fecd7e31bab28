"""How much genuine Traditional Chinese the script step converts (issue 15: at most 1% of
each genuine corpus).

Two corpora written by Taiwan and Hong Kong writers, no converter involved:
- tw_news: ../shared/corpora/tw_news.jsonl (5,023 Taiwan / Hong Kong news articles);
- the Sinica Treebank sample: 10,000 clauses of the Academia Sinica Balanced Corpus of
  Modern Chinese (Taiwan: essays, news, fiction), as NLTK distributes it in
  `packages/corpora/sinica_treebank.zip` of the public repository nltk/nltk_data (CC BY-NC-SA
  2.5; `python -m nltk.downloader sinica_treebank` puts it in ~/nltk_data/corpora/). Its
  `raw` file holds the clauses in corpus order, words separated by spaces; consecutive
  clauses are joined (words unspaced, the treebank's `[+]:` and `_11:` annotations dropped)
  into pseudo-documents of at least 300 characters that end at a sentence end (498 of them).
Each document goes through the default cleaning steps; reported: documents the script step
calls machine-converted (and so converts), per corpus, with the start of each.
Usage: python bench/genuine_traditional.py [--sinica PATH/TO/sinica_treebank.zip] [--list]
"""

from __future__ import annotations

import argparse
import json
import re
import zipfile
from pathlib import Path

from zhclean.pipeline import Pipeline

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
SINICA_PLACES = (SHARED / "sinica_treebank.zip", Path.home() / "nltk_data" / "corpora" / "sinica_treebank.zip")
_ANNOTATION = re.compile(r"^(?:\[[^\]]*\]|_\d+):")
MIN_CHARS = 300


def sinica_documents(path: Path) -> list[str]:
    """The treebank's clauses joined into pseudo-documents (see the module's docstring)."""
    with zipfile.ZipFile(path) as archive:
        raw = archive.read("sinica_treebank/raw").decode("utf-8")
    documents, current = [], ""
    for line in raw.splitlines():
        body = line.split("] ", 1)[1] if "] " in line else line
        current += "".join(w for w in (_ANNOTATION.sub("", t) for t in body.split()) if w and not w.startswith("_"))
        if len(current) >= MIN_CHARS and current[-1] in "。！？":
            documents.append(current)
            current = ""
    return documents + ([current] if current else [])


def converted(documents: list[str]) -> list[str]:
    """The documents the default cleaning calls machine-converted."""
    pipeline = Pipeline(filters=())
    results = [r for i in range(0, len(documents), 256) for r in pipeline.clean_many(documents[i : i + 256])]
    return [d for d, r in zip(documents, results, strict=True) if r.meta["machine_converted"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sinica", type=Path, help="sinica_treebank.zip from nltk_data")
    parser.add_argument("--list", action="store_true", help="print the start of each converted document")
    args = parser.parse_args()
    corpora: dict[str, list[str]] = {}
    if (SHARED / "tw_news.jsonl").exists():
        with (SHARED / "tw_news.jsonl").open(encoding="utf-8") as f:
            corpora["tw_news"] = [json.loads(line)["text"] for line in f]
    sinica = args.sinica or next((p for p in SINICA_PLACES if p.exists()), None)
    if sinica is not None and sinica.exists():
        corpora["Sinica Treebank sample"] = sinica_documents(sinica)
    else:
        print("Sinica Treebank sample: not found (--sinica PATH, or nltk's sinica_treebank.zip)")
    print("| genuine corpus | documents | converted | share |\n|---|---|---|---|")
    found = {name: converted(docs) for name, docs in corpora.items()}
    for name, docs in corpora.items():
        print(f"| {name} | {len(docs):,} | {len(found[name])} | {100 * len(found[name]) / len(docs):.2f}% |")
    if args.list:
        for name, docs in found.items():
            for doc in docs:
                print(f"{name}: {doc[:100]}")


if __name__ == "__main__":
    main()
