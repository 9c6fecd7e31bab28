"""Normalise characters: NFC, invisible and control characters, line endings, full-width ASCII.

What it does: turns `\\r\\n` and `\\r` into `\\n`; repairs UTF-8 mojibake (`ä¸­æ–‡` for
`中文`) on the lines where a cheap detector fires; removes zero-width characters
(U+200B-U+200D, U+2060, U+FEFF) and control characters other than newline and tab; turns
full-width ASCII letters and digits into ASCII; keeps at most 30 combining marks in a row
(Unicode's stream-safe limit, UAX #15: "Zalgo" runs beyond it are noise, and CPython sorts a
run's marks in quadratic time); composes the text to NFC. NFC comes after the
removals and replacements, which can put a combining mark after a new base, so that a
second cleaning finds nothing to do.

Why: invisible characters split words for every tokenizer and n-gram counter while showing
nothing to a reader; content farms insert them to defeat deduplication. Full-width letters
and digits are one character written two ways. Full-width *punctuation* is left alone: NFKC
and ftfy would turn `，` into `,`, which is wrong for Chinese.

Example: `两\\x08国的合作，\\u200b关系将有（ＡＢＣ１２３）` → `两国的合作，关系将有（ABC123）`
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from zhclean.chars import MOJIBAKE_OTHER_CONTINUATION, MOJIBAKE_TYPOGRAPHIC, codes_of, text_of
from zhclean.steps.base import Removal, StepOutput, register, tally
from zhclean.text import LINE_EDGE, SPACE_RUN

_LINE_ENDINGS = re.compile(r"\r\n?")
_INVISIBLE_CHARS = frozenset(
    "\u200b\u200c\u200d\u2060\ufeff"
    + "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]))
)
_FULLWIDTH_CHARS = frozenset(map(chr, [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]))
_MOJIBAKE_LEADS = frozenset(map(chr, range(0xE3, 0xEA)))  # ã-é: UTF-8 lead bytes E3-E9 as Latin-1


def _char_class(chars: frozenset[str]) -> str:
    return "[" + "".join(map(re.escape, sorted(chars))) + "]"


_INVISIBLE = re.compile(_char_class(_INVISIBLE_CHARS) + "+")
# Any character one of the passes below would act on: most text has none, and one scan that
# lists them all tells which passes to run, cheaper than a scan per pass.
_ANY_WORK = re.compile(_char_class(frozenset("\r") | _MOJIBAKE_LEADS | _INVISIBLE_CHARS | _FULLWIDTH_CHARS))

# UTF-8 bytes of CJK text read as Latin-1/cp1252: a lead byte E3-E9 shown as ã-é followed by
# two continuation bytes (0x80-0xBF), which cp1252 shows as punctuation or Latin-1 symbols.
# Two typographic marks after an accented letter (`“hé”“lè”`) are not such a pair alone: at
# least one of the two is another continuation (a line of mojibake has many such triples).
_CONT = f"{MOJIBAKE_OTHER_CONTINUATION}{MOJIBAKE_TYPOGRAPHIC}"
_MOJIBAKE = re.compile(
    f"[\u00e3-\u00e9](?:[{MOJIBAKE_OTHER_CONTINUATION}][{_CONT}]|[{MOJIBAKE_TYPOGRAPHIC}][{MOJIBAKE_OTHER_CONTINUATION}])"
)


@dataclass(frozen=True, slots=True)
class UnicodeOptions:
    repair_mojibake: bool = True


@lru_cache(maxsize=4096)
def _encoding_fix(line: str) -> str:
    """Repair one line's encoding: decoded directly when the whole line is UTF-8 read as
    Windows-1252 or Latin-1 (the common case, in C), else with ftfy's encoding fixes only (no
    width, quote or HTML changes; ftfy is ~50 µs a line in Python). Remembered: a page's
    mojibake lines repeat (menus, footers), and a hostile page repeats one by the thousand."""
    direct = _decoded_whole(line)
    if direct is not None:
        return direct
    return _ftfy_encoding_fix(line)


def _decoded_whole(line: str) -> str | None:
    """The line's bytes in Windows-1252 (or Latin-1) read as UTF-8, repeated while that still
    finds mojibake (text decoded wrongly twice); None when some character is not such a byte
    or the bytes are not UTF-8: ftfy then repairs what part it can."""
    text = line
    for _ in range(3):
        for codec in ("cp1252", "latin-1"):
            try:
                text = text.encode(codec).decode("utf-8")
                break
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
        else:
            return None if text is line else text
        if not _MOJIBAKE.search(text):
            return text
    return text


def _ftfy_encoding_fix(line: str) -> str:
    import ftfy

    config = ftfy.TextFixerConfig(
        unescape_html=False,
        remove_terminal_escapes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        fix_surrogates=False,
        remove_control_chars=False,
        normalization=None,
        explain=False,
    )
    return ftfy.fix_text(line, config)


def _repair_mojibake(text: str, removals: list[Removal] | None) -> tuple[str, int]:
    """Repair the lines the detector fires on. What ftfy decoded may hold anything (invisible
    characters, full-width letters, combining marks), so the repaired lines get the other
    passes again: one cleaning leaves nothing for a second."""
    lines = text.split("\n")
    edits = 0
    for i, line in enumerate(lines):
        if _MOJIBAKE.search(line):
            fixed = _repair_line(line)
            if fixed != line:
                fixed = _normalize_repaired(fixed)
                edits += 1
                if removals is not None:
                    removals.append(Removal("unicode", "mojibake", i, line, fixed))
                lines[i] = fixed
    return "\n".join(lines), edits


def _normalize_repaired(line: str) -> str:
    """A repaired line with the step's other passes done on it."""
    line = _LINE_ENDINGS.sub("\n", line) if "\r" in line else line
    return _normalize_chars(line, set(_ANY_WORK.findall(line)), None, {})[0]


