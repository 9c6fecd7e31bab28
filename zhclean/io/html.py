"""HTML pages to text: the charset, the main content, and the page's own metadata.

Chinese pages often declare their charset wrongly or not at all (a GBK page that says
`gb2312`, a UTF-8 page that says `gbk`, a Big5 page that says nothing), so the declaration is
a hint, checked against the bytes: bytes that are valid UTF-8 with multi-byte sequences are
UTF-8 whatever the page says (legacy double-byte text is almost never valid UTF-8); otherwise
the declared charset (HTTP header, then `<meta charset>`) is tried strictly, mapped to its
superset (`gb2312`/`gbk` → GB18030, `big5` → CP950 then Big5-HKSCS: the tables browsers
use); then the plausibility-checked detection of `zhclean.io.decode`; then a lenient decoding
that tolerates a few broken bytes (a page cut mid-character). Pages none of these decode are
undecodable and go to quarantine.

Text is extracted with resiliparse (`extract_plain_text` with its main-content heuristics),
which is the fastest extractor the field uses and, measured on Chinese pages
(docs/crawl.md), as complete on the article body as trafilatura; its heuristics know English
class names, so the class and id tokens Chinese sites give ads, share bars, related-reading
lists, breadcrumbs and comment boxes (`gg`, `fenxiang`, `xgyd`, `mianbao`, `pinglun`, ...)
are skipped as well. Whatever boilerplate survives inside the body (`来源：`, the platform
notice, `责任编辑`) is the cleaning steps' work, as for any other input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zhclean.io.decode import UndecodableError, decode_bytes, plausible_big5, plausible_gb

# Charset labels as pages write them, to the codec that decodes what they mean.
_SUPERSETS = {
    "gb2312": ("gb18030",), "gbk": ("gb18030",), "gb18030": ("gb18030",), "x-gbk": ("gb18030",),
    "cp936": ("gb18030",), "euc-cn": ("gb18030",), "hz-gb-2312": ("hz",),
    "big5": ("cp950", "big5hkscs"), "big5-hkscs": ("big5hkscs",), "cp950": ("cp950", "big5hkscs"),
    "x-x-big5": ("cp950", "big5hkscs"),
    "utf-8": ("utf-8",), "utf8": ("utf-8",), "iso-8859-1": ("cp1252",), "latin1": ("cp1252",),
    "windows-1252": ("cp1252",), "us-ascii": ("utf-8",), "ascii": ("utf-8",),
}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_NON_ASCII = re.compile(rb"[\x80-\xff]")
# A lenient decoding may replace this share of the bytes at most (a page cut mid-character,
# a stray byte); more is not a page in that encoding.
LENIENT_MAX_SHARE = 0.002
PRESCAN_BYTES = 4096  # where the HTML standard looks for <meta charset>
# The extractor separates blocks with a blank line; zhclean's text is a paragraph a line.
_BLANK_LINES = re.compile(r"[ \t]*(?:\n[ \t]*)+")

# Class and id tokens that mark page furniture on Chinese (and other) sites, beyond the
# English ones resiliparse's main-content heuristics know: ads (gg = guanggao), share bars,
# related / recommended reading, rankings, breadcrumbs ("current position"), comments,
# pagination, QR codes, copyright footers, log-in boxes.
FURNITURE_TOKENS = (
    "ad", "ads", "advert", "advertisement", "banner", "gg", "guanggao", "adsense",
    "share", "fenxiang", "bdshare", "social", "related", "relate", "xgyd", "xgwz", "xgxw",
    "recommend", "tuijian", "hot", "rank", "paihang", "breadcrumb", "crumb", "crumbs",
    "mianbao", "position", "location", "weizhi", "comment", "comments", "pinglun", "pl",
    "pagination", "pager", "qrcode", "erweima", "ewm", "copyright", "banquan", "login",
    "toolbar", "topbar", "nav", "navbar", "menu", "sidebar", "footer", "foot",
)


# Tokens that also come compounded (`ad-top`, `gg_box`, `share-bar`): matched as class and
# id prefixes too. Each prefix selector costs a little on every element, so only these.
COMPOUND_TOKENS = ("ad", "gg", "share", "related", "comment", "breadcrumb", "recommend")


def _selectors(tokens: tuple[str, ...], compound: tuple[str, ...]) -> list[str]:
    """CSS selectors (one comma list: resiliparse matches it in one pass) for elements whose
    class has one of `tokens` as a word or whose id is one, and whose class or id starts
    with one of `compound` and a `-` or `_`."""
    out = [f"[class~={t}]" for t in tokens] + [f"[id={t}]" for t in tokens]
    for t in compound:
        out += [f'[class^="{t}-"]', f'[class^="{t}_"]', f'[id^="{t}-"]', f'[id^="{t}_"]']
    return [", ".join(out)]


SKIP_SELECTORS = _selectors(FURNITURE_TOKENS, COMPOUND_TOKENS)


@dataclass(slots=True)
class Page:
    """What a page gives a record: its text and the metadata it states about itself."""

    text: str
    encoding: str
    title: str | None = None
    source: str | None = None  # <meta name="source"> (or og:article:source), as Chinese news sites write it
    site_name: str | None = None  # og:site_name
    published: str | None = None  # article:published_time / <meta name="publishdate">


def declared_charset(data: bytes, header: str | None = None) -> str | None:
    """The charset the HTTP header states, else the first `<meta charset>` (either form)."""
    if header:
        return header.strip().strip("\"'").lower()
    found = _META_CHARSET.search(data, 0, PRESCAN_BYTES)
    return found.group(1).decode("ascii").lower() if found else None


def decode_html(data: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """(text, codec used); raises UndecodableError. See the module docstring for the order."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if _NON_ASCII.search(data) is None:
        return data.decode("ascii"), "ascii"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = declared_charset(data, header_charset)
    for codec in _SUPERSETS.get(declared or "", ()):
        if codec == "utf-8":
            continue  # tried above
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    try:
        return decode_bytes(data)
    except UndecodableError as error:
        strict_error = error
    return _lenient(data, declared, strict_error)


