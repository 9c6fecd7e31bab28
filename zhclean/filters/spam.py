"""Drop gambling, porn and advertising spam, judged by the density of its vocabulary.

What it does: counts the terms of the lists in `zhclean/data/spam_terms.toml` (a gambling
site's products and offers, porn site vocabulary, ad spam's wares; composed for zhclean),
case-insensitively. A page where the brand of a gambling site (`X贵宾会`, `X体育官网`,
`X手机版登录`, the file's `[brands]` patterns) stands in `min_brand_lines` lines of its own
text (not in previous/next link lines) is dropped as `gambling` too. With at least `min_hits` hits of at least `min_distinct` different terms,
and more than `max_per_1000` hits per 1,000 visible characters, the document is dropped as
`gambling`, `porn` or `ads` (the list with most hits), the value being the density. A list's
`weak` terms (words with an everyday sense, `彩金`, `返水`; resorts and bookmakers, `威尼斯人`,
`威廉希尔`) count only beside one of its other terms, and a page that reports on the trade
(two of the police's, the courts' or a warning's words: `警方`, `破获`, `骗局`, `赌博`…) is not
judged by density: naming the wares is how it warns.

Why: Chinese crawls are full of pages where a gambling brand (`王者威尼斯人现金网`) is pasted
into every paragraph of stolen news, and of porn and ad pages. One mention decides nothing:
a news report on an illegal gambling ring names `百家乐` and `网投平台`, a travel story
names `威尼斯人`; density and variety tell the spam page from the report. The lists hold
only selling vocabulary, not the words reports use (`赌博`, `色情`, `诈骗`).

Example: a 600-character page with `现金网` 5 times and `娱乐城` 3 times → dropped, `gambling`
(13.3 hits per 1,000 characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from zhclean.config import parse_toml, setting
from zhclean.filters.base import (
    LATIN,
    Batch,
    Document,
    FilterOutput,
    Verdict,
    register_filter,
    share,
)


@dataclass(frozen=True, slots=True)
class SpamOptions:
    max_per_1000: float = setting(3.0, at_least=0)  # hits per 1,000 visible characters
    min_hits: int = setting(4, at_least=1)
    min_distinct: int = setting(3, at_least=1)
    min_brand_lines: int = setting(2, at_least=1)  # lines with a gambling site's brand


def trie_pattern(terms: list[str]) -> str:
    """A regex of `terms` as a trie: `re` tries an alternation's branches one by one at every
    position, so 150 flat alternatives cost 150 tests per character; nested by shared prefix,
    a position that starts no term is left after one character class test (10x faster)."""
    tree: dict = {}
    for term in terms:
        node = tree
        for ch in term:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else f"{body}?"
        return body

    return pattern(tree)


def bigram_keys(term: str) -> list[int]:
    """A term's adjacent character pairs as `_screen` keys them: (first << 21) | second,
    lower-cased."""
    codes = [ord(ch) for ch in term.lower()]
    return [(a << 21) | b for a, b in zip(codes, codes[1:], strict=False)]


def _lowered(codes: np.ndarray) -> np.ndarray:
    """Code points with ASCII capitals lower-cased (uint32), as `bigram_keys` lowers terms."""
    return np.where((codes - np.uint32(65)) < 26, codes | np.uint32(0x20), codes)


_SLOTS_BITS = 20


def _slots(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """A slot of a 2^20-entry table per pair of code points (multiplicative hashing in 32
    bits: half the memory traffic of 64-bit keys, over every character of a batch)."""
    mixed = (first * np.uint32(0x9E3779B1)) ^ (second * np.uint32(0x85EBCA77))
    return mixed >> np.uint32(32 - _SLOTS_BITS)


@dataclass(frozen=True)
class _TermBigrams:
    """The terms' and brand words' bigrams, indexed for a batch-wide test."""

    distinct: np.ndarray  # the distinct bigram keys (uint64, sorted)
    marked: np.ndarray  # bool per slot: a one-hash Bloom filter of `distinct`
    word_keys: np.ndarray  # each word's keys as indices into `distinct`, concatenated ...
    word_starts: np.ndarray  # ... and where each word's keys start
    terms: int  # words [0, terms) are terms, the rest `_BRAND_WORDS`


@cache
def _term_bigrams() -> _TermBigrams | None:
    """The bigram index of all terms and brand words (terms first, then `_BRAND_WORDS`);
    None if one is a single character (no bigram to test)."""
    words = [*_terms()[1], *_BRAND_WORDS]
    if any(len(w) < 2 for w in words):
        return None
    per_word = [bigram_keys(w) for w in words]
    keys = np.array([k for word_keys in per_word for k in word_keys], dtype=np.uint64)
    distinct = np.unique(keys)
    marked = np.zeros(1 << _SLOTS_BITS, dtype=bool)
    first, second = (distinct >> np.uint64(21)).astype(np.uint32), (distinct & np.uint64(0x1FFFFF)).astype(np.uint32)
    marked[_slots(first, second)] = True
    return _TermBigrams(distinct, marked, np.searchsorted(distinct, keys),
                        np.cumsum([0, *map(len, per_word[:-1])]), len(words) - len(_BRAND_WORDS))


def may_hold_a_term(doc: Document) -> bool:
    """Whether some term has every one of its bigrams in the document: a numpy test that
    spares the regex scan (30 ms per MB) on almost every document, which holds no term."""
    return _may_hold(doc)[0]


def _may_hold(doc: Document) -> tuple[bool, bool]:
    """(whether some term, whether some brand word has every one of its bigrams in the
    document): one test for both, where the brand words' substring searches scanned the
    text ten times; made for the document's whole batch at once (`_screen`)."""
    terms, brands = doc.batch.measure(_screen)
    return terms[doc.index], brands[doc.index]


