"""What a run saw, beyond where each record went: the counters behind `zhclean report`.

Per step, how many documents it changed and how often each of its rules fired; fixed-bucket
histograms of what the documents look like before and after; and a few before/after
examples per step and per filter. Every part merges with `+`, so shard tasks count on the
workers and the driver only adds their markers up, as it does `RunStats`.

The examples are a bottom-k sample: each document is ranked by a hash of its id and each
key (a step, or a filter that dropped it) keeps the k lowest, which is the same sample
whatever the number of workers or shards, and mergeable. One rank for every key, so a
document shown for one step is often shown for the others it changed: the report follows
it through the pipeline, and few documents need describing. Shards keep and send only the
candidates' input texts; once the run's candidates are known, those few documents (k per
key, about thirty) are cleaned again with explanations on (`describe_candidates`, on a warm
worker), so the explanations cost nothing on the documents that are not shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from hashlib import blake2b
from typing import Any

import numpy as np

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
    "chars_in": "Characters per document, before cleaning (kept and dropped documents)",
    "chars_out": "Characters per document, after cleaning (kept and dropped documents)",
    "han_share": "Han share of letters, after cleaning (documents the language filter measured)",
    "machine_converted_score": "Machine-conversion score (Traditional and mixed documents)",
    "glosses_per_kb": "Pinyin glosses removed per 1,000 characters (documents with any)",
    "cluster_sizes": "Near-duplicate cluster sizes (documents per cluster)",
}
EXAMPLES_PER_KEY = 3
EXAMPLE_MAX_INPUT = 8_000  # longer documents are not candidates: an example stays readable, a marker small
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


def histogram_of(name: str, values: Iterable[float]) -> list[int]:
    """The counts of `values` in histogram `name`'s buckets (one numpy call, not a loop)."""
    edges = HISTOGRAMS[name]
    buckets = np.maximum(np.searchsorted(edges, np.fromiter(values, dtype=np.float64), side="right") - 1, 0)
    return np.bincount(buckets, minlength=len(edges)).tolist()


def _added(counts: list[int] | None, more: list[int]) -> list[int]:
    """Two histograms of the same buckets, added (`None`: none yet)."""
    return list(more) if counts is None else [x + y for x, y in zip(counts, more, strict=True)]


