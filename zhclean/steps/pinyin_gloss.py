"""Remove inline pinyin glosses that content farms put after characters: `的(de)` → `的`.

What it does: finds `(py)` or `（py）` right after Han characters, where `py` is a reading of
the character before it (or the readings of the 2-4 characters before it, run together),
toneless (`zhong`), tone-marked (`zhòng`), tone-numbered (`zhong4`), `ü` written `ü`, `v` or
`u`, spaces inside allowed. A Traditional character also takes the readings of its
Simplified form (`國(guó)`). Readings come from pypinyin's dictionary, loaded once.

Why: reposting sites gloss dozens of common characters to make a copied article look new.
The glosses break every n-gram statistic, tokenizer and deduplication fingerprint.

Kept, because then the gloss is content: capitalised romanisations (`北京(Beijing)`); a
document with fewer than 3 glosses; a document that glosses fewer than 6 distinct characters,
one of them with two different readings (`重(zhòng)…重(chóng)`: pronunciation teaching).
Words that are not readings (`李连杰(blog)`, `独立屋(house)`) always stay.

Example: `区人(ren)大常委会主任程绣(xiu)明` → `区人大常委会主任程绣明`
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zhclean.chars import HAN_RE, char_tables, fold_pinyin
from zhclean.steps.base import Removal, StepOutput, register

_LETTER = "a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêńňǹḿ"
_CANDIDATE = re.compile(
    f"[(（][ \t]*([{_LETTER}][{_LETTER}0-5 \t]{{0,40}}?)[ \t]*[)）]"
)
_MAX_RUN = 4


@dataclass(frozen=True, slots=True)
class PinyinGlossOptions:
    min_glosses: int = 3  # fewer glosses than this in a document: they are content
    teaching_max_distinct: int = 6  # fewer glossed characters, one with two readings: teaching


@dataclass(frozen=True, slots=True)
class Gloss:
    start: int  # offset of the opening parenthesis
    end: int
    unit: str  # the Han character(s) the gloss reads
    written: str  # the reading as written, lower-cased, spaces removed


def _splits_into(folded: str, chars: str, readings: Mapping[str, frozenset[str]]) -> bool:
    """True when `folded` is the readings of `chars`, one per character, run together."""
    if not chars:
        return not folded
    for reading in readings.get(chars[0], ()):
        if folded.startswith(reading) and _splits_into(folded[len(reading) :], chars[1:], readings):
            return True
    return False


def _read_unit(text: str, start: int, folded: str, readings) -> str | None:
    """The 1-4 Han characters before `start` that `folded` reads, shortest first."""
    before = text[max(0, start - _MAX_RUN) : start]
    for size in range(1, len(before) + 1):
        chars = before[-size:]
        if not HAN_RE.match(chars[0]):
            return None
        if _splits_into(folded, chars, readings):
            return chars
    return None


def find_glosses(text: str) -> list[Gloss]:
    """Every parenthesised reading of the characters just before it."""
    readings = char_tables().readings
    found = []
    for m in _CANDIDATE.finditer(text):
        start = m.start()
        written = m.group(1)
        if start == 0 or written[0].isupper() or not HAN_RE.match(text[start - 1]):
            continue
        unit = _read_unit(text, start, fold_pinyin(written), readings)
        if unit is not None:
            found.append(Gloss(start, m.end(), unit, re.sub(r"[ \t]", "", written).lower()))
    return found


def glosses_are_content(glosses: list[Gloss], options: PinyinGlossOptions) -> bool:
    """True when the document's glosses teach pronunciation rather than pad the text."""
    if len(glosses) < options.min_glosses:
        return True
    units: dict[str, set[str]] = {}
    for g in glosses:
        units.setdefault(g.unit, set()).add(g.written)
    polyphone = any(len(forms) > 1 for forms in units.values())
    return len(units) < options.teaching_max_distinct and polyphone


def _without(text: str, glosses: list[Gloss]) -> str:
    pieces, last = [], 0
    for g in glosses:
        pieces.append(text[last : g.start])
        last = g.end
    pieces.append(text[last:])
    return "".join(pieces)


@register("pinyin_gloss", options=PinyinGlossOptions)
def pinyin_gloss(
    text: str, fields: Mapping[str, Any], options: PinyinGlossOptions, explain: bool
) -> StepOutput:
    """Glosses in extracted fields (`来源：上海杨浦(pu)`) count with the text's and go with them."""
    in_fields = {
        name: found
        for name, value in fields.items()
        if isinstance(value, str) and ("(" in value or "（" in value)
        for found in [find_glosses(value)]
        if found
    }
    if "(" not in text and "（" not in text and not in_fields:
        return StepOutput(text)
    glosses = find_glosses(text)
    everything = glosses + [g for found in in_fields.values() for g in found]
    if not everything or glosses_are_content(everything, options):
        return StepOutput(text)
    cleaned_fields = {name: _without(fields[name], found) for name, found in in_fields.items()}
    removals = (
        [Removal("pinyin_gloss", "gloss", g.start, text[g.start : g.end]) for g in glosses]
        + [
            Removal("pinyin_gloss", f"gloss_in_{name}", g.start, fields[name][g.start : g.end])
            for name, found in in_fields.items()
            for g in found
        ]
        if explain
        else []
    )
    return StepOutput(_without(text, glosses), len(everything), cleaned_fields, removals)
