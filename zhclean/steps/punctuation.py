"""Write ASCII punctuation in Chinese context as full-width: `你好,世界` → `你好，世界`.

What it does: an ASCII `, : ; ? !` becomes `，：；？！` when the nearest non-space character on
either side is a Han character or Chinese punctuation, unless both neighbours are ASCII
letters or digits (`1,000`, `9:30` stay). An ASCII `( )` pair whose content holds a Han
character becomes `（ ）`. Spaces next to the marks this step writes go. Nothing else is
touched, and no Chinese punctuation is ever turned into ASCII.

Why: the same sentence typed on two keyboards should be one string; ASCII commas inside
Chinese split n-grams and make reposts look different. Tools that normalise with NFKC do the
opposite and turn `，` into `,`, losing the distinction Chinese typography makes.

Example: `据报道,巴以双方(据新华社)达成协议!` → `据报道，巴以双方（据新华社）达成协议！`
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from zhclean.chars import CJK_PUNCT_CLASS, HAN_CLASS
from zhclean.steps.base import NoOptions, Removal, StepOutput, register

_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_CHINESE = f"[{HAN_CLASS}{CJK_PUNCT_CLASS}]"
_SPACE = "[ \t\u00a0\u3000]*"
# A mark with a space on either side; led by the mark's class so the engine scans for it in C.
_SPACED_MARK = re.compile("[,:;?!](?:(?<=[ \t\u00a0\u3000].)|(?=[ \t\u00a0\u3000]))")


def _mark_patterns(mark: str) -> tuple[re.Pattern, re.Pattern]:
    """(unspaced, spaced) patterns for one ASCII mark whose nearest non-space neighbour on the
    left or on the right is Chinese. Either side Chinese means the two neighbours are not
    both ASCII letters or digits, so `1,000` and `9:30` never match. The unspaced one starts
    with the mark itself, so the regex engine skips ahead to it; a literal replacement keeps
    the substitution in C (a template with group references calls Python per match)."""
    m = re.escape(mark)
    unspaced = re.compile(f"{m}(?:(?<={_CHINESE}{m})|(?={_CHINESE}))")
    spaced = re.compile(f"(?<={_CHINESE}){_SPACE}{m}{_SPACE}|{_SPACE}{m}{_SPACE}(?={_CHINESE})")
    return unspaced, spaced


_PATTERNS = {mark: _mark_patterns(mark) for mark in _FULL}
_PAREN_HAN = re.compile(f"\\(([^()\n]*[{HAN_CLASS}][^()\n]*)\\)")


def _has_marks(text: str) -> bool:
    """Any ASCII mark: five one-character `in`s run ten times faster than a regex class scan."""
    return "," in text or ":" in text or ";" in text or "?" in text or "!" in text


def _convert_marks(text: str, spaced: bool) -> tuple[str, int]:
    """One pass; a mark whose only Chinese neighbour is another mark (`好,!,x`) needs the next."""
    count = 0
    for mark, patterns in _PATTERNS.items():
        if mark in text:
            text, n = patterns[spaced].subn(_FULL[mark], text)
            count += n
    return text, count


@register("punctuation")
def punctuation(text: str, fields: Mapping[str, Any], options: NoOptions, explain: bool) -> StepOutput:
    edits = 0
    before = text
    # Parentheses first: a converted `）` is Chinese context for a mark after it (`（仟元）:`).
    if "(" in text:
        while True:  # nested pairs, innermost first; each pass converts at least one, so this ends
            text, n = _PAREN_HAN.subn(r"（\1）", text)
            edits += n
            if not n or "(" not in text:
                break
    if _has_marks(text):
        spaced = _SPACED_MARK.search(text) is not None
        # A converted mark is Chinese context for the ASCII mark next to it (`好的？？???`), so
        # passes repeat until none converts; each converts at least one, so this ends.
        while True:
            text, n = _convert_marks(text, spaced)
            edits += n
            if not n or not _has_marks(text):
                break
    removals = [Removal("punctuation", "full_width", 0, "", f"{edits} marks")] if explain and text != before else []
    return StepOutput(text, edits, removals=removals)
