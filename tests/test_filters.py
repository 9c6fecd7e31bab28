"""Document filters (issue 19): each filter on texts written for these tests, the verdicts
reaching the dropped file through the CLI, configuration, and the calibration on real data."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, read_jsonl, shared_path
from hypothesis import given, settings
from hypothesis import strategies as st

import zhclean
from zhclean.cli import main
from zhclean.config import ConfigError, load_config
from zhclean.filters import DEFAULT_FILTERS, FILTERS
from zhclean.pipeline import Pipeline

NEWS = ("本报讯 市政府昨日召开新闻发布会，介绍了今年城市更新工作的进展情况。"
        "据介绍，全市已完成老旧小区改造一百二十个，惠及居民三万余户。"
        "下一步，有关部门将继续推进加装电梯、雨污分流和停车设施建设，切实改善群众居住条件。\n"
        "发布会上，市住建局负责人回答了记者提问，并表示将进一步听取居民意见。")


def verdict(text: str, **options) -> tuple[str | None, str | None]:
    result = zhclean.clean(text, **options)
    return result.dropped_by, result.verdict.reason if result.verdict else None


# --- each filter: a text it drops, texts it keeps --------------------------------------------

DROPPED = {
    "empty": ("![](http://example.com/a.jpg)\n", ("length", "empty")),
    "emoticons_only": ("美~~~~~[爱你][爱你][爱你]", ("length", "too_short")),
    "mention_only": ("@小明同学 @王老师 [哈哈]", ("length", "too_short")),
    "english": ("The city council met on Tuesday to discuss the new budget for parks, schools and "
                "public transport. Officials said the plan would be published next month.", ("language", "not_chinese")),
    "japanese": ("東京都は二日、新たに感染者が確認されたと発表しました。都内の病院では、"
                 "引き続き警戒が必要だとしています。", ("language", "japanese")),
    "korean": ("서울시는 오늘 새로운 교통 정책을 발표했다. 시민들은 대체로 환영하는 분위기다. 中央政府", ("language", "korean")),
    "replacement_chars": ("�ҽZ�W�١G�O�W�̪F�a��k�|���ܶʧi���i\n�o�����G���إ���108�~9��20��", ("mojibake", "mojibake")),
    "lost_characters": ("市政府?日召?新?????，介?了今年城市更新工作的?展情?，?及居民三?余?。", ("mojibake", "mojibake")),
    "short_post_lost_characters": ("今天?于?到家了，好累[泪]", ("mojibake", "mojibake")),
    "utf8_as_latin1": ("ä¸­æ–‡ç½‘é¡µæ ‡é¢˜ï¼Œè¿™æ˜¯ä¸€ä¸ªæµ‹è¯•ã€‚ 中文", ("mojibake", "mojibake")),
    "glosses_that_lost_their_brackets": ("区人？ren)大常委会主任程绣？xiu)明带队，调研组先？xiān)后来到？dao)街道社区，"
                                         "听取了？liao)居民代表的？de)意见。", ("mojibake", "mojibake")),
    "digits": ("本期开奖号码如下 " + " ".join(f"{n:02d}{n * 7 % 100:02d}{n * 3 % 100:02d}" for n in range(60)), ("symbols", "digits")),
    "symbols": ("表格说明如下 " + "┌─┬─┐│★│☆│└─┴─┘→←↑↓■□▲△●○◆◇" * 5, ("symbols", "symbols")),
    "repeated_clauses": ("点击进入官方网站，免费领取新人礼包，" * 30, ("repetition", "repetition")),
    "repeated_lines": ("\n".join(["欢迎光临本站", "联系我们客服", "最新优惠活动"] * 20 + ["本站内容每日更新。"]),
                       ("repetition", "repetition")),
    "gambling": ("王者现金网最新网址，注册送彩金，百家乐、时时彩、真人视讯应有尽有。"
                 "首存即送百分百彩金，返水天天结算，信誉平台提款秒到。现金网官方登录器下载。", ("spam", "gambling")),
    "gambling_brand_pasted_into_news": (
        "金鼎贵宾会组织开展全员核酸检测工作\n21日下午，金鼎贵宾会组织开展返校全员核酸检测工作，"
        "本次采样由学校防控办、人事处和学生处共同组织。\n金鼎贵宾会各学院按照时间安排有序参加检测。",
        ("spam", "gambling")),
    "lottery_plans_page": ("澳洲幸运10人工计划软件免费下载\n秒速赛车在线预测，极速飞艇三期计划，准确率高\n"
                           "本公司专业生产机械配件，质量可靠，欢迎来电咨询。\n"
                           "极速赛车开奖官网\n澳洲幸运8安卓手机计划软件\n秒速飞艇走势图", ("spam", "gambling")),
    "porn": ("午夜福利视频在线观看，国产自拍偷拍，亚洲色图每日更新，成人电影高清无码免费看，激情小说连载。",
             ("spam", "porn")),
}


@pytest.mark.parametrize("case", sorted(DROPPED))
def test_filter_drops(case: str) -> None:
    text, expected = DROPPED[case]
    assert verdict(text) == expected


KEPT = {
    "news": NEWS,
    "short_weibo_sentence": "今天终于把论文交上去了，晚上去吃火锅庆祝一下[哈哈]",
    "short_post_one_lost_character": "今天终?把论文交上去了，晚上去吃火锅庆祝一下[哈哈]",
    "short_post_asking_twice": "你到家了吗？吃饭了没？[哈哈]",
    "news_about_gambling": (
        "本报讯 警方日前破获一起特大网络赌博案，抓获犯罪嫌疑人二十三名。经查，该团伙以境外“百家乐”"
        "网站为幌子，通过所谓网投平台招揽参赌人员，涉案资金流水达两亿元。警方提醒，参与网络赌博"
        "不仅违法，而且极易落入诈骗陷阱，广大群众切勿轻信所谓稳赚不赔的宣传。" * 2),
    "travel_story_naming_a_casino_hotel": (
        "澳门的夜晚灯火通明。我们住在威尼斯人酒店附近，白天逛了大三巴牌坊和议事亭前地，"
        "晚上在官也街吃了葡式蛋挞和猪扒包。第二天一早，坐船去了氹仔和路环，海风很凉爽。"),
    "article_quoting_english": (
        "他在演讲中引用了一句英文名言：“The only thing we have to fear is fear itself.” "
        "这句话出自罗斯福一九三三年的就职演说。他说，面对经济困难，最重要的是保持信心，"
        "同时要踏实做好每一项具体工作。"),
    "bilingual_study_list": (
        "四级考试高频短语：1. abide by 遵守；2. at the thought of 一想到；3. as a whole 总体上；"
        "4. be faithful to 忠于；5. in general 一般来说。背诵这些短语时，最好结合例句一起记忆。"),
    "poem_with_refrain": "\n".join([
        "春风吹过山岗", "我在山岗上等你", "等你归来", "等你归来",
        "秋雨落满池塘", "我在池塘边等你", "等你归来", "等你归来",
        "冬雪盖住村庄", "我在村口等你", "等你归来", "等你归来"]),
    "stock_report_with_numbers": (
        "昨日沪深两市小幅收涨。上证指数收报3245.67点，上涨0.82%；深证成指收报11023.45点，"
        "上涨1.05%。两市成交额合计9876亿元，较前一交易日放大约一成。板块方面，半导体、"
        "新能源汽车涨幅居前，银行、保险小幅调整。"),
    "brand_only_in_link_lines": (
        "聚乙烯管件具有耐腐蚀、重量轻、安装方便等优点，广泛用于市政给水和燃气管网。\n"
        "上一篇：金鼎体育官网下载手机版的重要性质是什么？\n下一篇：金鼎体育官网下载的具体尺寸"),
    "state_lottery_news": (
        "本报讯 中国福利彩票双色球昨晚进行第2024120期开奖，当期开出一等奖5注，单注奖金约700万元。"
        "开奖结果显示，红球号码为03、08、15、22、27、31，蓝球号码为09。彩票中心提醒彩民理性购彩，"
        "量力而行。本期全国销量为3.6亿元，奖池滚存18亿元。"),
    "report_on_entertainment_venues": (
        "为做好节日期间安全工作，市公安局组织警力对全市文化娱乐场所开展突击检查。"
        "检查中，民警重点查看了歌舞厅、游艺厅等娱乐场所的消防设施和人员登记情况。"),
    "question_marks_in_dialogue": "“你去吗？”“我不去。”“为什么？”“明天还要上班呢。”他笑了笑，没有再问。",
    "quiz_options_after_a_question": ("第一题：下列城市中，哪一个是中国的首都？a)北京 b)上海 c)广州。第二题：长江流经哪个城市？"
                                      "a)武汉 b)西安 c)兰州。第三题：黄河发源于哪里？a)青海 b)四川 c)甘肃。答案：a、a、a。"),
    "one_lost_gloss_in_an_article": NEWS.replace("。", "？le)好。", 1),
    "tone_marked_pinyin_in_quotes": "“má”是麻，“mǎ”是马，这两个字的声调不同，读的时候要分清楚。",
    # Words the gambling brand patterns held: sports media apps, a shop's VIP members, 奢华体会,
    # any app's download page, odds quoted from a bookmaker.
    "sports_media_apps": "本场比赛可通过腾讯体育App观看直播。\n咪咕体育App和央视体育官方微博也将同步直播。",
    "vip_members": "本店贵宾会员可享受九折优惠。\n贵宾会员每月还可以参加积分兑换活动。",
    "words_holding_a_brand": "这次旅行让我奢华体会了一把海岛生活。\n奢华体会之后，我们又回到了平静的日常。",
    "app_download_page": "微信手机版下载安装教程：打开应用商店搜索即可。\n抖音手机版下载方法与此相同。",
    "full_width_questions_in_a_short_post": "真的？假的？我不信！",  # an encoder writes `?`, not `？`
    "colloquial_question_words": "你说啥？我没听清。为啥？他也不知道。",
    "emoji_heavy_post": "今天和闺蜜去吃了火锅好开心🥰🥰🥰🍲🍲🍲🎉🎉🎉✨✨✨",  # emoji decorate, they are not debris
    "quoted_japanese_title": "重看《となりのトトロ》，还是很感动，宫崎骏的画面太美了。",
    "kaomoji": "终于上岸啦(ノ´▽ˋ)ノ，今晚一定要好好庆祝一下！",
    "korean_name_in_chinese": "IU的本名是이지은，今天的演唱会太震撼了！",
    # Dense in the lists' words, but reports and warnings, or the words in their everyday sense.
    "short_crackdown_report": "警方破获一起网络赌博案，该团伙诱导群众参与百家乐、龙虎斗、时时彩等游戏，百家乐只输不赢。",
    "anti_fraud_warning": "反诈民警提醒：刷单兼职、网络兼职、日结工资、无抵押贷款，都是骗子常用的骗局。",
    "macau_travel_post": "今天去澳门，住威尼斯人，逛了新葡京和永利皇宫，还去金沙城看了表演，玩得很开心！",
    "everyday_senses": "申博经验分享：彩金项链要避开汗水，卫生间地漏返水就找物业，申博材料要早准备。",
    "software_free_trial": "我们的计划软件比人工计划快得多，人工计划也容易出错。新用户注册送30天免费试用，欢迎咨询。",
    "odds_quoted_from_a_bookmaker": "赛前bet365开出的主胜赔率是2.1。\n开赛后bet365随后调低了主队赔率。",
}


@pytest.mark.parametrize("case", sorted(KEPT))
def test_filter_keeps(case: str) -> None:
    assert verdict(KEPT[case]) == (None, None)


def test_language_metadata_on_every_document() -> None:
    meta = zhclean.clean(NEWS).meta
    assert meta["lang"] == "zh" and 0.9 < meta["lang_score"] <= 1.0
    english = zhclean.clean(DROPPED["english"][0]).meta
    assert english["lang"] == "en" and english["lang_score"] > 0.5


def test_signals_only_when_asked() -> None:
    assert "signals" not in zhclean.clean(NEWS).meta
    signals = zhclean.clean(NEWS, signals=True).meta["signals"]
    assert {"han_chars", "han_share", "garbled_share", "symbol_share", "dup_clause_char_frac",
            "spam_per_1000"} <= set(signals)


def test_filters_can_be_chosen_skipped_and_turned_off() -> None:
    spam = DROPPED["gambling"][0]
    assert verdict(spam, skip=["spam"]) == (None, None)
    assert verdict(spam, filters=[]) == (None, None)
    assert verdict(spam, filters=["length"]) == (None, None)
    assert verdict(spam, filter_options={"spam": {"enabled": False}}) == (None, None)
    assert verdict(spam, filter_options={"spam": {"max_per_1000": 1000.0}}) == (None, None)
    assert Pipeline(filter_options={"navigation": {"enabled": True}}).filter_names[-1] == "navigation"
    assert "navigation" not in DEFAULT_FILTERS


def test_filters_never_edit_the_text() -> None:
    for text, _ in DROPPED.values():
        assert zhclean.clean(text).text == zhclean.clean(text, filters=[]).text


def test_every_filter_is_documented() -> None:
    for name, spec in FILTERS.items():
        for section in ("What it does:", "Why:", "Example:"):
            assert section in spec.doc, f"filter {name}: no {section!r} section"


def test_shipped_config_holds_every_filter_default() -> None:
    config = load_config(ROOT / "zhclean.toml")
    assert set(config.filter_options) == set(FILTERS)
    for name, table in config.filter_options.items():
        options = {k: v for k, v in table.items() if k != "enabled"}
        assert FILTERS[name].make_options(options) == FILTERS[name].make_options(), name
        assert table.get("enabled", True) == FILTERS[name].default, name


@pytest.mark.parametrize(("toml", "message"), [
    ('[filters.nope]\nmax = 1\n', "[filters.nope]: unknown filter"),
    ('[filters.spam]\nmax_per_1000 = "high"\n', "[filters.spam] max_per_1000: expected a number"),
    ('[filters.spam]\nenabled = 1\n', "[filters.spam] enabled: expected true or false"),
    ('[filters.length]\nmin_han = -1\n', "[filters.length] min_han: must be at least 0"),
    ('[clean]\nfilters = ["spam", "nope"]\n', "[clean] filters: unknown filter \"nope\""),
    ('[clean]\nskip = ["nope"]\n', "unknown step or filter \"nope\""),
])
def test_config_errors_name_the_key(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "zhclean.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert message in str(error.value)


# --- through the CLI ---------------------------------------------------------------------------

def _records() -> list[dict]:
    kept = [{"id": f"k{i}", "text": text} for i, text in enumerate(KEPT.values())]
    dropped = [{"id": case, "text": text} for case, (text, _) in DROPPED.items()]
    return [r for pair in zip(kept * 2, dropped, strict=False) for r in pair]


@pytest.mark.parametrize("workers", [1, 2])
def test_cli_writes_every_drop_with_its_filter(tmp_path: Path, workers: int) -> None:
    records = _records()
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["clean", str(src), "-o", str(out), "--quiet", "--workers", str(workers),
                 "--limit", str(len(records))]) == 0
    dropped = read_jsonl(tmp_path / "out.dropped.jsonl")
    assert {row["record"]["id"]: (row["filter"], row["reason"]) for row in dropped} == {
        case: expected for case, (_, expected) in DROPPED.items()}
    assert all(set(row) == {"filter", "reason", "value", "record"} and row["value"] is not None for row in dropped)
    kept = read_jsonl(out)
    assert len(kept) + len(dropped) == len(records)
    summary = json.loads((tmp_path / "out.summary.json").read_text(encoding="utf-8"))
    assert summary["dropped"] == len(DROPPED) and summary["kept"] == len(kept)
    assert summary["in"] == summary["kept"] + summary["dropped"] + summary["quarantined"] and summary["balanced"]
    assert sum(summary["dropped_reasons"].values()) == len(DROPPED)
    assert summary["dropped_reasons"]["spam/gambling"] == 3  # the offers, the pasted brand, the lottery plans


def test_cli_filters_none_keeps_everything(tmp_path: Path) -> None:
    records = _records()
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    assert main(["clean", str(src), "-o", str(tmp_path / "out.jsonl"), "--quiet", "--workers", "1",
                 "--filters", "none", "--signals"]) == 0
    kept = read_jsonl(tmp_path / "out.jsonl")
    assert len(kept) == len(records) and read_jsonl(tmp_path / "out.dropped.jsonl") == []
    assert all("signals" not in r["zhclean"] for r in kept)  # no filter ran, no signal measured


def test_spam_bigram_gate_never_hides_a_hit() -> None:
    """The numpy pre-test of the spam filter says yes on every document the regex finds a
    term in (written texts and real pages: ChineseWebText holds gambling spam)."""
    from zhclean.filters.base import Document
    from zhclean.filters.spam import _BRAND_WORDS, _may_hold, _terms, may_hold_a_term

    pattern = _terms()[0]
    texts = [t for t, _ in DROPPED.values()] + list(KEPT.values())
    texts += [json.loads(line)["raw_content"] for line in
              shared_path("corpora/chinesewebtext_2021-43.jsonl").read_text(encoding="utf-8").splitlines()]
    texts += ["BET365 官网", "在线投注", "平台和网址", "澳门银河娱乐城"]
    with_hits = [t for t in texts if pattern.search(t.lower())]
    assert len(with_hits) >= 10
    assert all(may_hold_a_term(Document(t)) for t in with_hits)
    assert not may_hold_a_term(Document(NEWS)) and not may_hold_a_term(Document("平台和网址"))
    # the same test stands in for the brand words' substring searches
    texts += ["YABO体育APP下载", "金鼎贵宾会", "华体会官网", "某某手机版登录入口"]
    with_brands = [t for t in texts if any(word in t.lower() for word in _BRAND_WORDS)]
    assert len(with_brands) >= 5
    assert all(_may_hold(Document(t))[1] for t in with_brands)
    assert not _may_hold(Document(NEWS))[1] and not _may_hold(Document("贵宾和体育"))[1]


BATCH_TEXTS = [t for t, _ in DROPPED.values()] + list(KEPT.values()) + [
    "", "a", "中\n文", "ABC def\n", "\n", "点击进入，免费领取，点击进入，免费领取，点击进入", "?？锟斤拷烫烫烫Ã¤¸­",
    "YABO体育APP下载", "现金网娱乐城", "",
]


def _outputs(doc, options: dict | None = None) -> list:
    """Every filter's output for `doc`, with `options` (filter -> settings) over the defaults."""
    return [(name, spec.function(doc, spec.make_options((options or {}).get(name))))
            for name, spec in FILTERS.items()]


