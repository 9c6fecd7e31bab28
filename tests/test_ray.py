"""The Ray engine gives what the local engine gives (issue 7), on a local Ray with 2 CPUs."""

import json

import pytest

from tests.conftest import ROOT, read_jsonl, shared_path
from zhclean.cli import main

ray = pytest.importorskip("ray", reason="the Ray engine is an optional extra: pip install 'zhclean[ray]'")


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _as_set(rows: list[dict]) -> set[str]:
    import json

    return {json.dumps(r, ensure_ascii=False, sort_keys=True) for r in rows}


def _both_engines(tmp_path, command: str, source: str) -> tuple[str, str]:
    outputs = []
    for engine in ("local", "ray"):
        out = tmp_path / engine / "out.jsonl"
        assert main([command, source, "-o", str(out), "--engine", engine, "--workers", "2", "--quiet"]) == 0
        outputs.append(out)
    return outputs[0], outputs[1]


def test_clean_on_ray_equals_local_on_the_dev_set(tmp_path):
    local, on_ray = _both_engines(tmp_path, "clean", str(shared_path("dev/noisy.jsonl")))
    assert _as_set(read_jsonl(on_ray)) == _as_set(read_jsonl(local))
    assert len(read_jsonl(on_ray)) == 405


def test_dedup_on_ray_equals_local_on_the_dev_set(tmp_path):
    local, on_ray = _both_engines(tmp_path, "dedup", str(shared_path("dev/dups.jsonl")))
    assert _as_set(read_jsonl(on_ray)) == _as_set(read_jsonl(local))
    clusters = [p.with_name("out.clusters.jsonl") for p in (local, on_ray)]
    assert _as_set(read_jsonl(clusters[1])) == _as_set(read_jsonl(clusters[0]))


def test_bad_input_is_quarantined_the_same_way_on_ray(tmp_path):
    source = tmp_path / "mixed.jsonl"
    good = (ROOT / "examples/corpus.jsonl").read_bytes()
    source.write_bytes(good + b'{"text": 5}\n{broken\n\xff\xfe bad bytes\n' + good)
    local, on_ray = _both_engines(tmp_path, "clean", str(source))
    for side in ("out.jsonl", "out.quarantine.jsonl"):
        assert _as_set(read_jsonl(on_ray.with_name(side))) == _as_set(read_jsonl(local.with_name(side)))
    summary = read_jsonl(on_ray.with_name("out.quarantine.jsonl"))
    assert len(summary) == 3


def test_ranges_cut_at_line_breaks_and_number_lines_like_the_local_reader(tmp_path):
    from zhclean.engines.ray_engine import chunk_items, chunks
    from zhclean.io.readers import iter_items

    source = tmp_path / "lines.jsonl"
    source.write_bytes(b"".join(b'{"text": "%d"}\n' % i + (b"\n" if i % 7 == 0 else b"") for i in range(200_000)))
    work = chunks([str(source)], workers=2, chunk_bytes=1)
    assert len(work) > 1
    items = [(i.line, i.raw) for chunk in work for i in chunk_items(chunk)]
    assert items == [(i.line, i.raw) for i in iter_items([str(source)])]


def test_ray_reads_pyarrow_filesystem_uris(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = read_jsonl(ROOT / "examples/corpus.jsonl")
    parquet = tmp_path / "corpus.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    for source in (ROOT / "examples/corpus.jsonl", parquet):
        local, uri = tmp_path / f"{source.name}-local.jsonl", tmp_path / f"{source.name}-uri.jsonl"
        assert main(["clean", str(source), "-o", str(local), "--quiet", "--workers", "1"]) == 0
        assert main(["clean", source.resolve().as_uri(), "-o", str(uri), "--engine", "ray", "--quiet"]) == 0
        assert _as_set(read_jsonl(uri)) == _as_set(read_jsonl(local))


def test_dedup_on_ray_reads_uris_in_both_passes(tmp_path):
    source = shared_path("dev/dups.jsonl")
    local, uri = tmp_path / "local/out.jsonl", tmp_path / "uri/out.jsonl"
    assert main(["dedup", str(source), "-o", str(local), "--quiet", "--workers", "1"]) == 0
    assert main(["dedup", source.resolve().as_uri(), "-o", str(uri), "--engine", "ray", "--quiet"]) == 0
    assert _as_set(read_jsonl(uri)) == _as_set(read_jsonl(local))
    summary = json.loads(uri.with_name("out.summary.json").read_text())
    assert summary["in"] == summary["kept"] + summary["dropped"] + summary["quarantined"] == 1224
