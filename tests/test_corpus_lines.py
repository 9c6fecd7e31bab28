"""The cross-document boilerplate stage: what counts as shared, what goes, what stays, and
the stage end to end through `zhclean clean --corpus-lines` and `run`."""

from __future__ import annotations

import json
import random
import re

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, read_jsonl, shared_path
from zhclean.cli import main
from zhclean.stages.corpus_lines import document_units, observe_many, remove_units, shared_keys

# A site slogan: nothing in its words says notice (the notice step leaves it); only its spread does.
FOOTER = "城市晚报与您同行，每天清晨送上新鲜的城市故事。"


def _article(i: int) -> str:
    """A short made-up news item, different for every i (shares no sentence with another)."""
    rng = random.Random(i)
    words = ["城市", "乡村", "工厂", "学校", "医院", "港口", "铁路", "农田", "市场", "社区", "水库", "林场", "机场", "码头", "园区"]
    first = f"第{i}号报道：{rng.choice(words)}的{rng.choice(words)}项目在{i % 28 + 1}日开工建设。"
    body = "".join(f"{rng.choice(words)}{rng.choice(words)}负责人介绍，{rng.choice(words)}今年投入资金{rng.randint(2, 999)}万元，"
                   f"惠及{rng.randint(10, 9999)}户居民{k}次。" for k in range(4))
    return f"{first}\n{body}"


def _keys(text: str) -> dict[str, int]:
    doc = document_units(text)
    return {text[u.start:u.end]: u.key for u in doc.units}


def _frequent(texts: list[str], min_documents: int = 5) -> np.ndarray:
    """The shared keys of `texts`, as the stage finds them (count, then the driver's reduce)."""
    observed = observe_many(texts)
    return shared_keys(observed.keys, observed.variants, observed.places, len(texts), min_documents, 0.0, 0.1)[0]


def test_keys_fold_script_case_punctuation_and_digits():
    a = _keys("版权所有 © 2019 新华网。\n内容")["版权所有 © 2019 新华网。"]
    b = _keys("版權所有©2023新華網\n内容")["版權所有©2023新華網"]
    assert a == b
    assert _keys("版权所有 © 2019 人民网。\n内容")["版权所有 © 2019 人民网。"] != a


def test_a_line_too_short_to_mean_anything_is_not_counted():
    assert "（完）" not in _keys("正文第一句话在这里。\n（完）")
    assert "查看原文" in _keys("正文第一句话在这里。\n查看原文")


def test_a_footer_in_unrelated_documents_goes_and_nothing_else():
    texts = [f"{_article(i)}\n{FOOTER}" for i in range(12)]
    frequent = _frequent(texts)
    for i, text in enumerate(texts):
        cleaned, cuts = remove_units(text, frequent)
        assert cleaned == _article(i)
        assert [c.rule for c in cuts] == ["shared_line"]


def test_reposts_of_one_story_are_one_context_not_many():
    story = _article(1000)
    texts = [story] * 30 + [_article(i) for i in range(5)]
    assert _frequent(texts).size == 0


def test_a_sentence_glued_at_a_paragraph_edge_goes_and_the_gap_closes():
    texts = [_article(i).replace("\n", "") + "　" + FOOTER for i in range(12)]
    texts += ["　".join([FOOTER, _article(i).replace("\n", "")]) for i in range(12, 24)]
    frequent = _frequent(texts)
    for i, text in enumerate(texts):
        cleaned, _ = remove_units(text, frequent)
        assert cleaned == _article(i).replace("\n", ""), text


def test_a_shared_line_inside_the_body_stays():
    """Form labels and table headings are shared by many documents and are content."""
    label = "项目基本情况如下所示："
    texts = [_article(i).replace("\n", f"\n{label}\n") for i in range(15)]
    frequent = _frequent(texts)
    assert frequent.size > 0  # the label is shared...
    for text in texts:
        assert remove_units(text, frequent)[0] == text  # ...and stays


def test_a_field_whose_digits_change_is_a_form_not_a_footer():
    texts = [f"{_article(i)}\n生效日期：{2000 + i}/{i % 12 + 1}/{i % 27 + 1}" for i in range(20)]
    assert _frequent(texts).size == 0
    texts = [f"{_article(i)}\n© 2003-{2019 + i % 2} 本站保留所有权利" for i in range(20)]
    assert _frequent(texts).size == 1  # a footer's year changes, in a few variants


