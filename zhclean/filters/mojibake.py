"""Drop a document whose characters were lost or garbled in an encoding accident.

What it does: counts the characters that stand for lost text: U+FFFD replacement
characters, private-use characters, question marks standing in for a lost Chinese
character (`中??文`, a `?` inside a run of Han characters, not after a question word; a `？`
too when the text has such a `?`), a pinyin gloss whose opening bracket was lost with it
(`因？yàn)`), UTF-8 read as Latin-1 or Windows-1252 (`ä¸­æ–‡`, left where the unicode step
could not repair it), and the marks decoders leave (`锟斤拷`, `烫烫烫`, `屯屯屯`). Their share
of visible characters over `max_share` (and at least `min_count` of them), or at least
`dense_share` of a short text (and at least `min_dense_count`), drops the document as
`mojibake`.

Why: a page saved in Big5 or GBK and read as UTF-8 comes out as `�ҽZ�W�١G` (30 of 5,023
tw_news articles); one converted through a code page that lacks a character has `?` for
it. The text is gone; what is left teaches a model noise. The unicode step repairs what can
be repaired without guessing; this filter drops what cannot. A few stray marks in a good
page stay: the share, not one hit, decides.

Example: `[]\\n�ҽZ�W�١G�O�W�̪F�a��k�|` → dropped, `mojibake` (0.5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from zhclean.chars import (
    HAN_CLASS,
    MOJIBAKE_OTHER_CONTINUATION,
    MOJIBAKE_TYPOGRAPHIC,
    PINYIN_LETTERS,
    char_tables,
    fold_pinyin,
)
from zhclean.config import setting
from zhclean.filters.base import (
    PRIVATE,
    REPLACEMENT,
    Batch,
    Document,
    FilterOutput,
    Verdict,
    register_filter,
    share,
)
from zhclean.text import reads_as_question

# A lost character: question marks inside a run of Han characters. A real question mark
# closes a clause that asks (a question word before it: `zhclean.text.reads_as_question`, the
# test the punctuation step makes too); the others stand for lost characters. An encoder that
# cannot write a character writes an ASCII `?`; full-width ones count only beside such a loss
# (a page cleaned elsewhere may have converted some): alone, `真的？假的？我不信！` is a writer's.
# A run of marks between Han characters, led by its first mark (the engine skips to the marks
# in C; a pattern led by the lookbehind was tried at every character).
_LOST_HAN = re.compile(f"[?？](?<=[{HAN_CLASS}][?？])[?？]*+(?=[{HAN_CLASS}])")
# A gloss whose opening bracket an encoder lost (`因？yàn)槔洳厥业`): a lost-character mark, a
# pinyin reading, the closing bracket, Han text right after it. The reading is what is left
# of the text's gloss noise; the mark is the lost text. Led by the mark class, which the
# engine scans in C.
_LOST_OPENING = re.compile(f"[?？]([{PINYIN_LETTERS}]{{1,7}})[)）](?=[{HAN_CLASS}])")
# A lead followed by typographic marks alone is text (`“má”是麻`): at least one other
# continuation stands in the run.
_UTF8_AS_LATIN1 = re.compile(
    f"[\u00c2-\u00f4][{MOJIBAKE_TYPOGRAPHIC}]*[{MOJIBAKE_OTHER_CONTINUATION}][{MOJIBAKE_OTHER_CONTINUATION}\u2013-\u203a]*"
)
_DECODER_MARKS = re.compile("(?:锟斤拷)+|烫{3,}|屯{3,}")


@dataclass(frozen=True, slots=True)
class MojibakeOptions:
    max_share: float = setting(0.02, at_least=0, at_most=1)  # of visible characters
    min_count: int = setting(5, at_least=1)
    # A short post with a few lost characters (`真後悔那?候?下手……`): fewer than `min_count`, but
    # a tenth of what it says is gone.
    dense_share: float = setting(0.1, at_least=0, at_most=1)
    min_dense_count: int = setting(2, at_least=1)


# What each pattern needs to be there at all, one bit each: a question mark; a lead byte of
# UTF-8 read as Latin-1; a character of the decoders' marks.
_QUESTION, _LATIN1, _MARK = 1, 2, 4


@lru_cache(maxsize=1)
def _triggers() -> np.ndarray:
    """uint8 per code point: the bits of the patterns it may start or belong to."""
    table = np.zeros(0x110000, dtype=np.uint8)
    table[[ord("?"), ord("？")]] = _QUESTION
    table[0xC2:0xF5] = _LATIN1
    table[[ord(ch) for ch in "锟烫屯"]] = _MARK
    return table


def _held(batch: Batch) -> list[int]:
    return batch.holding(_triggers())


def garbled(doc: Document) -> int:
    """Characters that stand for lost text; each pattern is looked for only in a document
    that holds the characters it needs (found for the whole batch at once)."""
    text, counts = doc.text, doc.counts
    lost = counts[REPLACEMENT] + counts[PRIVATE]
    held = doc.batch.measure(_held)[doc.index]
    if not held:
        return lost
    if held & _QUESTION:
        # An encoder writes `?`: full-width ones count with them, and only then. Text without
        # one (most text with `？`) has no run to weigh, and each run's question test is Python.
        if "?" in text:
            runs = [m.group() for m in _LOST_HAN.finditer(text) if not reads_as_question(text, m.start())]
            if any("?" in run for run in runs):
                lost += sum(map(len, runs))
        lost += sum(len(m.group()) for m in _LOST_OPENING.finditer(text) if _is_reading(m.group(1)))
    if held & _LATIN1:
        lost += sum(map(len, _UTF8_AS_LATIN1.findall(text)))
    if held & _MARK and ("锟斤拷" in text or "烫烫烫" in text or "屯屯屯" in text):
        lost += sum(map(len, _DECODER_MARKS.findall(text)))
    return lost


def _is_reading(letters: str) -> bool:
    """A pinyin syllable, of two letters or more or tone-marked: a quiz's `？a)北京` names an
    option."""
    return (len(letters) > 1 or not letters.isascii()) and fold_pinyin(letters) in _syllables()


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable of the readings table."""
    return frozenset().union(*char_tables().readings.values())


@register_filter("mojibake", options=MojibakeOptions)
def mojibake(doc: Document, options: MojibakeOptions) -> FilterOutput:
    lost = garbled(doc)
    garbled_share = share(lost, doc.visible) if lost else 0.0
    signals = {"garbled_chars": lost, "garbled_share": garbled_share}
    if (lost >= options.min_count and garbled_share > options.max_share) or (
            lost >= options.min_dense_count and garbled_share >= options.dense_share):
        return FilterOutput(signals, Verdict("mojibake", garbled_share))
    return FilterOutput(signals)
