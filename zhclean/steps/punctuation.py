"""Write ASCII punctuation in Chinese context as full-width: `你好,世界` → `你好，世界`.

What it does: an ASCII `, : ; ? !` becomes `，：；？！` when the nearest non-space character on
either side is a Han character or Chinese punctuation, unless both neighbours are ASCII
letters or digits (`1,000`, `9:30` stay). A `?` between two Han characters converts only
when its clause asks (a question word before it: `你去哪里?我` → `？`); otherwise it stands
for a character an encoder could not write (`生态?健康?孩子`) and stays ASCII, so the loss stays
visible to the mojibake filter. An ASCII `( )` pair whose content holds a Han
character becomes `（ ）`. Spaces next to the marks this step writes go. Nothing else is
touched, and no Chinese punctuation is ever turned into ASCII. A URL's marks are its own
(`…/item/长城?fr=aladdin`, `…/wiki/Python_(编程语言)`), and a call in code keeps its
parentheses (`print("你好")`).

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
from zhclean.steps.base import NoOptions, Removal, StepOutput, register, tally
from zhclean.text import reads_as_question

_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_CHINESE = f"[{HAN_CLASS}{CJK_PUNCT_CLASS}]"
_SPACE = "[ \t\u00a0\u3000]*"
# A mark with a space on either side; led by the mark's class so the engine scans for it in C.
_SPACED_MARK = re.compile("[,:;?!](?:(?<=[ \t\u00a0\u3000].)|(?=[ \t\u00a0\u3000]))")


# A colon or semicolon that starts an emoticon (`好:)`, `太好了;-)我们走`, `哭:(`) is a face, not
# a mark: a `)`, or a mouth that no letter, digit or Han character follows, a `(` that nothing
# closes in its run of characters (`时间:(上午)`, `注意:D区`, `回复@x:(*^__^*)` are marks).
_EMOTICON_AFTER = f"(?![-^']?(?:\\)|[DPp](?![{HAN_CLASS}A-Za-z0-9])|\\((?![^\\s)]*\\))(?![{HAN_CLASS}A-Za-z0-9])))"


# A mark between a Latin letter or digit and a curly quote closes English (`“Yes,” she said.`):
# curly quotes are Chinese context only beside Chinese.
_NOT_ENGLISH_QUOTE = "(?!(?<=[A-Za-z0-9].)[“”‘’])"


def _mark_patterns(mark: str) -> tuple[re.Pattern, re.Pattern]:
    """(unspaced, spaced) patterns for one ASCII mark whose nearest non-space neighbour on the
    left or on the right is Chinese. Either side Chinese means the two neighbours are not
    both ASCII letters or digits, so `1,000` and `9:30` never match. The unspaced one starts
    with the mark itself, so the regex engine skips ahead to it; a literal replacement keeps
    the substitution in C (a template with group references calls Python per match)."""
    m = re.escape(mark)
    face = _EMOTICON_AFTER if mark in ":;" else ""
    unspaced = re.compile(f"{m}{face}(?:(?<={_CHINESE}{m})|(?={_CHINESE}){_NOT_ENGLISH_QUOTE})")
    spaced = re.compile(f"(?<={_CHINESE}){_SPACE}{m}{face}{_SPACE}|{_SPACE}{m}{face}{_SPACE}(?={_CHINESE})")
    return unspaced, spaced


_PATTERNS = {mark: _mark_patterns(mark) for mark in _FULL}
# The lookahead finds a Han character, then the content is taken possessively: written as
# `[^()\n]*[Han][^()\n]*`, each Han character of an unclosed `(` was tried as the one, and the
# rest rescanned from it (quadratic).
# A `(` right after an identifier and before a quote is a call in code (`print("你好")`): it stays.
_CALL = "(?<=[A-Za-z0-9_]\\()[\"']"
_PAREN_HAN = re.compile(f"\\((?!{_CALL})(?=[^()\n]*[{HAN_CLASS}])([^()\n]*+)\\)")
_IDENTIFIER_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_HAN = re.compile(f"[{HAN_CLASS}]")
_PAREN_EVENT = re.compile("[()\n]")
_MARKS = ",:;?!"
_MARK_RULE = {mark: f"'{mark}'" for mark in ",:;?!()"}  # a mark's rule name in the counters
_SPACES = " \t\u00a0\u3000"
# A run of ASCII marks with the spaces inside and around it: the marks of one such region
# convert together, or none of them does. Led by a lookbehind so a run of spaces that no
# mark follows is scanned once, from its start.
_MARK_REGION = re.compile(f"(?<![{_SPACES}])[{_SPACES}]*+[{_MARKS}](?:[{_SPACES}]*+[{_MARKS}])*+[{_SPACES}]*+")
_CHINESE_CHAR = re.compile(_CHINESE)
_TO_FULL = str.maketrans({**_FULL, **dict.fromkeys(_SPACES)})
# Regex passes before the closures below take over: ordinary text is done in one or two.
_PASSES = 2


# `?` runs between two Han characters: a question mark, or a lost character (see
# `reads_as_question`); the lost ones are held out of the conversion under a stand-in that
# is no Chinese context, and come back as ASCII, so later filters still see the loss.
# Led by the `?` itself (the lookbehind then checks the character before it), so the engine
# jumps from `?` to `?` instead of testing a lookbehind at every character.
_HAN_QUESTION = re.compile(f"\\?(?<=[{HAN_CLASS}]\\?)\\?*+(?=[{HAN_CLASS}])")
_LOST = "\uffff"  # a noncharacter: text never holds one (checked)


def _hold_lost_marks(text: str) -> tuple[str, int]:
    """`text` with the `?` that stand for lost characters replaced by `_LOST`; how many."""
    if "?" not in text or not _HAN_QUESTION.search(text) or _LOST in text:
        return text, 0
    held = 0

    def hold(m: re.Match) -> str:
        nonlocal held
        if reads_as_question(text, m.start()):
            return m.group()
        held += len(m.group())
        return _LOST * len(m.group())

    return _HAN_QUESTION.sub(hold, text), held


# A URL's marks are its own (`…/item/长城?fr=aladdin`, `…?q=北京,上海`): held out of the
# conversion. A URL runs from its scheme or `www.` over ASCII and Han characters (paths may
# hold Han) and ends before a space, Chinese punctuation, or a run of ASCII marks that a
# space, a Han character, Chinese punctuation or the end follows (`见www.x.cn,谢谢`: the comma
# is the sentence's; the run as a whole, so that converting it changes nothing).
_URL = re.compile(
    f"(?:https?://|www\\.)[A-Za-z0-9.\\-]+(?:[/?#][!-~{HAN_CLASS}]*?)?"
    f"(?=[\\s，。；：！？、）」』”’]|[,;:!?.)]+(?:[\\s{HAN_CLASS}，。；：！？、）」』”’]|$)|$)"
)
_URL_HOLD = str.maketrans({mark: chr(0xFDD0 + i) for i, mark in enumerate(",:;?!()")})
_URL_RESTORE = str.maketrans({chr(0xFDD0 + i): mark for i, mark in enumerate(",:;?!()")})
_HELD_CHARS = re.compile("[\ufdd0-\ufdd6]")  # noncharacters: text holding one is left as it is


def _hold_url_marks(text: str) -> tuple[str, bool]:
    """`text` with the ASCII marks inside URLs replaced by noncharacters; whether any were."""
    if ("http" not in text and "www." not in text) or _HELD_CHARS.search(text):
        return text, False
    pieces, last, held = [], 0, False
    for m in _URL.finditer(text):
        url = m.group()
        held_url = url.translate(_URL_HOLD)
        if held_url != url:
            pieces += [text[last:m.start()], held_url]
            last, held = m.end(), True
    return ("".join(pieces) + text[last:], True) if held else (text, False)


def _has_marks(text: str) -> bool:
    """Any ASCII mark: five one-character `in`s run ten times faster than a regex class scan."""
    return "," in text or ":" in text or ";" in text or "?" in text or "!" in text


def _convert_marks(text: str, spaced: bool, fired: dict[str, int]) -> tuple[str, int]:
    """One pass; a mark whose only Chinese neighbour is another mark (`好,!,x`) needs the next.
    Each mark's conversions are added to `fired` (by rule name)."""
    count = 0
    for mark, patterns in _PATTERNS.items():
        if mark in text:
            text, n = patterns[spaced].subn(_FULL[mark], text)
            count += n
            tally(fired, _MARK_RULE[mark], n)
    return text, count