def _lenient(data: bytes, declared: str | None, error: UndecodableError) -> tuple[str, str]:
    """The decoding with the fewest replaced bytes, when they are few enough and its Han
    characters are plausible (GB18030 and Big5 turn random bytes into rare characters)."""
    codecs = [*_SUPERSETS.get(declared or "", ()), "utf-8", "gb18030", "cp950"]
    best: tuple[int, str, str] | None = None
    for codec in dict.fromkeys(codecs):
        text = data.decode(codec, errors="replace")
        bad = text.count("\ufffd")
        if (best is None or bad < best[0]) and _PLAUSIBLE.get(codec, _any)(text):
            best = (bad, text, codec)
    if best is not None and best[0] <= max(1, len(data) * LENIENT_MAX_SHARE):
        return best[1], f"{best[2]} (lenient)"
    found = f"the best replaces {best[0]:,} bytes" if best else "none gives plausible text"
    raise UndecodableError(f"{error}; leniently, of {', '.join(dict.fromkeys(codecs))} {found}")


def _any(_text: str) -> bool:
    return True


_PLAUSIBLE = {"gb18030": plausible_gb, "cp950": plausible_big5, "big5hkscs": plausible_big5}


def extract_page(html: str, encoding: str = "utf-8") -> Page:
    """The page's main-content text (paragraphs on their own lines) and its metadata."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    tree = HTMLTree.parse(html)
    text = extract_plain_text(tree, preserve_formatting=True, main_content=True, list_bullets=False,
                              alt_texts=False, skip_elements=SKIP_SELECTORS)
    title = _clean(tree.title)
    text = _BLANK_LINES.sub("\n", text).strip("\n")
    page = Page(text="\n".join(content_span(text.split("\n"), title)), encoding=encoding, title=title)
    if tree.head is not None:
        _read_meta(tree, page)
    return page


# Lines of running text: long, or with clauses. A site's furniture is menus, link lists,
# labels and one-line ads; an article is sentences.
_CLAUSE = re.compile(r"[，。！？；,!?;]")
_SENTENCE_END_CHARS = frozenset("。！？!?…”」』）)")
_BYLINE = re.compile(r"(?:来源|來源|作者|编辑|編輯|责编|責編|记者|記者|发布|發布|时间|時間|日期)[ \t]*[:：]|^\d{4}[-/.年]\d{1,2}")
_TITLE_PARTS = re.compile(r"[_|｜\-–—]+")
HEAD_LINES = 3  # a title, a subtitle, a byline above the first paragraph
_FIELD_LINE = re.compile(r"\s*[^:：\s][^:：]{0,24}[:：]")
_CRUMB = re.compile(r"[>»›/|｜]|首页|首頁|当前位置|目前位置|您的位置|分享")


def _ends_sentence(line: str) -> bool:
    """Whether `line` ends with a sentence end (trailing white space aside): a test of its last
    character, where a search anchored with `$` is tried at every position of the line."""
    return line.rstrip()[-1:] in _SENTENCE_END_CHARS


def is_running_text(line: str) -> bool:
    return len(line) >= 60 or (len(line) >= 20 and len(_CLAUSE.findall(line)) >= 2)


def content_span(lines: list[str], title: str | None) -> list[str]:
    """The lines from the article's heading to its last sentence: furniture that class names
    do not give away sits before the first line of running text (menus, breadcrumbs, ads) and
    after the last one (share bars, related reading, rankings, footers). Kept above the first
    paragraph: the heading and byline run (lines that are the page's title, a byline with its
    fields, or, when the page has no title, short lines without a sentence end; at most three)
    and a form's `key: value` lines (not a breadcrumb's or a share bar's); below the
    last: lines that end as sentences do. A page with no running text keeps every line."""
    running = [i for i, line in enumerate(lines) if is_running_text(line)]
    if not running:
        return lines
    first, last = running[0], running[-1]
    start, headings = first, 0
    while start > 0:
        line = lines[start - 1]
        if _FIELD_LINE.match(line) and not _CRUMB.search(line):
            start -= 1  # a form's `key: value` lines above its first sentence (a filing, a spec sheet)
        elif headings < HEAD_LINES and _heading(line, title):
            start, headings = start - 1, headings + 1
        else:
            break
    tail = [line for line in lines[last + 1:] if len(line) >= 6 and _ends_sentence(line)]
    return lines[start:last + 1] + tail


def _heading(line: str, title: str | None) -> bool:
    line = line.strip()
    if not line or len(line) > 100:
        return False
    if _BYLINE.search(line):
        return True
    if title is None:
        return len(line) <= 60 and not _ends_sentence(line)
    line, title = _squeezed(line), _squeezed(title)
    core = max(_TITLE_PARTS.split(title), key=len)
    return line in title or (len(core) >= 4 and core in line and len(line) <= len(core) + 20)


def _squeezed(text: str) -> str:
    return "".join(text.split())


_META_FIELDS = {
    "source": "source", "og:article:source": "source", "article:source": "source",
    "og:site_name": "site_name", "sitename": "site_name", "application-name": "site_name",
    "article:published_time": "published", "publishdate": "published", "pubdate": "published",
    "og:release_date": "published",
}


def _read_meta(tree, page: Page) -> None:
    for meta in tree.head.query_selector_all("meta"):
        key = (meta.getattr("name") or meta.getattr("property") or "").strip().lower()
        field = _META_FIELDS.get(key)
        if field and getattr(page, field) is None:
            setattr(page, field, _clean(meta.getattr("content")))


def _clean(value: str | None) -> str | None:
    value = " ".join(value.split()) if value else ""
    return value or None
