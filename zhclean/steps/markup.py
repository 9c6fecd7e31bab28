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
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from zhclean.steps.base import NoOptions, Removal, StepOutput, register
from zhclean.steps.unicode import normalize
from zhclean.text import GONE as _GONE
from zhclean.text import drop_emptied_lines

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
# A bracket-only line: only brackets and spaces, at least one of `[]()（）【】`. Its first such
# bracket is found possessively past the other characters a line may hold, and the rest of
# the line possessively after it: written as `[any]*[bracket][any]*`, with the first star
# also allowed spaces that a leading `[ ]*` took, a long line of brackets and spaces was
# tried in every split (cubic: 3 KB took 8.7 s).
# What a line may hold besides brackets: spaces the whitespace step trims or collapses (also
# U+00A0), and the marks of what this step removed (`![]()（` leaves a bracket-only line).
_BRACKET = "\\[\\]()（）【】"
_BRACKET_LINE_OTHER = "{}<>《》〔〕 \t\u3000\u00a0\\x00"
_BRACKET_LINE_CHARS = f"{_BRACKET}{_BRACKET_LINE_OTHER}"
_BRACKET_LINE_BODY = f"[{_BRACKET_LINE_OTHER}]*+[{_BRACKET}][{_BRACKET_LINE_CHARS}]*+"
# Where a bracket-only line may start: a literal line break lets the engine skip ahead (the
# text gets one prepended); the multiline pattern below is tried at every character.
_BRACKET_LINE_START = re.compile(f"\n{_BRACKET_LINE_BODY}(?:\n|$)")
_BRACKET_ONLY_LINE = re.compile(f"^{_BRACKET_LINE_BODY}$", re.M)
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
            removals.append(Removal("markup", rule, m.start(), m.group(), new))
    return pattern.subn(repl, text)


def _tag_replacement(match: re.Match) -> str:
    return "\n" if match.group(1).lower() in _BLOCK_TAGS else _GONE


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
    decoded = edits
    if "](" in text:
        text, n = _sub_counted(_IMAGE, _GONE, text, "markdown_image", removals)
        edits += n
        text, n = _sub_counted(_LINK, lambda m: m.group(1), text, "markdown_link", removals)
        edits += n
    if "<" in text:
        text, n = _remove_blocks(text, removals)
        edits += n
        text, n = _sub_counted(_TAG, _tag_replacement, text, "html_tag", removals)
        edits += n
    if _BRACKET_LINE_START.search("\n" + text):
        text, n = _sub_counted(_BRACKET_ONLY_LINE, _GONE, text, "bracket_only_line", removals)
        edits += n
    if _GONE in text:
        text = drop_emptied_lines(text)
    if edits > decoded:  # what a removal joined may compose (`e<b></b>\u0301`) or be mojibake
        text, _ = normalize(text)
    return StepOutput(text, edits, removals=removals or [])
