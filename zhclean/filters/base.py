"""The contract every document filter follows, and the registry that names them.

A filter is a pure function over one cleaned document: it measures its signals (data-juicer's
stats) and decides, keep or drop with a reason code and the value behind it. Filters never
edit text and never touch files, engines or the command line. Several filters read the same
measurements (character classes, lines), so they get a `Document` that computes each once,
on first use, with a C-level pass (a regex, a numpy gather), never a per-character loop.
Documents cleaned together are measured together (`Batch`): a filter's screen (which
documents can hold a spam word, a repeated clause, a lost character) is one pass over the
batch, and only the documents it marks are looked at one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

import numpy as np

from zhclean.chars import codes_of
from zhclean.steps.base import StepSpec

# Character classes, one per code point (see `_class_table`): what the filters count.
OTHER, HAN, KANA, HANGUL, LATIN, OTHER_LETTER, DIGIT, CJK_PUNCT, ASCII_PUNCT, SPACE, REPLACEMENT, PRIVATE = range(12)
N_CLASSES = 12

_RANGES: dict[int, tuple[tuple[int, int], ...]] = {  # [start, end) code point ranges
    HAN: ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00), (0x20000, 0x31350)),
    KANA: ((0x3041, 0x3097), (0x309D, 0x30A0), (0x30A1, 0x30FB), (0x30FC, 0x3100), (0x31F0, 0x3200),
           (0xFF66, 0xFF9E)),
    HANGUL: ((0x1100, 0x1200), (0x3130, 0x3190), (0xAC00, 0xD7B0)),
    LATIN: ((0x41, 0x5B), (0x61, 0x7B), (0xC0, 0xD7), (0xD8, 0xF7), (0xF8, 0x250), (0x1E00, 0x1F00),
            (0xFF21, 0xFF3B), (0xFF41, 0xFF5B)),
    OTHER_LETTER: ((0x370, 0x530), (0x530, 0x590), (0x590, 0x600), (0x600, 0x700), (0x900, 0xE80),
                   (0xE80, 0xF00), (0x1000, 0x10A0), (0x1780, 0x1800)),
    DIGIT: ((0x30, 0x3A), (0xFF10, 0xFF1A)),
    CJK_PUNCT: ((0x3000, 0x3040), (0xFF01, 0xFF10), (0xFF1A, 0xFF21), (0xFF3B, 0xFF41), (0xFF5B, 0xFF66),
                (0x2014, 0x2016), (0x2018, 0x201A), (0x201C, 0x201E), (0x2026, 0x2027), (0xB7, 0xB8),
                (0xFE30, 0xFE50)),
    ASCII_PUNCT: ((0x21, 0x30), (0x3A, 0x41), (0x5B, 0x61), (0x7B, 0x7F)),
    SPACE: ((0x09, 0x0E), (0x20, 0x21), (0xA0, 0xA1), (0x2000, 0x200C), (0x3000, 0x3001)),
    REPLACEMENT: ((0xFFFD, 0xFFFE),),
    PRIVATE: ((0xE000, 0xF900), (0xF0000, 0x110000)),
}
_LINE_END_CHARS = frozenset("。！？!?…；;」』”’）)]】》.~～")  # a line ending with one ends as a sentence


def _class_table() -> np.ndarray:
    """uint8 per code point: its class. Ranges only (1.1 MB, built in about a millisecond)."""
    table = np.zeros(0x110000, dtype=np.uint8)
    for kind, ranges in _RANGES.items():
        for start, end in ranges:
            table[start:end] = kind
    return table


CLASS_OF = _class_table()


def share(part: float, whole: float, digits: int = 3) -> float:
    """`part / whole` rounded, 0 where `whole` is 0: how every filter reports a share (and
    what `Batch.shares` computes for a whole batch)."""
    return round(part / whole, digits) if whole else 0.0


_FEW = 8  # documents: see `Batch.few`


class Batch:
    """Documents measured together: their texts joined by newlines into one array of code
    points, and where each starts. On ~2 KB documents a numpy call costs more than the
    characters it reads, so what every filter needs (class counts) is measured here for the
    whole batch, and a filter's own screens (`measure`) run once a batch, not once a document."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = texts
        self.codes = codes_of("\n".join(texts))  # one separator after each text but the last
        # Small enough that Python arithmetic per document beats numpy's calls (a document
        # cleaned alone is a batch of one): the filters' shares are then computed in Python.
        self.few = len(texts) <= _FEW
        self._measured: dict[Any, Any] = {}

    @cached_property
    def lengths(self) -> np.ndarray:
        """Characters per document."""
        return np.fromiter(map(len, self.texts), dtype=np.int64, count=len(self.texts))

    @cached_property
    def starts(self) -> np.ndarray:
        """Where each document starts in `codes`."""
        starts = np.zeros(len(self.texts), dtype=np.int64)
        np.cumsum(self.lengths[:-1] + 1, out=starts[1:])
        return starts

    @cached_property
    def class_counts(self) -> np.ndarray:
        """Characters per class (columns), per document (rows)."""
        n = len(self.texts)
        if n == 1:
            return np.bincount(np.take(CLASS_OF, self.codes), minlength=N_CLASSES).reshape(1, N_CLASSES)
        owner = np.repeat(np.arange(0, n * N_CLASSES, N_CLASSES, dtype=np.int64), self.lengths + 1)
        counts = np.bincount(owner[: len(self.codes)] + np.take(CLASS_OF, self.codes), minlength=n * N_CLASSES)
        counts = counts.reshape(n, N_CLASSES)
        counts[:-1, SPACE] -= 1  # the separators
        return counts

    @cached_property
    def counts(self) -> list[list[int]]:
        """`class_counts` as lists of ints: indexing them per document is cheaper than numpy
        scalars."""
        return self.class_counts.tolist()

    def sums(self, *classes: int) -> np.ndarray:
        """Per document, its characters of any of `classes`."""
        return self.class_counts[:, list(classes)].sum(axis=1)

    @cached_property
    def visible(self) -> np.ndarray:
        """Characters that are not white space, per document."""
        return self.lengths - self.class_counts[:, SPACE]

    def shares(self, part: np.ndarray, whole: np.ndarray, digits: int = 3) -> list[float]:
        """`part / whole` per document, rounded as Python's `round` rounds (0 where `whole` is
        0): the signals' shares for the batch in a few numpy calls instead of a division and
        a `round` each."""
        ratio = np.divide(part, whole, out=np.zeros(len(part)), where=whole > 0)
        rounded = np.round(ratio, digits)
        # numpy scales before it rounds, Python rounds the exact value: they can part only
        # next to a half, where Python's `round` decides (the signals stay what they were).
        scaled = ratio * 10**digits
        for i in np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6).tolist():
            rounded[i] = round(float(ratio[i]), digits)
        return rounded.tolist()

    def holding(self, table: np.ndarray) -> list[int]:
        """Per document, the bitwise or of `table` (uint8 per code point) over its characters:
        which of a filter's trigger characters it holds, with one gather for the batch. The
        separator must mark nothing (`table[10] == 0`)."""
        if table[10]:
            raise ValueError("a trigger table must not mark the newline that separates documents")
        marks = np.take(table, self.codes)
        if len(self.texts) == 1:
            return [int(np.bitwise_or.reduce(marks)) if len(marks) else 0]
        marks = np.append(marks, np.uint8(0))  # a last empty document reduces the 0
        return np.bitwise_or.reduceat(marks, self.starts).tolist()

    def owners(self, positions: np.ndarray) -> np.ndarray:
        """The document each position of `codes` lies in (a separator: the one before it)."""
        if len(self.texts) == 1:
            return np.zeros(len(positions), dtype=np.int64)
        return np.searchsorted(self.starts, positions, side="right") - 1

    def measure(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(self, *args)`, computed once for the batch: a filter's screen over all
        its documents (indexed by `Document.index`)."""
        key = (function, *args) if args else function
        try:
            return self._measured[key]
        except KeyError:
            value = self._measured[key] = function(self, *args)
            return value


class Document:
    """One cleaned document as the filters see it: its text, metadata, and measurements
    made once on first use, most of them for its whole batch (`Batch`)."""

    def __init__(self, text: str, meta: Mapping[str, Any] | None = None,
                 batch: Batch | None = None, index: int = 0) -> None:
        self.text = text
        self.meta = meta or {}
        self.index = index  # in its batch
        if batch is not None:
            self.__dict__["batch"] = batch

    @classmethod
    def many(cls, texts: list[str], metas: list[Mapping[str, Any]]) -> list[Document]:
        """Documents for a batch, measured together (`Batch`)."""
        batch = Batch(texts)
        return [cls(text, meta, batch, i) for i, (text, meta) in enumerate(zip(texts, metas, strict=True))]

    @cached_property
    def batch(self) -> Batch:
        """A document made alone is a batch of one."""
        return Batch([self.text])

    @cached_property
    def codes(self) -> np.ndarray:
        """The code points (uint32)."""
        if len(self.batch.texts) == 1:
            return self.batch.codes
        start = int(self.batch.starts[self.index])
        return self.batch.codes[start : start + len(self.text)]

    @property
    def counts(self) -> list[int]:
        """Characters per class (a plain property: on Python 3.11 a cached property's first
        read takes a lock, which costs more than this lookup)."""
        return self.batch.counts[self.index]

    @property
    def han(self) -> int:
        return self.counts[HAN]

    @property
    def visible(self) -> int:
        """Characters that are not white space."""
        return len(self.text) - self.counts[SPACE]

    @cached_property
    def lines(self) -> list[str]:
        """The non-empty lines, stripped."""
        return [line for line in (raw.strip() for raw in self.text.split("\n")) if line]

    @cached_property
    def lines_ending_in_punctuation(self) -> int:
        # the last character, not a search anchored with `$`, which is tried at every position
        return sum(1 for line in self.lines if line[-1] in _LINE_END_CHARS)


@dataclass(frozen=True, slots=True)
class Verdict:
    """A filter's decision against a document: which of its reasons, and the value behind it."""

    reason: str
    value: Any


@dataclass(slots=True)
class FilterOutput:
    """What one filter returns: its signals (kept in the output when asked), a verdict when it
    drops, and metadata every output carries (the language filter's `lang`)."""

    signals: dict[str, Any] = field(default_factory=dict)
    drop: Verdict | None = None
    meta: dict[str, Any] = field(default_factory=dict)


class FilterFunction(Protocol):
    def __call__(self, doc: Document, options: Any) -> FilterOutput: ...


@dataclass(frozen=True)
class FilterSpec(StepSpec):
    """A registered filter: as a step's spec (name, function, options, documentation), plus
    whether it runs by default. Options live under `[filters.<name>]`."""

    default: bool = True
    section: str = "filters"


FILTERS: dict[str, FilterSpec] = {}


def register_filter(name: str, options: type, default: bool = True) -> Callable:
    """Register a filter function under `name`, documented by its module's docstring."""

    def decorate(function: FilterFunction) -> FilterFunction:
        if name in FILTERS:
            raise ValueError(f"filter {name!r} is registered twice")
        import sys

        doc = sys.modules[function.__module__].__doc__ or ""
        FILTERS[name] = FilterSpec(name, function, options, doc, default=default)  # type: ignore[arg-type]
        return function

    return decorate
