"""Drop a document that is not in Chinese, and name the language of every document.

What it does: measures the share of Han characters among the letters of any script (Han,
kana, Hangul, Latin, other alphabets). Under `min_han_share` the document is dropped as
`not_chinese`; with kana over `max_kana_share` of its Han + kana characters as `japanese`,
with Hangul likewise as `korean`. Every kept or dropped document gets `lang` and
`lang_score` in its metadata: `zh` and the Han share for Chinese text; otherwise the
language Lingua (`lingua-language-detector`, models inside its wheel, no network) finds
in the first characters, and its confidence.

Why: crawled "Chinese" pages include English, Japanese and Korean pages, and Chinese pages
that are mostly code or English. Word-based identifiers read Chinese badly (ChineseWebText
and MNBVC both decide by the share of Chinese characters: 30% and 70%), and a statistical
identifier is fooled by mojibake (Lingua names Big5 read as UTF-8 "Xhosa"); the script
share decides, Lingua only names what is not Chinese. Kana are the sign of Japanese: a
Japanese page is mostly kanji, and a Chinese page almost never has kana, except a quoted
title, a katakana name or a kaomoji: Japanese also writes hiragana against its kanji in at
least two places, and Korean three words of Hangul (a Chinese text names one).

Example: `東京都は、新たに感染者が確認されたと発表しました。` → dropped, `japanese`
(kana 0.47 of Han + kana).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from zhclean.chars import HAN_CLASS
from zhclean.config import setting
from zhclean.core.budget import paused
from zhclean.filters.base import (
    HAN,
    HANGUL,
    KANA,
    LATIN,
    OTHER_LETTER,
    Batch,
    Document,
    FilterOutput,
    Verdict,
    register_filter,
    share,
)

_SAMPLE = 600  # characters Lingua reads: enough for a confident guess, cheap
# The languages Lingua chooses among: the web's largest, which keeps its models' memory small.
_LINGUA_LANGUAGES = (
    "ENGLISH", "CHINESE", "JAPANESE", "KOREAN", "RUSSIAN", "GERMAN", "FRENCH", "SPANISH",
    "PORTUGUESE", "ITALIAN", "DUTCH", "POLISH", "TURKISH", "ARABIC", "PERSIAN", "HINDI",
    "VIETNAMESE", "THAI", "INDONESIAN", "MALAY", "TAGALOG", "UKRAINIAN", "SWEDISH", "CZECH",
    "GREEK", "HEBREW",
)


@dataclass(frozen=True, slots=True)
class LanguageOptions:
    min_han_share: float = setting(0.2, at_least=0, at_most=1)  # of all letters
    max_kana_share: float = setting(0.1, at_least=0, at_most=1)  # of Han + kana
    max_hangul_share: float = setting(0.1, at_least=0, at_most=1)  # of Han + Hangul
    identify_others: bool = True  # name a language that is not Chinese with Lingua


@cache
def _detector() -> Any:
    """Lingua in low-accuracy mode (trigram models only), its models loaded now. The share
    of Han characters has already decided the verdict; Lingua only names the language of a
    text of up to `_SAMPLE` characters, which trigrams do well past ~100 characters. The
    high-accuracy models cost 7.5 CPU seconds and 590 MB to load in every worker (measured
    on the 2-core VM), these 0.35 s and 40 MB. Loading is set-up, not the work of the
    document that first needed it: it runs outside the document's CPU budget."""
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in _LINGUA_LANGUAGES]
    with paused():
        return (LanguageDetectorBuilder.from_languages(*languages)
                .with_low_accuracy_mode().with_preloaded_language_models().build())


def identify(text: str) -> tuple[str | None, float]:
    """Lingua's best language for the start of `text` (ISO 639-1) and its confidence."""
    confidences = _detector().compute_language_confidence_values(text[:_SAMPLE])
    if not confidences:
        return None, 0.0
    best = confidences[0]
    return best.language.iso_code_639_1.name.lower(), round(best.value, 3)


# Japanese writes its grammar in hiragana between the kanji (`東京都は…発表しました`); a Chinese
# text quoting a title (`《となりのトトロ》`), a name in katakana or a kaomoji (`ヾ(≧▽≦*)o`) has
# kana, but not hiragana runs against its Han characters. Korean writes words of Hangul
# between spaces; a Chinese text names one (`IU的本名是이지은`).
_HIRAGANA_BY_HAN = re.compile(f"(?<=[{HAN_CLASS}])[\u3041-\u309f]+|[\u3041-\u309f]+(?=[{HAN_CLASS}])")
_HANGUL_RUN = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+")
_JAPANESE_RUNS = 2
_KOREAN_WORDS = 3


def writes_japanese(text: str) -> bool:
    """Whether hiragana stand against Han characters in at least two places."""
    return _count_at_least(_HIRAGANA_BY_HAN, text, _JAPANESE_RUNS)


def writes_korean(text: str) -> bool:
    """Whether the text holds at least three words of Hangul."""
    return _count_at_least(_HANGUL_RUN, text, _KOREAN_WORDS)


def _count_at_least(pattern: re.Pattern, text: str, n: int) -> bool:
    return any(found >= n for found, _ in enumerate(pattern.finditer(text), start=1))


def _shares(batch: Batch) -> list[tuple[float, float, float, int]]:
    """Per document: Han share of letters, kana share of Han + kana, Hangul share of Han +
    Hangul, and the count of letters. A few documents (one cleaned alone) are computed in
    Python, a batch in numpy: each numpy call costs more than a document's arithmetic."""
    if batch.few:
        return [_row_shares(c) for c in batch.counts]
    han, letters = batch.sums(HAN), batch.sums(HAN, KANA, HANGUL, LATIN, OTHER_LETTER)
    shares = (batch.shares(han, letters), batch.shares(batch.sums(KANA), batch.sums(HAN, KANA)),
              batch.shares(batch.sums(HANGUL), batch.sums(HAN, HANGUL)))
    return list(zip(*shares, letters.tolist(), strict=True))


def _row_shares(c: list[int]) -> tuple[float, float, float, int]:
    han, kana, hangul = c[HAN], c[KANA], c[HANGUL]
    letters = han + kana + hangul + c[LATIN] + c[OTHER_LETTER]
    return share(han, letters), share(kana, han + kana), share(hangul, han + hangul), letters


@register_filter("language", options=LanguageOptions)
def language(doc: Document, options: LanguageOptions) -> FilterOutput:
    han_share, kana_share, hangul_share, letters = doc.batch.measure(_shares)[doc.index]
    signals: dict[str, Any] = {"han_share": han_share, "kana_share": kana_share, "hangul_share": hangul_share}
    if letters == 0:
        return FilterOutput(signals, meta={"lang": None, "lang_score": 0.0})
    if kana_share > options.max_kana_share and writes_japanese(doc.text):
        return FilterOutput(signals, Verdict("japanese", kana_share), {"lang": "ja", "lang_score": kana_share})
    if hangul_share > options.max_hangul_share and writes_korean(doc.text):
        return FilterOutput(signals, Verdict("korean", hangul_share), {"lang": "ko", "lang_score": hangul_share})
    if han_share >= options.min_han_share:
        return FilterOutput(signals, meta={"lang": "zh", "lang_score": han_share})
    lang, score = identify(doc.text) if options.identify_others else (None, 0.0)
    return FilterOutput(signals, Verdict("not_chinese", han_share), {"lang": lang, "lang_score": score})
