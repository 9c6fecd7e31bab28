"""Drop a document that cleaning left empty, or with too few Chinese characters to carry content.

What it does: a document with no visible character is dropped as `empty`; one with fewer
than `min_han` Han characters of its own as `too_short` (the value is the count).
Characters inside emoticon codes (`[哈哈]`, `[爱你]`), @-mentions and #hashtags# are not
counted: they are the platform's, not the writer's sentences.

Why: a page whose text was all boilerplate, a post that is only an emoticon or a mention,
a title with no body: they teach a model nothing and crowd the corpus. Counting Han
characters (not words: Chinese has no spaces to count by) measures how much Chinese text
is there. ChineseWebText keeps documents over 200 characters, a threshold for long web
pages; zhclean's default keeps a Weibo post of one real sentence (calibration in
docs/filters.md).

Example: `美~~~~~[爱你][爱你]` → dropped, `too_short` (1 Han character of its own).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zhclean.chars import HAN_CLASS
from zhclean.config import setting
from zhclean.filters.base import Document, FilterOutput, Verdict, register_filter

# Emoticon codes, mentions and hashtags: looked for only in short documents, where they matter.
_NOT_OWN_TEXT = re.compile(r"\[[^\[\]\n]{1,8}\]|@[^\s@:：,，。!！?？/]{1,30}|#[^#\n]{1,40}#|https?://\S+")
_HAN = re.compile(f"[{HAN_CLASS}]")
_SHORT = 400  # visible characters under which the platform's codes are discounted


@dataclass(frozen=True, slots=True)
class LengthOptions:
    min_han: int = setting(5, at_least=0)  # fewer Han characters of the writer's own: too short


def own_han(doc: Document) -> int:
    """Han characters outside emoticon codes, mentions, hashtags and URLs."""
    if doc.visible >= _SHORT or doc.han == 0:
        return doc.han
    inside = sum(len(_HAN.findall(m.group())) for m in _NOT_OWN_TEXT.finditer(doc.text))
    return doc.han - inside


@register_filter("length", options=LengthOptions)
def length(doc: Document, options: LengthOptions) -> FilterOutput:
    han = own_han(doc)
    signals = {"han_chars": han}
    if doc.visible == 0:
        return FilterOutput(signals, Verdict("empty", 0))
    if han < options.min_han:
        return FilterOutput(signals, Verdict("too_short", han))
    return FilterOutput(signals)
