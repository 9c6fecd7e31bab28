"""Normalise characters: NFC, invisible and control characters, line endings, full-width ASCII.

What it does: composes the text to NFC; removes zero-width characters (U+200B-U+200D,
U+2060, U+FEFF) and control characters other than newline and tab; turns `\\r\\n` and `\\r`
into `\\n`; turns full-width ASCII letters and digits into ASCII; repairs UTF-8 mojibake
(`ä¸­æ–‡` for `中文`) on the lines where a cheap detector fires.

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
from typing import Any

from zhclean.chars import codes_of, text_of
from zhclean.steps.base import Removal, StepOutput, register

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
_CONT = "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
_MOJIBAKE = re.compile(f"[\u00e3-\u00e9][{_CONT}]{{2}}")


@dataclass(frozen=True, slots=True)
class UnicodeOptions:
    repair_mojibake: bool = True


def _repair_line(line: str) -> str:
    """Repair one line with ftfy, only its encoding fixes (no width, quote or HTML changes)."""
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
    lines = text.split("\n")
    edits = 0
    for i, line in enumerate(lines):
        if _MOJIBAKE.search(line):
            fixed = _repair_line(line)
            if fixed != line:
                edits += 1
                if removals is not None:
                    removals.append(Removal("unicode", "mojibake", i, line, fixed))
                lines[i] = fixed
    return "\n".join(lines), edits


def _fullwidth_to_ascii(text: str) -> tuple[str, int]:
    """Full-width letters and digits to ASCII, as one vectorised pass over the code points."""
    codes = codes_of(text).copy()
    wide = ((codes >= 0xFF10) & (codes <= 0xFF19)) | ((codes >= 0xFF21) & (codes <= 0xFF3A)) | (
        (codes >= 0xFF41) & (codes <= 0xFF5A)
    )
    codes[wide] -= 0xFEE0
    return text_of(codes), int(wide.sum())


@register("unicode", options=UnicodeOptions)
def unicode_step(
    text: str, fields: Mapping[str, Any], options: UnicodeOptions, explain: bool
) -> StepOutput:
    found = set(_ANY_WORK.findall(text))
    normalized = unicodedata.is_normalized("NFC", text)
    if not found and normalized:
        return StepOutput(text)
    removals: list[Removal] | None = [] if explain else None
    edits = 0
    if "\r" in found:
        text, n = _LINE_ENDINGS.subn("\n", text)
        edits += n
    if not normalized:
        text = unicodedata.normalize("NFC", text)
        edits += 1
        found = set(_ANY_WORK.findall(text))  # composing can make an `é`, a mojibake lead
    if options.repair_mojibake and not found.isdisjoint(_MOJIBAKE_LEADS) and _MOJIBAKE.search(text):
        text, n = _repair_mojibake(text, removals)
        edits += n
        found = set(_ANY_WORK.findall(text))
    if not found.isdisjoint(_INVISIBLE_CHARS):
        if removals is not None:
            removals.extend(
                Removal("unicode", "invisible", m.start(), m.group()) for m in _INVISIBLE.finditer(text)
            )
        text, n = _INVISIBLE.subn("", text)
        edits += n
    if not found.isdisjoint(_FULLWIDTH_CHARS):
        text, fullwidth = _fullwidth_to_ascii(text)
        edits += fullwidth
    return StepOutput(text, edits, removals=removals or [])
