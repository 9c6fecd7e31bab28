"""Drop a document that is mostly symbols, digits or markup debris instead of text.

What it does: measures the share of visible characters that are neither letters of any
script nor punctuation (symbols, box drawing, emoji, private-use characters) or ASCII
punctuation, not counting the brackets of emoticon codes like `[泪]` (`symbol_share`), and
the share of digits (`digit_share`). Over `max_symbol_share` the document is dropped as
`symbols`, unless it is under it without its emoji (a post's decoration, not debris); over
`max_digit_share` as `digits`.

Why: pages of tables without words, code dumps, ASCII art, lottery number lists, price
tickers and link fragments survive extraction as "text". News carries numbers (results,
prices, dates) but not as most of its characters; the thresholds keep a stock report and
drop a page of numbers (calibration in docs/filters.md). Gopher's symbol-to-word ratio
needs words; characters are what Chinese can be counted by.

Example: `|---|---|---|\\n| 01 | 02 | 03 |` → dropped, `symbols`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zhclean.config import setting
from zhclean.filters.base import (
    ASCII_PUNCT,
    DIGIT,
    OTHER,
    PRIVATE,
    SPACE,
    Batch,
    Document,
    FilterOutput,
    Verdict,
    register_filter,
    share,
)

# Emoticon codes (`[泪]`, `[哈哈]`): their brackets are the platform's markup, not debris.
_EMOTICON = re.compile(r"\[[^\[\]\n]{1,8}\]")
# Emoji, with their variation selectors and the skin tones and flags of the supplementary planes.
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B50\u2B55\uFE0F]")


@dataclass(frozen=True, slots=True)
class SymbolsOptions:
    max_symbol_share: float = setting(0.3, at_least=0, at_most=1)
    max_digit_share: float = setting(0.6, at_least=0, at_most=1)
    min_chars: int = setting(20, at_least=1)  # shorter texts: too few characters for a share


def _shares(batch: Batch) -> list[tuple[float, float, int]]:
    """Per document: the symbol share and the digit share of visible characters, and the
    visible characters. A few documents (one cleaned alone) are computed in Python, a batch
    in numpy: each numpy call costs more than a document's arithmetic."""
    if batch.few:
        return [_row_shares(text, c) for text, c in zip(batch.texts, batch.counts, strict=True)]
    visible, symbol = batch.visible, batch.sums(OTHER, ASCII_PUNCT, PRIVATE)
    for i, text in enumerate(batch.texts):
        if symbol[i]:
            symbol[i] = _symbols_in(text, int(symbol[i]))
    return list(zip(batch.shares(symbol, visible), batch.shares(batch.sums(DIGIT), visible), visible.tolist(),
                    strict=True))


def _row_shares(text: str, c: list[int]) -> tuple[float, float, int]:
    visible = len(text) - c[SPACE]
    symbol = _symbols_in(text, c[OTHER] + c[ASCII_PUNCT] + c[PRIVATE])
    return share(symbol, visible), share(c[DIGIT], visible), visible


def _symbols_in(text: str, counted: int) -> int:
    """The symbols of `text` (`counted` by class) less the brackets of emoticon codes."""
    return counted - 2 * len(_EMOTICON.findall(text)) if counted and "[" in text else counted


@register_filter("symbols", options=SymbolsOptions)
def symbols(doc: Document, options: SymbolsOptions) -> FilterOutput:
    symbol_share, digit_share, visible = doc.batch.measure(_shares)[doc.index]
    signals = {"symbol_share": symbol_share, "digit_share": digit_share}
    if visible < options.min_chars:
        return FilterOutput(signals)
    if symbol_share > options.max_symbol_share:
        # Emoji decorate what a post says; they are not debris (`好开心🥰🥰🥰🎉🎉🎉`). Counted only
        # for the few documents over the share, where they may be all that put it there.
        if (emoji := len(_EMOJI.findall(doc.text))) and share(
                round(symbol_share * visible) - emoji, visible) <= options.max_symbol_share:
            return FilterOutput({**signals, "emoji": emoji})
        return FilterOutput(signals, Verdict("symbols", symbol_share))
    if digit_share > options.max_digit_share:
        return FilterOutput(signals, Verdict("digits", digit_share))
    return FilterOutput(signals)
