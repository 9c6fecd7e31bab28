"""Calibrate the script step's machine-conversion threshold.

Genuine Traditional text: `../shared/corpora/tw_news.jsonl` (Taiwan / Hong Kong news).
Machine-converted text: People's Daily paragraphs grouped into ~600-character articles and
run through `charconv` (conservative and naive character-by-character converters).
Prints, for a grid of thresholds, the share of each side that `--script auto` would convert.

`--picks` first recounts, over tw_news, how often genuine writers write a character
converter's form where phrase-aware standards write another (`周`/`週`, `宣布`/`宣佈`), into
zhclean/data/converter_picks.tsv. The converter-pick threshold is then chosen by two-fold
cross-validation: each half of tw_news is scored with counts from the other half, so the
genuine side's rate is what unseen Taiwan and Hong Kong text would get.
Usage: python bench/calibrate_script.py [--picks] [--out docs/script-calibration-table.md]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import numpy as np  # noqa: E402
import opencc  # noqa: E402
from charconv import convert  # noqa: E402

from zhclean import script_evidence as evidence  # noqa: E402
from zhclean.chars import codes_of  # noqa: E402
from zhclean.data import write_rows  # noqa: E402
from zhclean.steps.script import ScriptOptions, detect, is_machine_converted  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@cache
def _opencc(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(f"{config}.json")


def genuine_traditional() -> list[str]:
    """tw_news articles of 100+ characters, without the ones quoted the Mainland way.

    Taiwan and Hong Kong writers quote with corner brackets (「」, 67% of tw_news articles);
    Mainland text quotes with curly quotes (“”: 65% of THUCNews, 76% of People's Daily), and
    OpenCC, HanziConv and character tables leave punctuation as it is. Of the 58 tw_news
    articles quoted with curly quotes and no corner bracket, 47 are Mainland agency news
    (新京報, 中新網, 新華社, 參考消息, 環球時報 datelines) run through a converter, with its
    mistakes (`美國曆史`, `不斷髮酵`, `遏製`): counted as genuine, they taught the tables that
    genuine writers make a converter's mistakes. The other 11 (a Taiwan investment column, a
    Hong Kong economist) are left out with them (docs/script-calibration.md)."""
    path = SHARED / "corpora/tw_news.jsonl"
    texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    return [t for t in texts if len(t) >= 100 and not evidence.quoted_the_mainland_way(t)]


def converted_articles(conservative: bool | str, size: int = 600) -> list[str]:
    """People's Daily articles through a character converter, or an OpenCC config name."""
    if isinstance(conservative, str):
        return [_opencc(conservative).convert(text) for text in peoples_daily_articles(size)]
    return [convert(text, conservative) for text in peoples_daily_articles(size)]


def peoples_daily_articles(size: int = 600, from_line: int = 0) -> list[str]:
    """People's Daily 1998 paragraphs (from `from_line` on) grouped into articles of at least
    `size` characters; the paragraphs after the last full one are left out."""
    lines = (SHARED / "corpora/peoples_daily_1998.txt").read_text(encoding="utf-8").split("\n")[from_line:]
    articles, current = [], ""
    for line in lines:
        current += line.strip() + "\n"
        if len(current) >= size:
            articles.append(current)
            current = ""
    return articles


def rate(texts: list[str], options: ScriptOptions) -> float:
    hits = sum(is_machine_converted(detect(t, options), options) for t in texts)
    return hits / len(texts)


def count_picks(texts: list[str]) -> dict[str, tuple[int, int]]:
    """Simplified character -> (converter form, phrase form) places in `texts`, every
    ambiguous place of every text, each distinct window once per text."""
    counts: dict[str, list[int]] = {}
    for text in texts:
        windows = set()
        for place in evidence.round_trip_places(text, evidence.ambiguous_positions(text)):
            kind = evidence.pick_kind(place)
            if kind is None or place.window in windows:
                continue
            windows.add(place.window)
            counts.setdefault(place.simplified, [0, 0])[kind == "phrase"] += 1
    return {s: (n, p) for s, (n, p) in sorted(counts.items())}


