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

_EDGE = " \t\u3000\u00a0"
_LINE_EDGES = re.compile(f"^[{_EDGE}]+|[{_EDGE}]+$", re.M)
# Where a line edge can be: next to a line break or at either end (substring checks run in C
# at memory speed, so text without edge spaces skips the multiline regex).
_EDGE_SPOTS = tuple(c + "\n" for c in _EDGE) + tuple("\n" + c for c in _EDGE)
_SPACE_RUN = re.compile("[ \u00a0]{2,}|\u00a0")
_BLANK_RUN = re.compile(r"\n{3,}")


def _may_have_line_edges(text: str) -> bool:
    return text[:1] in _EDGE or text[-1:] in _EDGE or any(spot in text for spot in _EDGE_SPOTS)


@register("whitespace")
def whitespace(text: str, fields: Mapping[str, Any], options: NoOptions, explain: bool) -> StepOutput:
    edits = 0
    if text and _may_have_line_edges(text):
        text, n = _LINE_EDGES.subn("", text)
        edits += n
    if "  " in text or "\u00a0" in text:
        text, n = _SPACE_RUN.subn(" ", text)
        edits += n
    if "\n\n\n" in text:
        text, n = _BLANK_RUN.subn("\n\n", text)
        edits += n
    trimmed = text.strip("\n")
    return StepOutput(trimmed, edits + (trimmed != text))
