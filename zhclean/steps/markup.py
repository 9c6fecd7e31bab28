"""Remove markup residue: Markdown images and links, HTML tags and entities, bracket-only lines.

What it does: entities (`&amp;`, `&#8220;`, also escaped twice: `&amp;lt;`) are unescaped
first, so that what they stand for (`&lt;p&gt;`) is markup to the rest, and the characters
they decode to are normalised as the unicode step does; `![alt](url)` goes; `[text](url)`
becomes `text`; HTML comments, `<script>` and `<style>` blocks and tags of HTML elements go
(block tags such as `<p>` and `<br>` leave a line break; `<BLOOMBERG 免責聲明>` names no
element and stays); a line left holding only brackets (`[]`, `()`, `【】`) goes, also when
what this step removed stood beside them (`![]()（`).

Why: scrapers that flatten HTML or Markdown leave `![]()` placeholders where images stood and
tags where the extractor gave up. They are not text, and they differ from copy to copy of the
same article, so they also hide reposts.

Example: `![](http://n.sinaimg.cn/a.jpg)\\n详见[新华网](http://news.cn)报道&nbsp;` → `详见新华网报道\\xa0`
"""

from __future__ import annotations

import html
import html.entities
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from zhclean.steps.base import NoOptions, Removal, StepOutput, register
from zhclean.steps.unicode import needs_normalizing, normalize
from zhclean.text import BRACKET_LINE_BODY, drop_emptied_lines
from zhclean.text import GONE as _GONE

