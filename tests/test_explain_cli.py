"""`zhclean explain` on records of files and stdin, as tables and as JSON; `zhclean report`."""

import io
import sys

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import ROOT, read_jsonl
from zhclean.cli import main

GLOSSED = "区人(ren)大常委会(hui)主任程绣(xiu)明到杨浦区调研,要求把工作做(zuo)实做(zuo)细。"
RECORDS = [
    {"id": "a1", "text": "今年全区新建社区食堂十二家，覆盖居民三万余人。"},
    {"id": "a2", "text": GLOSSED + "\n来源：上海杨浦"},
    {"id": "a3", "text": "正文第一段,说明会议的安排。\n本文由百家号作者上传并发布，百家号仅提供信息发布平台。"},
]


def write_jsonl(path, records):
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def explained(capsys, *argv) -> dict:
    assert main(["explain", *argv, "--json"]) == 0
    return orjson.loads(capsys.readouterr().out)


def test_id_picks_the_record_and_json_lists_every_removal_where_it_was(tmp_path, capsys):
    path = write_jsonl(tmp_path / "in.jsonl", RECORDS)
    shown = explained(capsys, str(path), "--id", "a2")
    assert shown["id"] == "a2" and shown["line"] == 2 and shown["kept"] is True
    glosses = [r for r in shown["removals"] if r["step"] == "pinyin_gloss"]
    assert [r["removed"] for r in glosses] == ["(ren)", "(hui)", "(xiu)", "(zuo)", "(zuo)"]
    for r in glosses:  # the first step's positions are offsets in the record's own text
        assert GLOSSED[r["position"]:r["position"] + len(r["removed"])] == r["removed"] and r["rule"] == "gloss"
    assert shown["edits"]["pinyin_gloss"] == 5 and shown["rules"]["pinyin_gloss/removed"] == 5
    assert shown["fields"]["source"] == "上海杨浦" and "来源" not in shown["text"]


def test_the_explained_text_is_what_clean_writes_for_that_record(tmp_path, capsys):
    path = write_jsonl(tmp_path / "in.jsonl", RECORDS)
    out = tmp_path / "out.jsonl"
    assert main(["clean", str(path), "-o", str(out), "--quiet", "--workers", "1"]) == 0
    capsys.readouterr()
    for record in read_jsonl(out):
        shown = explained(capsys, str(path), "--id", record["id"])
        assert shown["text"] == record["text"]
        assert shown["edits"] == record["zhclean"]["edits"]


def test_line_picks_a_parquet_row_and_records_without_ids_get_the_runs_id(tmp_path, capsys):
    path = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist([{"text": r["text"]} for r in RECORDS]), path)
    shown = explained(capsys, str(path), "--line", "3")
    assert shown["id"] == "in.parquet:3" and shown["line"] == 3
    assert shown["edits"]["boilerplate"] >= 1 and "百家号" not in shown["text"]
    assert explained(capsys, str(path), "--id", "in.parquet:2")["line"] == 2


def test_stdin_is_a_text_or_with_id_or_line_jsonl(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(GLOSSED.encode())))
    shown = explained(capsys, "-")
    assert shown["id"] is None and "(ren)" not in shown["text"] and shown["edits"]["pinyin_gloss"] == 5
    data = b"".join(orjson.dumps(r) + b"\n" for r in RECORDS)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert explained(capsys, "-", "--id", "a3")["line"] == 3
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert explained(capsys, "-", "--line", "1")["id"] == "a1"


def test_the_table_names_the_record_and_its_rules(tmp_path, capsys):
    path = write_jsonl(tmp_path / "in.jsonl", RECORDS)
    assert main(["explain", str(path), "--line", "3"]) == 0
    shown = capsys.readouterr().out
    assert "record a3 (line 3)" in shown and "baijiahao" in shown


def test_a_filters_verdict_is_in_the_json(tmp_path, capsys):
    path = write_jsonl(tmp_path / "in.jsonl", [{"id": "en", "text": "This page is entirely in English. " * 20}])
    shown = explained(capsys, str(path), "--id", "en")
    assert shown["kept"] is False and shown["dropped_by"] == "language" and shown["reason"]
    assert "han_share" in shown["signals"]["language"]


@pytest.mark.parametrize(("argv", "message"), [
    (["--id", "zz"], "no record with id 'zz'"),
    (["--line", "9"], "no line 9"),
    (["--line", "3"], "cannot be cleaned (text_not_string"),
    ([], "pick one with --id ID or --line N"),
    (["--line", "2"], "cannot be cleaned"),
    (["--id", "bad"], "cannot be cleaned (text_not_string"),
])
def test_a_record_that_is_not_there_or_not_cleanable_is_a_one_line_error(tmp_path, capsys, argv, message):
    path = tmp_path / "in.jsonl"
    path.write_bytes(orjson.dumps(RECORDS[0]) + b"\n{not json\n" + orjson.dumps({"id": "bad", "text": 7}) + b"\n")
    assert main(["explain", str(path), *argv]) == 2
    error = capsys.readouterr().err
    assert message in error


def test_id_without_a_file_is_a_usage_error(capsys):
    assert main(["explain", "正文,来源:新华社", "--id", "x"]) == 2
    assert "--id and --line pick a record" in capsys.readouterr().err


def test_report_after_a_run_and_again_from_its_output(tmp_path, capsys):
    out = tmp_path / "clean.jsonl"
    assert main(["clean", str(ROOT / "examples/corpus.jsonl"), "-o", str(out), "--quiet", "--report"]) == 0
    html, report = tmp_path / "clean.report.html", tmp_path / "clean.report.json"
    assert "clean.report.html" in capsys.readouterr().err
    summary = orjson.loads((tmp_path / "clean.summary.json").read_bytes())
    first = orjson.loads(report.read_bytes())
    assert first["outcomes"]["in"] == summary["in"] > 0 and "<svg" in html.read_text()
    html.unlink()
    assert main(["report", str(tmp_path / "clean.summary.json")]) == 0 and html.exists()
    html.unlink()
    assert main(["report", str(out)]) == 0 and html.exists()
    assert main(["report", str(tmp_path / "other.jsonl")]) == 2
    assert "no summary of a finished run" in capsys.readouterr().err


def test_a_rerun_takes_the_old_report_away_and_a_folder_input_never_reads_one(tmp_path, capsys):
    folder = tmp_path / "runs"
    folder.mkdir()
    out = folder / "clean.jsonl"
    write_jsonl(tmp_path / "in.jsonl", RECORDS)
    assert main(["clean", str(tmp_path / "in.jsonl"), "-o", str(out), "--quiet", "--report"]) == 0
    assert (folder / "clean.report.html").exists()
    assert main(["clean", str(tmp_path / "in.jsonl"), "-o", str(out), "--quiet"]) == 0
    assert not (folder / "clean.report.html").exists()  # it described the earlier run
    assert main(["report", str(out)]) == 0
    other = tmp_path / "again.jsonl"  # the run folder as input: records only, no report page
    assert main(["clean", str(folder), "-o", str(other), "--quiet"]) == 0
    assert orjson.loads((tmp_path / "again.summary.json").read_bytes())["in"] == len(RECORDS)
    # a crawl's own report.html (no zhclean summary beside it) is a page like any other
    (folder / "report.html").write_text("<html><body><p>" + RECORDS[0]["text"] + "</p></body></html>")
    assert main(["clean", str(folder), "-o", str(other), "--quiet"]) == 0
    assert orjson.loads((tmp_path / "again.summary.json").read_bytes())["in"] == len(RECORDS) + 1
