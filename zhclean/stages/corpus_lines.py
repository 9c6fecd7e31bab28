"""Cross-document boilerplate: lines and sentences that many unrelated documents share.

A rule file names the notices someone has seen; a corpus names the rest. A site's footer, a
scraper's inserted sentence, an account's follow prompt or a nav line stand in many
documents of one corpus, in exactly the same words, while a news sentence stands in one
article and in the reposts of that article. So the signal is *spread*: a unit (a whole line,
or a sentence of a line) is boilerplate when it occurs in at least `threshold` documents that
are not copies of each other.

"Not copies of each other" is measured without clustering: each document gets a context, the
smallest key among its units that are not shared (a one-permutation MinHash of its own
content). Reposts of one story share most of their content, so they share their smallest
content key with a probability near their similarity and count as about one context;
unrelated documents have different contexts. A unit's spread is the number of distinct
contexts it occurs in. The shared units are left out of the context because a site puts the
same header and footer lines in every page: were a footer line a page's smallest key, every
page of the site would be one context, and the site's boilerplate would hide behind itself.
So the driver counts in two steps (`content_contexts`): units in enough documents are the
candidates, and each document's context is its smallest key that is not one.

Keys are computed on a folded form, so that trivial variants count together: Simplified,
lower case, letters and digits only, every run of digits one `0` (dates, counts and
prices change from page to page; the template does not). The fold is one table lookup per
code point over the whole document, and a unit's key a difference of two prefix hashes, so
a document costs a handful of numpy calls whatever its number of units.

Pure functions over one document or over arrays of keys: the shard tasks that count and
apply them, and the table that persists the counts, are in `zhclean.jobs.corpus_lines`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from zhclean.chars import HAN_RE, codes_of
from zhclean.dedup.canonical import canonical_table

# A sentence: up to its end mark and the closing quotes after it, or up to an ideographic space
# (a paragraph indent: paragraphs glued when the line breaks were stripped; ASCII spaces stand
# around numbers and Latin words inside sentences), or the line's end.
_SENTENCE = re.compile(r"[^\n。！？!?；…　]+(?:[。！？!?；…]+[」』”’\"）)】]*|(?=　|\n|\Z))|　+")
# An item of a numbered list (`8.其他應敘明事項：無`, `（三）…`, `二、…`) is part of the document's
# structure, however many documents share it (forms, filings, rules): never a shared unit.
_LIST_ITEM = re.compile(r"[(（]?(?:\d{1,3}|[一二三四五六七八九十]{1,3})[.．、)）]")
_UNIT_MIN_CHARS = 4  # folded characters a unit needs to be counted: `查看原文` is one
_SENTENCE_MIN_CHARS = 6  # a sentence inside a line needs more: `是的。` is in every chat
_BASE = np.uint64(0x100000001B3)  # odd: invertible modulo 2**64
_ZERO = ord("0")


@dataclass(frozen=True, slots=True)
class Unit:
    """A line, or a sentence inside a line, of one document: `text[start:end]`."""

    start: int
    end: int
    key: int  # of the folded form, digits masked
    variant: int  # of the folded form with its digits: the same key in many variants is a form
    line: int  # its line's number
    whole: bool  # the whole line (else one sentence of a longer line)


@dataclass(slots=True)
class DocumentUnits:
    """Every countable unit of a document, and what it takes to hash any other span of it."""

    units: list[Unit] = field(default_factory=list)
    offsets: np.ndarray | None = None  # per text offset, the folded index there
    values: np.ndarray | None = None  # the folded form (digits masked)

    def affix(self, unit: Unit, frequent: np.ndarray, at_end: bool) -> Unit | None:
        """The longest shared text that `unit` ends with (`at_end`) or starts with, when it
        is not all of it: a notice glued to a paragraph without a sentence mark between
        (`…（张哲）投稿邮箱：…`, `点击进入专题页面…新浪体育讯…`). Cheap: every suffix's key is
        one subtraction of prefix hashes."""
        if self.offsets is None or frequent.size == 0:
            return None
        a, b = int(self.offsets[unit.start]), int(self.offsets[unit.end])
        if b - a <= _SENTENCE_MIN_CHARS:
            return None
        if at_end:
            starts = np.arange(a + 1, b - _SENTENCE_MIN_CHARS + 1)
            keys = _span_hashes(self.values, starts, np.full(starts.size, b))
        else:
            ends = np.arange(a + _SENTENCE_MIN_CHARS, b)
            keys = _span_hashes(self.values, np.full(ends.size, a), ends)
        at = np.minimum(np.searchsorted(frequent, keys), frequent.size - 1)
        hit = np.flatnonzero(frequent[at] == keys)
        if hit.size == 0:
            return None
        if at_end:  # the longest suffix: its first folded character's text offset
            start = int(np.searchsorted(self.offsets, starts[hit[0]], "right")) - 1
            return Unit(start, unit.end, int(keys[hit[0]]), 0, unit.line, False)
        end = int(np.searchsorted(self.offsets, ends[hit[-1]], "left"))
        return Unit(unit.start, end, int(keys[hit[-1]]), 0, unit.line, False)


@lru_cache(maxsize=1)
def _fold_table() -> np.ndarray:
    """Per code point its folded form: the canonical character, with every digit as `0`."""
    table = canonical_table().copy()
    for code in range(0x10000):
        if chr(code).isdigit() and table[code]:
            table[code] = _ZERO
    return table


def _span_hashes(values: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The hash of `values[a[i]:b[i]]` for every i, from one prefix sum."""
    forward, backward = _powers()
    with np.errstate(over="ignore"):
        prefix = np.concatenate(([np.uint64(0)], np.cumsum(values * forward[: values.size], dtype=np.uint64)))
        length = (b - a).astype(np.uint64)
        return _mix((prefix[b] - prefix[a]) * backward[a] + length * np.uint64(0x9E3779B97F4A7C15))