# Thresholds low enough that short generated texts are judged by every test of every filter.
EAGER = {"repetition": {"min_chars": 1, "min_lines": 2, "min_clause": 2}, "mojibake": {"min_count": 1},
         "spam": {"min_hits": 1, "min_distinct": 1}, "navigation": {"min_lines": 2}}


def test_a_batch_measures_and_judges_each_document_as_it_would_alone() -> None:
    """Documents measured together (`Document.many`) give every filter the counts, screens and
    verdicts a document measured alone gets, whatever its neighbours (empty ones included)."""
    from zhclean.filters.base import Document

    for texts in (BATCH_TEXTS, BATCH_TEXTS[::-1], BATCH_TEXTS[:1], ["", ""]):
        for doc, text in zip(Document.many(texts, [{}] * len(texts)), texts, strict=True):
            alone = Document(text)
            assert doc.text == text and doc.counts == alone.counts, text
            assert list(doc.codes) == [ord(ch) for ch in text]
            assert _outputs(doc) == _outputs(alone), text


# Pieces every filter reacts to: Han text, kana, Hangul, Latin, digits, symbols, lost-character
# marks, mojibake, decoder marks, emoticons, clause marks and line breaks, spam words.
HOSTILE_PIECES = ["中文新闻", "的", "，", "。", "\n", " ", "?", "？", "[哈哈]", "@某人", "ä¸­", "锟斤拷", "烫烫烫",
                  "\ufffd", "\ue000", "の", "한", "abc", "ABC", "2024", "★", "|", "现金网", "百家乐", "点击进入，",
                  "澳洲幸运", "yàn)", "贵宾会", "(", ")"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(HOSTILE_PIECES), max_size=40).map("".join), min_size=1, max_size=14))
