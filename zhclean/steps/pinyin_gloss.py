"""Remove inline pinyin glosses that content farms put after characters: `的(de)` → `的`.

What it does: finds `(py)` or `（py）` right after Han characters, where `py` is a reading of
the character before it (or the readings of the 2-4 characters before it, run together),
toneless (`zhong`), tone-marked (`zhòng`), tone-numbered (`zhong4`), `ü` written `ü`, `v` or
`u`, spaces inside allowed. A Traditional character also takes the readings of its
Simplified form (`國(guó)`). Readings come from pypinyin's dictionary, loaded once.

Why: reposting sites gloss dozens of common characters to make a copied article look new.
The glosses break every n-gram statistic, tokenizer and deduplication fingerprint.

Kept, because then the gloss is content: capitalised romanisations (`北京(Beijing)`); a
document with fewer than 3 glosses; pronunciation teaching: fewer than 6 distinct characters
glossed, one of them with two different readings (`重(zhòng)…重(chóng)`), each reading shown
at most twice on average or the text saying it teaches (读作, 读音, 多音字, 拼音). A content farm
glossing a polyphone at every occurrence (`了(le)`…`了(liao)`) is not teaching. The space a
glosser puts after a gloss goes with it when Chinese follows (`两(liang) 会` → `两会`).
Words that are not readings (`李连杰(blog)`, `独立屋(house)`) always stay.

Example: `区人(ren)大常委会主任程绣(xiu)明` → `区人大常委会主任程绣明`
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import compress
from typing import Any

from zhclean.chars import (
    CJK_PUNCT_CLASS,
    HAN_CLASS,
    HAN_RE,
    PINYIN_LETTERS,
    char_tables,
    fold_pinyin,
)
from zhclean.config import setting
from zhclean.steps.base import Removal, StepOutput, register

# A parenthesised run of pinyin letters, digits for tones and spaces (U+00A0 too: the whitespace
# step makes it a space, and the next cleaning would find the gloss). `split` with this group
# yields, in one C-level pass, the text between candidates and each candidate: the character
# a candidate reads is the end of the text before it.
_SYLLABLES = f"[ \t\u00a0]*[{PINYIN_LETTERS}][{PINYIN_LETTERS}0-5 \t\u00a0]*[)）]"
# Each pattern captures the candidate and, through a lookbehind placed after the opening
# bracket (so the regex engine still skips ahead to the bracket), the character before it.
# `split` then yields [text, candidate, character before, text, ...]: every key a verdict
# needs comes out of C. A literal bracket is faster to find; most pages use one kind.
_CANDIDATE = re.compile(f"([(（](?<=(.)[(（]){_SYLLABLES})")
_CANDIDATE_ASCII = re.compile(f"(\\((?<=(.)\\(){_SYLLABLES})")
_CANDIDATE_FULL = re.compile(f"(（(?<=(.)（){_SYLLABLES})")
_BRACKETS = re.compile(r"[(（)）]")
_MAX_RUN = 4
_SPELLING_NOISE = re.compile("[ \t\u00a0(（)）]")
# A tone number follows one syllable: two digits in a row are a number (`张伟(zhangwei123)` is
# a user name, `李娜(lina2024)` an id), not tones.
_TWO_DIGITS = re.compile("[0-9]{2}")

# (character(s) before, reading as written) -> is it a reading of them. Content farms gloss
# the same few dozen characters over and over, so nearly every lookup is a hit.
_VERDICTS: dict[tuple[str, str], bool] = {}
_VERDICTS_MAX = 200_000
# The keys whose verdict is True, as a set: `distinct - _READINGS_SEEN` is one C-level set
# difference that leaves only the candidates still to look at.
_READINGS_SEEN: set[tuple[str, str]] = set()


@dataclass(frozen=True, slots=True)
class PinyinGlossOptions:
    min_glosses: int = setting(3, at_least=0)  # fewer glosses than this in a document: they are content
    teaching_max_distinct: int = setting(6, at_least=0)  # fewer glossed characters, one with two readings: teaching


@dataclass(frozen=True, slots=True)
class Gloss:
    start: int  # offset of the opening parenthesis
    end: int
    unit: str  # the Han character(s) the gloss reads
    written: str  # the gloss as written, brackets included


def _splits_into(folded: str, chars: str, readings: Mapping[str, frozenset[str]]) -> bool:
    """True when `folded` is the readings of `chars`, one per character, run together."""
    if not chars:
        return not folded
    for reading in readings.get(chars[0], ()):
        if folded.startswith(reading) and _splits_into(folded[len(reading) :], chars[1:], readings):
            return True
    return False


def _reads(chars: str, candidate: str) -> bool:
    """Whether the bracketed `candidate` is a reading of the Han characters `chars` (memoised)."""
    key = (chars, candidate)
    verdict = _VERDICTS.get(key)
    if verdict is None:
        written = _BRACKETS.sub("", candidate).strip(" \t\u00a0")
        verdict = (
            bool(chars)
            and not written[0].isupper()
            and _TWO_DIGITS.search(written) is None
            and all(HAN_RE.match(c) for c in chars)
            and _splits_into(fold_pinyin(written), chars, char_tables().readings)
        )
        if len(_VERDICTS) >= _VERDICTS_MAX:
            _VERDICTS.clear()
            _READINGS_SEEN.clear()
        _VERDICTS[key] = verdict
        if verdict:
            _READINGS_SEEN.add(key)
    return verdict


def _unit(before: str, candidate: str) -> str | None:
    """The 1-4 characters at the end of `before` that `candidate` reads, shortest first."""
    for size in range(1, min(_MAX_RUN, len(before)) + 1):
        if _reads(before[-size:], candidate):
            return before[-size:]
    return None


def _scan(text: str) -> tuple[list[str], list[str | None], set[tuple[str, str]]]:
    """`split` parts (text, candidate, character before, text, ...), the unit each candidate
    reads (None: not a gloss) and the distinct (unit, candidate) pairs of the glosses.

    Verdicts are taken once per distinct (character, candidate) pair, not per candidate; only
    candidates that do not read the one character before them are looked at again, for 2-4
    character units.
    """
    if "（" not in text:
        parts = _CANDIDATE_ASCII.split(text)
    elif "(" not in text:
        parts = _CANDIDATE_FULL.split(text)
    else:
        parts = _CANDIDATE.split(text)
    candidates, before = parts[1::3], parts[2::3]
    distinct = set(zip(before, candidates, strict=True))
    misses = {key for key in distinct - _READINGS_SEEN if not _reads(*key)}
    units: list[str | None] = before
    if misses:
        units = list(before)
        tails = _Tails(parts[0::3], candidates, units)
        keys = zip(before, candidates, strict=True)
        for i in compress(range(len(candidates)), map(misses.__contains__, keys)):
            units[i] = _unit(tails.before(i), candidates[i])
        distinct = {(u, c) for u, c in zip(units, candidates, strict=True) if u is not None}  # type: ignore[misc]
    return parts, units, distinct


class _Tails:
    """The last characters before each candidate as the text stands once the glosses before
    it are gone. `的(de)(de)` is two glosses: the second follows `的` when the first goes, and
    a second cleaning would remove it. Asked in ascending order of candidates, it walks the
    candidates once, so a chain of n glosses costs n steps, not n²."""

    def __init__(self, pieces: list[str], candidates: list[str], units: list[str | None]) -> None:
        self.pieces, self.candidates, self.units = pieces, candidates, units
        self.done, self.tail = -1, ""  # the tail after candidate `done`

    def before(self, i: int) -> str:
        piece = self.pieces[i]
        if len(piece) >= _MAX_RUN or i == 0:
            return piece
        self._advance(i - 1)
        return (self.tail + piece)[-_MAX_RUN:]

    def _advance(self, j: int) -> None:
        """Move the tail on to just after candidate j; those before it are settled."""
        tail = self.tail
        for k in range(self.done + 1, j + 1):
            tail = (tail + self.pieces[k])[-_MAX_RUN:]
            if self.units[k] is None:  # a candidate that stays stands between
                tail = (tail + self.candidates[k])[-_MAX_RUN:]
        if j > self.done:
            self.done, self.tail = j, tail


# The space some glossers put after a gloss (`两(liang) 会(hui)`): it separates the gloss,
# not the words, so it goes with the gloss when Chinese follows (Chinese puts no space
# between its characters).
_SEPARATOR = re.compile(f"[ \t\u00a0]+(?=[{HAN_CLASS}{CJK_PUNCT_CLASS}])")


def _after_gloss(piece: str) -> str:
    """The text after a removed gloss, without its separator space."""
    found = _SEPARATOR.match(piece)
    return piece[found.end():] if found else piece


# A candidate ends with its closing bracket: without a space after one, no piece after a
# candidate starts with a separator (most glossed text). A search led by one bracket skips
# to it at C speed; a pattern led by the class of both is tried at every character, and six
# substring tests scan the text six times: each costs three times as much.
_SPACE_AFTER_BRACKET = (re.compile("\\)[ \t\u00a0]"), re.compile("）[ \t\u00a0]"))


def _remove(text: str, parts: list[str], units: list[str | None]) -> str:
    """`text` (split into `parts`) with every candidate that reads its unit left out, and its
    separator space."""
    pieces = parts[0::3]
    spaced = any(pattern.search(text) for pattern in _SPACE_AFTER_BRACKET)
    if None not in units:
        return "".join([pieces[0], *map(_after_gloss, pieces[1:])] if spaced else pieces)
    kept = ["" if u is not None else c for c, u in zip(parts[1::3], units, strict=True)]
    after = [pieces[0]] + [_after_gloss(p) if u is not None and spaced else p
                           for p, u in zip(pieces[1:], units, strict=True)]
    return "".join(piece + candidate for piece, candidate in zip(after, kept + [""], strict=True))


def find_glosses(text: str) -> list[Gloss]:
    """Every parenthesised reading of the 1-4 characters just before it, with its position."""
    parts, units, _ = _scan(text)
    found, offset = [], 0
    for i, unit in enumerate(units):
        offset += len(parts[3 * i])
        candidate = parts[3 * i + 1]
        if unit is not None:
            found.append(Gloss(offset, offset + len(candidate), unit, candidate))
        offset += len(candidate)
    return found


def _spelling(candidate: str) -> str:
    return _SPELLING_NOISE.sub("", candidate).lower()


# Words pronunciation teaching is written with: "read as", "reading", "polyphone", "pinyin".
_TEACHING_CUES = re.compile("读作|读音|读成|念作|念成|多音字|拼音|注音|发音|讀作|讀音|讀成|唸作|發音")
TEACHING_GLOSSES_PER_READING = 2  # teaching shows each reading once or twice; farms gloss every occurrence


def glosses_are_content(count: int, pairs: set[tuple[str, str]], options: PinyinGlossOptions,
                        text: str = "") -> bool:
    """True when the document's glosses teach pronunciation rather than pad the text.

    `pairs` are the distinct (unit, reading as written) of the `count` glosses found. Teaching
    glosses few distinct characters, contrasts readings of one of them (`重(zhòng)…重(chóng)`),
    and does so a few times, or mostly of the characters it contrasts, or in words that say so
    (读作, 多音字, 拼音); a content farm that glosses a polyphone at every occurrence among its
    other glosses (`了(le)`…`了(liao)`, `的(de)`, `中(zhong)`) is not teaching.
    """
    if count < options.min_glosses:
        return True
    units: set[str] = set()
    for unit, _ in pairs:  # stops as soon as enough distinct characters are glossed
        units.add(unit)
        if len(units) >= options.teaching_max_distinct:
            return False
    spellings: dict[str, set[str]] = {}
    for unit, written in pairs:
        spellings.setdefault(unit, set()).add(_spelling(written))
    contrasted = sum(1 for forms in spellings.values() if len(forms) > 1)
    if not contrasted:
        return False
    few = count <= TEACHING_GLOSSES_PER_READING * sum(map(len, spellings.values()))
    # A lesson on polyphones glosses mostly the characters it contrasts (`重(zhòng)量、重(chóng)复、
    # 重(zhòng)要…`); a farm glosses its usual few and one polyphone among them.
    mostly_contrasted = 2 * contrasted >= len(spellings)
    return few or mostly_contrasted or _TEACHING_CUES.search(text) is not None


def _without(text: str, glosses: list[Gloss]) -> str:
    pieces, last = [], 0
    for g in glosses:
        pieces.append(text[last : g.start])
        last = g.end
    pieces.append(text[last:])
    return "".join([pieces[0], *map(_after_gloss, pieces[1:])])


def _field_glosses(fields: Mapping[str, Any]) -> dict[str, list[Gloss]]:
    return {
        name: found
        for name, value in fields.items()
        if isinstance(value, str) and ("(" in value or "（" in value)
        for found in [find_glosses(value)]
        if found
    }


def _removals(text: str, glosses: list[Gloss], fields: Mapping[str, Any], in_fields: dict[str, list[Gloss]]) -> list[Removal]:
    return [Removal("pinyin_gloss", "gloss", g.start, text[g.start : g.end]) for g in glosses] + [
        Removal("pinyin_gloss", f"gloss_in_{name}", g.start, fields[name][g.start : g.end])
        for name, found in in_fields.items()
        for g in found
    ]


@register("pinyin_gloss", options=PinyinGlossOptions)
def pinyin_gloss(
    text: str, fields: Mapping[str, Any], options: PinyinGlossOptions, explain: bool
) -> StepOutput:
    """Glosses in extracted fields (`来源：上海杨浦(pu)`) count with the text's and go with them."""
    in_fields = _field_glosses(fields)
    if "(" not in text and "（" not in text and not in_fields:
        return StepOutput(text)
    parts, units, distinct = _scan(text)
    field_pairs = [(g.unit, g.written) for found in in_fields.values() for g in found]
    count = len(units) - units.count(None) + len(field_pairs)
    if not count:
        return StepOutput(text)
    if glosses_are_content(count, distinct.union(field_pairs), options, text):
        return StepOutput(text, rules={"kept_as_content": count})
    removals = _removals(text, find_glosses(text), fields, in_fields) if explain else []
    return StepOutput(_remove(text, parts, units), count, _cleaned_fields(fields, in_fields), removals, {"removed": count})


def _cleaned_fields(fields: Mapping[str, Any], in_fields: dict[str, list[Gloss]]) -> dict[str, str]:
    return {name: _without(fields[name], found) for name, found in in_fields.items()}
