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
# ASCII mark with its neighbouring spaces and the nearest non-space character on each side.
_MARK = re.compile(f"(?P<left>[^ \t\u00a0\u3000\n]?)(?P<ls>{_SPACE})(?P<mark>[,:;?!])(?P<rs>{_SPACE})(?P<right>[^ \t\u00a0\u3000\n]?)")
_IS_CHINESE = re.compile(_CHINESE)
_ASCII_ALNUM = re.compile("[A-Za-z0-9]")
_PAREN_HAN = re.compile(f"\\(([^()\n]*[{HAN_CLASS}][^()\n]*)\\)")


def _mark_replacement(m: re.Match) -> str:
    left, right, mark = m.group("left"), m.group("right"), m.group("mark")
    chinese = bool(left and _IS_CHINESE.match(left)) or bool(right and _IS_CHINESE.match(right))
    both_alnum = bool(left and right and _ASCII_ALNUM.match(left) and _ASCII_ALNUM.match(right))
    if not chinese or both_alnum:
        return m.group()
    return left + _FULL[mark] + right


def _convert_marks(text: str) -> tuple[str, int]:
    """One left-to-right pass; overlapping neighbours (`好,,好`) are settled by a second pass."""
    count = 0

    def replace(m: re.Match) -> str:
        nonlocal count
        new = _mark_replacement(m)
        count += new != m.group()
        return new

    text = _MARK.sub(replace, text)
    return text, count


@register("punctuation")
def punctuation(text: str, fields: Mapping[str, Any], options: NoOptions, explain: bool) -> StepOutput:
    edits = 0
    before = text
    for _ in range(3):  # marks sharing a neighbour need another pass; three settle any run
        text, n = _convert_marks(text)
        edits += n
        if not n:
            break
    for _ in range(3):  # nested pairs: innermost first
        text, n = _PAREN_HAN.subn(r"（\1）", text)
        edits += n
        if not n:
            break
    removals = [Removal("punctuation", "full_width", 0, "", f"{edits} marks")] if explain and text != before else []
    return StepOutput(text, edits, removals=removals)
