"""Remove a line that stands verbatim elsewhere in the document: headings, pull-quotes.

What it does: a line of 8 or more Han characters that also appears elsewhere in the document
(as an identical line, or inside a longer line) goes; the longer or first occurrence stays.

Why: reposting sites turn a paragraph's first sentence into a heading above it, and copy
pull-quotes out of the body. The text is then there twice, which skews every statistic a
corpus is built for and hides the repost from deduplication.

Example: `这一管理条例对塔河水资源作出了明确的规定\\n这一管理条例对塔河水资源作出了明确的规定。新疆…`
→ the first line goes.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from zhclean.chars import HAN_CLASS, codes_of
from zhclean.config import setting
from zhclean.steps.base import Removal, StepOutput, register
from zhclean.text import SPACE_RUN, remove_lines


@dataclass(frozen=True, slots=True)
class RepeatedLineOptions:
    min_han: int = setting(8, at_least=0)  # shorter lines (captions, list items) may repeat legitimately


@lru_cache(maxsize=8)
def _min_han_pattern(minimum: int) -> re.Pattern:
    """Matches a line holding at least `minimum` Han characters, in one C-level call."""
    return re.compile(f"(?:[^{HAN_CLASS}]*[{HAN_CLASS}]){{{minimum}}}")


def _has_min_han(line: str, minimum: int) -> bool:
    return _min_han_pattern(minimum).match(line) is not None


# A navigation line: a breadcrumb (`首页 > 综合百科 > 标题`, `当前位置：首页 » 新闻`) names the page's
# title because it is a path to the page, not a copy of its text; the title under it stays.
_PATH_SEPARATOR = re.compile(r"[ \t]*(?:>|＞|»|›|→)[ \t]*|[ \t]+/[ \t]+")  # a slash only spaced: not a date
_PATH_MARKS = (">", "＞", "»", "›", "→", "/")
_NAVIGATION_LEAD = re.compile(r"[ \t]*(?:首页|首頁|主页|主頁|当前位置|當前位置|您的位置|你的位置|现在位置|目前位置)")


def is_navigation(line: str) -> bool:
    """Whether `line` is a breadcrumb: two path separators, or one after a home/position word."""
    if not any(mark in line for mark in _PATH_MARKS):  # most lines: a few scans in C, no regex
        return False
    separators = len(_PATH_SEPARATOR.findall(line))
    return separators >= 2 or (separators == 1 and _NAVIGATION_LEAD.match(line) is not None)


def repeated_lines(text: str, min_han: int) -> list[int]:
    """Indices of lines to drop: a later copy of an identical line, or a line inside a longer
    one that is not a breadcrumb.

    Lines are compared as the whitespace step will leave them (space runs and no-break spaces
    as one space), so a second cleaning finds nothing new: `進軍澳洲\u00a0 加速` is the title
    that stands inside the article's last sentence as `進軍澳洲 加速`."""
    if "  " in text or "\u00a0" in text:
        text = SPACE_RUN.sub(" ", text)
    stripped = [line.strip() for line in text.split("\n")]
    if len(stripped) <= _FEW_LINES and len(stripped) * len(text) <= _PLAIN_SEARCH_BUDGET:
        return _repeated_among_few(stripped, min_han)
    # Each line's id among the distinct lines (numbered in order of first occurrence): the
    # decisions below are array operations on ids, so the Python work is per distinct line
    # asked about, not per line. A line is a copy when an earlier line has its id.
    ids_of: dict[str, int] = {}
    ids = np.fromiter((ids_of.setdefault(line, len(ids_of)) for line in stripped), dtype=np.int64,
                      count=len(stripped))
    uniques = list(ids_of)
    # Lines shorter than `min_han` characters neither go nor hold one that goes: left out.
    # Containment is asked of the distinct lines only: a copy of a line contains nothing its
    # first occurrence does not, and a page of one line repeated by the thousand then
    # indexes one line, not all of them.
    long_enough = np.fromiter(map(len, uniques), dtype=np.int64, count=len(uniques)) >= min_han
    asked = np.flatnonzero(long_enough)
    distinct = [uniques[u] for u in asked.tolist()]
    contained = np.zeros(len(uniques), dtype=bool)
    contained[asked] = _contained_mask(distinct, min_han)
    before = np.maximum.accumulate(ids)
    is_first = ids > np.concatenate(([-1], before[:-1]))
    copy_of = np.flatnonzero(~is_first & long_enough[ids])
    first_in = np.flatnonzero(is_first & contained[ids])
    enough = _min_han_of(uniques, np.unique(np.concatenate((ids[copy_of], ids[first_in]))), min_han)
    drop = [i for i in np.sort(np.concatenate((copy_of, first_in))).tolist() if enough[ids[i]]]
    return drop


