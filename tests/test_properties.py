"""Properties: idempotence, clean text unchanged, glosses inserted come back out exactly."""

import json
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import zhclean
from zhclean.chars import char_tables
from zhclean.pipeline import Pipeline
from zhclean.text import drop_emptied_lines

# Common Simplified characters and Chinese punctuation, as clean text is made of.
COMMON = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞"
PUNCT = "，。、；：？！“”"
clean_text = st.lists(
    st.one_of(st.text(alphabet=COMMON, min_size=1, max_size=30), st.sampled_from(list(PUNCT))),
    min_size=1, max_size=40,
).map("".join)
documents = st.lists(clean_text, min_size=1, max_size=6).map("\n".join)


@settings(max_examples=150, deadline=None)
@given(documents)
def test_idempotent_on_random_text(text):
    once = zhclean.clean(text).text
    assert zhclean.clean(once).text == once


@settings(max_examples=150, deadline=None)
@given(documents)
def test_gloss_step_never_changes_text_without_glosses(text):
    assert Pipeline(steps=["pinyin_gloss"]).clean(text).text == text


@settings(max_examples=150, deadline=None)
@given(clean_text, st.data())
def test_inserted_glosses_come_back_out_exactly(text, data):
    readings = char_tables().readings
    han = [i for i, ch in enumerate(text) if ch in COMMON and readings.get(ch)]
    if len(han) < 8:
        return
    chosen = sorted(data.draw(st.lists(st.sampled_from(han), min_size=8, max_size=len(han), unique=True)))
    if len({text[i] for i in chosen}) < 6:
        return  # a teaching document by SPEC's definition; covered elsewhere
    pieces, last = [], 0
    for i in chosen:
        reading = sorted(readings[text[i]])[0]
        pieces.append(text[last : i + 1] + f"({reading})")
        last = i + 1
    pieces.append(text[last:])
    assert Pipeline(steps=["pinyin_gloss"]).clean("".join(pieces)).text == text


def test_idempotent_on_dev_set(dev_pairs):
    for noisy, _ in dev_pairs:
        once = zhclean.clean(noisy["text"]).text
        assert zhclean.clean(once).text == once, noisy["id"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x3400, max_codepoint=0x9FFF), max_size=50))
def test_the_traditional_regex_agrees_with_the_character_table(text):
    """The one-scan shortcut for Simplified text must say what the table says, character for
    character: a miss would leave machine-converted text unconverted."""
    import numpy as np

    from zhclean.chars import TRAD_ONLY

    tables = char_tables()
    assert tables.has_traditional(text) == bool(np.any(tables.classes(text) == TRAD_ONLY))


def test_fields_convert_as_they_would_alone():
    """The script step converts the text and its fields in one OpenCC call; each must come out
    as if converted alone, a field with a line break included."""
    from zhclean.steps.script import _convert_together, to_simplified

    texts = ["會議強調，各級幹部要著力推進工作", "新華社", "編輯：楊帆", "兩行\n標題"]
    assert _convert_together(to_simplified, texts) == [to_simplified(t) for t in texts]
    assert _convert_together(to_simplified, texts[:3]) == [to_simplified(t) for t in texts[:3]]


def _t2s_alphabet() -> str:
    from zhclean.t2s import _phrase_table

    return "".join(_phrase_table()) + "的是了國說發後，。 \nA1\uf900\U00020000"


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_fast_t2s_is_opencc_exactly(data):
    """The character map with OpenCC only on phrase runs must give OpenCC's own output,
    on text dense in the characters of its phrases (乾隆, 瞭解, 於菟 ...)."""
    from zhclean.opencc_pool import converter
    from zhclean.t2s import to_simplified_opencc

    text = data.draw(st.text(alphabet=_t2s_alphabet(), max_size=60))
    assert to_simplified_opencc(text) == converter("t2s").convert(text)


def test_fast_t2s_on_phrases_and_real_text():
    from zhclean.opencc_pool import converter
    from zhclean.t2s import to_simplified_opencc

    for text in ("乾隆年間，藉口瞭解情況", "於是他沈默不語，計畫覆蓋", "樊於期與於菟", ""):
        assert to_simplified_opencc(text) == converter("t2s").convert(text)


def test_shipped_phrase_table_matches_the_installed_opencc():
    """The table is derived from OpenCC's TSPhrases dictionary; an OpenCC upgrade that changes
    it must fail here (regenerate with `python bench/t2s_table.py`)."""
    import pytest

    pytest.importorskip("marisa_trie")
    from zhclean.t2s import _phrase_table, phrase_table_from_opencc

    assert phrase_table_from_opencc() == _phrase_table()


def _real_documents() -> list[str]:
    import csv
    import json

    from tests.conftest import shared_path

    docs = [json.loads(line)["text"] for line in shared_path("corpora/tw_news.jsonl").open(encoding="utf-8")]
    docs += [json.loads(line)["raw_content"]
             for line in shared_path("corpora/chinesewebtext_2021-43.jsonl").open(encoding="utf-8")]
    with shared_path("corpora/weibo_sample.csv").open(encoding="utf-8") as f:
        docs += [row[1] for row in list(csv.reader(f))[1:]]
    return docs


def test_idempotent_on_real_corpora():
    """Taiwan news, Common Crawl pages and Weibo posts: 28 of 8,500 once changed on a second
    cleaning (a mark after a converted `）`, long runs of marks, a repeated title whose spaces
    the whitespace step collapsed only after repeated_line had looked)."""
    pipeline = Pipeline()
    changed = [d for d in _real_documents() if pipeline.clean(once := pipeline.clean(d).text).text != once]
    assert not changed, changed[:3]