def count_rare_forms(texts: list[str]) -> tuple[dict[tuple[str, str], int], dict[str, int], dict[str, float]]:
    """Over genuine `texts`: (Simplified, Traditional form) -> places where the writer wrote the
    form and no phrase-aware standard writes it there; Simplified -> all its places (each
    distinct window once per text); form -> occurrences per 1,000 Han characters."""
    off: dict[tuple[str, str], int] = {}
    places: dict[str, int] = {}
    occurrences: dict[str, int] = {}
    han = 0
    for text in texts:
        codes = codes_of(text)
        han += int(np.count_nonzero((codes >= 0x4E00) & (codes < 0xA000)))
        windows = set()
        for place in evidence.round_trip_places(text, evidence.ambiguous_positions(text)):
            occurrences[place.char] = occurrences.get(place.char, 0) + 1
            if place.window in windows:
                continue
            windows.add(place.window)
            places[place.simplified] = places.get(place.simplified, 0) + 1
            if place.char not in (place.mainland, place.taiwan, place.hong_kong):
                off[(place.simplified, place.char)] = off.get((place.simplified, place.char), 0) + 1
    return off, places, {c: 1000.0 * n / max(1, han) for c, n in occurrences.items()}


def rare_form_rows(texts: list[str]) -> list[tuple[str, str, int, int, float]]:
    """Every form of every ambiguous group, with its counts (0 off places included: a
    converter's form genuine writers never chose is the most telling)."""
    off, places, per_mille = count_rare_forms(texts)
    rows = []
    for simplified, members in sorted(evidence._ambiguous_groups().items()):
        for form in members:
            rows.append((simplified, form, off.get((simplified, form), 0), places.get(simplified, 0),
                         round(per_mille.get(form, 0.0), 4)))
    return rows


def write_rare_forms(rows: list[tuple[str, str, int, int, float]], docs: int) -> Path:
    return write_rows(evidence.RARE_FORMS_FILE, [
        "Generated by bench/calibrate_script.py --rare from ../shared/corpora/tw_news.jsonl",
        f"({docs} genuine Taiwan/Hong Kong articles): for each Traditional form of a Simplified character",
        "with several, the places where genuine writers wrote it where no phrase-aware OpenCC standard",
        "(s2t, s2tw, s2hk) writes it, all places of the Simplified character, and the form's occurrences",
        "per 1,000 Han characters.",
        "simplified\tform\toff_standard\tplaces\tper_mille",
    ], rows)


def write_pick_counts(counts: dict[str, tuple[int, int]], docs: int) -> Path:
    return write_rows(evidence.PICK_COUNTS_FILE, [
        "Generated by bench/calibrate_script.py --picks from ../shared/corpora/tw_news.jsonl",
        f"({docs} genuine Taiwan/Hong Kong articles): for each Simplified character with several",
        "Traditional forms, how often genuine writers wrote the character table's form where",
        "phrase-aware OpenCC standards write another, and how often they wrote the phrase form.",
        "simplified\tfollows_converter\tfollows_phrase",
    ], [(s, n, p) for s, (n, p) in counts.items()])


def converter_pick_weight(text: str, weights: dict[str, float]) -> float:
    """The converter-pick weight `detect` would give `text` with these pick weights."""
    codes = codes_of(text)
    positions = evidence.pick_positions(codes, evidence.Spots.of(codes))
    return evidence.converter_pick_evidence(text, positions, weights=weights).weight


def cross_validated_weights(genuine: list[str]) -> list[float]:
    """Converter-pick weight of each genuine text that only picks could decide (no leftovers,
    no Taiwan/Hong Kong or OpenCC standard form), scored with counts from the other half."""
    never = ScriptOptions(pick_threshold=float("inf"))
    halves = [genuine[0::2], genuine[1::2]]
    weights = [evidence.pick_weights(count_picks(h)) for h in halves]
    undecided = []
    for half, other in ((0, 1), (1, 0)):
        for text in halves[half]:
            profile = detect(text, never)
            if (profile.script in ("traditional", "mixed") and not is_machine_converted(profile, never)
                    and not profile.follows_region and not profile.follows_opencc):
                undecided.append(converter_pick_weight(text, weights[other]))
    return undecided


