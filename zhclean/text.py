"""Small text helpers shared by steps: line removal that leaves no trace, space runs."""

from __future__ import annotations

import re

# Marks where a step removed something. U+0000 never survives the unicode step, so it cannot
# collide with document text.
GONE = "\x00"

# A run of spaces, or a no-break space: one space after the whitespace step. Steps that
# compare lines compare them as that step will leave them.
SPACE_RUN = re.compile("[ \u00a0]{2,}|\u00a0")

# What a line's edges may hold besides text: the whitespace step trims these off every line.
LINE_EDGE = " \t\u3000\u00a0"


def drop_emptied_lines(text: str) -> str:
    """Delete lines a step emptied (they held only removed material), then the marks left inline.

    A line that was blank before the step stays: it separates paragraphs. A line the step
    emptied goes with its newline, so removing `![]()` or a footer never leaves a gap (an
    emptied last line leaves the newline before it). Per-line `in` and `strip` run in C and
    are twice as fast as a multiline regex, which is tried at every character.
    """
    lines = text.split("\n")
    kept = [line for line in lines[:-1] if GONE not in line or line.strip(LINE_EDGE + GONE)]
    last = lines[-1]
    kept.append(last if GONE not in last or last.strip(LINE_EDGE + GONE) else "")
    return "\n".join(kept).replace(GONE, "")


def remove_lines(lines: list[str], drop: set[int]) -> str:
    """Join `lines` without the indices in `drop`."""
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)
