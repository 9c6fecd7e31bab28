"""The Python APIs beside the command: `zhclean.deduplicate`, `zhclean.Deduplicator`,
`zhclean.columns.clean_batch` under Hugging Face `datasets` (with `num_proc`) and pandas."""

import orjson
import pytest

import zhclean
from tests.conftest import read_jsonl, shared_path
from zhclean.cli import main
from zhclean.columns import clean_batch

ARTICLE = ("市政府今天召开新闻发布会，介绍今年城市更新工作的进展。全市已完成老旧小区改造一百二十个，"
           "新增公共绿地三十公顷，居民对改造效果总体满意。下一步将重点推进加装电梯和停车设施建设。")
READINGS = {"市": "shi", "政": "zheng", "今": "jin", "会": "hui", "年": "nian", "作": "zuo", "的": "de",
            "成": "cheng", "新": "xin", "对": "dui", "下": "xia", "将": "jiang", "和": "he", "设": "she"}
GLOSSED = "".join(f"{ch}({READINGS[ch]})" if ch in READINGS else ch for ch in ARTICLE)
TRADITIONAL_MACHINE = ("市政府今天召開新聞發布會，介紹今年城市更新工作的進展。全市已完成老舊小區改造一百二十個，"
                       "新增公共綠地三十公頃，居民對改造效果總體滿意。下一步將重點推進加裝電梯和停車設施建設。")
OTHER = ("本届运动会共有来自二十个省份的两千余名运动员参加，设田径、游泳、体操等十二个大项。"
         "组委会表示，赛事期间将开通专线公交，方便观众往返各个比赛场馆。")


def records():
    return [{"id": "orig", "text": ARTICLE}, {"id": "other", "text": OTHER},
            {"id": "glossed", "text": GLOSSED}, {"id": "converted", "text": TRADITIONAL_MACHINE}]


def test_deduplicate_keeps_one_of_the_reposts_and_leaves_texts_as_given():
    rows = records()
    kept = zhclean.deduplicate(rows)
    assert [r["id"] for r in kept] == ["orig", "other"]  # the gloss and the conversion are reposts
    assert kept[0] == {**rows[0], "cluster_id": "orig"} and rows[0] == records()[0]  # copies
    every = zhclean.deduplicate(rows, keep_all=True)
    assert [(r["id"], r["cluster_id"], r["is_kept"]) for r in every] == [
        ("orig", "orig", True), ("other", "other", True), ("glossed", "orig", False), ("converted", "orig", False)]
    assert every[2]["text"] == GLOSSED and 0.8 <= every[2]["similarity"] <= 1.0


def test_without_cleaning_a_glossed_repost_is_a_different_text():
    kept = zhclean.deduplicate(records(), clean=False)
    assert "glossed" in [r["id"] for r in kept]


def test_the_threshold_is_the_commands_threshold():
    half = {"id": "half", "text": ARTICLE[:70] + OTHER[:20]}  # a Jaccard of about 0.6 with ARTICLE
    assert [r["id"] for r in zhclean.deduplicate([records()[0], half], threshold=0.5)] == ["half"]  # the longer
    assert len(zhclean.deduplicate([records()[0], half], threshold=0.9)) == 2
    with pytest.raises(ValueError, match="threshold"):
        zhclean.deduplicate(records(), threshold=1.5)


def test_a_deduplicator_fed_in_batches_agrees_with_one_call():
    dedup = zhclean.Deduplicator()
    rows = records()
    dedup.add_records(rows[:2])
    dedup.add([r["text"] for r in rows[2:]], ids=[r["id"] for r in rows[2:]])
    assert len(dedup) == 4
    members = dedup.memberships()
    assert [(m.id, m.cluster_id, m.is_kept) for m in members] == [
        (r["id"], r["cluster_id"], r["is_kept"]) for r in zhclean.deduplicate(rows, keep_all=True)]
    with pytest.raises(ValueError, match="no text"):
        dedup.add_records([{"id": "x", "body": "正文"}])


def test_deduplicate_finds_the_clusters_zhclean_dedup_finds(tmp_path, capsys):
    path = shared_path("dev/dups.jsonl")
    rows = read_jsonl(path)
    assert main(["dedup", str(path), "-o", str(tmp_path / "u.jsonl"), "--quiet", "--workers", "1"]) == 0
    by_command = {r["id"]: r["cluster_id"] for r in read_jsonl(tmp_path / "u.clusters.jsonl")}
    by_api = {r["id"]: r["cluster_id"] for r in zhclean.deduplicate(rows, keep_all=True)}
    assert by_api == by_command and len(set(by_api.values())) < len(rows)


def test_clean_batch_is_what_clean_does_per_text():
    texts = [GLOSSED, TRADITIONAL_MACHINE, "This page is written in English only. " * 10]
    out = clean_batch({"id": ["a", "b", "c"], "text": texts, "url": ["u1", "u2", "u3"]})
    assert out["id"] == ["a", "b", "c"] and out["url"] == ["u1", "u2", "u3"]
    for text, cleaned, kept, meta in zip(texts, out["text"], out["zhclean_kept"], out["zhclean"], strict=True):
        single = zhclean.clean(text)
        assert cleaned == single.text and kept == single.kept
        assert orjson.loads(meta)["edits"] == single.meta["edits"]
    assert out["zhclean_kept"] == [True, True, False] and out["zhclean_dropped_by"][2] == "language"


def test_the_datasets_recipe_with_two_processes(offline_datasets):
    datasets = offline_datasets
    rows = records() * 10
    ds = datasets.Dataset.from_list(rows)
    cleaned = ds.map(clean_batch, batched=True, batch_size=8, num_proc=2)
    kept = cleaned.filter(lambda row: row["zhclean_kept"])
    assert len(kept) == len(rows) and kept["text"] == [zhclean.clean(r["text"]).text for r in rows]
    assert orjson.loads(kept[2]["zhclean"])["edits"]["pinyin_gloss"] == GLOSSED.count("(")
    unique = datasets.Dataset.from_list(zhclean.deduplicate(kept.to_list()))
    assert unique["id"] == ["orig", "other"]


def test_the_pandas_recipe():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(records())
    df = pd.DataFrame(clean_batch(df.to_dict("list")))
    assert df["text"].str.contains(r"\(de\)").sum() == 0 and df["zhclean_kept"].all()
    unique = pd.DataFrame(zhclean.deduplicate(df.to_dict("records")))
    assert unique["id"].tolist() == ["orig", "other"]
