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
code point over the joined text of many documents, and a unit's key a difference of two
prefix hashes, so a batch costs a few dozen numpy calls whatever its number of units.

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

# A sentence (the definition; `sentence_spans` finds them without the regex engine): up to
# its end mark and the closing quotes after it, or up to an ideographic space
# (a paragraph indent: paragraphs glued when the line breaks were stripped; ASCII spaces stand
# around numbers and Latin words inside sentences), or the line's end.
_SENTENCE = re.compile(r"[^\n。！？!?；…　]+(?:[。！？!?；…]+[」』”’\"）)】]*|(?=　|\n|\Z))")
# An item of a numbered list (`8.其他應敘明事項：無`, `（三）…`, `二、…`) is part of the document's
# structure, however many documents share it (forms, filings, rules): never a shared unit.
_LIST_ITEM = re.compile(r"[(（]?(?:\d{1,3}|[一二三四五六七八九十]{1,3})[.．、)）]")
_SPACE_CODES = np.array([9, 10, 11, 12, 13, 32, 0xA0, 0x3000], dtype=np.uint32)
_AFFIX_MAX_CHARS = 80  # a glued notice is found among the last (first) 80 folded characters
_UNIT_MIN_CHARS = 4  # folded characters a unit needs to be counted: `查看原文` is one
_SENTENCE_MIN_CHARS = 6  # a sentence inside a line needs more: `是的。` is in every chat
# Characters hashed together: a few dozen numpy calls a chunk, on arrays of a megabyte or
# two rather than of tens (2**20 characters): the same time in a worker, less memory.
CHUNK_CHARS = 1 << 17
_BASE = np.uint64(0x100000001B3)  # odd: invertible modulo 2**64
_ZERO = ord("0")


@dataclass(slots=True, eq=False)
class Unit:
    """A line, or a sentence inside a line, of one document: `text[start:end]`. Not frozen:
    the apply task makes one per unit of every document it reads, and a frozen dataclass
    takes five times as long to make. Units are told apart by identity (`edge_units`)."""

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
    offsets: np.ndarray | None = None  # per text offset (from `base`), the folded index there
    prefix: np.ndarray | None = None  # `_prefix` of the folded form (digits masked)
    base: int = 0  # where the document starts in `offsets` (documents of a batch share them)


@lru_cache(maxsize=1)
def _fold_table() -> np.ndarray:
    """Per code point its folded form: the canonical character, with every digit as `0`."""
    table = canonical_table().copy()
    for code in range(0x10000):
        if chr(code).isdigit() and table[code]:
            table[code] = _ZERO
    return table


def _prefix(values: np.ndarray) -> np.ndarray:
    """The prefix sums of `values[i] * BASE**i` (modulo 2**64): any span's hash is two lookups.
    Built in place, summed as int64 (the same bits modulo 2**64; numpy's uint64 cumsum is ten
    times slower)."""
    forward, _ = _powers()
    out = np.empty(values.size + 1, dtype=np.uint64)
    out[0] = 0
    with np.errstate(over="ignore"):
        np.multiply(values, forward[: values.size], out=out[1:], dtype=np.uint64)
    terms = out[1:].view(np.int64)
    np.cumsum(terms, out=terms)
    return out


def running_count(mask: np.ndarray) -> np.ndarray:
    """`[0, *cumsum(mask)]`: how many of `mask` are true before each position (and in all).
    Counted in int32 (a chunk is under 2**20 characters): numpy's bool-to-int64 cumsum
    casts element by element and takes eight times as long."""
    out = np.zeros(mask.size + 1, dtype=np.int32)
    np.cumsum(mask, dtype=np.int32, out=out[1:])
    return out


