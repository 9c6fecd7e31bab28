"""Drop a document made of the same lines or the same clauses over and over.

What it does: measures, as Gopher and FineWeb-2 do, the fraction of lines that repeat an
earlier line (`dup_line_frac`), and, over characters instead of words, the fraction of
the text in clauses (between Chinese or ASCII punctuation, `min_clause` characters or
longer) that repeat an earlier clause (`dup_clause_char_frac`). Over either threshold the
document is dropped as `repetition`, with the larger fraction as value. Short documents
(under `min_chars` visible characters; for the line test also under `min_lines` lines) are
not judged: a poem's refrain or a slogan said twice is not spam.

Why: keyword-stuffed SEO pages, scraped comment walls and spun articles repeat the same
sentence dozens of times; a model trained on them learns to loop. The cleaning steps
already removed repeated lines of 8 or more Han characters (`repeated_line`), so what
remains here is repetition that is not an accident of reposting. Word n-grams (Gopher's
top/duplicate n-gram fractions) need a word segmenter; clauses are Chinese's own units.
Thresholds: FineWeb-2's `cmn_Hani` uses 0.287 for duplicate lines (0.3 here); clauses
over 0.6, because real news articles scraped twice into one record reach 0.46 (THUCNews)
and are not spam (calibration in docs/filters.md).

Example: `点击进入，免费领取，点击进入，免费领取，…` (the clause pair 20 times) → dropped,
`repetition` (0.95).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from zhclean.config import setting
from zhclean.filters.base import Batch, Document, FilterOutput, Verdict, register_filter, share

_CLAUSE_ENDS = "。！？!?；;，,、：:\n"
_CLAUSE_END = re.compile(f"[{_CLAUSE_ENDS}]+")


@dataclass(frozen=True, slots=True)
class RepetitionOptions:
    max_dup_line_frac: float = setting(0.3, at_least=0, at_most=1)
    max_dup_clause_char_frac: float = setting(0.6, at_least=0, at_most=1)
    min_lines: int = setting(10, at_least=1)
    min_chars: int = setting(300, at_least=1)
    min_clause: int = setting(5, at_least=1)  # shorter clauses ("他说", "据悉") repeat in any text


def dup_line_frac(lines: list[str]) -> float:
    """The fraction of lines that repeat an earlier line."""
    return round(1 - len(set(lines)) / len(lines), 3) if lines else 0.0


def dup_clause_char_frac(text: str, visible: int, min_clause: int) -> float:
    """The fraction of visible characters in clauses that repeat an earlier clause."""
    clauses = _CLAUSE_END.split(text)
    if len(set(clauses)) == len(clauses):  # most documents: a set is cheaper than a Counter
        return 0.0
    return share(_repeated_chars(clauses, min_clause), visible)


def _repeated_chars(clauses: Iterable[str], min_clause: int) -> int:
    """Visible characters of the clauses (`min_clause` long or more) that repeat an earlier one."""
    counts = Counter(clauses)
    return sum(len(c.strip()) * (n - 1) for c, n in counts.items() if n > 1 and len(c) >= min_clause)


@lru_cache(maxsize=1)
def _is_clause_end() -> np.ndarray:
    table = np.zeros(0x110000, dtype=bool)
    table[[ord(ch) for ch in _CLAUSE_ENDS]] = True
    return table


_DOCUMENT_BITS = 20  # of a clause's 64-bit key, for its document


def repeated_clause_spans(batch: Batch, min_clause: int) -> dict[int, list[tuple[int, int]]]:
    """Per document of the batch that may repeat a clause of `min_clause` characters or more,
    the spans (in its text) of the clauses that may repeat. Each clause is keyed by the sum
    of its code points (one prefix sum over the batch), its length and its document; keys
    met twice mark their clauses. Equal clauses always have equal keys, so every repeat is
    among the spans (with, rarely, clauses of the same length and sum), and counting the
    spans' strings is exact (`dup_clause_char_frac` on the whole text gives the same value).
    Splitting every document into clause strings cost more than all the other filters
    together."""
    codes = batch.codes
    bounds = np.concatenate(([-1], np.flatnonzero(np.take(_is_clause_end(), codes)), [len(codes)]))
    starts, ends = bounds[:-1] + 1, bounds[1:]
    long = ends - starts >= min_clause
    starts, ends = starts[long], ends[long]
    if len(starts) < 2:
        return {}
    prefix = np.zeros(len(codes) + 1, dtype=np.uint64)
    np.cumsum(codes, out=prefix[1:])
    keys = prefix[ends] - prefix[starts]
    keys ^= (ends - starts).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    owners = batch.owners(starts)
    # The document's bits lead the key. A batch of more documents than they can number keeps
    # the whole sum: equal clauses of different documents then mark each other too, a few
    # more spans to count, and the count stays exact.
    if len(batch.texts) <= 1 << _DOCUMENT_BITS:
        keys &= np.uint64((1 << (64 - _DOCUMENT_BITS)) - 1)
        keys |= owners.astype(np.uint64) << np.uint64(64 - _DOCUMENT_BITS)
    ordered = np.sort(keys)
    twice = ordered[1:][ordered[1:] == ordered[:-1]]
    if not len(twice):
        return {}
    marked = np.flatnonzero(np.isin(keys, twice))
    spans: dict[int, list[tuple[int, int]]] = {}
    owners = owners[marked]
    offsets = batch.starts[owners]
    for owner, start, end in zip(owners.tolist(), (starts[marked] - offsets).tolist(),
                                 (ends[marked] - offsets).tolist(), strict=True):
        spans.setdefault(owner, []).append((start, end))
    return spans


def _repeated_share(text: str, spans: list[tuple[int, int]], visible: int) -> float:
    """`dup_clause_char_frac` counted over the clauses at `spans` only (each long enough)."""
    return share(_repeated_chars((text[start:end] for start, end in spans), 0), visible)


@register_filter("repetition", options=RepetitionOptions)
def repetition(doc: Document, options: RepetitionOptions) -> FilterOutput:
    visible = doc.visible
    if visible < options.min_chars:
        return FilterOutput({"dup_line_frac": 0.0, "dup_clause_char_frac": 0.0})
    line_frac = 0.0
    if doc.text.count("\n") + 1 >= options.min_lines and len(doc.lines) >= options.min_lines:
        line_frac = dup_line_frac(doc.lines)
    if len(doc.batch.texts) == 1:  # alone, the split costs less than the screen's numpy calls
        clause_frac = dup_clause_char_frac(doc.text, visible, options.min_clause)
    else:
        spans = doc.batch.measure(repeated_clause_spans, options.min_clause).get(doc.index)
        clause_frac = _repeated_share(doc.text, spans, visible) if spans else 0.0
    signals = {"dup_line_frac": line_frac, "dup_clause_char_frac": clause_frac}
    if line_frac > options.max_dup_line_frac or clause_frac > options.max_dup_clause_char_frac:
        return FilterOutput(signals, Verdict("repetition", max(line_frac, clause_frac)))
    return FilterOutput(signals)
