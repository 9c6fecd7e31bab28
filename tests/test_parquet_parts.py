"""Parquet parts that read back as one table (zhclean.io.parquet).

The case that broke before: the first records have no `source` and no `url`, so a writer that
takes its schema from the first row group types them null (or leaves them out) and the later
rows land in a second file that pandas, pyarrow.dataset and HF datasets cannot read together.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from zhclean.io.parquet import (
    ParquetPartWriter,
    concat_parts,
    conform_part,
    metadata_type,
    unified_schema,
)
from zhclean.pipeline import EDIT_KEYS, FIELD_KEYS, STAGE_EDIT_KEYS

N_RECORDS = 5000
N_BARE = 3000  # the first records: zhclean.source null, no `url`, `title` null


def _meta(i: int) -> dict[str, Any]:
    """A `zhclean` object as the pipeline writes it (SPEC counters plus `whitespace`)."""
    edits = dict.fromkeys(EDIT_KEYS, 0) | {"whitespace": i % 3, "markup": i % 5}
    return {
        **dict.fromkeys(FIELD_KEYS),
        "source": None if i < N_BARE else f"新华社{i % 7}",
        "script_in": "simplified",
        "script_out": "simplified",
        "machine_converted": i % 11 == 0,
        "machine_converted_score": i / 10_000,
        "edits": edits,
        "chars_in": 100 + i,
        "chars_out": 90 + i,
    }


def _record(i: int) -> dict[str, Any]:
    record: dict[str, Any] = {"id": i, "text": f"第{i}条新闻。", "title": None}
    if i >= N_BARE:
        record["url"] = f"https://example.cn/{i}"
        record["title"] = f"标题{i}"
    record["zhclean"] = _meta(i)
    return record


def _write(path: Path, records: list[dict[str, Any]], rows_per_group: int = 2048) -> int:
    writer = ParquetPartWriter(str(path), rows_per_group=rows_per_group)
    for record in records:
        writer.write(record)
    return writer.close()


def _missing(value: Any) -> bool:
    """Null as each reader spells it (pandas 3 gives NaN for a missing string)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _check_rows(rows: list[dict[str, Any]]) -> None:
    """All 5,000 records, with the values they were written with."""
    assert len(rows) == N_RECORDS
    rows = sorted(rows, key=lambda r: int(r["id"]))
    for i, row in enumerate(rows):
        assert int(row["id"]) == i
        assert row["text"] == f"第{i}条新闻。"
        meta = row["zhclean"]
        expected = _meta(i)
        if i < N_BARE:
            assert _missing(row["url"]) and _missing(row["title"]) and _missing(meta["source"])
        else:
            assert row["url"] == f"https://example.cn/{i}"
            assert row["title"] == f"标题{i}"
            assert meta["source"] == expected["source"]
        assert bool(meta["machine_converted"]) == expected["machine_converted"]
        assert meta["machine_converted_score"] == pytest.approx(expected["machine_converted_score"])
        assert int(meta["chars_out"]) == expected["chars_out"]
        assert {k: int(v) for k, v in meta["edits"].items() if v is not None} == expected["edits"]


# --- the 5,000-record case, three layouts x three readers -----------------------------------

def _three_parts(tmp_path: Path) -> list[str]:
    records = [_record(i) for i in range(N_RECORDS)]
    paths = []
    for n, (start, stop) in enumerate([(0, 2000), (2000, 4000), (4000, N_RECORDS)]):
        path = tmp_path / "parts" / f"part-{n:05d}.parquet"
        path.parent.mkdir(exist_ok=True)
        assert _write(path, records[start:stop]) == stop - start
        paths.append(str(path))
    return paths


def _layout(kind: str, tmp_path: Path) -> str:
    """Where the 5,000 records are: one file from three parts, one file from a single part
    written in small groups, or a folder of parts sharing one schema."""
    if kind == "concat":
        dest = str(tmp_path / "out.parquet")
        assert concat_parts(_three_parts(tmp_path), dest) == N_RECORDS
        return dest
    if kind == "single":
        dest = tmp_path / "out.parquet"
        assert _write(dest, [_record(i) for i in range(N_RECORDS)], rows_per_group=512) == N_RECORDS
        assert pq.ParquetFile(dest).num_row_groups == 10
        return str(dest)
    parts = _three_parts(tmp_path)
    schema = unified_schema(parts)
    folder = tmp_path / "folder"
    folder.mkdir()
    for path in parts:
        conform_part(path, schema, str(folder / Path(path).name))
    return str(folder)


def _files(target: str) -> list[str]:
    path = Path(target)
    return sorted(str(p) for p in path.glob("*.parquet")) if path.is_dir() else [target]


LAYOUTS = ["concat", "single", "folder"]