@lru_cache(maxsize=1)
def _powers() -> tuple[np.ndarray, np.ndarray]:
    """BASE**i and its inverse modulo 2**64, for i up to 2**20 (longer texts are chunked)."""
    n = 1 << 20
    inverse = pow(int(_BASE), -1, 1 << 64)
    forward = np.empty(n, dtype=np.uint64)
    backward = np.empty(n, dtype=np.uint64)
    forward[0] = backward[0] = 1
    with np.errstate(over="ignore"):
        forward[1:] = _BASE
        backward[1:] = np.uint64(inverse)
        np.multiply.accumulate(forward, out=forward)
        np.multiply.accumulate(backward, out=backward)
    return forward, backward


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a polynomial hash's low bits are weak."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(30))
        h = h * np.uint64(0xBF58476D1CE4E5B9)
        h = h ^ (h >> np.uint64(27))
        h = h * np.uint64(0x94D049BB133111EB)
        return h ^ (h >> np.uint64(31))


def _spans(text: str) -> tuple[list[int], list[int], list[int], list[bool]]:
    """Start, end, line number and is-a-whole-line of each line and, in lines of two
    sentences or more, of each sentence."""
    starts, ends, lines, whole = [], [], [], []
    offset = 0
    for number, line in enumerate(text.split("\n")):
        end = offset + len(line)
        if line.strip():
            if not _LIST_ITEM.match(line):
                starts.append(offset)
                ends.append(end)
                lines.append(number)
                whole.append(True)
            sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(line) if not m.group().isspace()]
            if len(sentences) > 1:
                for s, e in sentences:
                    if _LIST_ITEM.match(line, s):
                        continue
                    starts.append(offset + s)
                    ends.append(offset + e)
                    lines.append(number)
                    whole.append(False)
        offset = end + 1
    return starts, ends, lines, whole


def document_units(text: str) -> DocumentUnits:
    """The countable units of `text` with their keys. A unit whose folded form is too short
    to mean anything on its own (a bullet, a date alone: `0年0月0日` is four) is not one."""
    starts, ends, lines, whole = _spans(text)
    if not starts or len(text) >= len(_powers()[0]):
        return DocumentUnits()
    codes = codes_of(text)
    folded = _fold_table()[codes].astype(np.uint64)
    letters = folded != 0
    digit = folded == _ZERO
    masked = letters.copy()
    masked[1:] &= ~(digit[1:] & digit[:-1])  # a run of digits is one 0
    start_at, end_at = np.array(starts), np.array(ends)
    offsets = np.concatenate(([0], np.cumsum(masked)))
    a, b = offsets[start_at], offsets[end_at]
    keys = _span_hashes(folded[masked], a, b)
    raw = canonical_table()[codes][letters].astype(np.uint64)  # the folded form with its digits
    raw_offsets = np.concatenate(([0], np.cumsum(letters)))
    variants = _span_hashes(raw, raw_offsets[start_at], raw_offsets[end_at])
    minimum = np.where(np.array(whole), _UNIT_MIN_CHARS, _SENTENCE_MIN_CHARS)
    chosen = ((b - a) >= minimum).tolist()
    units = [Unit(s, e, k, v, n, w) for s, e, k, v, n, w, c in
             zip(starts, ends, keys.tolist(), variants.tolist(), lines, whole, chosen, strict=True) if c]
    return DocumentUnits(units, offsets, folded[masked])