def _repair_line(line: str) -> str:
    """The line with its encoding repaired, as the whitespace step will leave it when that
    copy repairs: ftfy reads `\\xa0ã€‚` as Latin-1 text and ` ã€‚` as mojibake, so the next
    cleaning would repair the copy. The copy stands for the line then: the whitespace step
    makes the same changes to it later. Otherwise the line as it is (a U+00A0 may be a byte
    of the mojibake: `ä¸\\xa0` is `丠`)."""
    spaced = SPACE_RUN.sub(" ", line).strip(LINE_EDGE) if "\u00a0" in line or "  " in line else line.strip(LINE_EDGE)
    if spaced != line and _MOJIBAKE.search(spaced) and (fixed := _encoding_fix(spaced)) != spaced:
        return fixed
    return _encoding_fix(line)


def _fullwidth_to_ascii(text: str) -> tuple[str, int]:
    """Full-width letters and digits to ASCII, as one vectorised pass over the code points."""
    codes = codes_of(text).copy()
    wide = ((codes >= 0xFF10) & (codes <= 0xFF19)) | ((codes >= 0xFF21) & (codes <= 0xFF3A)) | (
        (codes >= 0xFF41) & (codes <= 0xFF5A)
    )
    codes[wide] -= 0xFEE0
    return text_of(codes), int(wide.sum())


def _normalize_chars(text: str, found: set[str], removals: list[Removal] | None,
                     rules: dict[str, int]) -> tuple[str, int, bool]:
    """Invisible characters, full-width letters and digits, then NFC. NFC comes last because
    each removal or replacement before it can put a combining mark after a new base
    (`ü\\x03\\u0328`, `Ａ\\u0301`): composed first, the text would compose again next time.
    `found` holds the characters of `_ANY_WORK` the text has. Returns (text, edits, whether
    mojibake may have been made: joined around a removed character, or composed)."""
    edits, joined = 0, False
    if not found.isdisjoint(_INVISIBLE_CHARS):
        if removals is not None:
            removals.extend(
                Removal("unicode", "invisible", m.start(), m.group()) for m in _INVISIBLE.finditer(text)
            )
        text, n = _INVISIBLE.subn("", text)
        edits += n
        tally(rules, "invisible", n)
        joined = not found.isdisjoint(_MOJIBAKE_LEADS)
    if not found.isdisjoint(_FULLWIDTH_CHARS):
        text, fullwidth = _fullwidth_to_ascii(text)
        edits += fullwidth
        tally(rules, "fullwidth_to_ascii", fullwidth)
    if not unicodedata.is_normalized("NFC", text):
        text, cut = _long_mark_runs().subn(r"\1", text)
        edits += cut
        tally(rules, "long_mark_run", cut)
        if cut and unicodedata.is_normalized("NFC", text):
            return text, edits, joined
        text = unicodedata.normalize("NFC", text)
        edits += 1
        tally(rules, "nfc", 1)
        joined = True
    return text, edits, joined


