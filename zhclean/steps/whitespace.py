"""Tidy whitespace: trim lines, collapse runs of spaces and of blank lines, trim the ends.

What it does: each line loses leading and trailing spaces, tabs, U+3000 and U+00A0; a run of
spaces (or a no-break space) inside a line becomes one space; a run of blank lines becomes
one; the document has no blank lines at either end.

Why: indentation with ideographic spaces and stray blank lines are layout, not text, and they
differ from site to site for the same article.

Example: `\\u3000\\u3000第一段。  \\n\\n\\n\\n第二段。\\n` → `第一段。\\n\\n第二段。`
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from zhclean.steps.base import NoOptions, StepOutput, register
from zhclean.text import LINE_EDGE, SPACE_RUN

# A run of edge characters at a line's start or end, matched from the run's first character
# only and possessively: `[ ]+$` was tried at each space of a run inside a line, rescanning
# the rest of it (quadratic: a page laid out with a run of 10,000 spaces took 0.6 s). Led by
# the class, so the engine skips to the next edge character in C; written as `^…|…$` (an
# alternation tried at every character, each branch behind a lookbehind) it was 6x slower.
_E = f"[{LINE_EDGE}]"
_LINE_EDGES = re.compile(rf"{_E}(?<!{_E}.)(?:(?<=^.){_E}*+|{_E}*+(?=\n|\Z))", re.M)
_BLANK_RUN = re.compile(r"\n{3,}")
# Anything below would change, found in one scan: an edge space next to a line break, a run
# of spaces or a no-break space, three line breaks. Most documents have none. Written to
# start with one character class, which the regex engine scans for at C speed (a top-level
# alternation is tried branch by branch at every character: 2.5 times slower).
_ANY_WORK = re.compile(
    "[ \t\u3000\u00a0\n](?:(?<=\u00a0)|(?<=[ \t\u3000])\n|(?<= ) |(?<=\n)[ \t\u3000\u00a0]|(?<=\n)\n\n)"
)
_ENDS = LINE_EDGE + "\n"


def _has_work(text: str) -> bool:
    """Whether anything below would change. Most Chinese text holds no space at all, and a
    one-character `in` runs twenty times faster than a regex scan; `_ANY_WORK` decides the rest."""
    if " " in text or "\t" in text or "\u3000" in text or "\u00a0" in text:
        return _ANY_WORK.search(text) is not None
    return "\n\n\n" in text


@register("whitespace")
def whitespace(text: str, fields: Mapping[str, Any], options: NoOptions, explain: bool) -> StepOutput:
    if not text or (text[0] not in _ENDS and text[-1] not in _ENDS and not _has_work(text)):
        return StepOutput(text)
    edits = 0
    text, n = _LINE_EDGES.subn("", text)
    edits += n
    if "  " in text or "\u00a0" in text:
        text, n = SPACE_RUN.subn(" ", text)
        edits += n
    if "\n\n\n" in text:
        text, n = _BLANK_RUN.subn("\n\n", text)
        edits += n
    trimmed = text.strip("\n")
    return StepOutput(trimmed, edits + (trimmed != text))