def _convert_parens(text: str, fired: dict[str, int]) -> tuple[str, int]:
    """`(` `)` pairs holding Han characters to `（` `）`, innermost first: what a converted pair
    holds is Han to the pair around it. A pass converts the innermost pairs, so nested pairs
    take one pass each; after `_PASSES`, `_paren_closure` finishes in one scan."""
    edits = 0
    for _ in range(_PASSES):
        text, n = _PAREN_HAN.subn(r"（\1）", text)
        edits += n
        if not n or "(" not in text:
            break
    else:
        text, n = _paren_closure(text)
        edits += n
    if edits:
        fired["'('"] = fired["')'"] = edits  # each edit is one pair
    return text, edits


def _paren_closure(text: str) -> tuple[str, int]:
    """What repeating `_PAREN_HAN` until nothing changes leaves, in one scan with a stack of
    open `(`: a pair converts when it holds a Han character, directly or in a pair inside it
    that converted; a pair that does not convert blocks every pair around it (an ASCII
    parenthesis is never inside a match), and a line break ends every open pair."""
    stack: list[list] = []  # [position of "(", holds Han]
    pairs: list[tuple[int, int]] = []
    last = 0
    for m in _PAREN_EVENT.finditer(text):
        at = m.start()
        if stack and not stack[-1][1]:
            stack[-1][1] = _HAN.search(text, last, at) is not None
        last = at
        char = m.group()
        if char == "(":
            stack.append([at, False, _is_call(text, at)])
        elif char == "\n" or not stack:
            stack.clear()
        else:
            opened, han, call = stack.pop()
            if not han or call:
                stack.clear()
                continue
            pairs.append((opened, at))
            if stack:
                stack[-1][1] = True
    if not pairs:
        return text, 0
    chars = list(text)
    for opened, closed in pairs:
        chars[opened], chars[closed] = "（", "）"
    return "".join(chars), len(pairs)


