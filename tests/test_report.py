"""The run report: its numbers are the summary's, checked in the DOM headless Chromium builds
from the HTML (Debian's `chromium`, installed here when absent and the machine allows it)."""

import os
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import orjson
import pytest

from tests.conftest import read_jsonl, shared_path
from zhclean.cli import main
from zhclean.core.observe import HISTOGRAMS, Observations, bucket_labels, histogram_of
from zhclean.report.html import build_report, render_html


def _chromium() -> str | None:
    """Chromium's path; installed with apt-get first when absent (as root, or through a
    password-less sudo), unless ZHCLEAN_NO_APT is set. None when it cannot be had."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found or os.environ.get("ZHCLEAN_NO_APT") or not shutil.which("apt-get"):
        return found
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if prefix and (not shutil.which("sudo") or subprocess.run([*prefix, "true"], capture_output=True).returncode):
        return None
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        try:
            subprocess.run([*prefix, *command], capture_output=True, timeout=900, check=True,
                           env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        except (subprocess.SubprocessError, OSError):
            return None
    return shutil.which("chromium")


@pytest.fixture(scope="module")
def chromium() -> str:
    found = _chromium()
    if found is None:
        pytest.skip("chromium is not installed and cannot be installed here (apt-get install chromium)")
    return found


def rendered_dom(chromium: str, html: Path) -> str:
    """The document after Chromium parsed and laid it out (what a reader's browser shows)."""
    proc = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", html.as_uri()],
                          capture_output=True, timeout=120, check=True)
    return proc.stdout.decode()