def _span_hashes(prefix: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The hash of `values[a[i]:b[i]]` for every i, from the values' `_prefix`."""
    _, backward = _powers()
    with np.errstate(over="ignore"):
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


def document_units(text: str) -> DocumentUnits:
    """The countable units of `text` with their keys. A unit whose folded form is too short
    to mean anything on its own (a bullet, a date alone: `0年0月0日` is four) is not one."""
    return units_of_many([text])[0]


def units_of_many(texts: list[str]) -> list[DocumentUnits]:
    """`document_units` of each text, hashed together: the numpy work of a batch is a dozen
    calls whatever its number of documents (per document it cost more than the rest)."""
    out: list[DocumentUnits] = [DocumentUnits() for _ in texts]
    for chunk in _chunks(texts):
        batch = _hashed(texts, chunk)
        if batch is None:
            continue
        columns = [x.tolist() for x in (batch.starts, batch.ends, batch.keys, batch.variants, batch.lines,
                                          batch.whole, batch.chosen)]
        for place, lo, hi in zip(chunk, batch.first[:-1].tolist(), batch.first[1:].tolist(), strict=True):
            base = batch.bases[place]
            units = [Unit(s - base, e - base, k, v, n, w) for s, e, k, v, n, w, c in
                     zip(*(column[lo:hi] for column in columns), strict=True) if c]
            out[place] = DocumentUnits(units, batch.offsets, batch.prefix, base)
    return out


@dataclass(frozen=True, slots=True)
class Observed:
    """What the count stage keeps of a list of documents (hashes only)."""

    keys: np.ndarray  # uint64: every unit's key...
    variants: np.ndarray  # ...its variant...
    places: np.ndarray  # ...and its document's place in the list
    edge_keys: np.ndarray  # keys of the affixes `_glued_affixes` would try, when nothing
    edge_places: np.ndarray  # else is shared: the apply task reads only documents that may change


def observe_many(texts: list[str]) -> Observed:
    """The observations of `texts`, with no per-unit Python."""
    parts: list[tuple[np.ndarray, ...]] = []
    for chunk in _chunks(texts):
        batch = _hashed(texts, chunk)
        if batch is None:
            continue
        owner = np.repeat(np.array(chunk, dtype=np.int64), np.diff(batch.first))
        c = batch.chosen
        edge_keys, edge_owner = _edge_affixes(batch, owner)
        parts.append((batch.keys[c], batch.variants[c], owner[c], edge_keys, edge_owner))
    if not parts:
        empty_keys, empty_places = np.zeros(0, np.uint64), np.zeros(0, np.int64)
        return Observed(empty_keys, empty_keys, empty_places, empty_keys, empty_places)
    return Observed(*(np.concatenate(column) for column in zip(*parts, strict=True)))


def _edge_affixes(batch: _Batch, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per document, the keys of the suffixes of the unit where the scan from its end stops
    and of the prefixes of the unit where the scan from its start stops, when no unit of
    it is shared (see `edge_units`): the last unit, and the first unit or, when that is a
    whole line with sentences, its first sentence."""
    chosen = np.flatnonzero(batch.chosen)
    if chosen.size == 0:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    docs = owner[chosen]
    first_of = chosen[np.r_[True, docs[1:] != docs[:-1]]]
    last_of = chosen[np.r_[docs[1:] != docs[:-1], True]]
    nxt = np.minimum(first_of + 1, owner.size - 1)
    follows = (batch.whole[first_of] & batch.chosen[nxt] & (owner[nxt] == owner[first_of])
               & (batch.lines[nxt] == batch.lines[first_of]) & ~batch.whole[nxt] & (nxt > first_of))
    front = np.where(follows, nxt, first_of)
    off = batch.offsets
    keys, places = [], []
    for units, at_end in ((last_of, True), (front, False)):
        which, starts, ends = _affix_spans(off[batch.starts[units]], off[batch.ends[units]],
                                           np.full(units.size, at_end))
        keys.append(_span_hashes(batch.prefix, starts, ends))
        places.append(owner[units][which])
    return np.concatenate(keys), np.concatenate(places)


def _affix_spans(a: np.ndarray, b: np.ndarray, at_end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The affixes a glued notice may be, of each unit `[a[i], b[i])` (folded offsets): its
    suffixes (`at_end[i]`) or its prefixes, of `_SENTENCE_MIN_CHARS` to `_AFFIX_MAX_CHARS`
    characters and never the whole unit; none for a unit too short. Returns (which unit,
    start, end) per affix, a unit's suffixes longest first and its prefixes shortest first.
    What the count observes and the apply task looks up are the same spans."""
    lo = np.where(at_end, np.maximum(a + 1, b - _AFFIX_MAX_CHARS), a + _SENTENCE_MIN_CHARS)
    hi = np.where(at_end, b - _SENTENCE_MIN_CHARS + 1, np.minimum(b, a + _AFFIX_MAX_CHARS + 1))
    count = np.maximum(hi - lo, 0) * (b - a > _SENTENCE_MIN_CHARS)
    which = np.repeat(np.arange(a.size), count)
    moving = np.repeat(lo, count) + np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    from_end = at_end[which]
    return which, np.where(from_end, moving, a[which]), np.where(from_end, b[which], moving)


def _chunks(texts: list[str], chunk_chars: int = CHUNK_CHARS) -> list[list[int]]:
    """Places of `texts` in groups of about `chunk_chars` characters, a longer text alone,
    and none longer than the power tables (such a text has no units: a megabyte of one line
    is no boilerplate)."""
    limit = len(_powers()[0]) - 1
    chunks: list[list[int]] = []
    current: list[int] = []
    size = 0
    for place, text in enumerate(texts):
        if len(text) >= limit:
            continue
        if current and size + len(text) + 1 > chunk_chars:
            chunks.append(current)
            current, size = [], 0
        current.append(place)
        size += len(text) + 1
    if current:
        chunks.append(current)
    return chunks


@dataclass(slots=True)
class _Batch:
    """The units of a chunk of documents, as arrays over their joined text."""

    starts: np.ndarray  # offsets in the joined text
    ends: np.ndarray
    lines: np.ndarray  # line number in its document
    whole: np.ndarray  # bool
    keys: np.ndarray  # uint64
    variants: np.ndarray
    chosen: np.ndarray  # bool: long enough to count
    first: np.ndarray  # per document of the chunk, its first unit (and the end)
    bases: dict[int, int]  # place -> offset of the document in the joined text
    offsets: np.ndarray
    prefix: np.ndarray


def _hashed(texts: list[str], chunk: list[int]) -> _Batch | None:
    """Every unit of the chunk's documents, found and hashed over their joined text with
    numpy (a regex only tells a list item from a sentence that opens with a digit)."""
    joined = "\n".join(texts[p] for p in chunk)
    spans = _unit_spans(joined)
    if spans is None:
        return None
    starts, ends, line_index, whole, codes, line_starts = spans
    bases_array = np.cumsum([0] + [len(texts[p]) + 1 for p in chunk[:-1]])
    doc_of_unit = np.searchsorted(bases_array, starts, "right") - 1
    first_line = np.searchsorted(line_starts, bases_array)  # each document's first line
    lines = line_index - first_line[doc_of_unit]
    first = np.searchsorted(doc_of_unit, np.arange(len(chunk) + 1))
    folded = _fold_table()[codes]
    letters = folded != 0
    digit = folded == _ZERO
    masked = letters.copy()
    masked[1:] &= ~(digit[1:] & digit[:-1])  # a run of digits is one 0
    offsets = running_count(masked)
    a, b = offsets[starts], offsets[ends]
    prefix = _prefix(folded[masked])
    keys = _span_hashes(prefix, a, b)
    raw = folded.copy()  # the folded form with its digits: the canonical digits put back
    digits_at = np.flatnonzero(digit)
    raw[digits_at] = canonical_table()[codes[digits_at]]
    raw = raw[letters]
    raw_offsets = running_count(letters)
    variants = _span_hashes(_prefix(raw), raw_offsets[starts], raw_offsets[ends])
    chosen = (b - a) >= np.where(whole, _UNIT_MIN_CHARS, _SENTENCE_MIN_CHARS)
    bases = dict(zip(chunk, bases_array.tolist(), strict=True))
    return _Batch(starts, ends, lines, whole, keys, variants, chosen, first, bases, offsets, prefix)


_END_CODES = np.array([ord(c) for c in "。！？!?；…"], dtype=np.uint32)
_CLOSER_CODES = np.array([ord(c) for c in "」』”’\"）)】"], dtype=np.uint32)


_END, _CLOSER, _GAP, _SPACE = 1, 2, 4, 8


@lru_cache(maxsize=1)
def _classes() -> np.ndarray:
    """Per code point, its flags (end mark, closing quote, gap, space): one lookup gives all
    (`np.isin` sorts, and cost more than the rest of the count)."""
    table = np.zeros(0x110000, dtype=np.uint8)
    table[_END_CODES] |= _END
    table[_CLOSER_CODES] |= _CLOSER
    table[[10, 0x3000]] |= _GAP
    table[_SPACE_CODES] |= _SPACE
    return table


def sentence_spans(codes: np.ndarray, flags: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the sentences of a text given as code points, what `_SENTENCE`
    finds (on 6,548 real documents all but 5 alike, and those 5 differ in pieces of marks and
    quotes with no word, which neither counts), by numpy: a sentence ends after a run of end marks and the closing quotes after
    it, or at a line break or an ideographic space, which belong to none; a piece holding
    only marks and quotes is none either."""
    n = codes.size
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    flags = _classes()[codes] if flags is None else flags
    end = (flags & _END) != 0
    closer = (flags & _CLOSER) != 0
    gap = (flags & _GAP) != 0
    last_mark = np.flatnonzero(end & ~np.r_[end[1:], False])
    closer_starts = np.flatnonzero(closer & ~np.r_[False, closer[:-1]])
    closer_ends = np.flatnonzero(closer & ~np.r_[closer[1:], False]) + 1
    after = last_mark + 1
    followed = np.zeros(after.size, dtype=bool)
    inside = after < n
    followed[inside] = closer[after[inside]]
    group_end = after.copy()
    group_end[followed] = closer_ends[np.searchsorted(closer_starts, after[followed])]
    gaps = np.flatnonzero(gap)
    is_cut = np.zeros(n + 1, dtype=bool)  # marked, not sorted: one pass whatever their number
    is_cut[[0, n]] = True
    is_cut[group_end] = True
    is_cut[gaps] = True
    is_cut[gaps + 1] = True
    cuts = np.flatnonzero(is_cut)
    starts, ends = cuts[:-1], cuts[1:]
    words = running_count(flags == 0)
    keep = words[ends] > words[starts]
    return starts[keep].astype(np.int64), ends[keep].astype(np.int64)


_OPENER, _DIGIT, _NUMERAL, _ITEM_MARK = 1, 2, 4, 8


@lru_cache(maxsize=1)
def _item_classes() -> np.ndarray:
    """Per code point, what it can be in `_LIST_ITEM`: an opening bracket, a digit (`\\d`:
    any decimal digit, all below U+20000), a Chinese numeral, the mark after the number."""
    table = np.zeros(0x110000, dtype=np.uint8)
    table[[ord("("), ord("（")]] |= _OPENER
    table[np.flatnonzero(np.fromiter((chr(c).isdecimal() for c in range(0x20000)), bool, 0x20000))] |= _DIGIT
    table[[ord(c) for c in "一二三四五六七八九十"]] |= _NUMERAL
    table[[ord(c) for c in ".．、)）"]] |= _ITEM_MARK
    return table


def _list_items(codes: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """The places among `candidates` (line and sentence starts) where `_LIST_ITEM` matches,
    by lookups instead of a match per place: after an optional bracket, a run of one to three
    digits or of one to three numerals, then the mark (a longer run cannot match: the regex
    backtracks only into the run, where the mark is not)."""
    if candidates.size == 0:
        return candidates.astype(np.int64)
    table, last = _item_classes(), codes.size - 1

    def classes(at: np.ndarray) -> np.ndarray:  # of the characters at `at`, 0 past the end
        return np.where(at <= last, table[codes[np.minimum(at, last)]], 0)

    candidates = candidates[(table[codes[candidates]] & (_OPENER | _DIGIT | _NUMERAL)) != 0]  # few remain
    at = candidates.astype(np.int64)
    at = at + ((classes(at) & _OPENER) != 0)
    matched = np.zeros(at.size, dtype=bool)
    for kind in (_DIGIT, _NUMERAL):
        run = np.zeros(at.size, dtype=np.int64)
        going = np.ones(at.size, dtype=bool)
        for k in range(4):
            going &= (classes(at + k) & kind) != 0
            run += going
        matched |= (run >= 1) & (run <= 3) & ((classes(at + run) & _ITEM_MARK) != 0)
    return candidates[matched].astype(np.int64)


def _unit_spans(joined: str):
    """(starts, ends, line index, is-whole-line) of the units of `joined`, in order (a line,
    then its sentences), with its code points and line starts. A line is a unit when it is
    not blank and not a list item; its sentences are units when it has two or more, except
    those that open a list item."""
    codes = codes_of(joined)
    breaks = np.flatnonzero(codes == 10)
    line_starts = np.concatenate(([0], breaks + 1))
    line_ends = np.concatenate((breaks, [codes.size]))
    flags = _classes()[codes]
    solid = running_count((flags & _SPACE) == 0)
    filled = solid[line_ends] > solid[line_starts]
    s_start, s_end = sentence_spans(codes, flags)
    if s_start.size:
        keep = solid[s_end] > solid[s_start]
        s_start, s_end = s_start[keep], s_end[keep]
    items = _list_items(codes, np.concatenate((line_starts[line_starts < codes.size], s_start)))
    s_line = np.searchsorted(line_starts, s_start, "right") - 1
    per_line = np.bincount(s_line, minlength=line_starts.size)
    is_item = np.zeros(codes.size + 1, dtype=bool)
    is_item[items] = True
    whole_lines = np.flatnonzero(filled & ~is_item[line_starts])
    keep = (per_line[s_line] > 1) & ~is_item[s_start]
    starts = np.concatenate((line_starts[whole_lines], s_start[keep]))
    if starts.size == 0:
        return None
    ends = np.concatenate((line_ends[whole_lines], s_end[keep]))
    line_index = np.concatenate((whole_lines, s_line[keep]))
    whole = np.concatenate((np.ones(whole_lines.size, bool), np.zeros(int(keep.sum()), bool)))
    order = np.lexsort((~whole, starts))  # by start; a line before its first sentence
    return starts[order], ends[order], line_index[order], whole[order], codes, line_starts


class LineObserver:
    """Stage 1, inside the clean task: the hashed observations of each kept document's units,
    taken as the document is written (a second read of the parts would cost as much as the
    rest of the stage); the task saves `arrays()` beside the shard's kept part. Documents
    are hashed a thousand at a time (`observe_many`)."""

    _BATCH = 1000

    def __init__(self) -> None:
        self._pending: list[str] = []
        self._parts: list[Observed] = []
        self._offsets: list[int] = []
        self._sites: list[int] = []  # per document, its site's hash (0: not known)
        self.count = 0  # documents seen

    def add(self, text: str, site: int = 0) -> None:
        self._pending.append(text)
        self._sites.append(site)
        if len(self._pending) >= self._BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        self._parts.append(observe_many(self._pending))
        self._offsets.append(self.count)
        self.count += len(self._pending)
        self._pending = []

    def arrays(self) -> dict[str, np.ndarray]:
        self._flush()
        def joined(name: str, dtype: type, shift: bool = False) -> np.ndarray:
            arrays = [getattr(p, name) + (o if shift else 0) for p, o in zip(self._parts, self._offsets, strict=True)]
            return np.concatenate(arrays) if arrays else np.zeros(0, dtype)
        return {"keys": joined("keys", np.uint64), "variants": joined("variants", np.uint64),
                "documents": joined("places", np.int64, True), "edge_keys": joined("edge_keys", np.uint64),
                "edge_documents": joined("edge_places", np.int64, True), "count": np.array(self.count),
                "sites": np.array(self._sites, dtype=np.uint64)}


def content_contexts(keys: np.ndarray, documents: np.ndarray, needed: int) -> np.ndarray:
    """Per observation (`keys[i]` seen in document `documents[i]`), its document's context:
    the smallest key of the document among those in fewer than `needed` documents (its own
    content). A document with no such key (all of it is shared) gets its smallest key.
    Sorts and segment minima only (`ufunc.at` and 2-D `unique` cost seconds per million)."""
    keys = keys.astype(np.uint64)
    if keys.size == 0:
        return keys
    documents = documents.astype(np.int64)
    common = np.flatnonzero(repeated(keys, needed))  # a key seen fewer times is in fewer documents
    distinct, in_documents = np.unique(
        keys[common][_first_of_pairs(keys[common], documents[common].astype(np.uint64))], return_counts=True)
    candidates = distinct[in_documents >= needed]
    # The shard tasks observe document after document: the observations usually come in
    # document order already, and then need no sort (nor a gather and a scatter back).
    in_order = bool(np.all(documents[1:] >= documents[:-1]))
    order = None if in_order else np.argsort(documents, kind="stable")
    keys_sorted, docs_sorted = (keys, documents) if order is None else (keys[order], documents[order])
    starts = np.flatnonzero(np.r_[True, docs_sorted[1:] != docs_sorted[:-1]])
    top = np.uint64(np.iinfo(np.uint64).max)
    own = np.where(in_sorted(keys_sorted, candidates), top, keys_sorted)
    smallest_own = np.minimum.reduceat(own, starts)
    smallest_any = np.minimum.reduceat(keys_sorted, starts)
    per_document = np.where(smallest_own == top, smallest_any, smallest_own)
    by_document = np.repeat(per_document, np.diff(np.r_[starts, keys.size]))
    if order is None:
        return by_document
    context = np.empty_like(keys)
    context[order] = by_document
    return context


def repeated(keys: np.ndarray, times: int) -> np.ndarray:
    """Per key, whether it occurs `times` times or more among `keys`: one sort of the keys,
    then a search in the few that do. Most units occur once; the distinct counts that follow
    (sorts of pairs) need only the keys that can reach a threshold."""
    if times <= 1 or keys.size == 0:
        return np.ones(keys.shape, dtype=bool)
    ordered = np.sort(keys)
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    lengths = np.diff(np.r_[starts, ordered.size])
    return in_sorted(keys, ordered[starts[lengths >= times]])


_SCREEN_FROM = 1 << 16  # values from which `in_sorted` screens them first
_SCREEN_SIZE = 1 << 22  # bits of the screen (4 MB)


def in_sorted(values: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Per value (uint64), whether it is in `table` (sorted): a binary search per value, where
    `np.isin` sorts values and table together (four times slower on a million). For many
    values, a bitmap of the table's low bits first (the keys are hashes: their low bits are
    uniform), and the search only for the values it lets through: the driver's reduce over
    1.4 M observations went from 0.21 to 0.05 s."""
    if table.size == 0:
        return np.zeros(values.shape, dtype=bool)
    if values.size < _SCREEN_FROM:
        return _searched(values, table)
    screen = np.zeros(_SCREEN_SIZE, dtype=bool)
    screen[(table & np.uint64(_SCREEN_SIZE - 1)).astype(np.intp)] = True
    maybe = np.flatnonzero(screen[(values & np.uint64(_SCREEN_SIZE - 1)).astype(np.intp)])
    found = np.zeros(values.shape, dtype=bool)
    found[maybe] = _searched(values[maybe], table)
    return found


def _searched(values: np.ndarray, table: np.ndarray) -> np.ndarray:
    at = np.minimum(np.searchsorted(table, values), table.size - 1)
    return table[at] == values


def _first_of_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One index per distinct (a, b) pair, by a 64-bit mix of the pair (one 1-D sort), in
    the order of the mixed values."""
    with np.errstate(over="ignore"):
        mixed = _mix(a ^ _mix(b + np.uint64(0x9E3779B97F4A7C15)))
    return one_index_per_value(mixed)


def one_index_per_value(values: np.ndarray) -> np.ndarray:
    """An index of each distinct value, in the order of the values: what
    `np.unique(values, return_index=True)[1]` gives, but any index of a value, not the first.
    Its callers only read what every index of a value shares; so the sort need not be
    stable, and an unstable argsort takes a quarter of the time (0.18 s for 5 M, not 0.76)."""
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(values)
    ordered = values[order]
    return order[np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))]


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

    def shared(self, threshold: int | np.ndarray, max_variant_share: float) -> np.ndarray:
        """Per key, whether it is boilerplate: in `threshold` unrelated documents or more (one
        threshold, or one per key), and not a template whose digits change from document to
        document (a form's `生效日期：0/0/0` is a slot with a value in it; a footer's `© 0-0`
        changes with the year only)."""
        return (self.contexts >= threshold) & (self.variants <= np.maximum(2, max_variant_share * self.contexts))

    def frequent(self, threshold: int, max_variant_share: float) -> np.ndarray:
        """The keys of boilerplate (see `shared`), sorted."""
        return self.keys[self.shared(threshold, max_variant_share)]


def shared_keys(keys: np.ndarray, variants: np.ndarray, places: np.ndarray, documents: int,
                min_documents: int, min_share: float, max_variant_share: float,
                earlier: tuple[np.ndarray, np.ndarray, np.ndarray, int] | None = None
                ) -> tuple[np.ndarray, np.ndarray, int]:
    """The driver's reduce over one batch's observations (and, in `earlier`, the keys,
    contexts, variants and document count of earlier batches): the shared keys (sorted),
    each observation's content context, and the spread a key needed."""
    before = earlier[3] if earlier else 0
    needed = threshold(documents + before, min_documents, min_share)
    # a document's content is judged on this batch: a unit shared within it is not content
    contexts = content_contexts(keys, places, needed)
    columns = (keys, contexts, variants)
    if earlier:
        columns = tuple(np.concatenate([old, new]) for old, new in zip(earlier[:3], columns, strict=True))
    common = repeated(columns[0], needed)  # a key in fewer contexts than `needed` cannot be shared
    return Spread.of(*(column[common] for column in columns)).frequent(needed, max_variant_share), contexts, needed


def site_pairs(keys: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """One 64-bit id per (key, site): a unit as one site uses it."""
    with np.errstate(over="ignore"):
        return _mix(keys.astype(np.uint64) ^ _mix(sites.astype(np.uint64) * np.uint64(0xD6E8FEB86659FD93)))


def site_frequent(keys: np.ndarray, contexts: np.ndarray, variants: np.ndarray, sites: np.ndarray,
                  site_documents: dict[int, int], min_documents: int, min_share: float,
                  max_variant_share: float) -> tuple[np.ndarray, np.ndarray]:
    """(site, key) of the units shared within a site: in `min_share` of the site's documents
    and at least `min_documents` unrelated ones (a site's footer in a crawl of many sites is
    on most of its pages, and on few of the corpus's). Observations of unknown sites (0) do
    not count."""
    known = sites != 0
    if not known.any():
        return np.zeros(0, np.uint64), np.zeros(0, np.uint64)
    keys, contexts, variants, sites = keys[known], contexts[known], variants[known], sites[known]
    pairs = site_pairs(keys, sites)
    spread = Spread.of(pairs, contexts, variants)
    first = one_index_per_value(pairs)  # in the order of `spread.keys`
    pair_sites, pair_keys = sites[first], keys[first]
    size = np.array([site_documents.get(int(site), 0) for site in pair_sites.tolist()], dtype=np.int64)
    chosen = spread.shared(np.maximum(min_documents, np.ceil(min_share * size)), max_variant_share)
    return pair_sites[chosen], pair_keys[chosen]


def _distinct_counts(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys, and per key how many distinct values it comes with."""
    return np.unique(keys[_first_of_pairs(keys, values)], return_counts=True)


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


def remove_units(text: str, frequent: np.ndarray, doc: DocumentUnits | None = None) -> tuple[str, list[Cut]]:
    """`text` without the shared units at its edges, and what went (see `edge_units`). A
    document left with no Han character (its only content was shared text: a one-line page
    that is a notice, or a stub) is returned as it was: dropping it is a filter's call."""
    if frequent.size == 0:
        return text, []
    return remove_units_many([text], [frequent], [document_units(text) if doc is None else doc])[0]


def remove_units_many(texts: list[str], frequents: list[np.ndarray], docs: list[DocumentUnits]
                      ) -> list[tuple[str, list[Cut]]]:
    """`remove_units` of each text, with its shared keys and its units. The glued affixes
    of all of them are hashed and looked up together (`_glued_affixes`): one document's few
    numpy calls cost more than its characters, and the apply task's time went to them."""
    plans: list[tuple[list[Unit], list[tuple[Unit, bool]]] | None] = []
    for frequent, doc in zip(frequents, docs, strict=True):
        if frequent.size == 0 or not doc.units:
            plans.append(None)
            continue
        keys = np.array([u.key for u in doc.units], dtype=np.uint64)
        hits = {id(u) for u, hit in zip(doc.units, in_sorted(keys, frequent).tolist(), strict=True) if hit}
        plans.append(edge_units(doc.units, hits))
    stops = [(i, stop, at_end) for i, plan in enumerate(plans) if plan for stop, at_end in plan[1]]
    glued_of: dict[int, list[Unit]] = {}
    for (i, _, _), glued in zip(stops, _glued_affixes(stops, docs, frequents), strict=True):
        if glued is not None:
            glued_of.setdefault(i, []).append(glued)
    return [_removed(text, plan[0], glued_of.get(i, [])) if plan else (text, [])
            for i, (text, plan) in enumerate(zip(texts, plans, strict=True))]


def _removed(text: str, cuts: list[Unit], glued: list[Unit]) -> tuple[str, list[Cut]]:
    """`text` without `cuts` and each `glued` affix that overlaps none of them (nor an affix
    taken before it: both scans may stop at the one unit of a one-line document)."""
    cuts = list(cuts)
    for g in glued:
        if not any(c.start < g.end and g.start < c.end for c in cuts):
            cuts.append(g)
    cuts.sort(key=lambda u: u.start)
    if not cuts:
        return text, []
    kept = _cut(text, cuts)
    if not HAN_RE.search(kept):
        return text, []
    return kept, [Cut(u.start, u.end, u.key, u.whole) for u in cuts]


def _glued_affixes(stops: list[tuple[int, Unit, bool]], docs: list[DocumentUnits],
                   frequents: list[np.ndarray]) -> list[Unit | None]:
    """Per stop (document place, unit, from the end?), the longest shared text that its unit
    ends with (a stop of the scan from the end) or starts with, when it is not all of it:
    a notice glued to a paragraph without a sentence mark between (`…（张哲）投稿邮箱：…`,
    `点击进入专题页面…新浪体育讯…`); None when there is none. Every candidate's key is one
    subtraction of prefix hashes, computed together for the stops whose documents share a
    chunk's prefix hashes and shared keys."""
    groups: dict[tuple[int, int], list[int]] = {}
    for n, (i, _, _) in enumerate(stops):
        groups.setdefault((id(docs[i].prefix), id(frequents[i])), []).append(n)
    found: list[Unit | None] = [None] * len(stops)
    for members in groups.values():
        doc = docs[stops[members[0]][0]]
        frequent = frequents[stops[members[0]][0]]
        offsets, prefix = doc.offsets, doc.prefix
        if offsets is None or prefix is None or frequent.size == 0:
            continue
        unit_starts = np.array([docs[i].base + u.start for i, u, _ in (stops[n] for n in members)])
        unit_ends = np.array([docs[i].base + u.end for i, u, _ in (stops[n] for n in members)])
        a, b = offsets[unit_starts].astype(np.int64), offsets[unit_ends].astype(np.int64)
        at_end = np.array([stops[n][2] for n in members], dtype=bool)
        owner, starts, ends = _affix_spans(a, b, at_end)
        keys = _span_hashes(prefix, starts, ends)
        hit = np.flatnonzero(in_sorted(keys, frequent))
        if hit.size == 0:
            continue
        # per stop, the longest affix: the first hit of a suffix range, the last of a prefix range
        firsts = hit[np.r_[True, owner[hit][1:] != owner[hit][:-1]]]
        lasts = hit[np.r_[owner[hit][1:] != owner[hit][:-1], True]]
        for first, last in zip(firsts.tolist(), lasts.tolist(), strict=True):
            n = members[int(owner[first])]
            i, unit, end_side = stops[n]
            base = docs[i].base
            if end_side:
                start = int(np.searchsorted(offsets, starts[first], "right")) - 1 - base
                found[n] = Unit(start, unit.end, int(keys[first]), 0, unit.line, False)
            else:
                end = int(np.searchsorted(offsets, ends[last], "left")) - base
                found[n] = Unit(unit.start, end, int(keys[last]), 0, unit.line, False)
    return found


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