def pick_threshold_table(sides: dict[str, list[str]]) -> str:
    """Share of each side converted for a grid of converter-pick thresholds (genuine side
    cross-validated)."""
    genuine_name = next(iter(sides))
    genuine_weights = cross_validated_weights(sides[genuine_name])
    without = rate(sides[genuine_name], ScriptOptions(pick_threshold=float("inf")))
    rows = ["| pick threshold (log10 LR) | " + " | ".join(sides) + " |", "|---|" + "---|" * len(sides)]
    for threshold in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0):
        extra = sum(w >= threshold for w in genuine_weights) / len(sides[genuine_name])
        cells = [f"{100 * (without + extra):.2f}% (cv)"]
        options = ScriptOptions(pick_threshold=threshold)
        cells += [f"{100 * rate(t, options):.2f}%" for name, t in sides.items() if name != genuine_name]
        rows.append(f"| {threshold} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def leftover_threshold_table(sides: dict[str, list[str]]) -> str:
    rows = ["| threshold (per 1k Han) | min places | " + " | ".join(sides) + " |",
            "|---|---|" + "---|" * len(sides)]
    for threshold in (0.5, 1.0, 2.0, 3.0, 5.0):
        for min_evidence in (1, 2, 3):
            options = ScriptOptions(threshold=threshold, min_evidence=min_evidence)
            rates = [f"{100 * rate(t, options):.2f}%" for t in sides.values()]
            rows.append(f"| {threshold} | {min_evidence} | " + " | ".join(rates) + " |")
    return "\n".join(rows)


# The Mainland side of the word counts, held out from bench/converters.py's 300 articles (drawn
# from the start of both corpora).
MAINLAND_PD_FROM_LINE = 5_000
MAINLAND_THUCNEWS_FROM = 500
MAINLAND_WORD_MIN_WEIGHT = 1.0  # ten times commoner in Mainland news than in Taiwan / Hong Kong news
MAINLAND_WORD_MIN_DOCS = 3


def mainland_documents(size: int = 600) -> list[str]:
    """Simplified Mainland news: People's Daily paragraph groups and THUCNews articles."""
    documents = peoples_daily_articles(size, MAINLAND_PD_FROM_LINE)
    with (SHARED / "corpora/thucnews_1000.tsv").open(encoding="utf-8") as f:
        documents += [line.split("\t", 1)[1] for line in f][MAINLAND_THUCNEWS_FROM:]
    return documents


def _documents_with(texts: list[str], form_to_word: dict[str, str]) -> dict[str, int]:
    pattern = re.compile("|".join(map(re.escape, sorted(form_to_word, key=len, reverse=True))))
    counts: dict[str, int] = {}
    for text in texts:
        for word in {form_to_word[m.group()] for m in pattern.finditer(text)}:
            counts[word] = counts.get(word, 0) + 1
    return counts


def _zhconv_taiwan_words() -> set[str]:
    """The Mainland words of zhconv's Taiwan table (MediaWiki's zh2TW: `导弹` -> `飛彈`,
    `乔布斯` -> `賈伯斯`), in OpenCC's s2t spelling. Needs zhconv (the bench extra)."""
    try:
        import zhconv.zhconv as tables
    except ImportError as error:
        raise SystemExit("--mainland needs zhconv: pip install -e '.[bench]'") from error
    tables.loaddict()
    s2t = _opencc("s2t")
    return {converted for word, taiwan in tables.zhcdicts["zh2TW"].items()
            if len(word) >= 2 and (converted := s2t.convert(word)) != taiwan and not any(c.isdigit() for c in word)}


def mainland_word_rows(genuine: list[str], mainland: list[str]) -> list[tuple[str, str, int, int, float]]:
    """Mainland words that Taiwan writes otherwise (the keys of OpenCC's `TWPhrases.ocd2` and of
    zhconv's Taiwan table, as s2t writes them: `信息`, `短信`, `報道`), each with its Taiwan and Hong Kong spellings, the
    Mainland and genuine documents holding it, and the log10 ratio of those shares; the words
    at least `MAINLAND_WORD_MIN_WEIGHT`."""
    from zhclean.t2s import _dictionary_keys

    words = sorted({*_dictionary_keys("TWPhrases.ocd2"), *_zhconv_taiwan_words()})
    forms = {w: sorted({w, _opencc("t2tw").convert(w), _opencc("t2hk").convert(w)}) for w in words}
    in_genuine = _documents_with(genuine, {f: w for w in words for f in forms[w]})
    simplified: dict[str, str] = {}
    for w in words:
        simplified.setdefault(_opencc("t2s").convert(w), w)
    in_mainland = _documents_with(mainland, simplified)
    rows = []
    for w in words:
        m, g = in_mainland.get(w, 0), in_genuine.get(w, 0)
        weight = math.log10(((m + 0.5) / (len(mainland) + 1)) / ((g + 0.5) / (len(genuine) + 1)))
        if weight >= MAINLAND_WORD_MIN_WEIGHT and m >= MAINLAND_WORD_MIN_DOCS:
            rows.append((w, ",".join(forms[w]), m, g, round(weight, 3)))
    return sorted(rows, key=lambda row: (-row[4], row[0]))


def write_mainland_words(rows: list[tuple[str, str, int, int, float]], genuine: int, mainland: int) -> Path:
    return write_rows(evidence.MAINLAND_WORDS_FILE, [
        "Generated by bench/calibrate_script.py --mainland. The keys of OpenCC's TWPhrases.ocd2 and of zhconv's",
        "zh2TW table (Mainland words that Taiwan writes otherwise, in OpenCC's s2t spelling) with their Taiwan and Hong Kong",
        f"spellings; the documents holding each among {mainland} Mainland news documents (People's Daily 1998",
        f"from line {MAINLAND_PD_FROM_LINE}, THUCNews from article {MAINLAND_THUCNEWS_FROM}, Simplified)"
        f" and among {genuine} genuine tw_news articles;",
        "and weight = log10 of the ratio of the two shares (+0.5 each). Words of weight >= "
        f"{MAINLAND_WORD_MIN_WEIGHT} in {MAINLAND_WORD_MIN_DOCS}+ Mainland documents.",
        "word\tforms\tmainland_docs\tgenuine_docs\tweight",
    ], rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out")
    parser.add_argument("--picks", action="store_true", help="recount zhclean/data/converter_picks.tsv")
    parser.add_argument("--rare", action="store_true", help="recount zhclean/data/rare_forms.tsv")
    parser.add_argument("--mainland", action="store_true", help="recount zhclean/data/mainland_words.tsv")
    args = parser.parse_args()
    if not (SHARED / "corpora").exists():
        print("skip: ../shared/corpora not found")
        return
    genuine = genuine_traditional()
    if args.picks:
        print("wrote", write_pick_counts(count_picks(genuine), len(genuine)))
        evidence._packaged_pick_weights.cache_clear()
    if args.rare:
        print("wrote", write_rare_forms(rare_form_rows(genuine), len(genuine)))
        evidence._rare_table.cache_clear()
        return
    if args.mainland:
        mainland = mainland_documents()
        print("wrote", write_mainland_words(mainland_word_rows(genuine, mainland), len(genuine), len(mainland)))
        return
    sides = {
        "tw_news (genuine)": genuine,
        "PD conservative conv.": converted_articles(True),
        "PD naive conv.": converted_articles(False),
        "PD OpenCC s2t": converted_articles("s2t"),
        "PD OpenCC s2tw": converted_articles("s2tw"),
    }
    counts = ", ".join(f"{name}: {len(t)} docs" for name, t in sides.items())
    leftovers = leftover_threshold_table(sides)
    picks = pick_threshold_table(sides)
    report = (f"{counts}\n\nLeftover thresholds (converter-pick threshold at its default):\n\n"
              f"{leftovers}\n\nConverter-pick thresholds (leftover thresholds at their defaults):"
              f"\n\n{picks}\n")
    print(report)
    if args.out:
        Path(args.out).write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