def test_a_document_that_is_only_shared_text_is_left_whole():
    texts = [f"{_article(i)}\n{FOOTER}" for i in range(12)]
    frequent = _frequent(texts)
    assert remove_units(FOOTER, frequent) == (FOOTER, [])


def test_removal_is_idempotent_and_leaves_no_blank_runs():
    texts = [f"{FOOTER}\n\n{_article(i)}\n\n{FOOTER}\n\n相关阅读：更多精彩内容请关注本网站" for i in range(12)]
    frequent = _frequent(texts)
    for text in texts:
        once, _ = remove_units(text, frequent)
        assert "\n\n\n" not in once and not once.startswith("\n") and not once.endswith("\n")
        assert remove_units(once, frequent)[0] == once


def _write(path, texts):
    path.write_bytes(b"".join(orjson.dumps({"id": f"d{i}", "text": t}) + b"\n" for i, t in enumerate(texts)))


def test_clean_with_corpus_lines_end_to_end(tmp_path):
    texts = [f"{_article(i)}\n{FOOTER}" for i in range(30)]
    _write(tmp_path / "in.jsonl", texts)
    plain, lines = tmp_path / "plain.jsonl", tmp_path / "lines.jsonl"
    assert main(["clean", str(tmp_path / "in.jsonl"), "-o", str(plain), "--quiet", "--workers", "1"]) == 0
    assert main(["clean", str(tmp_path / "in.jsonl"), "-o", str(lines), "--quiet", "--workers", "1",
                 "--corpus-lines"]) == 0
    before, after = read_jsonl(plain), read_jsonl(lines)
    assert [r["id"] for r in before] == [r["id"] for r in after]
    for b, a in zip(before, after, strict=True):
        assert a["text"] == b["text"].removesuffix(f"\n{FOOTER}") != b["text"]
        assert a["zhclean"]["edits"]["corpus_lines"] == 1
        assert a["zhclean"]["chars_out"] == len(a["text"])
    summary = json.loads((tmp_path / "lines.summary.json").read_text())
    assert summary["balanced"] and summary["kept"] == 30
    assert summary["edits"]["corpus_lines"] == 30
    assert summary["corpus_lines"]["documents_edited"] == 30
    shared = read_jsonl(tmp_path / "lines.shared_lines.jsonl")
    assert shared == [{"text": FOOTER, "rule": "shared_line", "documents": 30}]


