"""Remove a line that stands verbatim elsewhere in the document: headings, pull-quotes.

What it does: a line of 8 or more Han characters that also appears elsewhere in the document
(as an identical line, or inside a longer line) goes; the longer or first occurrence stays.

Why: reposting sites turn a paragraph's first sentence into a heading above it, and copy
pull-quotes out of the body. The text is then there twice, which skews every statistic a
corpus is built for and hides the repost from deduplication.

Example: `这一管理条例对塔河水资源作出了明确的规定\\n这一管理条例对塔河水资源作出了明确的规定。新疆…`
→ the first line goes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from zhclean.chars import HAN_CLASS
from zhclean.config import setting
from zhclean.steps.base import Removal, StepOutput, register
from zhclean.text import SPACE_RUN, remove_lines


@dataclass(frozen=True, slots=True)
class RepeatedLineOptions:
    min_han: int = setting(8, at_least=0)  # shorter lines (captions, list items) may repeat legitimately


@lru_cache(maxsize=8)
def _min_han_pattern(minimum: int) -> re.Pattern:
    """Matches a line holding at least `minimum` Han characters, in one C-level call."""
    return re.compile(f"(?:[^{HAN_CLASS}]*[{HAN_CLASS}]){{{minimum}}}")


def _has_min_han(line: str, minimum: int) -> bool:
    return _min_han_pattern(minimum).match(line) is not None


def repeated_lines(text: str, min_han: int) -> list[int]:
    """Indices of lines to drop: a later copy of an identical line, or a line inside a longer one.

    Lines are compared as the whitespace step will leave them (space runs and no-break spaces
    as one space), so a second cleaning finds nothing new: `進軍澳洲\u00a0 加速` is the title
    that stands inside the article's last sentence as `進軍澳洲 加速`."""
    if "  " in text or "\u00a0" in text:
        text = SPACE_RUN.sub(" ", text)
    stripped = [line.strip() for line in text.split("\n")]
    whole = "\n".join(stripped)
    seen: set[str] = set()
    drop = []
    for i, line in enumerate(stripped):  # cheapest tests first: most lines occur once
        if len(line) < min_han:
            continue
        if line in seen:
            if _has_min_han(line, min_han):
                drop.append(i)
            continue
        seen.add(line)
        if whole.count(line) > 1 and _has_min_han(line, min_han) and any(
            len(other) > len(line) and line in other for other in stripped
        ):
            drop.append(i)
    return drop


@register("repeated_line", options=RepeatedLineOptions)
def repeated_line(
    text: str, fields: Mapping[str, Any], options: RepeatedLineOptions, explain: bool
) -> StepOutput:
    if "\n" not in text:
        return StepOutput(text)
    drop = repeated_lines(text, options.min_han)
    if not drop:
        return StepOutput(text)
    lines = text.split("\n")
    kept = remove_lines(lines, set(drop))
    removals = [Removal("repeated_line", "repeated_line", i, lines[i]) for i in drop] if explain else []
    return StepOutput(kept, len(drop), removals=removals)
