"""Small text helpers shared by steps: line removal that leaves no trace, space runs."""

from __future__ import annotations

import re

# Marks where a step removed something. U+0000 never survives the unicode step, so it cannot
# collide with document text.
GONE = "\x00"

# A run of spaces, or a no-break space: one space after the whitespace step. Steps that
# compare lines compare them as that step will leave them.
SPACE_RUN = re.compile("[ \u00a0]{2,}|\u00a0")

_EMPTIED_LINE = re.compile("^[ \t\u3000\u00a0\x00]*\x00[ \t\u3000\u00a0\x00]*(?:\n|$)", re.M)


def drop_emptied_lines(text: str) -> str:
    """Delete lines a step emptied (they held only removed material), then the marks left inline.

    A line that was blank before the step stays: it separates paragraphs. A line the step
    emptied goes with its newline, so removing `![]()` or a footer never leaves a gap.
    """
    text = _EMPTIED_LINE.sub("", text)
    return text.replace(GONE, "")


def remove_lines(lines: list[str], drop: set[int]) -> str:
    """Join `lines` without the indices in `drop`."""
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)
