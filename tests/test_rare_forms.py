"""Machine conversion seen in forms no standard writes: what any cheap converter leaves.

A character table with one-to-many mistakes (HanziConv's `傢族`, `齣現`, `到瞭`, `傾嚮`) writes
forms that no phrase-aware standard writes there and that Taiwan and Hong Kong writers almost
never choose; counted in tw_news (zhclean/data/rare_forms.tsv), they weigh as evidence whatever
the converter, and before the Taiwan/Hong Kong forms such a converter also writes. Texts
written for these tests (the converted one is what HanziConv 0.3.2 made of it)."""

from __future__ import annotations

import json

from tests.conftest import shared_path
from zhclean import clean
from zhclean import script_evidence as evidence
from zhclean.chars import codes_of
from zhclean.steps.script import ScriptOptions, detect, is_machine_converted, to_simplified

WRITTEN = ("家里出了事，他向公司请了假。这方面的问题，大家都很关心，只要出面解决就好。"
           "他说：“我们家族的事情，出现了变化，到了今天才明白。”")
HANZICONV = ("傢裏齣瞭事，他嚮公司請瞭假。這方麵的問題，大傢都很關心，隻要齣麵解決就好。"
             "他說：“我們傢族的事情，齣現瞭變化，到瞭今天纔明白。”")


def _rare(text: str) -> float:
    codes = codes_of(text)
    return evidence.rare_form_evidence(text, codes, evidence.Spots.of(codes))


def test_a_cheap_converters_one_to_many_mistakes_are_restored():
    out = clean(HANZICONV)
    assert out.meta["machine_converted"] and out.text == WRITTEN


def test_its_taiwan_forms_no_longer_veto():
    """說, 裏 and 為 are Taiwan/Hong Kong forms; they vetoed conversion before."""
    profile = detect(HANZICONV)
    assert profile.rare_forms >= ScriptOptions().rare_threshold


def test_a_writers_unusual_word_repeated_is_one_form():
    """蕭邦錶 three times is one form (錶 for 表), as a writer's word is: below the threshold."""
    genuine = "他收受蕭邦錶、香奈兒錶及金條，還補送蕭邦錶當作賀禮。檢方指出，這只蕭邦錶價值不菲。"
    assert _rare(genuine) < ScriptOptions().rare_threshold
    assert not clean(genuine).meta["machine_converted"]


def test_the_standard_phrase_of_a_rare_form_tells_nothing():
    """傢俱 and 瞭解 are what every standard writes: no evidence."""
    assert _rare("我們買了新傢俱，也瞭解了行情，麵包店的老闆很高興。") == 0.0


def test_compatibility_ideographs_are_no_evidence():
    """`不` (U+F967) and `來` (U+F92D) come from Big5 round trips, not from a converter."""
    assert _rare("股市下跌\uf967止，未\uf92d六個月仍有壓力，他們\uf967看好。") == 0.0


def test_liao_is_le_in_mainland_writing_except_when_looking_out():
    assert to_simplified("到瞭今天，我們瞭解到，瞭望塔上") == "到了今天，我们了解到，瞭望塔上"


def test_genuine_traditional_is_not_converted_more_often_than_before():
    """On tw_news at most 1% of articles are converted, and the rare forms convert none that
    is quoted the Taiwan / Hong Kong way or not at all. The ones they do convert are quoted
    with curly quotes: Mainland agency news that a converter turned Traditional (新京報,
    參考消息), which the calibration leaves out of the genuine side (bench/calibrate_script.py)."""
    path = shared_path("corpora/tw_news.jsonl")
    texts = [t for t in (json.loads(line)["text"] for line in path.open(encoding="utf-8")) if len(t) >= 100]
    options = ScriptOptions()
    converted = sum(is_machine_converted(detect(t, options), options) for t in texts)
    by_rare_forms = [t for t in texts if detect(t, options).rare_forms >= options.rare_threshold]
    assert converted / len(texts) <= 0.01
    assert all(evidence.quoted_the_mainland_way(t) for t in by_rare_forms), [t[:60] for t in by_rare_forms]


def test_the_telling_forms_are_minority_forms():
    weights, telling = evidence._rare_table()
    assert {"傢", "齣", "嚮", "麵", "麽"} <= telling
    assert not telling & set("家出向面了說為裡")
    assert all(w >= evidence.RARE_FORM_MIN_WEIGHT for (_, c), w in weights.items() if c in "傢齣嚮")
