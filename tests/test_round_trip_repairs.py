"""What OpenCC's s2t writes and its t2s does not take back, repaired when a converted document
is restored (zhclean/data/t2s_repairs.tsv, from `python bench/t2s_table.py`).

s2t writes `背着` as `揹着`, `想象` as `想像`, `坐标` as `座標`; t2s leaves `揹着`, `想像`, `座标`,
which Mainland writers do not use. Texts written for these tests."""

from __future__ import annotations

import opencc
import pytest

from zhclean import clean
from zhclean.data import read_rows
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


def test_text_without_leftovers_is_unchanged():
    for text in ("重新想像", "想象力", "他背着包"):
        assert repair_round_trip(text) == text.replace("想像", "想象")
    assert repair_round_trip("座位和标准") == "座位和标准"  # 座 and 标 apart: no `座标`


def test_every_shipped_repair_is_one_opencc_leaves():
    """A phrase repair is t2s(s2t(original)) == leftover for the installed OpenCC; a character
    repair stands in such a leftover. Fails when an OpenCC upgrade changes them (rerun
    `python bench/t2s_table.py`)."""
    pytest.importorskip("marisa_trie")
    from zhclean.t2s import round_trip_leftovers

    leftovers = round_trip_leftovers()
    rows = read_rows(REPAIRS_FILE)
    assert rows
    for leftover, original, *_ in rows:
        if len(leftover) > 1:
            assert leftovers.get(leftover) == {original}, leftover
        else:
            assert any(leftover in left and original in next(iter(origins)) for left, origins in leftovers.items())


def test_genuine_traditional_text_keeps_its_forms():
    """Repairs are part of restoring; a Taiwan writer's `揹著` is not converted at all."""
    taiwan = "他每天揹著書包走路上學，沿途的風景讓他想像遠方的世界。學校裡的老師都很照顧他。"
    out = clean(taiwan)
    assert not out.meta["machine_converted"]
    assert out.text == taiwan