class Dom(HTMLParser):
    """Charts (their bars' labels and values) and tables (rows: key -> numeric cells)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.charts: dict[str, list[tuple[str, int]]] = {}
        self.tables: dict[str, dict[str, list[float]]] = {}
        self._chart: str | None = None
        self._table: str | None = None
        self._row: str | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure" and "data-chart" in a:
            self._chart = a["data-chart"]
            self.charts[self._chart] = []
        elif tag == "rect" and self._chart:
            self.charts[self._chart].append((a["data-label"], int(a["data-value"])))
        elif tag == "table" and "data-table" in a:
            self._table = a["data-table"]
            self.tables.setdefault(self._table, {})
        elif tag == "tr" and self._table and "data-key" in a:
            self._row = a["data-key"]
            self.tables[self._table][self._row] = []
        elif tag == "td" and self._row is not None and "data-value" in a:
            self.tables[self._table][self._row].append(float(a["data-value"]))

    def handle_endtag(self, tag):
        if tag == "figure":
            self._chart = None
        elif tag == "table":
            self._table = self._row = None
        elif tag == "tr":
            self._row = None


@pytest.fixture(scope="module")
def dev_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("devrun") / "dev.jsonl"
    assert main(["clean", str(shared_path("dev/noisy.jsonl")), "-o", str(out), "--quiet", "--report"]) == 0
    return out


def check_against_summary(dom: Dom, summary: dict) -> None:
    observed = summary["observed"]
    outcomes = {k: summary[k] for k in ("in", "kept", "dropped", "quarantined", "skipped")}
    assert {k: v[0] for k, v in dom.tables["outcomes"].items()} == outcomes
    assert dict(dom.charts["outcomes"]) == {k: v for k, v in outcomes.items() if k != "in" and v}
    changed_steps = {s for s in set(summary["edits"]) | set(observed["changed"])
                     if summary["edits"].get(s) or observed["changed"].get(s)}
    assert {k: v for k, v in dom.tables["steps"].items()} == {
        s: [observed["changed"].get(s, 0), summary["edits"].get(s, 0)] for s in changed_steps}
    assert dict(dom.charts["steps"]) == {s: n for s, n in observed["changed"].items() if n}
    assert {k: v[0] for k, v in dom.tables["rules"].items()} == observed["rules"]
    top = sorted(observed["rules"].items(), key=lambda kv: (-kv[1], kv[0]))[: len(dom.charts["rules"])]
    assert dom.charts["rules"] == top and len(top) >= min(len(observed["rules"]), 10)
    for name, counts in observed["histograms"].items():
        assert dom.charts[f"histogram:{name}"] == list(zip(bucket_labels(name), counts, strict=True))
    for part, key in (("dropped", "dropped_reasons"), ("quarantined", "quarantine_reasons"),
                      ("skipped", "skipped_reasons")):
        reasons = summary.get(key, {})
        assert {k: v[0] for k, v in dom.tables.get(part, {}).items()} == reasons
        assert dict(dom.charts.get(part, [])) == reasons


def test_the_dev_set_report_in_chromium_shows_the_summarys_numbers(dev_run, chromium):
    summary = orjson.loads(dev_run.with_name("dev.summary.json").read_bytes())
    dom = Dom(rendered_dom(chromium, dev_run.with_name("dev.report.html")))
    assert set(summary["observed"]["histograms"]) >= {"chars_in", "chars_out", "han_share", "glosses_per_kb"}
    assert {"outcomes", "run", "steps", "rules"} <= set(dom.tables)
    assert {"outcomes", "steps", "rules"} | {f"histogram:{n}" for n in summary["observed"]["histograms"]} <= set(dom.charts)
    check_against_summary(dom, summary)
    assert sum(summary["observed"]["histograms"]["chars_in"]) == summary["kept"] + summary["dropped"]


def test_a_dedup_run_with_drops_has_its_clusters_and_reasons_in_the_report(tmp_path, chromium):
    noisy = shared_path("dev/noisy.jsonl").read_bytes().splitlines()[:200]
    english = [orjson.dumps({"id": f"en{i}", "text": "An English page about something else. " * 30}) for i in range(3)]
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(noisy + noisy[:40] + english + [b"{broken"]) + b"\n")
    # the repeated 40 records are duplicates of themselves under other ids
    lines = source.read_bytes().splitlines()
    for i in range(200, 240):
        record = orjson.loads(lines[i])
        record["id"] = f"copy-{record['id']}"
        lines[i] = orjson.dumps(record)
    source.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "u.jsonl"
    assert main(["run", str(source), "-o", str(out), "--quiet", "--report", "--workers", "1"]) == 0
    summary = orjson.loads((tmp_path / "u.summary.json").read_bytes())
    dom = Dom(rendered_dom(chromium, tmp_path / "u.report.html"))
    assert summary["dropped"] >= 43 and summary["quarantined"] == 1
    check_against_summary(dom, summary)
    sizes = summary["observed"]["histograms"]["cluster_sizes"]
    members = Counter(row["cluster_id"] for row in read_jsonl(tmp_path / "u.clusters.jsonl"))
    assert sizes == histogram_of("cluster_sizes", members.values()) and sum(sizes[1:]) >= 40
    assert {k: v[0] for k, v in dom.tables["dedup"].items()} == {
        "documents": summary["documents"], "clusters": summary["clusters"],
        "duplicates removed": summary["duplicates_removed"]}
    assert dom.charts["histogram:cluster_sizes"] == list(zip(bucket_labels("cluster_sizes"), sizes, strict=True))


def test_observations_add_up_in_any_grouping():
    def observed(values):
        o = Observations()
        for v in values:
            o.count_many("chars_in", [v])
            o.changed["script"] += 1
            o.offer("step:script", f"d{v}", f"text {v}", v * 7919)
        return o

    values = list(range(0, 30_000, 97))
    whole = observed(values)
    parts = observed(values[:50]) + observed(values[50:200]) + observed(values[200:])
    assert parts.histograms == whole.histograms == {"chars_in": histogram_of("chars_in", values)}
    assert parts.changed == whole.changed
    assert [c.doc_id for c in parts.candidates["step:script"]] == [c.doc_id for c in whole.candidates["step:script"]]
    assert set(HISTOGRAMS) >= set(whole.histograms)
    # the buckets' lower edges are inclusive: 0 | 1–49 | 50–99 | … | ≥ 100,000
    assert histogram_of("chars_in", [0, 1, 49, 50, 99, 100_000, 10**9]) == [1, 2, 2] + [0] * 9 + [2]


def test_a_report_is_plain_self_contained_html():
    summary = {"in": 2, "kept": 2, "dropped": 0, "quarantined": 0, "skipped": 0, "balanced": True,
               "edits": {"markup": 3}, "observed": {"changed": {"markup": 1}, "rules": {"markup/<b>": 3},
                                                    "histograms": {}, "examples": {}}}
    html = render_html(build_report(summary, "/x/<run>.summary.json"))
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    assert "<script" not in html and "&lt;run&gt;" in html and "markup/&lt;b&gt;" in html


def test_every_step_that_edits_names_its_rules():
    import zhclean

    result = zhclean.clean("正文第一段，<b>加粗</b>的文字。\n![](a.png)\n中\u200b文&amp;字，\r\n全角ＡＢＣ１２３")
    assert {k: v for k, v in result.rules.items() if k.startswith(("markup/", "unicode/"))} == {
        "markup/html_tag": 2, "markup/markdown_image": 1, "markup/html_entity": 1,
        "unicode/invisible": 1, "unicode/line_ending": 1, "unicode/fullwidth_to_ascii": 6}
    assert result.edits["markup"] == 4 and result.edits["unicode"] == 8


def test_the_counters_and_examples_are_the_same_on_any_number_of_workers_and_shards(dev_run, tmp_path):
    config = tmp_path / "shards.toml"
    config.write_text("[io]\nshard_bytes = 100000\n")  # about ten shards of the dev set
    out = tmp_path / "many.jsonl"
    assert main(["clean", str(shared_path("dev/noisy.jsonl")), "-o", str(out), "--quiet", "--workers", "2",
                 "--config", str(config)]) == 0
    many = orjson.loads((tmp_path / "many.summary.json").read_bytes())
    one = orjson.loads(dev_run.with_name("dev.summary.json").read_bytes())
    assert many["shards"] > 5 and one["shards"] == 1
    assert many["observed"] == one["observed"]
    examples = one["observed"]["examples"]
    assert set(examples) == {f"step:{s}" for s, n in one["observed"]["changed"].items() if n}
    assert all(len(chosen) == 3 for chosen in examples.values())


def test_the_example_sample_does_not_depend_on_the_order_documents_arrive_in():
    offers = [("step:markup", f"d{i}", f"text {i}", rank) for i, rank in enumerate([5, 5, 5, 5, 1, 9, 5])]
    forward, backward, halves = Observations(), Observations(), [Observations(), Observations()]
    for offer in offers:
        forward.offer(*offer)
    for offer in reversed(offers):
        backward.offer(*offer)
    for k, offer in enumerate(offers):
        halves[k % 2].offer(*offer)
    merged = halves[0] + halves[1] + halves[0]  # a document offered twice takes one place
    chosen = [(c.rank, c.doc_id) for c in forward.candidates["step:markup"]]
    assert chosen == [(1, "d4"), (5, "d0"), (5, "d1")]
    assert [(c.rank, c.doc_id) for c in backward.candidates["step:markup"]] == chosen
    assert [(c.rank, c.doc_id) for c in merged.candidates["step:markup"]] == chosen


def _changed_in_output(path: Path) -> Counter:
    return Counter(step for record in read_jsonl(path) for step, n in record["zhclean"]["edits"].items() if n)


def test_documents_changed_per_step_are_the_kept_records_each_step_edited(dev_run, tmp_path):
    summary = orjson.loads(dev_run.with_name("dev.summary.json").read_bytes())
    assert Counter(summary["observed"]["changed"]) == _changed_in_output(dev_run)
    # with --corpus-lines the notice step runs after the count, and the stage after the cleaning
    body = "市政府今天召开会议，研究部署下一阶段的城市更新工作，要求各区加快进度。"
    notices = "本文经作者授权发布，未经许可不得转载。欢迎转载，转载请在文末留言获取授权。"  # two, for the notice step
    records = [{"id": f"n{i}", "text": f"{body}第{i}项任务已经完成。\n{notices}"} for i in range(30)]
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    out = tmp_path / "lines.jsonl"
    assert main(["clean", str(source), "-o", str(out), "--quiet", "--corpus-lines"]) == 0
    observed = orjson.loads((tmp_path / "lines.summary.json").read_bytes())["observed"]
    assert Counter(observed["changed"]) == _changed_in_output(out) and observed["changed"]["notice"] == 30