@pytest.mark.parametrize("kind", LAYOUTS)
def test_pyarrow_dataset_reads_all_rows(kind: str, tmp_path: Path) -> None:
    import pyarrow.dataset as ds

    target = _layout(kind, tmp_path)
    assert sorted(Path(tmp_path).rglob("*.tmp*")) == []
    _check_rows(ds.dataset(target, format="parquet").to_table().to_pylist())


@pytest.mark.parametrize("kind", LAYOUTS)
def test_pandas_reads_all_rows(kind: str, tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.read_parquet(_layout(kind, tmp_path))
    _check_rows(frame.to_dict("records"))


@pytest.mark.parametrize("kind", LAYOUTS)
def test_hf_datasets_reads_all_rows(kind: str, tmp_path: Path, offline_datasets) -> None:
    datasets = offline_datasets
    target = _layout(kind, tmp_path)
    loaded = datasets.load_dataset("parquet", data_files=_files(target), split="train",
                                   cache_dir=str(tmp_path / "hf-cache"))
    _check_rows(loaded.to_list())


# --- the zhclean column ---------------------------------------------------------------------

def test_metadata_type_is_fixed_and_nullable() -> None:
    from zhclean.steps import REGISTRY

    meta = metadata_type()
    assert meta.names[: len(FIELD_KEYS)] == list(FIELD_KEYS)
    assert meta.field("source").type == pa.string()
    assert meta.field("machine_converted").type == pa.bool_()
    assert meta.field("machine_converted_score").type == pa.float64()
    assert meta.field("chars_in").type == pa.int64()
    edits = meta.field("edits").type
    assert edits.names[: len(EDIT_KEYS)] == list(EDIT_KEYS)
    assert set(edits.names) == set(EDIT_KEYS) | set(REGISTRY) | set(STAGE_EDIT_KEYS)
    assert all(f.type == pa.int64() for f in edits)
    assert all(f.nullable for f in [*meta, *edits])
    assert metadata_type().equals(meta)


def test_pipeline_output_round_trips(tmp_path: Path) -> None:
    from zhclean.pipeline import Pipeline

    results = Pipeline().clean_many(["区人(ren)大常委会主任说,要做好工作!", "臺北市政府今天宣布。"])
    records = [{"text": r.text, "zhclean": r.meta} for r in results]
    path = tmp_path / "p.parquet"
    _write(path, records)
    table = pq.read_table(path)
    assert table.schema.field("zhclean").type.equals(metadata_type())  # no key outside it
    assert table.to_pylist() == records


def test_extra_metadata_keys_are_kept(tmp_path: Path) -> None:
    records = [{"id": i, "zhclean": _meta(i)} for i in range(6)]
    records[3]["zhclean"]["lang"] = "zh"
    records[4]["zhclean"]["signals"] = {"ads": 0.5}
    records[5]["zhclean"]["edits"]["plugin_step"] = 7
    path = tmp_path / "x.parquet"
    _write(path, records, rows_per_group=2)
    rows = pq.read_table(path).to_pylist()
    meta_type = pq.read_schema(path).field("zhclean").type
    assert meta_type.names[: metadata_type().num_fields] == metadata_type().names
    assert [r["zhclean"]["lang"] for r in rows] == [None, None, None, "zh", None, None]
    assert rows[4]["zhclean"]["signals"] == {"ads": 0.5}
    assert rows[5]["zhclean"]["edits"]["plugin_step"] == 7
    assert rows[0]["zhclean"]["edits"]["plugin_step"] is None
    assert rows[0]["zhclean"]["source"] is None and rows[4]["zhclean"]["source"] is None


# --- schema drift inside one part -----------------------------------------------------------

def test_int_in_one_group_string_in_another_becomes_text(tmp_path: Path) -> None:
    values = [1, 2, "a-3", "b-4", 5, None]
    path = tmp_path / "x.parquet"
    _write(path, [{"id": i, "ref": v} for i, v in enumerate(values)], rows_per_group=2)
    table = pq.read_table(path)
    assert table.schema.field("ref").type == pa.string()
    assert table.column("ref").to_pylist() == ["1", "2", "a-3", "b-4", "5", None]
    assert pq.ParquetFile(path).num_row_groups == 3


def test_mixed_list_and_huge_int_are_json_text(tmp_path: Path) -> None:
    records = [{"id": 0, "tags": [1, 2]}, {"id": 1, "tags": [1, "a"]},
               {"id": 2, "tags": [3]}, {"id": 3, "tags": None, "n": 2**70}]
    path = tmp_path / "x.parquet"
    _write(path, records, rows_per_group=2)
    table = pq.read_table(path)
    assert table.column("tags").to_pylist() == ["[1,2]", '[1,"a"]', "[3]", None]
    assert table.column("n").to_pylist() == [None, None, None, str(2**70)]


def test_bytes_column(tmp_path: Path) -> None:
    records = [{"id": 0, "raw": None}, {"id": 1, "raw": None},
               {"id": 2, "raw": b"\x00\xff"}, {"id": 3, "raw": "纯文本".encode()}]
    path = tmp_path / "x.parquet"
    _write(path, records, rows_per_group=2)
    table = pq.read_table(path)
    assert table.schema.field("raw").type == pa.binary()
    assert table.column("raw").to_pylist() == [None, None, b"\x00\xff", "纯文本".encode()]


def test_new_column_and_null_then_typed_column(tmp_path: Path) -> None:
    records = [{"id": i, "a": None} for i in range(4)]
    records += [{"id": i, "a": {"k": i}, "late": float(i)} for i in range(4, 8)]
    path = tmp_path / "x.parquet"
    _write(path, records, rows_per_group=3)
    table = pq.read_table(path)
    assert table.column_names == ["id", "a", "zhclean", "late"]
    assert table.column("a").to_pylist() == [None] * 4 + [{"k": i} for i in range(4, 8)]
    assert table.column("late").to_pylist() == [None] * 4 + [4.0, 5.0, 6.0, 7.0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.parquet"]


def test_zero_rows_is_a_valid_file_with_the_typed_column(tmp_path: Path) -> None:
    empty = tmp_path / "empty.parquet"
    assert _write(empty, []) == 0
    table = pq.read_table(empty)
    assert table.num_rows == 0
    assert table.schema.field("zhclean").type.equals(metadata_type())
    full = tmp_path / "full.parquet"
    _write(full, [_record(N_BARE)])
    both = tmp_path / "both.parquet"
    assert concat_parts([str(empty), str(full)], str(both)) == 1
    assert pq.read_table(both).to_pylist()[0]["url"] == _record(N_BARE)["url"]


def test_row_order_is_kept_across_sub_files(tmp_path: Path) -> None:
    records = []
    for i in range(3000):
        record: dict[str, Any] = {"id": i}
        if i >= 700:
            record["late"] = i
        if i >= 1300:
            record["late"] = f"s{i}"  # int before, string now: a new sub-file
        records.append(record)
    path = tmp_path / "x.parquet"
    writer = ParquetPartWriter(str(path), rows_per_group=100)
    for record in records:
        writer.write(record)
    assert len(writer._subpaths) == 3  # drift after the look-ahead: the rewrite path
    assert writer.close() == 3000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.parquet"]
    table = pq.read_table(path)
    assert table.column("id").to_pylist() == list(range(3000))
    late = table.column("late").to_pylist()
    assert late[699] is None and late[700] == "700" and late[2999] == "s2999"


# --- combining parts ------------------------------------------------------------------------

def test_unified_schema_and_in_place_conform(tmp_path: Path) -> None:
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    _write(a, [{"id": 1, "score": 1}])
    _write(b, [{"id": 2, "score": 2.5, "url": "u"}])
    schema = unified_schema([str(a), str(b)])
    assert schema.names == ["id", "score", "zhclean", "url"]
    assert schema.field("score").type == pa.float64()
    assert all(f.nullable for f in schema)
    assert conform_part(str(a), schema, str(a)) == 1
    assert pq.read_schema(a).equals(schema)
    assert pq.read_table(a).to_pylist()[0]["url"] is None


def test_concat_refuses_a_schema_that_drops_a_column(tmp_path: Path) -> None:
    part = tmp_path / "a.parquet"
    _write(part, [{"id": 1, "url": "u"}])
    narrow = pa.schema([("id", pa.int64()), ("zhclean", metadata_type())])
    with pytest.raises(ValueError, match="url"):
        concat_parts([str(part)], str(tmp_path / "out.parquet"), narrow)
    assert not (tmp_path / "out.parquet").exists() and not (tmp_path / "out.parquet.tmp").exists()


def test_odd_fixed_field_falls_back_alone(tmp_path: Path) -> None:
    records = [{"id": i, "zhclean": _meta(N_BARE + i)} for i in range(4)]
    records[3]["zhclean"]["chars_in"] = "n/a"  # a string where the type says int64
    path = tmp_path / "x.parquet"
    _write(path, records, rows_per_group=2)
    meta = pq.read_schema(path).field("zhclean").type
    assert meta.field("chars_in").type == pa.string()
    assert meta.field("source").type == pa.string() and meta.field("chars_out").type == pa.int64()
    rows = pq.read_table(path).to_pylist()
    assert [r["zhclean"]["chars_in"] for r in rows] == ["3100", "3101", "3102", "n/a"]
    assert [r["zhclean"]["source"] for r in rows] == [_meta(N_BARE + i)["source"] for i in range(4)]
