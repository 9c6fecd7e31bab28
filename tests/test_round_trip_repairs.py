"""What converters write and OpenCC's t2s does not take back, repaired when a converted document
is restored (zhclean/data/t2s_repairs.tsv, from `python bench/t2s_table.py`).

OpenCC's s2t writes `背着` as `揹着`, `想象` as `想像`, `坐标` as `座標`; a character table
(HanziConv) writes `寜` for 宁, `榖` for 谷, `藉` for every 借. t2s leaves them, and Mainland
writers do not use them. Texts written for these tests (the converted ones are what OpenCC
and HanziConv 0.3.2 made of them)."""

from __future__ import annotations

import opencc
import pytest

from zhclean import clean
from zhclean.data import read_rows
from zhclean.opencc_pool import converter
from zhclean.steps.script import to_simplified
from zhclean.t2s import REPAIRS_FILE, repair_round_trip, to_simplified_opencc

WRITTEN = ("山里的孩子每天背着书包走十几里山路上学，老人背着竹背篓下山赶集。"
           "老师说，富于想象的孩子会把地图上的坐标连成一条回家的路。"
           "这里的学校条件很差，教室里没有暖气，冬天孩子们只能背靠着墙取暖。"
           "可是孩子们说，他们并不觉得苦，因为读书能让他们看到更远的地方。"
           "村干部先后找过县里十几次，希望能修一条通往学校的公路。")

s2t = opencc.OpenCC("s2t.json").convert


def test_opencc_alone_leaves_forms_mainland_writers_do_not_use():
    """The premise: without the repairs, the round trip is not the text."""
    back = to_simplified_opencc(s2t(WRITTEN))
    assert back != WRITTEN
    assert "揹着" in back and "想像" in back and "座标" in back


def test_a_converted_article_is_restored_exactly():
    out = clean(s2t(WRITTEN))
    assert out.meta["machine_converted"]
    assert out.text == WRITTEN


def test_a_character_repair_holds_in_phrases_no_dictionary_lists():
    """`揹` is repaired wherever it stands: `揹起` is in no OpenCC phrase."""
    assert to_simplified("他揹起行李就走。") == "他背起行李就走。"


def test_repairs_touch_only_their_leftovers():
    for text in ("重新想像", "想象力", "他背着包"):
        assert repair_round_trip(text) == text.replace("想像", "想象")
    assert repair_round_trip("座位和标准") == "座位和标准"  # 座 and 标 apart: no `座标`


def test_every_shipped_repair_is_one_the_installed_opencc_leaves():
    """An `opencc` repair is t2s(s2t(original)) == leftover; an `opencc_character` one stands in
    such leftovers; a `character_table` form is one t2s keeps as it is. Fails when an OpenCC
    upgrade changes them (rerun `python bench/t2s_table.py`)."""
    pytest.importorskip("marisa_trie")
    from zhclean.t2s import _dictionary_keys, round_trip_leftovers

    leftovers = round_trip_leftovers()
    rows = read_rows(REPAIRS_FILE)
    assert {row[4] for row in rows} == {"opencc", "opencc_character", "character_table", "regional_variant"}
    characters = _dictionary_keys("TSCharacters.ocd2")
    for leftover, original, _, _, source in rows:
        if source == "opencc":
            assert leftovers.get(leftover) == {original}, leftover
        elif source == "opencc_character":
            assert sum(leftover in left for left in leftovers) >= 10, leftover
        else:
            assert to_simplified_opencc(leftover) == leftover and leftover != original
        if source == "regional_variant":  # the Hong Kong or Taiwan form of a Traditional original
            traditional = [c for c in characters if to_simplified_opencc(c) == original]
            assert any(converter(r).convert(c) == leftover for r in ("t2hk", "t2tw") for c in traditional), leftover


def test_hong_kong_standard_forms_are_restored():
    """OpenCC's s2hk writes `衞` and `敍`, which its t2s keeps: a restored s2hk article had
    `衞生` for 卫生 (s2hk restored Han-exact 32.7% -> 37.3% of the bench articles)."""
    original = "卫生部门与叙利亚代表团在会上交换了意见，双方同意加强公共卫生合作。"
    converted = converter("s2hk").convert(original)
    assert "衞" in converted and "敍" in converted
    assert to_simplified(converted) == original


def test_genuine_traditional_text_keeps_its_forms():
    """Repairs are part of restoring; a Taiwan writer's `揹著` is not converted at all."""
    taiwan = "他每天揹著書包走路上學，沿途的風景讓他想像遠方的世界。學校裡的老師都很照顧他。"
    out = clean(taiwan)
    assert not out.meta["machine_converted"]
    assert out.text == taiwan


CHARACTER_TABLE_WRITTEN = (
    "宁夏的山谷里有一所小学，老师借来几台电脑，给孩子们上课。家长们纷纷来咨询，校长笑着说，"
    "孩子们的笑声是对老师最大的慰藉。屋檐下挂着一排玉米，院子里杯盘狼藉，那是昨天的庆功宴留下的。"
    "这所学校借鉴了外地的经验，也借此机会向社会募集图书。")
HANZICONV = (
    "寜夏的山榖裏有一所小學，老師藉來幾颱電腦，給孩子們上課。傢長們紛紛來谘詢，校長笑著說，"
    "孩子們的笑聲是對老師最大的慰藉。屋簷下掛著一排玉米，院子裏杯盤狼藉，那是昨天的慶功宴留下的。"
    "這所學校藉鑒瞭外地的經驗，也藉此機會嚮社會募集圖書。")


def test_a_character_tables_variants_are_restored():
    """`寜`, `榖`, `谘`, `簷` go back; `藉` becomes 借 except in 慰藉 and 狼藉; `著说` is 着说."""
    out = clean(HANZICONV)
    assert out.meta["machine_converted"]
    assert out.text == CHARACTER_TABLE_WRITTEN


def test_jie_stays_where_mainland_writes_it():
    assert to_simplified("給人以慰藉，杯盤狼藉，藉藉無名，藉此機會。") == "给人以慰藉，杯盘狼藉，藉藉无名，借此机会。"