def id_rank(doc_id: str) -> int:
    """The sampling rank of a document: a hash of its id, the same on every engine and in
    every process (unlike `hash`), so the sample does not depend on who cleaned what. A
    cryptographic hash, because ids are alike (`dev00062`, `dev00162`): a CRC of them is
    not uniform, and the sample would be ids ending alike."""
    return int.from_bytes(blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


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
    candidates: dict[str, list[Candidate]] = field(default_factory=dict)  # key -> bottom-k, until the run's end
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # key -> bottom-k examples
    bars: dict[str, int] = field(default_factory=dict, repr=False)  # step or key -> rank a candidate must be under

    def count_many(self, name: str, values: list[float]) -> None:
        if values:
            self.histograms[name] = _added(self.histograms.get(name), histogram_of(name, values))

    def offer(self, key: str, doc_id: str, text: str, rank: int) -> None:
        """Keep `text` as a candidate example of `key` if (rank, id) is among the k lowest:
        the same order `absorb` merges by, so the sample does not depend on arrival order."""
        if len(text) > EXAMPLE_MAX_INPUT:
            return
        kept = self.candidates.setdefault(key, [])
        if len(kept) == EXAMPLES_PER_KEY and (rank, doc_id) >= (kept[-1].rank, kept[-1].doc_id):
            return
        if any(c.rank == rank and c.doc_id == doc_id for c in kept):
            return
        kept.append(Candidate(rank, doc_id, text))
        kept.sort(key=lambda c: (c.rank, c.doc_id))
        del kept[EXAMPLES_PER_KEY:]
        if len(kept) == EXAMPLES_PER_KEY:
            self._raise_bar(key, kept[-1].rank)

    def _raise_bar(self, key: str, kth_rank: int) -> None:
        """A document ranked above the k-th candidate cannot be one (an equal rank goes to
        `offer`, which decides by id). Read by `observe_batch` for the steps, under the
        step's bare name."""
        if key.startswith("step:"):
            self.bars[key[5:]] = kth_rank + 1

    def describe(self, describe_all: Callable[[dict[str, list[Candidate]]], dict[str, list[dict[str, Any]]]]) -> None:
        """Turn the candidates into examples: `describe_all(candidates)` cleans those few
        documents again with explanations on (`describe_candidates`, on a worker)."""
        if self.candidates:
            described = describe_all(self.candidates)
            for key, examples in described.items():
                self.examples[key] = _bottom_k(self.examples.get(key, []) + examples)
        self.candidates = {}

    def absorb(self, other: Observations) -> None:
        """Add `other`'s counters to these, in place (a shard task, batch by batch)."""
        self.changed.update(other.changed)
        self.rules.update(other.rules)
        for name, counts in other.histograms.items():
            self.histograms[name] = _added(self.histograms.get(name), counts)
        for key, chosen in other.candidates.items():
            both = {(c.rank, c.doc_id): c for c in self.candidates.get(key, []) + chosen}  # a document once
            kept = self.candidates[key] = [both[k] for k in sorted(both)][:EXAMPLES_PER_KEY]
            if len(kept) == EXAMPLES_PER_KEY:
                self._raise_bar(key, kept[-1].rank)
        for key, examples in other.examples.items():
            self.examples[key] = _bottom_k(self.examples.get(key, []) + examples)

    def __add__(self, other: Observations) -> Observations:
        merged = Observations()
        merged.absorb(self)
        merged.absorb(other)
        return merged

    def as_dict(self) -> dict[str, Any]:
        """As JSON. A shard's marker holds its candidates (their input texts); a finished
        run's summary holds the examples made of them instead."""
        out: dict[str, Any] = {
            "changed": dict(sorted(self.changed.items())),
            "rules": dict(sorted(self.rules.items())),
            "histograms": {name: self.histograms[name] for name in HISTOGRAMS if name in self.histograms},
            "examples": {key: self.examples[key] for key in sorted(self.examples)},
        }
        if self.candidates:
            out["candidates"] = {key: [[c.rank, c.doc_id, c.text] for c in chosen]
                                 for key, chosen in sorted(self.candidates.items())}
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Observations:
        data = data or {}
        observed = cls(Counter(data.get("changed", {})), Counter(data.get("rules", {})),
                       {k: list(v) for k, v in data.get("histograms", {}).items()},
                       examples={k: list(v) for k, v in data.get("examples", {}).items()})
        for key, chosen in data.get("candidates", {}).items():
            observed.absorb(cls(candidates={key: [Candidate(rank, doc_id, text) for rank, doc_id, text in chosen]}))
        return observed


def _bottom_k(examples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    unique = {(e["rank"], e["id"]): e for e in examples}
    return [unique[k] for k in sorted(unique)][:EXAMPLES_PER_KEY]


_NO_BAR = 1 << 65  # above every rank: a key holding fewer than k candidates takes any


def observe_batch(observed: Observations, cleaned: list[tuple[str, str, Any]]) -> None:
    """Count a batch of cleaned documents: (id, input text, `pipeline.Result`) each.

    Documents changed per step and hits per rule are counted over the kept documents, as
    the summary's edits are; the histograms describe every document cleaned, kept or
    dropped (what a filter dropped is what they are for). By batch, not by document,
    because it runs on every record: the histograms are bucketed with numpy in one call
    each, and a document is offered as an example of a step only when its rank is under
    the k-th that step holds, a comparison of ints.
    """
    metas = [result.meta for _, _, result in cleaned]
    changed, rules, bars = observed.changed, observed.rules, observed.bars
    for (doc_id, before, result), meta in zip(cleaned, metas, strict=True):
        rank = id_rank(doc_id)
        if result.dropped_by is not None:
            observed.offer(f"filter:{result.dropped_by}", doc_id, before, rank)
            continue
        for step, n in meta["edits"].items():
            if n:
                changed[step] += 1
                if rank < bars.get(step, _NO_BAR):
                    observed.offer(step_key(step), doc_id, before, rank)
        if result.rules:
            rules.update(result.rules)
    observed.count_many("chars_in", [meta["chars_in"] for meta in metas])
    observed.count_many("chars_out", [meta["chars_out"] for meta in metas])
    shares = [lang["han_share"] for _, _, r in cleaned if (lang := r.signals.get("language")) and "han_share" in lang]
    observed.count_many("han_share", shares)
    observed.count_many("machine_converted_score", [meta.get("machine_converted_score") or 0.0 for meta in metas
                                                    if meta.get("script_in") in ("traditional", "mixed")])
    observed.count_many("glosses_per_kb", [meta["edits"]["pinyin_gloss"] * 1000 / max(meta["chars_in"], 1)
                                           for meta in metas if meta["edits"].get("pinyin_gloss")])


@lru_cache(maxsize=256)
def step_key(step: str) -> str:
    return f"step:{step}"


def describe_candidates(pipeline: Any, candidates: dict[str, list[Candidate]]) -> dict[str, list[dict[str, Any]]]:
    """The examples of `candidates` (key -> documents). Each document is cleaned again once,
    however many keys it is a candidate of: step by step (`Pipeline.step_by_step`) for the
    steps, whose examples are a diff of that step's input and output with its removals;
    whole, with explanations, for the filters, whose examples are the verdict, the signals
    and the cleaned text's start. A document that fails is left out: an example is never
    worth a failed run."""
    traces: dict[tuple[str, str], dict[str, tuple[str, Any]]] = {}
    cleaned: dict[tuple[str, str], Any] = {}
    examples: dict[str, list[dict[str, Any]]] = {}
    for key, chosen in candidates.items():
        kind, name = key.split(":", 1)
        for c in chosen:
            doc = (c.doc_id, c.text)
            try:
                if kind == "step":
                    if doc not in traces:
                        traces[doc] = {step: (before, out) for step, before, out in pipeline.step_by_step(c.text)}
                    example = _step_example(c.doc_id, *traces[doc].get(name, (c.text, None)))
                else:
                    if doc not in cleaned:
                        cleaned[doc] = pipeline.clean(c.text, explain=True)
                    example = _filter_example(c.doc_id, name, cleaned[doc])
                if example is None:  # the step fired only on a settling pass; the filter on other text
                    continue
            except Exception:  # noqa: BLE001
                continue
            examples.setdefault(key, []).append({"rank": c.rank, **example})
    return examples


def _step_example(doc_id: str, before: str, out: Any) -> dict[str, Any] | None:
    if out is None or not out.edits:
        return None
    return {"id": doc_id, "edits": out.edits, "diff": [list(s) for s in diff_segments(before, out.text)],
            **_removals(out.removals)}


def _filter_example(doc_id: str, name: str, result: Any) -> dict[str, Any] | None:
    if result.dropped_by != name or result.verdict is None:
        return None
    verdict = result.verdict
    return {"id": doc_id, "reason": verdict.reason, "value": verdict.value, "chars": len(result.text),
            "text": result.text[:EXAMPLE_SHOWN_CHARS], "signals": result.signals.get(name, {})}


def _removals(removals: list[Any]) -> dict[str, Any]:
    return {"removals": [{"rule": r.rule, "at": r.position, "removed": r.removed[:200],
                          "replacement": r.replacement[:80]} for r in removals[:EXAMPLE_REMOVALS]],
            "more_removals": max(len(removals) - EXAMPLE_REMOVALS, 0)}