def test_any_batch_judges_each_document_as_it_would_alone(texts) -> None:
    """The batch screens are exact on hostile text too: every filter's signals, verdict and
    metadata for a document are the same in any batch (of one or many, numpy or Python
    paths) as alone."""
    from zhclean.filters.base import Document

    for doc, text in zip(Document.many(texts, [{}] * len(texts)), texts, strict=True):
        assert _outputs(doc, EAGER) == _outputs(Document(text), EAGER), text


def test_screens_of_batches_past_their_layout_limits_stay_exact(monkeypatch) -> None:
    """A batch of more documents than a clause key's document bits can number, or than one
    presence table holds, is screened as exactly (limits shrunk so a small batch passes them)."""
    from zhclean.filters import repetition, spam
    from zhclean.filters.base import Batch

    texts = ["点击进入，免费领取，点击进入，免费领取", "中文新闻，中文新闻，", "无重复的句子，另一句话",
             "现金网百家乐", "abc", "点击进入，免费领取"] * 3
    expected = [spam._screen(Batch([t])) for t in texts]
    monkeypatch.setattr(repetition, "_DOCUMENT_BITS", 1)
    monkeypatch.setattr(spam, "_ROWS", 4)
    spans = repetition.repeated_clause_spans(Batch(texts), 3)
    for i, text in enumerate(texts):
        assert repetition._repeated_share(text, spans.get(i, []), 50) == repetition.dup_clause_char_frac(text, 50, 3)
    terms, brands = spam._screen(Batch(texts))
    assert [(t, b) for t, b in zip(terms, brands, strict=True)] == [(t[0], b[0]) for t, b in expected]
    assert any(terms)


