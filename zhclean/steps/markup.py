"""Remove markup residue: Markdown images and links, HTML tags and entities, bracket-only lines.

What it does: entities (`&amp;`, `&#8220;`, also escaped twice: `&amp;lt;`) are unescaped
first, so that what they stand for (`&lt;p&gt;`) is markup to the rest, and the characters
they decode to are normalised as the unicode step does; `![alt](url)` goes; `[text](url)`
becomes `text`; HTML comments, `<script>` and `<style>` blocks and tags of HTML elements go
(block tags such as `<p>` and `<br>` leave a line break; `<BLOOMBERG 免責聲明>` names no
element and stays; a "block" holding a paragraph break and a full stop is a tutorial's prose
that names the tags, and only the tags go); a line left holding only brackets (`[]`, `()`, `【】`) goes, also when
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

from zhclean.chars import HAN_CLASS
from zhclean.steps.base import NoOptions, Removal, StepOutput, register, tally
from zhclean.steps.unicode import joined_needs_normalizing, normalize
from zhclean.text import BRACKET_LINE_BODY, drop_emptied_lines
from zhclean.text import GONE as _GONE

# An image may span what a removal left: its mark between `!` and `[` or between `]` and `(`
# (`![x]<b>(y)`, `!<b>[](x)`); the pass after that removal finds it. Neither an image's nor a
# link's text holds `[`: in `[}[新华网](http://a)…](#b)` the inner link is the link (as in
# CommonMark), and a text that could hold `[` made each `[` of a run scan 200 characters.
# Removing an inner one leaves its text inside the outer one, so the patterns run again while
# they find any, up to a nesting no page has (each pass takes every one of its depth).
# An image's target is a URL or a path: Han text in the parentheses with no `/`, `.`, `:` or
# `#` is a remark after an emoticon (`好![哈哈](真的)`), not an image. In the pattern, not
# told after a match: a refused match would hide an image inside it from this pass. Each
# alternative is bounded and possessive (a line of unclosed `![a](` costs each one its bound).
_TARGET = rf"\((?:[^)\n{HAN_CLASS}]{{0,2000}}+|[^)\n/.:#]{{0,1000}}+[/.:#][^)\n]{{0,1000}}+)\)"
_IMAGE = re.compile(rf"!{_GONE}*\[[^\[\]\n]{{0,200}}\]{_GONE}*{_TARGET}")
_LINK = re.compile(rf"\[([^\[\]\n]{{1,200}})\]{_GONE}*\({_GONE}*((?:https?:)?//|www\.|/|#)[^)\s]{{0,2000}}\)")
_MAX_MARKDOWN_NESTING = 8  # passes of images and links, and rounds of Markdown and HTML
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
# A tag stands on one line: in scraped text a `<a` that a `>` lines later closes is text
# (`</a` ending a line, a paragraph after it), and removing lines between them in a later
# step would make a tag of them for the next cleaning.
_TAG = re.compile(
    rf"</?(?=(?i:[a-z]))((?i:{_TAG_NAME})|[a-zA-Z][a-zA-Z0-9]*-[a-zA-Z0-9-]*)(?=[^\S\n]|[/>])"
    rf"(?P<attributes>[^\S\n][^<>\n]{{0,1000}})?/?>"
)  # the lookahead fails `<!--`, `<中` at once instead of after every name of the alternation
# What a tag's attributes are: `name="value"`, `name='value'`, `name=value`, or a bare name
# in lower case (`checked`, `nowrap`). Text in angle brackets is not a tag when what follows
# the element's name is words: a title (`<A Beautiful Mind>`, `<Head First Java>`: capitalised
# words) or an inequality (`x<a 或 x>b`: Han characters outside any value).
_ATTRIBUTE = r"""(?:[a-zA-Z_:@][-a-zA-Z0-9_:.@]*[^\S\n]*=[^\S\n]*(?:"[^"\n]*"|'[^'\n]*'|[^\s"'<>`]+)|[a-z_:@][-a-z0-9_:.@]*)"""
# Attributes are set apart by spaces, or follow a quoted value at once (`width="50%"nowrap`).
_ATTRIBUTES = re.compile(rf"""(?:[^\S\n]+{_ATTRIBUTE}|(?<=["']){_ATTRIBUTE})*[^\S\n]*/?""")
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
    prose = _ProseBefore(text)
    found: dict[str, int] = {}  # kind -> the end found for a start refused as prose
    while kinds and (m := _block_start(kinds).search(text, pos)):
        kind = m.group(1).lower() if m.lastindex else "!--"
        # A later start before that end ends there too: the first closer after it is the same.
        end = found[kind] if found.get(kind, -1) > m.end() + 3 else _block_end(text, m.end(), kind)
        if end < 0:
            kinds -= {kind}
            pos = m.start() + 1
            continue
        if prose.between(m.end(), end):
            found[kind] = end
            pos = m.start() + 1
            continue
        spans.append((m.start(), end))
        pos = end
    return spans


class _ProseBefore:
    """Whether a stretch holds prose: a paragraph break and a full stop, as a tutorial that
    names `<script>` and, paragraphs later, `</script>` does (a block of code holds neither
    both). The last of each before an end is found once per end, so every start that ends
    there is told in constant time."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.end = -1
        self.last_break = self.last_stop = -1

    def between(self, start: int, end: int) -> bool:
        if end != self.end:
            self.end = end
            self.last_break = self.text.rfind("\n\n", 0, end)
            self.last_stop = self.text.rfind("。", 0, end)
        return self.last_break >= start and self.last_stop >= start


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


def _is_tag(match: re.Match) -> bool:
    attributes = match.group("attributes")
    return attributes is None or _ATTRIBUTES.fullmatch(attributes) is not None


# The longest text `_TAG` matches: `</`, a name, 1,000 characters of attributes, `/>`.
_MAX_TAG = 2 + max(map(len, _ELEMENTS.split())) + 1000 + 2
_ANGLE = re.compile("[<>]")


def _remove_tags(text: str, removals: list[Removal] | None) -> tuple[str, int]:
    """Tags removed, and the tags that removing them makes (`<<b>a>`, `<a <br> x>`, `<b![](x)>`):
    the next cleaning would remove those. One substitution is final for nearly every text,
    which then holds no tag once what was removed is gone; `_tag_closure` finishes the others
    from there, as repeating the substitution would, in one scan. (Removing a tag never
    spoils another, a tag holding no `<` or `>` inside, so every order ends the same.)"""
    removed: list[re.Match] = []

    def tag_or_text(match: re.Match) -> str:
        if not _is_tag(match):
            return match.group()
        removed.append(match)
        return _tag_replacement(match)

    new = _TAG.sub(tag_or_text, text)
    n = len(removed)
    if removals is not None:
        removals.extend(Removal("markup", "html_tag", m.start(), m.group(), _tag_replacement(m)) for m in removed)
    if (n or _GONE in new) and "<" in new and _MAY_BE_MADE.search(new):
        new, more = _tag_closure(new, removals)
        n += more
    return new, n


# Where removing something may have made a tag: a `<` with a `>` before the next `<` on its
# line, and between them a mark of what went. Cheaper than looking for `_TAG` again at every
# `<`, and linear: each stretch is scanned from one `<`.
_MAY_BE_MADE = re.compile(f"<(?=[^<>\n]{{0,{4 * _MAX_TAG}}}>)[^<>{_GONE}\n]*+{_GONE}")


def _tag_closure(text: str, removals: list[Removal] | None) -> tuple[str, int]:
    """What repeating the tag substitution until nothing changes leaves, with a stack of the
    open `<`. At a `>`, the innermost open `<` is a tag when the text between them, without
    the tags removed inside, is one; then the `<` before it may be, later. Otherwise that `>`
    is text, and no open `<` can become a tag: a tag holds neither. What earlier passes
    removed (`\\x00`) counts as gone, as it will be. A `<` costs an append; the text inside
    is looked at once, at its `>`, and only when something was removed in it: `text` is what
    one substitution left, which holds no tag that is there as it stands."""
    opens: list[int] = []  # positions of the open `<`, innermost last
    inside: list[list[tuple[int, int, str]] | None] = []  # per open `<`: the tags removed inside it
    spans: list[tuple[int, int, str]] = []
    for m in _ANGLE.finditer(text):
        at = m.start()
        if text[at] == "<":
            opens.append(at)
            inside.append(None)
            continue
        if not opens:
            continue
        start, removed = opens.pop(), inside.pop()
        changed = removed or text.find(_GONE, start, at) >= 0
        replacement = _effective_tag(text, start, at + 1, removed) if changed else None
        if replacement is None:
            opens.clear()
            inside.clear()
            continue
        span = (start, at + 1, replacement)
        spans.append(span)
        if inside:
            if inside[-1] is None:
                inside[-1] = []
            inside[-1].append(span)  # type: ignore[union-attr]
    return _replace_outermost(text, spans, removals), len(spans)


def _effective_tag(text: str, start: int, end: int, removed: list[tuple[int, int, str]] | None) -> str | None:
    """What `text[start:end]` leaves as a tag (`_tag_replacement`) once the tags `removed`
    inside it are gone, or None when it is no tag. Each character is in the stretches of
    one `<` only (the tags removed inside are cut out), so all `<` together look at the text
    once."""
    parts, last = [], start
    for a, b, replacement in removed or ():
        parts += [text[last:a], "" if replacement == _GONE else replacement]
        last = b
    parts.append(text[last:end])
    effective = "".join(parts).replace(_GONE, "")
    return _replacement_of(effective) if len(effective) <= _MAX_TAG else None


@lru_cache(maxsize=1024)
def _replacement_of(candidate: str) -> str | None:
    """`_tag_replacement` of `candidate` when it is a tag, else None: nested tags repeat."""
    tag = _TAG.fullmatch(candidate)
    return _tag_replacement(tag) if tag and _is_tag(tag) else None


def _replace_outermost(text: str, spans: list[tuple[int, int, str]], removals: list[Removal] | None) -> str:
    """`text` with each span that no other holds replaced (spans are nested or apart)."""
    pieces, last = [], 0
    for start, end, replacement in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < last:
            continue
        if removals is not None:
            removals.append(Removal("markup", "html_tag", start, text[start:end].replace(_GONE, ""), replacement))
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
    (`&#xFF21;`, `&#13;`, `e&#x301;`, `ã&cedil;&shy;`): that step has run already. Only when
    a decoded character, with the characters beside it, gives that step work: most
    entities (`&nbsp;`, `&quot;`) give none, and the text is not scanned again for them."""
    work: list[bool] = []

    def replacement(match: re.Match) -> str:
        decoded = _entity_replacement(match)
        if not work and decoded != match.group():
            start, end = match.span()
            text = match.string
            if joined_needs_normalizing(text[max(0, start - 2) : start], decoded, text[end : end + 2]):
                work.append(True)
        return decoded

    text, n = _sub_counted(_ENTITY, replacement, text, "html_entity", removals)
    if work:
        text, _ = normalize(text)
    return text, n


@register("markup")
def markup(text: str, fields: Mapping[str, Any], options: NoOptions, explain: bool) -> StepOutput:
    ampersand, due = "&" in text, ("](" in text, "<" in text)
    if not (ampersand or any(due)) and _GONE not in text and not _BRACKET_LINE_START.search("\n" + text):
        return StepOutput(text)  # most text: nothing that could be markup
    removals: list[Removal] | None = [] if explain else None
    edits = 0
    rules: dict[str, int] = {}
    # Entities first: what they decode to may be markup (`&lt;p&gt;`, `&#91;&#93;`).
    if ampersand:
        text, edits = _unescape(text, removals)
        tally(rules, "html_entity", edits)
    text, removed, joined = _remove_markup(text, removals, rules, None if ampersand else due)
    if removed:
        text, edits = _after_removals(text, edits + removed, joined, removals, rules, ampersand)
    return StepOutput(text, edits, removals=removals or [], rules=rules or None)


def _remove_markup(text: str, removals: list[Removal] | None, rules: dict[str, int],
                   due: tuple[bool, bool] | None = None) -> tuple[str, int, bool]:
    """Markdown, HTML blocks and tags and bracket-only lines removed: (text, edits, whether
    a removal inside a line joined characters that may need the unicode step again); the
    edits of each rule added to `rules`. What HTML's removal leaves may be Markdown
    (`[x](/<!-- c -->a)`) and the reverse (`<![](x)p>`): each kind runs again after the
    other removed something, while they find any (bounded, as nesting is). `due`: whether
    the text holds `](` and `<`, when the caller knows."""
    edits, joined = 0, False
    markdown_due, html_due = due if due is not None else ("](" in text, "<" in text)
    angle = html_due  # removals write no `<`: text without one never gets one
    for _ in range(_MAX_MARKDOWN_NESTING if markdown_due or html_due else 0):
        markdown = html = 0
        if markdown_due:
            text, images, links = _remove_markdown(text, removals)
            markdown = images + links
            tally(rules, "markdown_image", images)
            tally(rules, "markdown_link", links)
        if html_due and (markdown == 0 or "<" in text):
            text, html, html_joined = _remove_html(text, removals, rules)
            joined = joined or html_joined
        edits += markdown + html
        markdown_due, html_due = bool(html) and _may_hold_markdown(text), bool(markdown) and angle and "<" in text
        if not (markdown_due or html_due):
            break
    if _BRACKET_LINE_START.search("\n" + text):
        text, n = _sub_counted(_BRACKET_ONLY_LINE, _GONE, text, "bracket_only_line", removals)
        edits += n
        tally(rules, "bracket_only_line", n)
    if _GONE in text:
        joined = joined or _joins_need_work(text)
        text = drop_emptied_lines(text)
    return text, edits, joined


def _remove_html(text: str, removals: list[Removal] | None, rules: dict[str, int]) -> tuple[str, int, bool]:
    """HTML blocks (scripts, styles, comments) and tags removed: (text, edits, joined)."""
    joined = False
    text, blocks = _remove_blocks(text, removals)
    text, tags = _remove_tags(text, removals)
    tally(rules, "html_tag", tags)
    # What a tag or an image stood in may have been a comment's end: `<!--<b>>`, `<!--![](x)>`.
    if (tags or _GONE in text) and "<" in text:
        if _GONE in text:
            joined = _joins_need_work(text)
            text = drop_emptied_lines(text)
        text, n = _remove_blocks(text, removals)
        blocks += n
    tally(rules, "html_block", blocks)
    return text, blocks + tags, joined


def _remove_markdown(text: str, removals: list[Removal] | None) -> tuple[str, int, int]:
    """Markdown images and links removed: (text, images, links). A link's text stays, between
    marks that show where it was joined to what stood beside it. What one removal leaves can
    be an image or a link itself (`![![]()]()`, `[a[b](#x)](#y)`, or an image whose `[` and
    `(` a link's removal brought together), so the passes go on, innermost first, while they
    find any."""
    images = links = 0
    for _ in range(_MAX_MARKDOWN_NESTING):
        text, found_images = _sub_counted(_IMAGE, _GONE, text, "markdown_image", removals)
        text, found_links = _sub_counted(_LINK, _link_text, text, "markdown_link", removals)
        images, links = images + found_images, links + found_links
        if not (found_images or found_links) or not _may_hold_markdown(text):
            break
    return text, images, links


_OPENING = re.compile(rf"\]{_GONE}*\(")  # led by `]`: one scan, which the engine runs in C


def _may_hold_markdown(text: str) -> bool:
    """Whether `text` may hold an image or a link: a `](`, or a `]` and `(` with only what a
    removal left between them (`![x]<b>(y)`)."""
    return _OPENING.search(text) is not None


def _link_text(match: re.Match) -> str:
    return f"{_GONE}{match.group(1)}{_GONE}"


_AROUND = 4  # characters each side of a join that decide whether it needs the unicode step
# A join before a character that is not calm (ASCII, CJK ideographs): the others need nothing
# (`joined_needs_normalizing` says no at once). Led by the run's first mark, which the engine
# skips to, then a lookbehind that makes it the first; possessive: a plain `+` before a
# lookahead re-matched a run from each of its marks, quadratic on a page of unclosed <script>
# tags. A removed line's marks (a line break or the end after them) are passed over in C.
_UNCALM_JOIN = re.compile(f"{_GONE}(?<!{_GONE}{_GONE}){_GONE}*+(?=[^\\x00-\\x7f\\u4e00-\\u9fff])")


def _joins_need_work(text: str) -> bool:
    """Whether a removal inside a line (its marks are still in `text`) joined characters
    that compose (`e<b></b>\\u0301`) or make mojibake: only the places removals left before
    a character that is not calm are looked at, not the whole text."""
    for found in _UNCALM_JOIN.finditer(text):
        start, end = found.span()
        if not start or text[start - 1] == "\n":
            continue  # nothing was joined
        before = text[max(0, start - _AROUND) : start].replace(_GONE, "")
        if joined_needs_normalizing(before, "", text[end : end + _AROUND].replace(_GONE, "")):
            return True
    return False


def _after_removals(text: str, edits: int, joined: bool, removals: list[Removal] | None,
                    rules: dict[str, int], ampersand: bool = True) -> tuple[str, int]:
    """What removing markup joined: an entity (`&copy<b>;`), characters that compose
    (`e<b></b>\u0301`) or mojibake. The next cleaning would find them. Removals write no
    `&`, so text that held none (`ampersand`) holds none now: no scan."""
    if ampersand and "&" in text:
        text, n = _unescape(text, removals)
        edits += n
        tally(rules, "html_entity", n)
    return (normalize(text)[0] if joined else text), edits