def observations(doc: DocumentUnits) -> tuple[list[int], list[int]]:
    """(key, variant) of each distinct (key, variant) of a document: what the count stage
    collects."""
    seen = sorted({(u.key, u.variant) for u in doc.units})
    return [k for k, _ in seen], [v for _, v in seen]


class LineObserver:
    """Stage 1, inside the clean task: the hashed observations of each kept document's units,
    taken as the document is written (a second read of the parts would cost as much as the
    rest of the stage); the task saves `arrays()` beside the shard's kept part."""

    def __init__(self) -> None:
        self.keys: list[int] = []
        self.variants: list[int] = []
        self.documents: list[int] = []  # each observation's document: its place in the kept part
        self.count = 0

    def add(self, text: str) -> None:
        k, v = observations(document_units(text))
        self.keys += k
        self.variants += v
        self.documents += [self.count] * len(k)
        self.count += 1

    def arrays(self) -> dict[str, np.ndarray]:
        return {"keys": np.array(self.keys, dtype=np.uint64), "variants": np.array(self.variants, dtype=np.uint64),
                "documents": np.array(self.documents, dtype=np.int64), "count": np.array(self.count)}


def content_contexts(keys: np.ndarray, documents: np.ndarray, needed: int) -> np.ndarray:
    """Per observation (`keys[i]` seen in document `documents[i]`), its document's context:
    the smallest key of the document among those in fewer than `needed` documents (its own
    content). A document with no such key (all of it is shared) gets its smallest key."""
    keys = keys.astype(np.uint64)
    if keys.size == 0:
        return keys
    pairs = np.unique(np.stack([keys, documents.astype(np.uint64)], axis=1), axis=0)
    distinct, in_documents = np.unique(pairs[:, 0], return_counts=True)
    candidates = distinct[in_documents >= needed]
    own = ~np.isin(keys, candidates)
    places, index = np.unique(documents, return_inverse=True)
    top = np.uint64(np.iinfo(np.uint64).max)
    smallest_own = np.full(places.size, top, dtype=np.uint64)
    np.minimum.at(smallest_own, index[own], keys[own])
    smallest_any = np.full(places.size, top, dtype=np.uint64)
    np.minimum.at(smallest_any, index, keys)
    context = np.where(smallest_own == top, smallest_any, smallest_own)
    return context[index]


@dataclass(frozen=True)
class Spread:
    """Per distinct key (sorted): in how many distinct contexts it stands, in how many variants."""

    keys: np.ndarray  # uint64
    contexts: np.ndarray  # int64
    variants: np.ndarray  # int64

    @classmethod
    def of(cls, keys: np.ndarray, contexts: np.ndarray, variants: np.ndarray) -> Spread:
        if keys.size == 0:
            return cls(np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0, np.int64))
        keys = keys.astype(np.uint64)
        unique_keys, by_context = _distinct_counts(keys, contexts.astype(np.uint64))
        _, by_variant = _distinct_counts(keys, variants.astype(np.uint64))
        return cls(unique_keys, by_context, by_variant)

    def frequent(self, threshold: int, max_variant_share: float) -> np.ndarray:
        """The keys of boilerplate: in `threshold` unrelated documents or more, and not a
        template whose digits change from document to document (a form's `生效日期：0/0/0`
        is a slot with a value in it; a footer's `© 0-0` changes with the year only)."""
        chosen = (self.contexts >= threshold) & (self.variants <= np.maximum(2, max_variant_share * self.contexts))
        return self.keys[chosen]