def test_batch_shares_round_as_python_rounds() -> None:
    """A batch's shares (numpy for many documents) equal Python's `round(part / whole, 3)`,
    also next to a half (21/80 = 0.2625 rounds up, 1/8 = 0.125 to even), so a signal does not
    depend on the size of the batch a document was cleaned in."""
    import numpy as np

    from zhclean.filters.base import Batch

    pairs = [(part, whole) for whole in range(0, 401) for part in range(0, whole + 1)]
    parts, wholes = np.array([p for p, _ in pairs]), np.array([w for _, w in pairs])
    many = Batch([""] * len(pairs))
    assert not many.few
    assert many.shares(parts, wholes) == [round(p / w, 3) if w else 0.0 for p, w in pairs]


def _has_repeated_clause(text: str, min_clause: int) -> bool:
    from collections import Counter

    from zhclean.filters.repetition import _CLAUSE_END

    return any(n > 1 and len(c) >= min_clause for c, n in Counter(_CLAUSE_END.split(text)).items())


def _holds_a_word(text: str, words) -> bool:
    pairs = {text.lower()[i : i + 2] for i in range(len(text) - 1)}
    return any(all(w[i : i + 2] in pairs for i in range(len(w) - 1)) for w in words)


CLAUSE_ALPHABET = "中文的了是，。,:\n ab点击进入免费"
# Clauses that repeat (of 2, 3 and 4 characters, one with a space), and random ones between
# random marks: repeated clauses at and around the length limit, in and across documents.
CLAUSES = st.one_of(st.sampled_from(["中文", "中文的", "点击进入", "中文 ", "ab的"]), st.text(alphabet=CLAUSE_ALPHABET, max_size=8))
CLAUSE_TEXTS = st.lists(st.tuples(CLAUSES, st.sampled_from(["，", "。", ",", "\n", "：", "，。"])), max_size=10).map(
    lambda parts: "".join(c + mark for c, mark in parts))