def test_fixpoints_found_on_real_text():
    pipeline = Pipeline()
    assert pipeline.clean("背書保證之限額(仟元):529934").text == "背書保證之限額（仟元）：529934"
    assert pipeline.clean("好的？？???？？祝你成功").text == "好的？？？？？？？祝你成功"
    deep = pipeline.clean("(甲(乙(丙(丁(戊)))))，好").text
    assert deep == "（甲（乙（丙（丁（戊））））），好" and pipeline.clean(deep).text == deep
    title = "兄弟旗下交易所進軍澳洲\u00a0 加速拓展國際市場商機"
    body = "這篇文章兄弟旗下交易所進軍澳洲 加速拓展國際市場商機最早出現於區塊客。"
    assert pipeline.clean(f"{title}\n{body}").text == body


def _same_results(texts: list[str]) -> None:
    pipeline = Pipeline()
    one_by_one = [pipeline.clean(t, explain=True) for t in texts]
    together = pipeline.clean_many(texts, explain=True)
    for single, batched in zip(one_by_one, together, strict=True):
        assert (batched.text, batched.meta, batched.removals) == (single.text, single.meta, single.removals)


def test_batches_clean_exactly_as_one_by_one():
    """The engines clean step by step over batches (`clean_many`); nothing may differ."""
    examples = Path(__file__).resolve().parents[1] / "examples" / "corpus.jsonl"
    _same_results([json.loads(line)["text"] for line in examples.open(encoding="utf-8")])


def test_batches_clean_exactly_as_one_by_one_on_dev_set(dev_pairs):
    _same_results([noisy["text"] for noisy, _ in dev_pairs])


_EMPTIED_LINE_REFERENCE = re.compile("^[ \t\u3000\u00a0\x00]*\x00[ \t\u3000\u00a0\x00]*(?:\n|$)", re.M)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab \t\n\x00\u3000\u00a0", max_size=30))
def test_dropping_emptied_lines_matches_the_line_regex(text):
    """The per-line version against the multiline regex it replaced (the definition)."""
    assert drop_emptied_lines(text) == _EMPTIED_LINE_REFERENCE.sub("", text).replace("\x00", "")


def _rule_patterns() -> list[str]:
    import tomllib
    from importlib import resources

    table = tomllib.loads(resources.files("zhclean.data").joinpath("boilerplate.toml").read_text("utf-8"))
    return [p for rule in table["notice"] for p in rule["patterns"]]


def _mapped_to_simplified(text: str) -> str:
    """Traditional-only characters replaced one by one by their Simplified forms."""
    from zhclean.chars import codes_of, text_of

    return text_of(char_tables().to_simplified_code[codes_of(text)])


_NOTICE_CHARS = sorted({c for p in _rule_patterns() for c in p if "\u4e00" <= c <= "\u9fff"})


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_rules_match_either_script_as_a_character_mapped_view_would(data):
    """Rules are expanded to both scripts when they load; a line must match exactly when the
    rule matches the line with its Traditional characters mapped to Simplified (the per-
    document conversion the expansion replaced)."""
    from zhclean.boilerplate_rules import both_scripts
    from zhclean.opencc_pool import converter

    pattern = data.draw(st.sampled_from(_rule_patterns()))
    sample = data.draw(st.sampled_from(["特别声明：以上内容(如有图片或视频亦包括在内)为自媒体平台“网易号”用户上传并发布，本平台仅提供信息存储服务。",
                                        "违反上述规定者，中时电子报有权删除留言，或者直接封锁帐号！请使用者在发言前，务必先阅读留言板规则，谢谢配合。",
                                        "本文由百家号作者上传并发布，百家号仅提供信息发布平台。文章仅代表作者个人观点，不代表百度立场。",
                                        "为达最佳浏览效果，建议使用 Chrome、Firefox 或 Microsoft Edge 的浏览器。"]))
    mixed = "".join(data.draw(st.lists(st.sampled_from([sample, converter("s2t").convert(sample),
                                                        converter("s2tw").convert(sample)]), min_size=1, max_size=1)))
    noise = data.draw(st.text(alphabet=_NOTICE_CHARS + list("，。："), max_size=6))
    for line in (mixed, mixed + noise, noise + mixed, converter("s2t").convert(noise)):
        expected = re.fullmatch(pattern, _mapped_to_simplified(line)) is not None
        assert (re.fullmatch(both_scripts(pattern), line) is not None) == expected, (pattern, line)


# --- line-end tests read the last characters, as the `$`-anchored searches they replace did ---

_LINE_ENDS = st.text(alphabet=st.sampled_from(list("。.…！!？?」』”’）)]】》~～；; \t\u3000\n字a")), max_size=12)


@given(_LINE_ENDS)
@settings(max_examples=500, deadline=None)
def test_cut_short_reads_the_line_end_as_the_pattern_did(line):
    from zhclean.steps.notice import _cut_short

    line = line.replace("\n", "")  # the step reads lines
    assert _cut_short(line) == bool(re.search(r"(?:\.{3,}|…+|。{3,})$", line))


@given(_LINE_ENDS)
@settings(max_examples=500, deadline=None)
def test_ends_sentence_reads_the_line_end_as_the_pattern_did(line):
    from zhclean.io.html import _ends_sentence

    assert _ends_sentence(line) == bool(re.search(r"[。！？!?…”」』）)]\s*$", line))


@given(st.lists(_LINE_ENDS, max_size=6))
@settings(max_examples=300, deadline=None)
def test_lines_ending_in_punctuation_counts_as_the_pattern_did(lines):
    from zhclean.filters.base import Document

    doc = Document.many(["\n".join(lines)], [{}])[0]
    expected = sum(1 for line in doc.lines if re.search(r"[。！？!?…；;」』”’）)\]】》.~～]$", line))
    assert doc.lines_ending_in_punctuation == expected