MAX_MARKS = 30  # non-starters in a row that UAX #15's stream-safe text format allows


@cache
def _long_mark_runs() -> re.Pattern:
    """A run of more than MAX_MARKS combining characters (canonical combining class not 0),
    keeping the first MAX_MARKS as group 1. The class is read from unicodedata once (the
    marks lie between U+0300 and U+1E94B: 125,000 lookups, about 15 ms)."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x300, 0x1E950):
        if unicodedata.combining(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    marks = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return re.compile(f"([{marks}]{{{MAX_MARKS}}})[{marks}]+")


def needs_normalizing(text: str) -> bool:
    """Whether `normalize` may change `text` (a mojibake lead alone says yes)."""
    return _ANY_WORK.search(text) is not None or not unicodedata.is_normalized("NFC", text)


def _calm(char: str) -> bool:
    """Whether `char` can neither end a composition nor continue mojibake, whatever stands
    before it: ASCII and the CJK ideographs, which most text is made of."""
    return char < "\u0080" or "\u4e00" <= char <= "\u9fff"


@lru_cache(maxsize=4096)
def _quiet(piece: str) -> bool:
    """Whether `piece` gives `normalize` no work and starts with a calm character."""
    return _calm(piece[:1] or "\u0300") and not needs_normalizing(piece)


def joined_needs_normalizing(before: str, piece: str, after: str) -> bool:
    """Whether putting `piece` (an entity's character, or nothing where markup went) between
    `before` and `after`, text `normalize` left alone, gives it work: `e` + `\\u0301`
    composes, `ã` + `¸­` is mojibake. Calm characters settle it at once, a few characters of
    context otherwise."""
    if (not after or _calm(after[0])) and (_quiet(piece) if piece else True):
        return False
    return needs_normalizing(before + piece + after) or bool(after and unicodedata.combining(after[0]))


def normalize(text: str, repair_mojibake: bool = True, removals: list[Removal] | None = None,
              rules: dict[str, int] | None = None) -> tuple[str, int]:
    """Everything the step does, as (text, edits). Steps that decode text (HTML entities)
    call it on what they decoded, so that a second cleaning finds nothing to do.

    Mojibake is repaired before the other passes, which would delete the C1 controls that
    Latin-1 mojibake holds (`ä¸\\xad\\x96`); and again after them when they changed the text,
    as removing an invisible character or composing (`a\\u0303` → `ã`) can make mojibake."""
    found = set(_ANY_WORK.findall(text))
    if not found and unicodedata.is_normalized("NFC", text):
        return text, 0
    edits = 0
    rules = {} if rules is None else rules
    if "\r" in found:
        text, edits = _LINE_ENDINGS.subn("\n", text)
        tally(rules, "line_ending", edits)
    repair = repair_mojibake and not found.isdisjoint(_MOJIBAKE_LEADS) and _MOJIBAKE.search(text)
    if repair:
        text, n = _repair_mojibake(text, removals)
        edits += n
        tally(rules, "mojibake", n)
        found = set(_ANY_WORK.findall(text))
    text, n, joined = _normalize_chars(text, found, removals, rules)
    edits += n
    if joined and repair_mojibake and _MOJIBAKE.search(text):
        text, n = _repair_mojibake(text, removals)
        edits += n
        tally(rules, "mojibake", n)
    return text, edits


@register("unicode", options=UnicodeOptions)
def unicode_step(
    text: str, fields: Mapping[str, Any], options: UnicodeOptions, explain: bool
) -> StepOutput:
    removals: list[Removal] | None = [] if explain else None
    rules: dict[str, int] = {}
    text, edits = normalize(text, options.repair_mojibake, removals, rules)
    return StepOutput(text, edits, removals=removals or [], rules=rules or None)