# Up to this many lines, a loop over the lines beats the array operations below, whose fixed
# cost per call (a dozen numpy calls) is most of the time on an ordinary article.
_FEW_LINES = 256


def _repeated_among_few(stripped: list[str], min_han: int) -> list[int]:
    """`repeated_lines` for a document of few lines, line by line, cheapest tests first (most
    lines occur once): the same decisions."""
    whole = "\n".join(stripped)
    seen: set[str] = set()
    drop = []
    for i, line in enumerate(stripped):
        if len(line) < min_han:
            continue
        if line in seen:
            if _has_min_han(line, min_han):
                drop.append(i)
            continue
        seen.add(line)
        if whole.count(line) > 1 and _has_min_han(line, min_han) and _in_a_longer_line(line, stripped):
            drop.append(i)
    return drop


def _min_han_of(lines: list[str], which: np.ndarray, minimum: int) -> dict[int, bool]:
    """For the line ids `which`, whether the line holds `minimum` Han characters."""
    return {u: _has_min_han(lines[u], minimum) for u in which.tolist()}


# Up to this many characters compared (lines x document), each line is looked for in the
# whole document by `str.count`: faster than hashing windows on ordinary documents (20x on news).
_PLAIN_SEARCH_BUDGET = 20_000_000


def _contained_mask(lines: list[str], min_han: int) -> np.ndarray:
    """Per line, whether it stands inside a longer line that is not a breadcrumb: plain
    search on ordinary documents, hashed windows when plain search would be quadratic."""
    whole = "\n".join(lines)
    if len(lines) * len(whole) <= _PLAIN_SEARCH_BUDGET:
        return np.fromiter((_inside_a_longer_line(line, lines, whole) for line in lines), dtype=bool,
                           count=len(lines))
    return _ContainedLines(lines, whole, min_han).mask()


def _inside_a_longer_line(line: str, lines: list[str], whole: str) -> bool:
    """Whether `line` stands inside a longer line of `lines` (joined: `whole`) that is not
    a breadcrumb, by plain search."""
    return whole.count(line) > 1 and _in_a_longer_line(line, lines)


def _in_a_longer_line(line: str, lines: list[str]) -> bool:
    return any(len(o) > len(line) and line in o and not is_navigation(o) for o in lines)


_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd: the window hash is a bijection of its last code
_MAX_ANCHOR = 16  # characters of the window that anchors a line's search
_SHIFT = np.uint64(32)  # windows' positions below, their hashes' top bits above (documents < 4 G characters)
_LOW = np.uint64(0xFFFFFFFF)
_HIGH = np.uint64(0xFFFFFFFF00000000)
_HIGH_HALF = 1 if sys.byteorder == "little" else 0  # where a uint64's top 32 bits are, as two uint32
_MAX_CHECKS = 256  # places a line is compared at; beyond them it is kept (precision first)