def _is_call(text: str, at: int) -> bool:
    """Whether the `(` at `at` opens a call in code (`_CALL`)."""
    return 0 < at < len(text) - 1 and text[at - 1] in _IDENTIFIER_CHARS and text[at + 1] in "\"'"


def _convert_all_marks(text: str, spaced: bool, fired: dict[str, int]) -> tuple[str, int]:
    """ASCII marks in Chinese context to full-width. A converted mark is Chinese context for
    the ASCII mark next to it (`好的？？???`), so a pass converts the marks next to Chinese and
    the next pass their neighbours: a run of n marks took n passes over the whole text.
    After `_PASSES`, `_mark_closure` finishes what the passes would do, in one scan."""
    edits = 0
    for _ in range(_PASSES):
        text, n = _convert_marks(text, spaced, fired)
        edits += n
        if not n or not _has_marks(text):
            return text, edits
    text, n = _mark_closure(text, spaced, fired)
    return text, edits + n


def _mark_closure(text: str, spaced: bool, fired: dict[str, int]) -> tuple[str, int]:
    """What repeating `_convert_marks` until nothing changes leaves. The marks of a region
    (marks with only spaces between them) convert together when the character before or
    after the region is Chinese, and a conversion takes the spaces next to the mark with it
    (both sides, as far as the next non-space). A U+3000 is a space and Chinese at once;
    which spaces go then depends on the order of the passes, so a region holding one is
    left to the passes themselves, on that region alone (regions do not interact). That is
    a safeguard: a mark next to a U+3000 converts in the first pass, so no region left for
    this function holds one."""
    pieces: list[str] = []
    last = edits = 0
    for m in _MARK_REGION.finditer(text):
        start, end = m.span()
        region = m.group()
        if "\u3000" in region:
            lo, hi = max(start - 1, 0), min(end + 1, len(text))
            new, n = _passes_until_done(text[lo:hi], spaced, fired)
            new = new[start - lo : len(new) - (hi - end)]
        elif _in_context(text, start, end):
            new, n = region.translate(_TO_FULL), 0
            for mark in _MARKS:
                k = region.count(mark)
                n += k
                tally(fired, _MARK_RULE[mark], k)
        else:
            continue
        pieces += [text[last:start], new]
        last, edits = end, edits + n
    return "".join(pieces) + text[last:], edits


def _in_context(text: str, start: int, end: int) -> bool:
    """Whether the character before or after `text[start:end]` is Chinese."""
    return bool(start and _CHINESE_CHAR.match(text, start - 1)) or bool(_CHINESE_CHAR.match(text, end))


def _passes_until_done(text: str, spaced: bool, fired: dict[str, int]) -> tuple[str, int]:
    edits = 0
    while True:
        text, n = _convert_marks(text, spaced, fired)
        edits += n
        if not n or not _has_marks(text):
            return text, edits


@register("punctuation")
def punctuation(text: str, fields: Mapping[str, Any], options: NoOptions, explain: bool) -> StepOutput:
    if "(" not in text and not _has_marks(text):
        return StepOutput(text, 0)  # most clean text: no ASCII mark, so no URL marks to hold either
    edits = 0
    fired: dict[str, int] = {}  # ASCII mark (its rule name) -> how many became full-width
    text, urls = _hold_url_marks(text)
    # Parentheses first: a converted `）` is Chinese context for a mark after it (`（仟元）:`).
    if "(" in text:
        text, n = _convert_parens(text, fired)
        edits += n
    held = 0
    if _has_marks(text):  # text without any holds no `?` to hold either
        text, held = _hold_lost_marks(text)
        if not held or _has_marks(text):
            text, n = _convert_all_marks(text, _SPACED_MARK.search(text) is not None, fired)
            edits += n
    if held:
        text = text.replace(_LOST, "?")
    if urls:
        text = text.translate(_URL_RESTORE)
    if not edits:
        return StepOutput(text, 0)
    removals = [Removal("punctuation", "full_width", 0, "", f"{edits} marks")] if explain else []
    return StepOutput(text, edits, removals=removals, rules=fired)

