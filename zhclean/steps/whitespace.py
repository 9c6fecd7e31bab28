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
_SPACE_RUN = re.compile("[ \u00a0]{2,}|\u00a0")
_BLANK_RUN = re.compile(r"\n{3,}")


@register("whitespace")
def whitespace(text: str, fields: Mapping[str, Any], options: NoOptions, explain: bool) -> StepOutput:
    text, a = _LINE_EDGES.subn("", text)
    text, b = _SPACE_RUN.subn(" ", text)
    text, c = _BLANK_RUN.subn("\n\n", text)
    trimmed = text.strip("\n")
    return StepOutput(trimmed, a + b + c + (trimmed != text))
