"""The two real documents the project started from, against their worked examples."""

import json

import pytest

import zhclean
from tests.conftest import shared_path


@pytest.mark.parametrize("name", ["000", "002"])
def test_seed_text_and_fields(name):
    source = shared_path(f"seeds/{name}.txt").read_text(encoding="utf-8")
    expected_text = shared_path(f"seeds/{name}.expected.txt").read_text(encoding="utf-8")
    expected = json.loads(shared_path(f"seeds/{name}.expected.json").read_text(encoding="utf-8"))
    result = zhclean.clean(source)
    assert result.text == expected_text
    for key, value in expected.items():
        if key == "pinyin_gloss_edits":
            assert result.edits["pinyin_gloss"] == value
        else:
            assert result.meta[key] == value, key


def test_seeds_keep_their_real_parentheses():
    text = zhclean.clean(shared_path("seeds/000.txt").read_text(encoding="utf-8")).text
    assert "（工委）" in text and "（集团）" in text
    assert "(" not in text


def test_cleaning_a_seed_twice_changes_nothing():
    once = zhclean.clean(shared_path("seeds/002.txt").read_text(encoding="utf-8")).text
    assert zhclean.clean(once).text == once