# Pieces of spam words and brand words, shuffled into texts that hold some words whole and
# some with every bigram but one, across lines, in either case.
SPAM_PIECES = ["现金", "金网", "娱乐", "乐城", "百家", "家乐", "Bet", "365", "bet3", "YA", "BO", "体育", "官网",
               "贵宾", "宾会", "手机版", "登录", "撸", "\n", "，", "的", "a", ""]


@settings(max_examples=300, deadline=None)
@given(st.lists(CLAUSE_TEXTS, min_size=1, max_size=12),
       st.lists(st.lists(st.sampled_from(SPAM_PIECES), max_size=12).map("".join), min_size=1, max_size=12))
def test_the_batch_screens_never_miss_what_the_exact_tests_find(clauses, spam_texts) -> None:
    """The clause screen marks every document with a repeated clause, and counting the clauses
    it marks gives what counting all of them gives; the spam screen says a word may be there
    exactly when each of its bigrams is."""
    from zhclean.filters.base import Batch
    from zhclean.filters.repetition import (
        _CLAUSE_ENDS,
        _repeated_share,
        dup_clause_char_frac,
        repeated_clause_spans,
    )
    from zhclean.filters.spam import _BRAND_WORDS, _screen, _terms

    spans = repeated_clause_spans(Batch(clauses), 3)
    assert all(i in spans for i, t in enumerate(clauses) if _has_repeated_clause(t, 3))
    ends = set(_CLAUSE_ENDS)
    for i, text in enumerate(clauses):
        assert _repeated_share(text, spans.get(i, []), 50) == dup_clause_char_frac(text, 50, 3), text
        for start, end in spans.get(i, []):  # each span a whole clause of the text
            assert end - start >= 3 and not ends & set(text[start:end]), (text, start, end)
            assert (start == 0 or text[start - 1] in ends) and (end == len(text) or text[end] in ends)
    terms, brands = _screen(Batch(spam_texts))
    assert terms == [_holds_a_word(t, list(_terms()[1])) for t in spam_texts]
    assert brands == [_holds_a_word(t, _BRAND_WORDS) for t in spam_texts]


