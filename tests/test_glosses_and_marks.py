"""Glosses, question marks and breadcrumbs as real pages write them (issue 15's smaller cases).

Texts written for these tests."""

from __future__ import annotations

import pytest

from zhclean import Pipeline, clean
from zhclean.filters.base import Document
from zhclean.filters.mojibake import garbled
from zhclean.steps.repeated_line import is_navigation
from zhclean.text import reads_as_question


def _twice(text: str) -> str:
    once = clean(text).text
    assert clean(once).text == once, "cleaning again changes nothing"
    return once


# ---------------------------------------------------------------- glosses


def test_a_gloss_takes_its_separator_space_with_it():
    assert _twice("两(liang) 会(hui)期间，代表们(men) 提出了(le) 很多建议。") == "两会期间，代表们提出了很多建议。"


def test_a_space_before_something_not_chinese_stays():
    out = Pipeline(steps=["pinyin_gloss"]).clean("他的(de) 2019年的(de) 计划很好的(de)。").text
    assert out == "他的 2019年的计划很好的。"


def test_a_farm_glossing_a_polyphone_at_every_occurrence_is_cleaned():
    """Four distinct characters, 了 read two ways: the old rule took it for teaching."""
    farm = ("我们了(le)解到，他来了(le)，走了(le)。事情了(liao)结后，大家的(de)心情好了(le)。"
            "中(zhong)国的(de)发展有(you)目共睹，有(you)了(le)新的(de)面貌，了(liao)不起。")
    out = _twice(farm)
    assert "(" not in out and out.startswith("我们了解到，他来了，走了。事情了结后")


@pytest.mark.parametrize("teaching", [
    "多音字“重”有两个读音：重(zhòng)要的重，读作zhòng；重(chóng)新的重，读作chóng。再如重(zhòng)量、重(zhòng)点。",
    "重(zhòng)要和重(chóng)复，行(xíng)走与银行(háng)。",  # each reading once: contrasted, not padded
    "重(zhòng)量、重(chóng)复、重(zhòng)要、重(chóng)新、重(zhòng)视、重(chóng)叠。",  # only the contrasted character
])
def test_pronunciation_teaching_keeps_its_glosses(teaching):
    assert clean(teaching).text == teaching


def test_digits_in_a_row_are_a_number_not_tones():
    text = "用户名分别是张伟(zhangwei123)、李娜(lina2024)、王芳(wangfang520)、刘洋(liuyang88)。"
    assert clean(text).text == text
    assert clean("区人(ren2)大常委会(hui4)主任在(zai4)会上发言。").text == "区人大常委会主任在会上发言。"


# ---------------------------------------------------------------- question marks


@pytest.mark.parametrize("text", [
    "生态?健康?孩子的成长环境很重要，我们要注意。",  # characters a code page could not hold
    "北京??州真便宜啊",
    "减少生态?境的破坏",  # 少 asks only in 多少; 与否, 困难, 几乎, 任何, 这么 ask nothing
    "成功与否?都要坚持",
    "几乎?有人知道",
])
def test_a_question_mark_for_a_lost_character_stays_ascii(text):
    assert _twice(text) == text


@pytest.mark.parametrize("text, expected", [
    ("你去哪里?我不去。", "你去哪里？我不去。"),  # a question word
    ("这一对策灵不灵?且看看浙江的做法。", "这一对策灵不灵？且看看浙江的做法。"),  # A-not-A
    ("再过一年价格便趋向合理?物价的大起大落让人担心。", "再过一年价格便趋向合理？物价的大起大落让人担心。"),  # a long clause
    ("真的吗?我不信!", "真的吗？我不信！"),
    ("你要多少?我给你。", "你要多少？我给你。"),
    ("难道?你不知道", "难道？你不知道"),
])
def test_a_question_mark_that_asks_becomes_full_width(text, expected):
    assert _twice(text) == expected


def test_the_mojibake_filter_counts_lost_characters_and_not_questions():
    lost = Document("生态?健康?孩子们在?里玩耍")
    asked = Document("你去哪里？我在家里呢？不对，是在公司。")
    assert garbled(lost) == 3 and garbled(asked) == 0
    assert reads_as_question("灵不灵?", 3) and not reads_as_question("生态?", 2)


# ---------------------------------------------------------------- breadcrumbs


def test_a_title_named_by_the_breadcrumb_above_it_stays():
    text = ("首页 > 综合百科 > 冬季如何预防感冒的几个小方法\n冬季如何预防感冒的几个小方法\n"
            "冬季气温低，人们容易感冒。专家建议多喝水，注意保暖，适当锻炼身体。")
    assert "\n冬季如何预防感冒的几个小方法\n" in _twice(text)


def test_a_heading_copied_from_its_paragraph_still_goes():
    text = "冬季如何预防感冒的几个小方法\n冬季如何预防感冒的几个小方法，专家给出了建议：多喝水，注意保暖。"
    assert _twice(text) == "冬季如何预防感冒的几个小方法，专家给出了建议：多喝水，注意保暖。"


@pytest.mark.parametrize("line, navigation", [
    ("首页 > 综合百科 > 标题", True), ("当前位置：首页 » 新闻", True), ("首页 / 新闻 / 正文", True),
    ("2024/05/01 发布的通知", False), ("他说：价格 > 成本时才有利润", False),
])
def test_what_reads_as_a_breadcrumb(line, navigation):
    assert is_navigation(line) is navigation
