"""Regenerate zhclean/data/t2s_phrase_chars.tsv and zhclean/data/t2s_repairs.tsv from the
installed OpenCC's dictionaries.

Run after an OpenCC upgrade (tests/test_properties.py fails when the shipped phrase table no
longer matches). Needs `marisa-trie`, in the dev extra; the repairs also need the Mainland
corpora in ../shared/corpora (without them the repairs table is left as it is). `make
calibrate` runs it.

Repairs: OpenCC's s2t writes some Simplified forms so that its t2s does not take them back
(`背着` -> `揹着` -> `揹着`, `想象` -> `想像`, `昵` -> `暱`). A leftover is kept as a repair when
the Mainland corpora write its original at least `MIN_ORIGINAL` times and the leftover at
most `MAX_LEFTOVER_SHARE` as often: then a restored document's leftover is the converter's,
not its writer's. Counted on People's Daily 1998 past its first 3,000 lines, THUCNews past
its first 400 articles and ChineseWebText's clean sample (bench/converters.py measures
restoration on the parts left out). A character that s2t writes in `MIN_PHRASES` or more
leftovers, always for one original, and that the Mainland corpora never write is repaired
wherever it stands (`揹` -> `背`). So are the forms a character-table converter writes that t2s
leaves (HanziConv's `寜`, `榖`, `谘`: `table_converter_repairs`; needs the bench extra), and the
Hong Kong and Taiwan standard forms t2s leaves (`衞`, `敍`: `regional_variant_repairs`).
Usage: python bench/t2s_table.py
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from zhclean.data import write_rows
from zhclean.opencc_pool import converter
from zhclean.t2s import (
    PHRASE_CHARS_FILE,
    REPAIRS_FILE,
    phrase_table_from_opencc,
    round_trip_leftovers,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
MIN_ORIGINAL = 3
MAX_LEFTOVER_SHARE = 0.1  # ten to one that a restored leftover was the original


def mainland_text() -> str | None:
    """The calibration side of the Mainland corpora, or None when they are absent."""
    try:
        peoples_daily = (SHARED / "peoples_daily_1998.txt").read_text(encoding="utf-8").split("\n")[3000:]
        with open(SHARED / "thucnews_1000.tsv", encoding="utf-8") as f:
            thucnews = [line.split("\t", 1)[1] for line in list(f)[400:]]
        with open(SHARED / "chinesewebtext_clean.jsonl", encoding="utf-8") as f:
            web = [json.loads(line).get("text", "") for line in f]
    except FileNotFoundError:
        return None
    return "\n".join([*peoples_daily, *thucnews, *web])


def repairs(mainland: str, phrase_chars: dict[str, int]) -> list[tuple[str, str, int, int, str]]:
    """(leftover, original, leftover count, original count, where it comes from) for each
    repair kept: OpenCC's phrases, OpenCC's characters, a character table's characters.
    `phrase_chars`: the t2s phrase table (`phrase_table_from_opencc`)."""
    leftovers = round_trip_leftovers()
    rows = []
    for leftover, originals in sorted(leftovers.items()):
        if len(originals) != 1:
            continue  # two originals give one leftover: nothing tells which it was
        original = next(iter(originals))
        left, right = mainland.count(leftover), mainland.count(original)
        if right >= MIN_ORIGINAL and left <= MAX_LEFTOVER_SHARE * right:
            rows.append((leftover, original, left, right, "opencc"))
    taken = {row[0] for row in rows}
    for row in [*character_repairs(leftovers, mainland), *table_converter_repairs(mainland, phrase_chars),
                *regional_variant_repairs(mainland)]:
        if row[0] not in taken:
            rows.append(row)
            taken.add(row[0])
    return rows


MIN_PHRASES = 10  # leftovers a character repair must be seen in, all with the same original


def character_repairs(leftovers: dict[str, set[str]], mainland: str) -> list[tuple[str, str, int, int, str]]:
    """A character that s2t writes in many phrases and t2s leaves (`揹` in `揹着`, `揹篓`,
    `揹包袱`...), always for the same original, which Mainland corpora never write: repaired
    wherever it stands, also in phrases the dictionaries do not list."""
    seen: dict[str, dict[str, int]] = {}
    for leftover, originals in leftovers.items():
        for original in originals:
            if len(original) == len(leftover):
                for left, right in zip(leftover, original, strict=True):
                    if left != right:
                        counts = seen.setdefault(left, {})
                        counts[right] = counts.get(right, 0) + 1
    rows = []
    for left, originals in sorted(seen.items()):
        if len(originals) != 1:
            continue
        right, phrases = next(iter(originals.items()))
        if phrases >= MIN_PHRASES and mainland.count(left) == 0 and mainland.count(right) >= MIN_ORIGINAL:
            rows.append((left, right, 0, mainland.count(right), "opencc_character"))
    return rows


def table_converter_repairs(mainland: str, phrase_chars: dict[str, int]) -> list[tuple[str, str, int, int, str]]:
    """Characters a character-table converter (HanziConv 0.3.2) writes for a Simplified one
    that t2s leaves as they are (`寜` for 宁, `榖` for 谷, `谘` for 咨): kept when the Mainland
    corpora never write the form and write its original `MIN_ORIGINAL` times, and t2s has no
    phrase for it (`瞭`, `藉` and `衹` depend on the word: OpenCC decides them)."""
    from hanziconv import HanziConv
    from hanziconv.charmap import simplified_charmap

    t2s = converter("t2s")
    rows = []
    for original in dict.fromkeys(simplified_charmap):
        form = HanziConv.toTraditional(original)
        if (form != original and len(form) == 1 and t2s.convert(form) == form and form not in phrase_chars
                and mainland.count(form) == 0 and mainland.count(original) >= MIN_ORIGINAL):
            rows.append((form, original, 0, mainland.count(original), "character_table"))
    return rows


def regional_variant_repairs(mainland: str) -> list[tuple[str, str, int, int, str]]:
    """Hong Kong and Taiwan standard forms that t2s leaves as they are though it converts the
    form OpenCC writes (`衞` for 衛, `敍` for 敘, `枱` for 檯: s2hk's `衞生`, `敍利亞`): kept
    when the Mainland corpora never write the form and write its original `MIN_ORIGINAL` times."""
    from zhclean.t2s import _dictionary_keys

    t2s = converter("t2s")
    rows, seen = [], set()
    for char in _dictionary_keys("TSCharacters.ocd2"):
        original = t2s.convert(char)
        for config in ("t2hk", "t2tw"):
            form = converter(config).convert(char)
            if (form not in seen and form != char and len(form) == 1 and form != original
                    and t2s.convert(form) == form and mainland.count(form) == 0
                    and mainland.count(original) >= MIN_ORIGINAL):
                seen.add(form)
                rows.append((form, original, 0, mainland.count(original), "regional_variant"))
    return rows


def main() -> None:
    counts = phrase_table_from_opencc()
    path = write_rows(PHRASE_CHARS_FILE, [
        "Generated by `python bench/t2s_table.py` from the installed OpenCC's TSPhrases dictionary:",
        "every character of a t2s phrase, and in how many phrases its conversion changes.",
    ], list(counts.items()))
    print(f"wrote {path}: {len(counts)} characters, {sum(map(bool, counts.values()))} changed")
    mainland = mainland_text()
    if mainland is None or importlib.util.find_spec("hanziconv") is None:
        print(f"skip {REPAIRS_FILE}: needs {SHARED} and hanziconv (pip install '.[bench]')")
        return
    rows = repairs(mainland, counts)
    path = write_rows(REPAIRS_FILE, [
        "Generated by `python bench/t2s_table.py`: what OpenCC's t2s leaves of a form its s2t wrote,",
        "the Mainland original, how often Mainland corpora write each (bench/t2s_table.py says which),",
        "and where it comes from: opencc (a leftover of s2t then t2s), opencc_character (a character in",
        "many of them), character_table (a form HanziConv's table writes and t2s keeps), regional_variant",
        "(a Hong Kong or Taiwan form t2s keeps).",
    ], rows)
    print(f"wrote {path}: {len(rows)} repairs")
    for row in rows:
        print("\t".join(map(str, row)))


if __name__ == "__main__":
    main()
