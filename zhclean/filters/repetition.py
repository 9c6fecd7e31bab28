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
from dataclasses import dataclass

from zhclean.config import setting
from zhclean.filters.base import Document, FilterOutput, Verdict, register_filter

_CLAUSE_END = re.compile(r"[。！？!?；;，,、：:\n]+")


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
    counts = Counter(clauses)
    repeated = sum(len(c.strip()) * (n - 1) for c, n in counts.items() if n > 1 and len(c) >= min_clause)
    return round(repeated / visible, 3) if visible else 0.0


@register_filter("repetition", options=RepetitionOptions)
def repetition(doc: Document, options: RepetitionOptions) -> FilterOutput:
    visible = doc.visible
    if visible < options.min_chars:
        return FilterOutput({"dup_line_frac": 0.0, "dup_clause_char_frac": 0.0})
    lines = doc.lines
    line_frac = dup_line_frac(lines) if len(lines) >= options.min_lines else 0.0
    clause_frac = dup_clause_char_frac(doc.text, visible, options.min_clause)
    signals = {"dup_line_frac": line_frac, "dup_clause_char_frac": clause_frac}
    if line_frac > options.max_dup_line_frac or clause_frac > options.max_dup_clause_char_frac:
        return FilterOutput(signals, Verdict("repetition", max(line_frac, clause_frac)))
    return FilterOutput(signals)
