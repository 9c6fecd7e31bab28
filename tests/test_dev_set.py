"""The public dev set, end to end with default options (issue 5 and 3/4 acceptance)."""

import json
import random
import re

import zhclean
from tests.conftest import shared_path
from zhclean.eval import score
from zhclean.steps.script import ScriptOptions, detect, is_machine_converted

GLOSS = re.compile(r"[\u4e00-\u9fff][(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+[1-5]?[)）]")
HAN = re.compile(r"[\u4e00-\u9fff]")


def _predictions(dev_pairs):
    return [
        {"id": n["id"], "text": (r := zhclean.clean(n["text"])).text, "zhclean": r.meta}
        for n, _ in dev_pairs
    ]


def test_dev_set_scores(dev_pairs):
    result = score(_predictions(dev_pairs), [g for _, g in dev_pairs])
    assert result.exact_rate >= 0.97, result.failures
    assert result.cer <= 0.002
    assert result.clean_unchanged == result.clean_records
    assert result.field_rate("editor") >= 0.98
    assert result.field_rate("source") >= 0.98


def test_no_gloss_survives_and_negatives_are_untouched(dev_pairs):
    for noisy, gold in dev_pairs:
        out = zhclean.clean(noisy["text"]).text
        if "gloss" in gold["kinds"]:
            assert not GLOSS.search(out), gold["id"]
        if "negative" in gold["kinds"]:
            assert out == gold["text"], gold["id"]


def test_s2t_records_come_back_simplified(dev_pairs):
    records = [(n, g) for n, g in dev_pairs if "s2t" in g["kinds"]]
    equal = sum(
        HAN.findall(zhclean.clean(n["text"]).text) == HAN.findall(g["text"]) for n, g in records
    )
    assert equal / len(records) >= 0.99


def test_genuine_traditional_news_is_left_alone():
    path = shared_path("corpora/tw_news.jsonl")
    texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    sample = random.Random(20261123).sample([t for t in texts if len(t) >= 100], 400)
    options = ScriptOptions()
    converted = sum(is_machine_converted(detect(t, options), options) for t in sample)
    assert converted / len(sample) <= 0.01


def test_real_glossed_page_loses_glosses_and_nothing_else():
    path = shared_path("corpora/chinesewebtext_dirty.jsonl")
    page = next(json.loads(line) for line in path.open(encoding="utf-8") if "sxwcsj" in line)
    from zhclean.pipeline import Pipeline

    out = Pipeline(steps=["pinyin_gloss"]).clean(page["text"]).text
    assert "莱州一中再创辉煌" in out and "烟台市教育装备与技术研究中心" in out
    assert not GLOSS.search(out)
    assert GLOSS.sub(lambda m: m.group()[0], page["text"]) == out