_IMAGE = re.compile(r"!\[[^\]\n]{0,200}\]\([^)\n]{0,2000}\)")
_LINK = re.compile(r"\[([^\]\n]{1,200})\]\(((?:https?:)?//|www\.|/|#)[^)\s]{0,2000}\)")
_BLOCK_CONTENT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|<!--.*?-->", re.S | re.I)
# HTML element names (the living standard's, common obsolete ones, and custom elements with a
# hyphen): `<BLOOMBERG 免責聲明>` is a bracketed heading in a Taiwan news article, not a tag.
_ELEMENTS = (
    "a abbr acronym address area article aside audio b base basefont bdi bdo big blink blockquote "
    "body br button canvas caption center cite code col colgroup data datalist dd del details dfn "
    "dialog dir div dl dt em embed fieldset figcaption figure font footer form frame frameset h1 h2 "
    "h3 h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label legend li link main map "
    "mark marquee menu meta meter nav nobr noframes noscript object ol optgroup option output p "
    "param picture pre progress q rp rt ruby s samp script search section select slot small source "
    "span strike strong style sub summary sup svg table tbody td template textarea tfoot th thead "
    "time title tr track tt u ul var video wbr"
)
_TAG_NAME = "|".join(sorted(_ELEMENTS.split(), key=len, reverse=True))
_TAG = re.compile(
    rf"</?(?=(?i:[a-z]))((?i:{_TAG_NAME})|[a-zA-Z][a-zA-Z0-9]*-[a-zA-Z0-9-]*)(?=[\s/>])(?:\s[^<>]{{0,1000}})?/?>"
)  # the lookahead fails `<!--`, `<中` at once instead of after every name of the alternation
_BLOCK_TAGS = frozenset(
    ["p", "br", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer", "blockquote"]
)
# An entity, after any run of escaped ampersands (`&amp;amp;lt;`, `&#38;lt;`): a page escaped
# twice decodes in one pass, or a second cleaning would decode the next layer.
_AMPERSAND = "(?:amp|AMP|#0*38|#[xX]0*26);"
_ENTITY = re.compile(
    rf"&(?P<chain>(?:{_AMPERSAND})*)(?P<last>[a-zA-Z][a-zA-Z0-9]{{1,31}}|#[0-9]{{1,7}}|#[xX][0-9a-fA-F]{{1,6}});"
)
# Where a bracket-only line may start: a literal line break lets the engine skip ahead (the
# text gets one prepended); the multiline pattern below is tried at every character.
_BRACKET_LINE_START = re.compile(f"\n{BRACKET_LINE_BODY}(?:\n|$)")
_BRACKET_ONLY_LINE = re.compile(f"^{BRACKET_LINE_BODY}$", re.M)
# Where an HTML comment or a <script>/<style> block may start. Each one's end is searched for
# from there; one search that finds none means no later one has an end either, so it is not
# searched again (a lazy `.*?` searched to the end of the text from every unclosed `<!--`).
_BLOCK_KINDS = ("script", "style", "!--")
_BLOCK_ENDS = {"script": re.compile(r"</script\s*>", re.I), "style": re.compile(r"</style\s*>", re.I)}


@lru_cache(maxsize=8)
def _block_start(kinds: frozenset[str]) -> re.Pattern:
    """Where a block of one of `kinds` may start; group 1 is the tag name, if any."""
    tags = "|".join(k for k in _BLOCK_KINDS if k in kinds and k != "!--")
    alternatives = ([rf"((?i:{tags}))\b"] if tags else []) + (["!--"] if "!--" in kinds else [])
    return re.compile("<(?:" + "|".join(alternatives) + ")")


def _block_spans(text: str) -> list[tuple[int, int]]:
    """Spans of what `_BLOCK_CONTENT` substitutes, leftmost first, in linear time: a kind of
    block whose end is not found after one start has none after later ones either, and is
    no longer looked for."""
    spans: list[tuple[int, int]] = []
    kinds = frozenset(_BLOCK_KINDS)
    pos = 0
    while kinds and (m := _block_start(kinds).search(text, pos)):
        kind = m.group(1).lower() if m.lastindex else "!--"
        end = _block_end(text, m.end(), kind)
        if end < 0:
            kinds -= {kind}
            pos = m.start() + 1
            continue
        spans.append((m.start(), end))
        pos = end
    return spans


def _block_end(text: str, after: int, kind: str) -> int:
    """Where the block whose start ends at `after` ends, or -1 when it never does."""
    if kind == "!--":
        end = text.find("-->", after)
        return end + 3 if end >= 0 else -1
    tag_end = text.find(">", after)
    if tag_end < 0:
        return -1
    close = _BLOCK_ENDS[kind].search(text, tag_end + 1)
    return close.end() if close else -1


def _remove_blocks(text: str, removals: list[Removal] | None) -> tuple[str, int]:
    """`_BLOCK_CONTENT.subn(_GONE, text)`, with removals when explaining."""
    spans = _block_spans(text)
    if not spans:
        return text, 0
    pieces, last = [], 0
    for start, end in spans:
        if removals is not None:
            removals.append(Removal("markup", "html_block", start, text[start:end], _GONE))
        pieces += [text[last:start], _GONE]
        last = end
    pieces.append(text[last:])
    return "".join(pieces), len(spans)


def _sub_counted(pattern: re.Pattern, repl, text: str, rule: str, removals) -> tuple[str, int]:
    """Substitute and, when explaining, record each match as a removal."""
    if removals is not None:
        for m in pattern.finditer(text):
            new = repl(m) if callable(repl) else repl
            shown = new if new == _GONE else new.replace(_GONE, "")  # a link's marks are no text
            removals.append(Removal("markup", rule, m.start(), m.group(), shown))
    return pattern.subn(repl, text)


def _tag_replacement(match: re.Match) -> str:
    return "\n" if match.group(1).lower() in _BLOCK_TAGS else _GONE


# The longest text `_TAG` matches: `</`, a name, 1,000 characters of attributes, `/>`.
_MAX_TAG = 2 + max(map(len, _ELEMENTS.split())) + 1000 + 2
_ANGLE = re.compile("[<>]")


def _remove_tags(text: str, removals: list[Removal] | None) -> tuple[str, int]:
    """Tags removed, and the tags that removing them makes (`<<b>a>`, `<a <br> x>`, `<b![](x)>`):
    the next cleaning would remove those. One substitution is final for nearly every text,
    which then holds no tag once what was removed is gone; the others are done again by
    `_tag_closure`, which finds the same as repeating the substitution, in one scan."""
    new, n = _TAG.subn(_tag_replacement, text)
    if "<" in new and _TAG.search(new.replace(_GONE, "")):
        return _tag_closure(text, removals)
    if removals is not None:
        removals.extend(
            Removal("markup", "html_tag", m.start(), m.group(), _tag_replacement(m)) for m in _TAG.finditer(text)
        )
    return new, n


class _Frame:
    """An open `<` of `_tag_closure`: the text after it as it stands once the tags inside it
    are gone (no longer than any tag can be)."""

    __slots__ = ("start", "parts", "length", "cursor")

    def __init__(self, start: int) -> None:
        self.start, self.parts, self.length, self.cursor = start, [], 0, start

    def extend(self, text: str, upto: int) -> bool:
        """Take the text up to `upto`; False when the frame is then too long to be a tag."""
        piece = text[self.cursor : upto]
        self.length += len(piece) - piece.count(_GONE)
        self.parts.append(piece)
        self.cursor = upto
        return self.length <= _MAX_TAG

    def take(self, replacement: str, upto: int) -> None:
        """A tag inside this frame, up to `upto`, went and left `replacement`."""
        self.parts.append(replacement)
        self.length += len(replacement) - replacement.count(_GONE)
        self.cursor = upto


def _tag_closure(text: str, removals: list[Removal] | None) -> tuple[str, int]:
    """What repeating the tag substitution until nothing changes leaves, with a stack of the
    open `<`. At a `>`, the innermost open `<` is a tag when the text between them, without
    the tags removed inside, is one; then the `<` before it may be, later. Otherwise that `>`
    (or a `<` too far back to be a tag) is text, and no open `<` can become a tag: a tag holds
    neither. What earlier passes removed (`\\x00`) counts as gone, as it will be."""
    frames: list[_Frame] = []
    spans: list[tuple[int, int, str]] = []
    for m in _ANGLE.finditer(text):
        at = m.start()
        if m.group() == "<":
            if frames and not frames[-1].extend(text, at):
                frames.clear()
            frames.append(_Frame(at))
            continue
        if not frames:
            continue
        top = frames[-1]
        tag = _TAG.fullmatch("".join(top.parts).replace(_GONE, "")) if top.extend(text, at + 1) else None
        if tag is None:
            frames.clear()
            continue
        frames.pop()
        replacement = _tag_replacement(tag)
        spans.append((top.start, at + 1, replacement))
        if frames:
            frames[-1].take(replacement, at + 1)
    return _replace_outermost(text, spans, removals), len(spans)


def _replace_outermost(text: str, spans: list[tuple[int, int, str]], removals: list[Removal] | None) -> str:
    """`text` with each span that no other holds replaced (spans are nested or apart)."""
    pieces, last = [], 0
    for start, end, replacement in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < last:
            continue
        if removals is not None:
            removals.append(Removal("markup", "html_tag", start, text[start:end], replacement))
        pieces += [text[last:start], replacement]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _entity_replacement(match: re.Match) -> str:
    """The character the entity stands for. A name that is not an entity's whole name stays as
    written: `html.unescape` reads `&ampmp;` as `&amp` + `mp;`, and the `&mp;` it leaves is
    decoded by the next cleaning."""
    last = match.group("last")
    entity = "&" + last + ";"
    if last[0] == "#":
        return html.unescape(entity)
    decoded = html.entities.html5.get(last + ";")
    if decoded is not None:
        return decoded
    return entity if match.group("chain") else match.group()


def _unescape(text: str, removals: list[Removal] | None) -> tuple[str, int]:
    """Entities decoded, and what they decoded to normalised as the unicode step would
    (`&#xFF21;`, `&#13;`, `e&#x301;`): that step has run already."""
    text, n = _sub_counted(_ENTITY, _entity_replacement, text, "html_entity", removals)
    if n:
        text, _ = normalize(text)
    return text, n


@register("markup")
def markup(text: str, fields: Mapping[str, Any], options: NoOptions, explain: bool) -> StepOutput:
    removals: list[Removal] | None = [] if explain else None
    edits = 0
    # Entities first: what they decode to may be markup (`&lt;p&gt;`, `&#91;&#93;`).
    if "&" in text:
        text, edits = _unescape(text, removals)
    text, removed, joined = _remove_markup(text, removals)
    if removed:
        text, edits = _after_removals(text, edits + removed, joined, removals)
    return StepOutput(text, edits, removals=removals or [])


def _remove_markup(text: str, removals: list[Removal] | None) -> tuple[str, int, bool]:
    """Markdown, HTML blocks and tags and bracket-only lines removed: (text, edits, whether
    a removal inside a line joined characters that may need the unicode step again)."""
    edits, joined = 0, False
    if "](" in text:
        text, n = _sub_counted(_IMAGE, _GONE, text, "markdown_image", removals)
        edits += n
        # The marks around a link's text show where it was joined to what stood beside it.
        text, n = _sub_counted(_LINK, lambda m: f"{_GONE}{m.group(1)}{_GONE}", text, "markdown_link", removals)
        edits += n
    if "<" in text:
        text, n = _remove_blocks(text, removals)
        edits += n
        text, n = _remove_tags(text, removals)
        edits += n
        if n and "<" in text:  # what tags stood in may have been a comment's end: `<!--<b>>`
            if _GONE in text:
                joined = _joins_need_work(text)
                text = drop_emptied_lines(text)
            text, n = _remove_blocks(text, removals)
            edits += n
    if _BRACKET_LINE_START.search("\n" + text):
        text, n = _sub_counted(_BRACKET_ONLY_LINE, _GONE, text, "bracket_only_line", removals)
        edits += n
    if _GONE in text:
        joined = joined or _joins_need_work(text)
        text = drop_emptied_lines(text)
    return text, edits, joined


_AROUND = 4  # characters each side of a join that decide whether it needs the unicode step


def _joins_need_work(text: str) -> bool:
    """Whether a removal inside a line (its marks are still in `text`) joined characters
    that compose (`e<b></b>\\u0301`) or make mojibake: only the places removals left are
    looked at, not the whole text (`str.find` runs at memory speed; a regex does not)."""
    end = 0
    while (start := text.find(_GONE, end)) >= 0:
        end = start + 1
        while end < len(text) and text[end] == _GONE:
            end += 1
        if not start or end == len(text) or text[start - 1] == "\n" or text[end] == "\n":
            continue  # nothing was joined
        around = text[max(0, start - _AROUND) : end + _AROUND].replace(_GONE, "")
        if unicodedata.combining(text[end]) or needs_normalizing(around):
            return True
    return False


def _after_removals(text: str, edits: int, joined: bool, removals: list[Removal] | None) -> tuple[str, int]:
    """What removing markup joined: an entity (`&copy<b>;`), characters that compose
    (`e<b></b>\u0301`) or mojibake. The next cleaning would find them."""
    if "&" in text:
        text, n = _unescape(text, removals)
        edits += n
    return (normalize(text)[0] if joined else text), edits