def _distinct_counts(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pairs = np.unique(np.stack([keys, values], axis=1), axis=0)
    return np.unique(pairs[:, 0], return_counts=True)


def threshold(documents: int, min_documents: int, min_share: float) -> int:
    """How many unrelated documents a unit must stand in: a share of the corpus, with a
    floor (in a small corpus a share is a handful, and a handful of documents can share a
    sentence by chance)."""
    return max(min_documents, int(np.ceil(min_share * documents)))


@dataclass(frozen=True, slots=True)
class Cut:
    """A unit removed from one document, for the trail and `explain`."""

    start: int
    end: int
    key: int
    whole: bool

    @property
    def rule(self) -> str:
        return "shared_line" if self.whole else "shared_sentence"


def remove_units(text: str, frequent: np.ndarray) -> tuple[str, list[Cut]]:
    """`text` without the shared units at its edges, and what went (see `edge_units`). A
    document left with no Han character (its only content was shared text: a one-line page
    that is a notice, or a stub) is returned as it was: dropping it is a filter's call."""
    if frequent.size == 0:
        return text, []
    doc = document_units(text)
    if not doc.units:
        return text, []
    keys = np.array([u.key for u in doc.units], dtype=np.uint64)
    at = np.minimum(np.searchsorted(frequent, keys), frequent.size - 1)
    hits = {id(u) for u, hit in zip(doc.units, (frequent[at] == keys).tolist(), strict=True) if hit}
    cuts, stops = edge_units(doc.units, hits)
    for stop, at_end in stops:
        glued = doc.affix(stop, frequent, at_end)
        if glued is not None and not any(c.start < glued.end and glued.start < c.end for c in cuts):
            cuts.append(glued)
    cuts.sort(key=lambda u: u.start)
    if not cuts:
        return text, []
    kept = _cut(text, cuts)
    if not HAN_RE.search(kept):
        return text, []
    return kept, [Cut(u.start, u.end, u.key, u.whole) for u in cuts]


def edge_units(units: list[Unit], hits: set[int]) -> tuple[list[Unit], list[tuple[Unit, bool]]]:
    """The shared units (`hits`, by id) that stand at the document's edges, and the units
    where each scan stopped (with True for the scan from the end): whole lines from the
    first line on and from the last line back, then the shared sentences glued at the start
    of the first line that is not shared and at the end of the last one. The scan stops at
    the first unit that is not shared, so a shared line inside the body stays: a form's
    labels and a table's headings are shared by many documents too, and they are content;
    a site's header, footer and inserted notices are at the edges. Lines too short to
    count (`（完）`, a date) are passed over and kept."""
    by_line: dict[int, list[Unit]] = {}
    for u in units:
        by_line.setdefault(u.line, []).append(u)
    numbers = sorted(by_line)
    taken: dict[int, Unit] = {}
    stops: list[tuple[Unit, bool]] = []
    for at_end, order in ((False, numbers), (True, numbers[::-1])):
        for n in order:
            line_units = by_line[n]
            whole = line_units[0] if line_units[0].whole else None
            sentences = line_units[1:] if whole else line_units
            if whole is not None and id(whole) in hits:
                taken.setdefault(id(whole), whole)
                continue
            stop = _first_unshared(sentences[::-1] if at_end else sentences, hits, taken) if sentences else whole
            if stop is not None:
                stops.append((stop, at_end))
                break
            if whole is None:
                break  # a list item: its numbered sentence is no unit, and the line stays
    return sorted(taken.values(), key=lambda u: u.start), stops


def _first_unshared(sentences: list[Unit], hits: set[int], taken: dict[int, Unit]) -> Unit | None:
    """Take the shared sentences in order up to the first that is not; that one (None when
    every sentence of the line is shared: the scan goes on to the next line)."""
    for u in sentences:
        if id(u) not in hits:
            return u
        taken.setdefault(id(u), u)
    return None


_EDGE = " \u3000\t"
_BLANK_RUN = re.compile(r"\n{3,}")


def _cut(text: str, cuts: list[Unit]) -> str:
    """`text` without `cuts`. A whole-line cut takes the line; a sentence cut joins what was
    before and after it as they were joined to it (`甲。　通知。　乙。` -> `甲。　乙。`) and
    leaves no space at a line's edge. Blank lines a cut brings together are one, as the
    whitespace step leaves them."""
    lines = text.split("\n")
    line_starts, offset = [], 0
    for line in lines:
        line_starts.append(offset)
        offset += len(line) + 1
    by_line: dict[int, list[Unit]] = {}
    for u in cuts:
        by_line.setdefault(bisect_right(line_starts, u.start) - 1, []).append(u)
    for number, mine in by_line.items():
        if any(u.whole for u in mine):
            lines[number] = None  # type: ignore[call-overload]
            continue
        base, line = line_starts[number], lines[number]
        kept, last = "", 0
        for u in mine:
            kept = _joined(kept, line[last:u.start - base])
            last = u.end - base
        lines[number] = _joined(kept, line[last:]).strip(_EDGE) or None  # type: ignore[call-overload]
    return _BLANK_RUN.sub("\n\n", "\n".join(x for x in lines if x is not None)).strip("\n")


def _joined(left: str, right: str) -> str:
    """Two pieces around a cut: the gap before the cut stands between them, once."""
    if not left.strip(_EDGE):
        return right.lstrip(_EDGE)
    if not right.strip(_EDGE):
        return left.rstrip(_EDGE)
    core = left.rstrip(_EDGE)
    return core + left[len(core):] + right.lstrip(_EDGE)