def test_every_brand_pattern_holds_a_word_the_filter_looks_for_first() -> None:
    from zhclean.config import parse_toml
    from zhclean.filters.spam import _BRAND_WORDS

    text = (ROOT / "zhclean" / "data" / "spam_terms.toml").read_text(encoding="utf-8")
    for pattern in parse_toml(text, "spam_terms.toml")["brands"]["patterns"]:
        assert any(word in pattern for word in _BRAND_WORDS), pattern


# --- calibration on real data (../shared) --------------------------------------------------------

def _clean_all(texts: list[str]) -> list:
    pipeline = Pipeline()
    return [r for i in range(0, len(texts), 256) for r in pipeline.clean_many(texts[i : i + 256])]


def test_defaults_keep_genuine_news() -> None:
    """People's Daily (2,000 pseudo-articles of consecutive paragraphs) and THUCNews lose at
    most 1%; tw_news loses no document with an article in it (its drops are error pages,
    author lists and Big5 read as UTF-8: docs/filters.md)."""
    lines = [x for x in shared_path("corpora/peoples_daily_1998.txt").read_text(encoding="utf-8").split("\n") if x]
    cuts = [len(lines) * i // 2000 for i in range(2001)]
    peoples_daily = ["\n".join(lines[a:b]) for a, b in zip(cuts, cuts[1:], strict=False)]
    with shared_path("corpora/thucnews_1000.tsv").open(encoding="utf-8") as f:
        thucnews = [line.rstrip("\n").split("\t", 1)[1] for line in f]
    for texts in (peoples_daily, thucnews):
        dropped = sum(not r.kept for r in _clean_all(texts))
        assert dropped <= 0.01 * len(texts)
    tw_news = [r["text"] for r in read_jsonl(shared_path("corpora/tw_news.jsonl"))]
    han = re.compile("[\u4e00-\u9fff]")
    for result in _clean_all(tw_news):
        if not result.kept and result.dropped_by != "mojibake":
            assert len(han.findall(result.text)) < 100, result.text[:200]


def test_labelled_set_precision_and_recall() -> None:
    """Against the hand labels of tests/data/filter_labels.tsv (docs/filter-labels.md):
    precision of drops at least 0.95. Recall is far from the 0.9 the issue asks (unknown
    gambling brands, spun SEO text and navigation pages go undetected: docs/filters.md);
    the bound guards what there is."""
    web = [json.loads(line)["raw_content"] for line in
           shared_path("corpora/chinesewebtext_2021-43.jsonl").read_text(encoding="utf-8").splitlines()]
    with shared_path("corpora/weibo_sample.csv").open(encoding="utf-8") as f:
        weibo = [row[1] for row in list(csv.reader(f))[1:]]
    with (ROOT / "tests" / "data" / "filter_labels.tsv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    texts = [web[int(r["key"])] if r["corpus"].startswith("chinesewebtext") else weibo[int(r["key"]) - 1] for r in rows]
    results = _clean_all(texts)
    labels = [r["label"] == "drop" for r in rows]
    predicted = [not r.kept for r in results]
    true_drops = sum(p and label for p, label in zip(predicted, labels, strict=True))
    assert sum(labels) >= 60 and len(rows) >= 300
    assert true_drops / max(1, sum(predicted)) >= 0.95
    assert true_drops / sum(labels) >= 0.5
