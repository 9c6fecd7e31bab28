"""Drop a page that is mostly navigation: menus, link lists, breadcrumbs, tag clouds. Off by default.

What it does: on a document of at least `min_lines` lines, measures the share of lines
that end like a sentence (Chinese or ASCII end punctuation, a closing quote or bracket;
FineWeb-2's `line_punct_thr`) and the mean length of its lines. With fewer than
`min_sentence_lines` of the lines ending as sentences and lines shorter than
`max_mean_line` characters on average, the page is dropped as `navigation`, the value
being the share of sentence lines.

Why: an index page, a channel page or a site map is extracted as dozens of short titles
and menu entries (`首页`, `新闻中心 > 国内`, `上一篇`); it is not prose. FineWeb-2 drops
Chinese documents with under 0.106 of lines ending in punctuation; alone that also drops
a poem or a list of headlines with a real article under it, so the mean line length has
to be short too. One-line documents (corpora with the newlines stripped) are never judged
here.

Not a default: on the genuine corpora it takes tables (stock prices in People's Daily),
filled-in forms (Taiwan company announcements) and modern poems for menus, and on the
labelled Common Crawl pages it finds none of the ten pages labelled navigation (measured
in docs/filters.md). Enable it (`[filters.navigation] enabled = true`) on crawls of index
pages, where it is right more often than wrong.

Example: twelve lines like `首页`, `国内新闻`, `上一篇：…`, `关于我们` → dropped, `navigation`.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhclean.config import setting
from zhclean.filters.base import Document, FilterOutput, Verdict, register_filter


@dataclass(frozen=True, slots=True)
class NavigationOptions:
    min_lines: int = setting(8, at_least=1)
    min_sentence_lines: float = setting(0.12, at_least=0, at_most=1)  # share of lines
    max_mean_line: float = setting(25.0, above=0)  # characters


@register_filter("navigation", options=NavigationOptions, default=False)
def navigation(doc: Document, options: NavigationOptions) -> FilterOutput:
    lines = doc.lines
    if len(lines) < options.min_lines:
        return FilterOutput({})
    sentence_share = round(doc.lines_ending_in_punctuation / len(lines), 3)
    mean_line = round(sum(map(len, lines)) / len(lines), 1)
    signals = {"sentence_line_share": sentence_share, "mean_line_chars": mean_line}
    if sentence_share < options.min_sentence_lines and mean_line < options.max_mean_line:
        return FilterOutput(signals, Verdict("navigation", sentence_share))
    return FilterOutput(signals)
