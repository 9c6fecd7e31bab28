"""Field lines in the shapes real pages use beyond `KEY：VALUE`: values with colons of their
own, account ids, URLs as the source, pairs glued with nothing between; and the page
furniture lines (ads, nav, app prompts) that go with them."""

from __future__ import annotations

import pytest

import zhclean

BODY = "正文内容在这里，是一段足够长的新闻文字。"


@pytest.mark.parametrize(("line", "fields"), [
    ("来源:人人都是产品经理(ID:woshipm)", {"source": "人人都是产品经理"}),
    ("来源：https://www.example.com/a/123.html", {"source_url": "https://www.example.com/a/123.html"}),
    ("发布时间:2017-01-06来源:新华网编辑:邓雪婷", {"published": "2017-01-06", "source": "新华网", "editor": "邓雪婷"}),
    ("發布時間:2019-01-02 10:23 來源: 日記大全 點擊:", {"published": "2019-01-02 10:23", "source": "日記大全"}),
    ("本文来源：新华网", {"source": "新华网"}),
])
def test_field_line_goes_and_its_values_are_kept(line, fields):
    result = zhclean.clean(f"{line}\n{BODY}")
    assert result.text == BODY
    assert {k: result.meta[k] for k in fields} == fields


@pytest.mark.parametrize("line", [
    "会议时间：10:30 地点：市政府礼堂",  # an event's details: no field key, content
    "作者：我们发现，这个问题很普遍：大家都知道。",  # a speaker's words
    "他说：来源：不明的资金不能进入市场。",
])
def test_lines_that_only_look_like_fields_stay(line):
    result = zhclean.clean(f"{BODY}\n{line}")
    assert result.text.split("\n")[1][:4] == line[:4] and result.meta["edits"]["boilerplate"] == 0


@pytest.mark.parametrize("line", ["微信扫一扫获取更多资讯", "廣告 廣告", "查看原文", "返回顶部", "打开APP阅读全文"])
def test_page_furniture_lines_go(line):
    assert zhclean.clean(f"{BODY}\n{line}\n第二段文字也在这里。").text == f"{BODY}\n第二段文字也在这里。"


def test_a_counter_whose_count_was_lost_still_goes_with_its_line():
    result = zhclean.clean(f"{BODY}\n发布时间：2021.06.03 浏览量：人 作者：王五")
    assert result.text == BODY and result.meta["author"] == "王五" and result.meta["published"] == "2021.06.03"


def test_every_output_has_the_new_fields():
    meta = zhclean.clean(BODY).meta
    assert meta["source_url"] is None and meta["published"] is None