class _ContainedLines:
    """Which lines stand inside a longer line, in time linear in the document.

    Comparing each line with every other is quadratic: a 1 MB forum thread of 60,000 short
    distinct lines took 25 s. Instead every window of `k` characters of the document is
    hashed at once (numpy), and each line is looked for only where its rarest window occurs.
    A line with a window found nowhere else (almost every line) is settled without a single
    comparison; the others are compared at the places their rarest window marks."""

    def __init__(self, lines: list[str], whole: str, min_han: int) -> None:
        """`whole`: the lines joined by newlines (the caller has joined them already)."""
        self.lines = lines
        self.k = max(1, min(min_han, _MAX_ANCHOR))
        self.lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
        self.starts = np.concatenate(([0], np.cumsum(self.lengths[:-1] + 1)))
        self.whole = whole
        codes = codes_of(self.whole)  # uint32, added to the uint64 hashes as they are
        n_windows = len(codes) - self.k + 1
        if n_windows <= 0:
            self.rarest = np.ones(len(lines), dtype=np.int64)
            return
        hashes = codes[:n_windows].astype(np.uint64)
        for j in range(1, self.k):  # in place: at 10 MB each new array is 80 MB of fresh pages
            hashes *= _BASE
            hashes += codes[j : j + n_windows]
        # Windows in (hash, position) order: the hash's top 32 bits above the position, one
        # array of values sorted (a SIMD sort, 5x faster than an argsort, and stable by
        # construction). Two windows whose hashes share their top bits only cost a comparison:
        # every place is checked against the text.
        hashes &= _HIGH
        hashes |= np.arange(n_windows, dtype=np.uint64)
        hashes.sort()
        # Per window, where its run of equal hashes starts in `order` and how long it is:
        # from the run boundaries of the sorted hashes, scattered back once, packed in one
        # array (a scatter is a random write per window: the costly part at 10 MB). The
        # halves of the packed words are read as uint32 views, not copied: at 10 MB each new
        # array is 80 MB of fresh pages to fault in.
        high = hashes.view(np.uint32)[_HIGH_HALF::2]
        run_starts = np.flatnonzero(np.concatenate(([True], high[1:] != high[:-1])))
        run_lengths = np.diff(np.append(run_starts, n_windows))
        self.order = np.bitwise_and(hashes, _LOW, out=hashes).view(np.int64)  # positions < 2**32: same bits
        packed = np.zeros(n_windows + 1, dtype=np.uint64)  # one more: the 0 that ends `reduceat`'s last segment
        packed[self.order] = np.repeat((run_starts.astype(np.uint64) << _SHIFT) | run_lengths.astype(np.uint64),
                                       run_lengths)
        halves = packed.view(np.uint32)
        self.first = halves[_HIGH_HALF::2]
        counts = halves[1 - _HIGH_HALF::2]
        self.rarest = self._rarest_window_counts(counts)
        self.counts = counts

    def _rarest_window_counts(self, counts: np.ndarray) -> np.ndarray:
        """Per line, how often its rarest window occurs in the document (1: nowhere else)."""
        lengths = self.lengths
        rarest = np.ones(len(self.lines), dtype=np.int64)
        long_enough = np.flatnonzero(lengths >= self.k)
        if len(long_enough):
            bounds = np.empty(2 * len(long_enough), dtype=np.int64)
            bounds[0::2] = self.starts[long_enough]
            bounds[1::2] = self.starts[long_enough] + lengths[long_enough] - self.k + 1
            rarest[long_enough] = np.minimum.reduceat(counts, bounds)[0::2]  # counts ends with a 0
        return rarest

    def mask(self) -> np.ndarray:
        """`inside_longer` of every line, asked only of the lines whose rarest window occurs
        twice or more (or that are shorter than a window): the others are settled as they are."""
        found = np.zeros(len(self.lines), dtype=bool)
        for i in np.flatnonzero((self.rarest >= 2) | (self.lengths < self.k)).tolist():
            found[i] = self.inside_longer(i)
        return found

    def inside_longer(self, i: int) -> bool:
        line = self.lines[i]
        if len(line) < self.k:  # shorter than any window (only with min_han 0): the plain way
            return _inside_a_longer_line(line, self.lines, self.whole)
        if self.rarest[i] < 2:
            return False
        start = int(self.starts[i])
        windows = self.counts[start : start + len(line) - self.k + 1]
        offset = int(np.argmin(windows))
        first = int(self.first[start + offset])
        places = self.order[first : first + min(int(windows[offset]), _MAX_CHECKS)]
        for place in places.tolist():
            at = place - offset
            if at != start and at >= 0 and self.whole.startswith(line, at):
                j = int(np.searchsorted(self.starts, at, side="right")) - 1
                if len(self.lines[j]) > len(line) and not is_navigation(self.lines[j]):
                    return True
        return False


@register("repeated_line", options=RepeatedLineOptions)
def repeated_line(
    text: str, fields: Mapping[str, Any], options: RepeatedLineOptions, explain: bool
) -> StepOutput:
    if "\n" not in text:
        return StepOutput(text)
    drop = repeated_lines(text, options.min_han)
    if not drop:
        return StepOutput(text)
    lines = text.split("\n")
    kept = remove_lines(lines, set(drop))
    removals = [Removal("repeated_line", "repeated_line", i, lines[i]) for i in drop] if explain else []
    return StepOutput(kept, len(drop), removals=removals, rules={"repeated_line": len(drop)})