def _screen(batch: Batch) -> tuple[list[bool], list[bool]]:
    """`_may_hold` for every document of the batch. The Bloom table leaves the few pairs of
    characters that may be a word's; the sorted keys confirm them into a (document, key)
    table of presence; a word is all there in a document when each of its keys is."""
    n = len(batch.texts)
    index = _term_bigrams()
    if index is None:
        return [True] * n, [True] * n
    nothing = [False] * n
    lowered = _lowered(batch.codes)
    at = np.flatnonzero(np.take(index.marked, _slots(lowered[:-1], lowered[1:])))
    if not len(at):
        return nothing, nothing
    keys = (lowered[at].astype(np.uint64) << np.uint64(21)) | lowered[at + 1]
    key = np.minimum(np.searchsorted(index.distinct, keys), len(index.distinct) - 1)
    found = index.distinct[key] == keys
    if not found.any():
        return nothing, nothing
    key = key[found]
    if n == 1:  # a document alone: its one row, without the batch's owners and chunks
        terms, brands = _whole_words(index, np.zeros(len(key), dtype=np.int64), key, 1)
        return terms.tolist(), brands.tolist()
    owners = batch.owners(at[found])  # they ascend with the positions
    terms, brands = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for first in range(0, n, _ROWS):  # a (document, key) table of bounded size at a time
        lo, hi = np.searchsorted(owners, [first, first + _ROWS])
        if lo < hi:
            rows = min(_ROWS, n - first)
            terms[first : first + rows], brands[first : first + rows] = _whole_words(
                index, owners[lo:hi] - first, key[lo:hi], rows)
    return terms.tolist(), brands.tolist()