def test_run_with_corpus_lines_then_dedup_and_two_workers_agree(tmp_path):
    texts = [f"{_article(i)}\n{FOOTER}" for i in range(40)] + [f"{_article(3)}\n另一个网站的页脚文字在这里"]
    _write(tmp_path / "in.jsonl", texts)
    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"run{workers}.jsonl"
        assert main(["run", str(tmp_path / "in.jsonl"), "-o", str(out), "--quiet", "--workers", workers,
                     "--corpus-lines", "--shard-size", "0"]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    kept = [json.loads(line) for line in outs[0].splitlines()]
    assert all(FOOTER not in r["text"] for r in kept)
    assert len(kept) == 40  # the repost of article 3 is a near-duplicate once the footers are gone
    summary = json.loads((tmp_path / "run1.summary.json").read_text())
    assert summary["balanced"] and summary["dropped"] == 1


def test_a_saved_table_finds_a_footer_spread_over_two_batches(tmp_path):
    table = tmp_path / "table"
    first = [f"{_article(i)}\n{FOOTER}" for i in range(6)]
    second = [f"{_article(i)}\n{FOOTER}" for i in range(6, 12)]
    _write(tmp_path / "a.jsonl", first)
    _write(tmp_path / "b.jsonl", second)
    common = ["--quiet", "--workers", "1", "--corpus-lines", "--lines-table", str(table)]
    assert main(["clean", str(tmp_path / "a.jsonl"), "-o", str(tmp_path / "a.out.jsonl"), *common]) == 0
    assert all(FOOTER in r["text"] for r in read_jsonl(tmp_path / "a.out.jsonl"))  # 6 < 10
    assert main(["clean", str(tmp_path / "b.jsonl"), "-o", str(tmp_path / "b.out.jsonl"), *common]) == 0
    assert all(FOOTER not in r["text"] for r in read_jsonl(tmp_path / "b.out.jsonl"))  # 12 with the table
    summary = json.loads((tmp_path / "b.out.summary.json").read_text())
    assert summary["corpus_lines"]["table_documents"] == 6


# Notices, prompts and nav lines written for this test, in the shapes real pages use; none is
# in the rule file (checked below). Held out: the stage must find them from their spread.
HELD_OUT_NOTICES = [
    "本站部分文章来自互联网整理，仅作学习交流之用，如有不妥请联系站长处理。",
    "文中观点仅代表作者本人，与本平台立场无关，请读者自行甄别。",
    "欢迎转发到朋友圈，让更多的朋友看到这篇好文章。",
    "喜欢本文的话，记得点个在看再走哦！",
    "扫描下方二维码，加入读者交流群，每天早上推送行业早报。",
    "回复关键词“资料”即可领取全套学习资料。",
    "本文经授权转载，原文链接请点击左下角阅读原文。",
    "图片来自网络，如有侵犯您的权益请告知我们，我们将第一时间处理。",
    "更多本地新闻，请下载掌上新闻客户端。",
    "投稿邮箱：请发送至编辑部公共邮箱，来稿请注明真实姓名。",
    "本报法律顾问：某某律师事务所。",
    "友情提示：市场有风险，理财须审慎，以上内容不构成任何建议。",
    "未经许可，任何单位和个人不得复制、摘编本网原创内容。",
    "上一篇：下一篇：返回首页",
    "分享到：微博 微信 QQ空间",
    "点击进入专题页面查看更多精彩报道",
    "打开手机客户端，阅读体验更佳。",
    "长按下图识别关注我们，获取第一手资讯。",
    "觉得有用就收藏起来吧，以后慢慢看。",
    "本期编辑部全体成员祝您阅读愉快。",
    "如需转载，请在后台留言获取授权，并在文首注明作者和来源。",
    "今日推荐阅读：往期精选文章合集，点击标题即可查看。",
    "声明：本号对所有原创、转载文章的陈述与观点均保持中立。",
    "温馨提示：网上购物请选择正规平台，谨防诈骗。",
    "本栏目稿件欢迎各单位踊跃投递，优秀稿件将获得稿酬。",
    "读者热线：每个工作日上午九点至下午五点接听。",
    "网站备案信息及经营许可证号请见页面底部。",
    "全文完，感谢您的耐心阅读。",
    "想看更多内容，请在应用商店搜索下载我们的官方应用。",
    "内容整理自公开资料，数据仅供参考，以官方发布为准。",
    "关注我们的视频号，每晚八点准时直播。",
    "免责申明：本页面内容由用户自行上传，平台不承担相应责任。",
]


def _sentences(text: str) -> list[str]:
    return [s for s in re.findall(r"[^。！？\n]+[。！？]", text) if len(s) >= 8]


@pytest.fixture(scope="module")
def thucnews_articles():
    rows = shared_path("corpora/thucnews_1000.tsv").read_text(encoding="utf-8").splitlines()
    return [row.split("\t")[-1] for row in rows if row.count("\t") >= 1]


def test_held_out_notices_are_not_in_the_rule_file():
    rules = (ROOT / "zhclean" / "data" / "boilerplate.toml").read_text(encoding="utf-8")
    assert not [notice for notice in HELD_OUT_NOTICES if notice in rules or notice[:8] in rules]


def test_held_out_notices_inserted_into_thucnews_go_and_articles_stay(tmp_path, thucnews_articles):
    """Each notice into 20 random articles (2% of the corpus: a site's footer in a mixed crawl), as a line or a glued sentence at the start or
    the end (as sites, scrapers and stripped line breaks put them): >= 95% of insertions
    removed, >= 99.5% of the articles' sentences kept."""
    assert len(HELD_OUT_NOTICES) >= 30
    rng = random.Random(7)
    articles = list(thucnews_articles)
    inserted: dict[int, list[str]] = {}
    for notice in HELD_OUT_NOTICES:
        for i in rng.sample(range(len(articles)), 20):
            inserted.setdefault(i, []).append(notice)
    texts = []
    for i, article in enumerate(articles):
        text = article
        for notice in inserted.get(i, []):
            shape = rng.randrange(4)
            text = (f"{text}\n{notice}", f"{notice}\n{text}", f"{text}{notice}", f"{notice}{text}")[shape]
        texts.append(text)
    _write(tmp_path / "plain.jsonl", articles)
    _write(tmp_path / "noisy.jsonl", texts)
    assert main(["clean", str(tmp_path / "plain.jsonl"), "-o", str(tmp_path / "plain.out.jsonl"),
                 "--quiet", "--filters", "none"]) == 0
    assert main(["clean", str(tmp_path / "noisy.jsonl"), "-o", str(tmp_path / "noisy.out.jsonl"),
                 "--quiet", "--filters", "none", "--corpus-lines"]) == 0
    plain = {r["id"]: r["text"] for r in read_jsonl(tmp_path / "plain.out.jsonl")}
    noisy = {r["id"]: r["text"] for r in read_jsonl(tmp_path / "noisy.out.jsonl")}
    total = sum(len(v) for v in inserted.values())
    left = sum(notice in noisy[f"d{i}"] for i, notices in inserted.items() for notice in notices)
    leftover = [(notice, noisy[f"d{i}"][:50], noisy[f"d{i}"][-50:]) for i, notices in inserted.items() for notice in notices if notice in noisy[f"d{i}"]]
    assert 1 - left / total >= 0.95, (f"{left} of {total} insertions left", leftover[:40])
    sentences = [(key, s) for key, text in plain.items() for s in _sentences(text)]
    lost = [s for key, s in sentences if s not in noisy[key]]
    assert 1 - len(lost) / len(sentences) >= 0.995, lost[:20]


def test_tw_news_loses_the_inserted_sentence_and_little_else(tmp_path):
    """The scraper's sentence leaves every article; fewer than 5% of articles lose anything
    else, and what they lose is listed in the side file."""
    source = shared_path("corpora/tw_news.jsonl")
    for name, flags in (("plain", []), ("lines", ["--corpus-lines"])):
        assert main(["clean", str(source), "-o", str(tmp_path / f"{name}.jsonl"), "--quiet", *flags]) == 0
    plain = read_jsonl(tmp_path / "plain.jsonl")
    lines = read_jsonl(tmp_path / "lines.jsonl")
    assert [r["id"] for r in plain] == [r["id"] for r in lines]
    inserted = re.compile("　?新冠肺炎全球疫情(?:惡化|恶化)，.*?新高。")
    assert sum(bool(inserted.search(r["text"])) for r in plain) >= 500
    assert not [r for r in lines if inserted.search(r["text"])]
    others = [(p["id"], p["text"]) for p, q in zip(plain, lines, strict=True)
              if inserted.sub("", p["text"]).strip() != q["text"]]
    listed = {row["text"] for row in read_jsonl(tmp_path / "lines.shared_lines.jsonl")}
    assert len(others) / len(lines) < 0.05, len(others)
    assert len(listed) < 60


def test_parquet_output_with_corpus_lines_has_one_schema(tmp_path):
    import pyarrow.parquet as pq

    texts = [f"{_article(i)}\n{FOOTER}" for i in range(20)] + [_article(i) for i in range(20, 25)]
    _write(tmp_path / "in.jsonl", texts)
    out = tmp_path / "out.parquet"
    assert main(["clean", str(tmp_path / "in.jsonl"), "-o", str(out), "--quiet", "--workers", "1",
                 "--corpus-lines"]) == 0
    rows = pq.read_table(out).to_pylist()
    assert len(rows) == 25 and all(FOOTER not in r["text"] for r in rows)
    assert [r["zhclean"]["edits"]["corpus_lines"] for r in rows] == [1] * 20 + [0] * 5


def test_explain_with_a_saved_table_shows_what_the_stage_would_remove(tmp_path, capsys):
    table = tmp_path / "table"
    _write(tmp_path / "a.jsonl", [f"{_article(i)}\n{FOOTER}" for i in range(12)])
    assert main(["clean", str(tmp_path / "a.jsonl"), "-o", str(tmp_path / "a.out.jsonl"), "--quiet",
                 "--corpus-lines", "--lines-table", str(table)]) == 0
    capsys.readouterr()
    assert main(["explain", f"{_article(99)}\n{FOOTER}", "--lines-table", str(table)]) == 0
    shown = capsys.readouterr().out
    assert "corpus_lines: 1 edit(s)" in shown and "shared_line" in shown
    assert FOOTER[:8] in shown.split("corpus_lines")[1]  # listed as removed...
    assert FOOTER[:8] not in shown.split("corpus_lines")[0]  # ...and gone from the cleaned text


@pytest.mark.parametrize("text", [
    "他说：“好。”然后走了。\n第二行的文字　第三句在缩进之后！最后一句没有句号",
    "价格为1,800元？是的！！真的……\n\n空行之后（括号里的话。）再来一句；结尾",
    "Latin words stay inside: ETF 的波动率 很低。下一句。",
])
def test_sentence_spans_find_what_the_sentence_pattern_defines(text):
    from zhclean.chars import codes_of
    from zhclean.stages.corpus_lines import _SENTENCE, sentence_spans

    starts, ends = sentence_spans(codes_of(text))
    found = [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group().strip()]
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == found


def test_a_site_footer_below_the_corpus_threshold_goes_by_the_site_share(tmp_path):
    """8 pages of one site carry its footer (9 pages in all): too few for the corpus (10), all
    of the site."""
    site_footer = "江南晨报数字版由江南晨报社主办，欢迎读者朋友们常来看看。"
    records = [{"id": f"a{i}", "url": f"https://www.jiangnan.example/news/{i}.html",
                "text": f"{_article(i)}\n{site_footer}"} for i in range(8)]
    records += [{"id": f"b{i}", "source_domain": "other.example", "text": _article(100 + i)} for i in range(30)]
    records += [{"id": f"c{i}", "url": f"https://big.example/{i}",
                 "text": _article(200 + i) + (f"\n{site_footer}" if i < 1 else "")} for i in range(40)]
    (tmp_path / "in.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    out = tmp_path / "out.jsonl"
    assert main(["clean", str(tmp_path / "in.jsonl"), "-o", str(out), "--quiet", "--workers", "1",
                 "--corpus-lines"]) == 0
    kept = {r["id"]: r["text"] for r in read_jsonl(out)}
    assert all(kept[f"a{i}"] == _article(i) for i in range(8))  # 8 of the site's 8 pages
    assert site_footer in kept["c0"]  # 1 of big.example's 40 pages (and 9 < 10 in the corpus): stays
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["corpus_lines"]["sites"] == 3 and summary["corpus_lines"]["shared_units"] == 0


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="(（0123456789１２٣一二三四五六七八九十.．、)）。甲 \n", max_size=40))
def test_list_items_are_where_the_list_item_pattern_matches(text):
    """The lookups that find list items agree with `_LIST_ITEM` at every position, including
    full-width and other decimal digits, runs too long to be a number and brackets alone."""
    from zhclean.chars import codes_of
    from zhclean.stages.corpus_lines import _LIST_ITEM, _list_items

    every = np.arange(len(text), dtype=np.int64)
    found = _list_items(codes_of(text), every).tolist()
    assert found == [p for p in range(len(text)) if _LIST_ITEM.match(text, p)]


@pytest.mark.parametrize("size", [1000, 200_000])
def test_membership_and_repeats_agree_with_numpy(size):
    """`in_sorted` (screened for many values) is `np.isin`, and `repeated` counts as
    `np.unique` does, on hashes and on small integers (whose low bits all collide)."""
    from zhclean.stages.corpus_lines import in_sorted, repeated

    rng = np.random.default_rng(7)
    for values in (rng.integers(0, 2**64, size, dtype=np.uint64, endpoint=False),
                   rng.integers(0, 50, size).astype(np.uint64) << np.uint64(22)):
        values = np.concatenate([values, values[: size // 3]])  # repeats
        table = np.unique(rng.choice(values, 300))
        assert np.array_equal(in_sorted(values, table), np.isin(values, table))
        distinct, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
        for times in (1, 2, 3):
            assert np.array_equal(repeated(values, times), counts[inverse] >= times)
