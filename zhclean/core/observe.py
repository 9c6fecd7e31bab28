"""What a run saw, beyond where each record went: the counters behind `zhclean report`.

Per step, how many documents it changed and how often each of its rules fired; fixed-bucket
histograms of what the documents look like before and after; and a few before/after
examples per step and per filter. Every part merges with `+`, so shard tasks count on the
workers and the driver only adds their markers up, as it does `RunStats`.

The examples are a bottom-k sample: each candidate document is ranked by a hash of its
text and each key keeps the k lowest, which is the same sample whatever the number of
workers or shards, and mergeable. A shard keeps candidates' input texts only until it ends,
then cleans those few again with explanations on (`Pipeline.clean(explain=True)`), so the
trail costs nothing on the documents that are not shown.
"""

from __future__ import annotations

import zlib
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from zhclean.core.textdiff import diff_segments

# Lower edges of each histogram's buckets: a value falls in the last bucket whose edge is
# at most the value. Fixed, so that histograms of any two shards add bucket by bucket.
_LENGTHS = (0, 1, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000)
HISTOGRAMS: dict[str, tuple[float, ...]] = {
    "chars_in": _LENGTHS,
    "chars_out": _LENGTHS,
    "han_share": (0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
    "machine_converted_score": (0, 0.001, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32),
    "glosses_per_kb": (0, 0.001, 1, 2, 5, 10, 20, 50, 100),
    "cluster_sizes": (1, 2, 3, 5, 10, 20, 50, 100, 1_000, 10_000),
}
HISTOGRAM_TITLES = {
    "chars_in": "Characters per document, before cleaning",
    "chars_out": "Characters per document, after cleaning",
    "han_share": "Han share of letters, after cleaning (documents the language filter measured)",
    "machine_converted_score": "Machine-conversion score (Traditional and mixed documents)",
    "glosses_per_kb": "Pinyin glosses removed per 1,000 characters (documents with any)",
    "cluster_sizes": "Near-duplicate cluster sizes (documents per cluster)",
}
EXAMPLES_PER_KEY = 3
EXAMPLE_MAX_INPUT = 20_000  # longer documents are not candidates: a shown example stays readable
EXAMPLE_REMOVALS = 30
EXAMPLE_SHOWN_CHARS = 600  # of a dropped document's text


def bucket_labels(name: str) -> list[str]:
    """Human labels of a histogram's buckets (`0`, `1–49`, `≥ 100000`, `0.1–0.2`)."""
    edges = HISTOGRAMS[name]
    integral = all(float(e).is_integer() for e in edges) and name != "han_share"
    labels = []
    for i, low in enumerate(edges):
        if i + 1 == len(edges):
            labels.append(f"≥ {_number(low)}")
        elif integral and edges[i + 1] - low == 1:
            labels.append(_number(low))
        elif integral:
            labels.append(f"{_number(low)}–{_number(edges[i + 1] - 1)}")
        elif name != "han_share" and low == 0 and edges[i + 1] < 0.01:
            labels.append("0")
        else:
            labels.append(f"{_number(low)}–{_number(edges[i + 1])}")
    return labels


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def empty_histogram(name: str) -> list[int]:
    return [0] * len(HISTOGRAMS[name])


def histogram_of(name: str, values: Iterable[float]) -> list[int]:
    counts = empty_histogram(name)
    edges = HISTOGRAMS[name]
    for value in values:
        counts[max(bisect_right(edges, value) - 1, 0)] += 1
    return counts


def text_rank(text: str) -> int:
    """The sampling rank of a document: a hash of its text (the same on every engine)."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


@lru_cache(maxsize=256)
def _salt(key: str) -> int:
    return zlib.crc32(key.encode())


@dataclass
class Candidate:
    """A document that may become an example: its rank, id and input text."""

    rank: int
    doc_id: str
    text: str


@dataclass
class Observations:
    """The report's counters for some documents; `a + b` is the counters of both."""

    changed: Counter = field(default_factory=Counter)  # step -> documents it changed
    rules: Counter = field(default_factory=Counter)  # "step/rule" -> hits
    histograms: dict[str, list[int]] = field(default_factory=dict)
    candidates: dict[str, list[Candidate]] = field(default_factory=dict)  # key -> bottom-k, until the shard ends
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # key -> bottom-k examples

    def count(self, name: str, value: float) -> None:
        counts = self.histograms.get(name)
        if counts is None:
            counts = self.histograms[name] = empty_histogram(name)
        counts[max(bisect_right(HISTOGRAMS[name], value) - 1, 0)] += 1

    def offer(self, key: str, doc_id: str, text: str, rank: int) -> None:
        """Keep `text` as a candidate example of `key` if it ranks among the k lowest. The
        rank is permuted per key, so that each step shows other documents."""
        if len(text) > EXAMPLE_MAX_INPUT:
            return
        rank = ((rank ^ _salt(key)) * 2654435761) & 0xFFFFFFFF
        kept = self.candidates.setdefault(key, [])
        if len(kept) == EXAMPLES_PER_KEY and rank >= kept[-1].rank:
            return
        if any(c.rank == rank and c.doc_id == doc_id for c in kept):
            return
        kept.append(Candidate(rank, doc_id, text))
        kept.sort(key=lambda c: (c.rank, c.doc_id))
        del kept[EXAMPLES_PER_KEY:]

    def explain_candidates(self, describe: Callable[[str, str, str], dict[str, Any]]) -> None:
        """Turn the candidates into examples: `describe(key, doc_id, text)` cleans one with
        explanations on. Each document is described once per key it is a candidate of."""
        for key, chosen in self.candidates.items():
            described = []
            for c in chosen:
                try:
                    described.append({"rank": c.rank, **describe(key, c.doc_id, c.text)})
                except Exception:  # noqa: BLE001 - an example is never worth a failed shard
                    continue
            self.examples[key] = _bottom_k(self.examples.get(key, []) + described)
        self.candidates = {}

    def absorb(self, other: Observations) -> None:
        """Add `other`'s counters to these, in place (a shard task, batch by batch)."""
        self.changed.update(other.changed)
        self.rules.update(other.rules)
        for name, counts in other.histograms.items():
            mine = self.histograms.get(name)
            self.histograms[name] = [x + y for x, y in zip(mine, counts, strict=True)] if mine else list(counts)
        for key, chosen in other.candidates.items():
            both = self.candidates.get(key, []) + chosen
            self.candidates[key] = sorted(both, key=lambda c: (c.rank, c.doc_id))[:EXAMPLES_PER_KEY]
        for key, examples in other.examples.items():
            self.examples[key] = _bottom_k(self.examples.get(key, []) + examples)

    def __add__(self, other: Observations) -> Observations:
        merged = Observations()
        merged.absorb(self)
        merged.absorb(other)
        return merged

    def as_dict(self) -> dict[str, Any]:
        """As JSON (the candidates are a shard's private state and are not written)."""
        return {
            "changed": dict(sorted(self.changed.items())),
            "rules": dict(sorted(self.rules.items())),
            "histograms": {name: self.histograms[name] for name in HISTOGRAMS if name in self.histograms},
            "examples": {key: self.examples[key] for key in sorted(self.examples)},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Observations:
        data = data or {}
        return cls(Counter(data.get("changed", {})), Counter(data.get("rules", {})),
                   {k: list(v) for k, v in data.get("histograms", {}).items()},
                   examples={k: list(v) for k, v in data.get("examples", {}).items()})


def _bottom_k(examples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    unique = {(e["rank"], e["id"]): e for e in examples}
    return [unique[k] for k in sorted(unique)][:EXAMPLES_PER_KEY]


def observe_result(observed: Observations, doc_id: str, before: str, result: Any) -> None:
    """Count one cleaned document (a `pipeline.Result`) whose input was `before`."""
    meta = result.meta
    rank = -1
    for step, n in meta["edits"].items():
        if n:
            observed.changed[step] += 1
            if rank < 0:
                rank = text_rank(before)
            observed.offer(f"step:{step}", doc_id, before, rank)
    if result.rules:
        observed.rules.update(result.rules)
    observed.count("chars_in", meta["chars_in"])
    observed.count("chars_out", meta["chars_out"])
    language = result.signals.get("language")
    if language and "han_share" in language:
        observed.count("han_share", language["han_share"])
    if meta.get("script_in") in ("traditional", "mixed"):
        observed.count("machine_converted_score", meta.get("machine_converted_score") or 0.0)
    glosses = meta["edits"].get("pinyin_gloss", 0)
    if glosses:
        observed.count("glosses_per_kb", glosses * 1000 / max(meta["chars_in"], 1))
    if result.dropped_by is not None:
        observed.offer(f"filter:{result.dropped_by}", doc_id, before, text_rank(before) if rank < 0 else rank)


def describe_example(pipeline: Any, key: str, doc_id: str, text: str) -> dict[str, Any]:
    """An example of `key`: for `step:NAME`, the step's input and output when the document
    is cleaned again step by step (`Pipeline.step_by_step`), as a diff, with its removals;
    for `filter:NAME`, the cleaned text's start and the filter's verdict."""
    kind, name = key.split(":", 1)
    if kind == "step":
        for step, before, out in pipeline.step_by_step(text):
            if step == name:
                return {"id": doc_id, "edits": out.edits, "diff": [list(s) for s in diff_segments(before, out.text)],
                        **_removals(out.removals)}
        return {"id": doc_id, "edits": 0, "diff": [], **_removals([])}
    result = pipeline.clean(text, explain=True)
    verdict = result.verdict if result.dropped_by == name else None
    return {"id": doc_id, "reason": verdict.reason if verdict else None,
            "value": verdict.value if verdict else None, "chars": len(result.text),
            "text": result.text[:EXAMPLE_SHOWN_CHARS], "signals": result.signals.get(name, {})}


def _removals(removals: list[Any]) -> dict[str, Any]:
    return {"removals": [{"rule": r.rule, "at": r.position, "removed": r.removed[:200],
                          "replacement": r.replacement[:80]} for r in removals[:EXAMPLE_REMOVALS]],
            "more_removals": max(len(removals) - EXAMPLE_REMOVALS, 0)}