def _whole_words(index: _TermBigrams, rows: np.ndarray, keys: np.ndarray, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a (row, key) presence table made from `rows` and `keys`: whether some term,
    and whether some brand word, has each of its keys there."""
    present = np.zeros((n_rows, len(index.distinct)), dtype=bool)
    present[rows, keys] = True
    whole = np.logical_and.reduceat(present[:, index.word_keys], index.word_starts, axis=1)
    return whole[:, : index.terms].any(axis=1), whole[:, index.terms :].any(axis=1)


_ROWS = 4096  # documents per presence table: at most 4096 x (distinct keys) booleans


@cache
def _terms() -> tuple[re.Pattern, dict[str, str]]:
    """One regex of every term, weak ones too (as a trie, longest match first), and each
    term's list."""
    lists = _lists()
    kind_of = {term.lower(): kind for kind, table in lists.items() for key in ("terms", "weak")
               for term in table.get(key, ())}
    # Matched against the lower-cased text: `re.IGNORECASE` makes every test six times slower.
    return re.compile(trie_pattern(list(kind_of))), kind_of


# What a report on the trade says and a page that sells never does: the police, the courts,
# a crackdown, a warning (`警方破获…百家乐、龙虎斗、时时彩…`, `反诈民警提醒：刷单兼职…`). A page with
# `_REPORT_CUES` of them is not judged by its density of terms: naming the wares is how it warns.
_REPORT = re.compile("警方|公安|民警|警察|破获|抓获|犯罪|嫌疑人|涉案|涉嫌|违法|非法|不法分子|打击|整治|查处|取缔|关停"
                     "|专项行动|执法|处罚|判处|法院|检察|骗局|骗子|诈骗|反诈|敲诈|警惕|谨防|举报|停售|严禁|疾控|传播途径"
                     "|赌博|色情|淫秽")  # the words a report names the trade by, which no seller uses
_REPORT_CUES = 2


def _reports(text: str) -> bool:
    """Whether `_REPORT_CUES` distinct report words stand in `text` (the scan stops there)."""
    found: set[str] = set()
    for cue in _REPORT.finditer(text):
        found.add(cue.group())
        if len(found) >= _REPORT_CUES:
            return True
    return False


@cache
def _weak_terms() -> frozenset[str]:
    """Terms that count only beside a term of the lists' `terms`: words with an everyday sense
    or names a travel story uses (`彩金`, `威尼斯人`)."""
    return frozenset(term.lower() for table in _lists().values() for term in table.get("weak", ()))


def _lists() -> dict:
    """The term lists (every table but `[brands]`)."""
    return {kind: table for kind, table in _spam_terms().items() if kind != "brands"}


@cache
def _spam_terms() -> dict:
    """zhclean/data/spam_terms.toml, read and parsed once for the lists and the brands."""
    text = resources.files("zhclean.data").joinpath("spam_terms.toml").read_text(encoding="utf-8")
    return parse_toml(text, "zhclean/data/spam_terms.toml")


@cache
def _brands() -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in _spam_terms()["brands"]["patterns"]))


# Lines that link elsewhere: a brand there is the site's furniture, which cleaning removes.
_LINK_LINE = re.compile(r"^(?:上一篇|下一篇|上一条|下一条|上一页|下一页|相关|标签|关键词|tags?)", re.IGNORECASE)


# Words every brand pattern holds: looked for first with `in` (a C substring search), since
# a pattern that starts with "two to four Han characters" is tried at every Han character.
_BRAND_WORDS = ("贵宾会", "体育app", "体育官网", "体育官方", "手机版登录", "手机版下载", "华体会", "yabo", "bt365", "bet365")


def brand_lines(doc: Document, text: str) -> int:
    """Lines (not link lines) holding a gambling site's brand; in a one-line document, hits.
    `text` is the document's text lower-cased."""
    if not any(word in text for word in _BRAND_WORDS):
        return 0
    pattern = _brands()
    if not pattern.search(text):
        return 0
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) == 1:
        return len(pattern.findall(text))
    return sum(1 for line in lines if not _LINK_LINE.match(line.strip()) and pattern.search(line))


@register_filter("spam", options=SpamOptions)
def spam(doc: Document, options: SpamOptions) -> FilterOutput:
    may_hit, may_brand = _may_hold(doc)
    text = doc.text.lower() if (may_hit or may_brand) and doc.counts[LATIN] else doc.text
    pattern, kind_of = _terms()
    hits = pattern.findall(text) if may_hit else []
    if hits and (all(hit in _weak_terms() for hit in hits) or _reports(text)):
        hits = []  # weak terms alone (a travel story, a drain), or a report on the trade
    density = share(1000 * len(hits), doc.visible, 2) if hits else 0.0
    brands = brand_lines(doc, text) if may_brand else 0
    signals = {"spam_hits": len(hits), "spam_per_1000": density, "gambling_brand_lines": brands}
    if brands >= options.min_brand_lines:
        return FilterOutput(signals, Verdict("gambling", brands))
    if len(hits) < options.min_hits or len(set(hits)) < options.min_distinct or density <= options.max_per_1000:
        return FilterOutput(signals)
    kinds: dict[str, int] = {}
    for hit in hits:
        kinds[kind_of[hit]] = kinds.get(kind_of[hit], 0) + 1
    return FilterOutput(signals, Verdict(max(kinds, key=kinds.__getitem__), density))
