"""Crawl input: WARC/WET files, HTML pages and CSV/TSV tables, end to end through the CLI.

Every page is written for these tests (tests/crawl_pages.py). What must hold: each article's
body comes out whole, the site furniture around it does not, every WARC record is accounted
for (kept, dropped, quarantined or skipped by reason), and the charset is read right whether
it is declared, undeclared or declared wrongly.
"""

from __future__ import annotations

import gzip
import json
import os
import random
from pathlib import Path

import pytest

from tests.conftest import read_jsonl
from tests.crawl_pages import ARTICLES, WarcRecordSpec, furniture, news_page, write_warc
from zhclean.cli import main
from zhclean.io.html import UndecodableError, decode_html, extract_page

pytest.importorskip("warcio", reason="the tests write their WARC files with warcio (the dev extra)")


def _summary(out: Path) -> dict:
    return json.loads(out.with_name(out.name.removesuffix(".jsonl") + ".summary.json").read_text())


def _clean(*args: str) -> None:
    assert main(["clean", *args, "--quiet", "--workers", "1"]) == 0


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _has_article(text: str, article: str) -> bool:
    title, paragraphs = ARTICLES[article]
    body = _squeezed(text)
    return all(_squeezed(p) in body for p in [title, *paragraphs])


def _pages() -> list[WarcRecordSpec]:
    """Six HTML responses in the charsets Chinese sites use, and five records that hold no page."""
    street = news_page("street", charset=None)
    return [
        WarcRecordSpec("http://a.example.com/utf8", street.encode(), "text/html; charset=utf-8"),
        WarcRecordSpec("http://b.example.com/gbk-meta", news_page("library", "gbk").encode("gbk")),
        WarcRecordSpec("http://b.example.com/gbk-bare", news_page("library", None).encode("gbk")),
        WarcRecordSpec("http://b.example.com/gbk-says-utf8", news_page("street", "utf-8").encode("gbk")),
        WarcRecordSpec("http://c.example.com.tw/big5", news_page("harbor", None, source="示例晚報").encode("big5"),
                       "text/html; charset=big5"),
        WarcRecordSpec("http://d.example.com/163", news_page("street", "utf-8", notice=True).encode()),
        WarcRecordSpec("http://a.example.com/utf8", b"GET /utf8 HTTP/1.1\r\nHost: a.example.com\r\n\r\n",
                       "application/http; msgtype=request", record_type="request"),
        WarcRecordSpec("http://a.example.com/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png"),
        WarcRecordSpec("http://a.example.com/old", b"", "text/html", status="301 Moved Permanently",
                       headers=[("Location", "http://a.example.com/utf8")]),
        WarcRecordSpec("http://a.example.com/utf8", b"fetchTimeMs: 120\r\n", "application/warc-fields",
                       record_type="metadata"),
        WarcRecordSpec("http://a.example.com/report.pdf", b"%PDF-1.4\n" + bytes(32), "application/pdf"),
    ]


@pytest.fixture
def crawl(tmp_path: Path) -> tuple[Path, int]:
    folder = tmp_path / "crawl"
    folder.mkdir()
    written = write_warc(folder / "part-00000.warc.gz", _pages())
    written += write_warc(folder / "part-00001.warc", [
        WarcRecordSpec("http://e.example.com/ok", news_page("library").encode()),
        WarcRecordSpec("http://e.example.com/cut", news_page("street").encode()),
    ], gzip=False, cut_bytes=400)
    return folder, written


def test_warc_pages_come_out_whole_without_the_site_around_them(crawl, tmp_path):
    folder, _ = crawl
    out = tmp_path / "out.jsonl"
    _clean(str(folder), "-o", str(out))
    records = {r["url"]: r for r in read_jsonl(out)}
    expected = {"http://a.example.com/utf8": "street", "http://b.example.com/gbk-meta": "library",
                "http://b.example.com/gbk-bare": "library", "http://b.example.com/gbk-says-utf8": "street",
                "http://c.example.com.tw/big5": "harbor", "http://d.example.com/163": "street",
                "http://e.example.com/ok": "library"}
    assert set(records) == set(expected)
    for url, article in expected.items():
        text = records[url]["text"]
        assert _has_article(text, article), (url, text)
        assert not [f for f in furniture(article) if f in text], (url, text)
        assert "网易号" not in text and "NetEase" not in text
        assert "来源" not in text and "來源" not in text, "the byline goes to the metadata"
    assert records["http://c.example.com.tw/big5"]["encoding"] in ("cp950", "big5hkscs")
    assert records["http://b.example.com/gbk-says-utf8"]["encoding"] == "gb18030"
    assert records["http://c.example.com.tw/big5"]["zhclean"]["script_out"] == "traditional", "genuine Traditional stays"


def test_warc_records_keep_their_provenance(crawl, tmp_path):
    folder, _ = crawl
    out = tmp_path / "out.jsonl"
    _clean(str(folder), "-o", str(out))
    record = next(r for r in read_jsonl(out) if r["url"] == "http://a.example.com/utf8")
    assert record["id"] == record["warc_record_id"] and record["id"].startswith("<urn:uuid:")
    assert record["date"] and record["content_type"] == "text/html"
    assert record["title"] == "南京路步行街东拓段完成改造_新闻中心_示例网"
    assert record["page_source"] == "示例日报" and record["site_name"] == "示例网"
    assert record["zhclean"]["source"] == "示例日报"
    assert record["zhclean"]["published"] == "2024-05-01 10:00"


def test_every_warc_record_is_accounted_for(crawl, tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    folder, written = crawl
    with open(folder / "part-00000.warc.gz", "rb") as f:  # counted by another reader than zhclean's
        assert sum(1 for _ in ArchiveIterator(f)) == len(_pages()) + 1
    out = tmp_path / "out.jsonl"
    _clean(str(folder), "-o", str(out))
    summary = _summary(out)
    assert summary["in"] == written == 15
    assert summary["balanced"] and summary["in"] == (summary["kept"] + summary["dropped"]
                                                     + summary["quarantined"] + summary["skipped"])
    assert summary["kept"] == 7
    assert summary["skipped_reasons"] == {"warc_warcinfo": 2, "warc_request": 1, "warc_metadata": 1,
                                          "not_html": 2, "http_redirect": 1}
    assert summary["quarantine_reasons"] == {"truncated_record": 1}
    [bad] = read_jsonl(tmp_path / "out.quarantine.jsonl")
    assert "http://e.example.com/cut" in bad["error"] and bad["line"] == 3


def test_a_file_that_breaks_mid_stream_keeps_the_records_before_it(tmp_path):
    path = tmp_path / "broken.warc.gz"
    write_warc(path, [WarcRecordSpec("http://e.example.com/ok", news_page("library").encode())])
    path.write_bytes(path.read_bytes() + b"\x1f\x8b\x08\x00garbage that is no gzip member")
    out = tmp_path / "out.jsonl"
    _clean(str(path), "-o", str(out))
    summary = _summary(out)
    assert summary["kept"] == 1 and summary["balanced"]
    assert summary["quarantine_reasons"] == {"unreadable_file": 1}


def test_wet_files_keep_their_text(tmp_path):
    text = "\n".join(ARTICLES["library"][1]).encode()
    path = tmp_path / "crawl.warc.wet.gz"
    write_warc(path, [WarcRecordSpec("http://e.example.com/lib", text, "text/plain", record_type="conversion")])
    out = tmp_path / "out.jsonl"
    _clean(str(path), "-o", str(out))
    [record] = read_jsonl(out)
    assert record["url"] == "http://e.example.com/lib" and _has_article(ARTICLES["library"][0] + record["text"], "library")
    assert _summary(out)["skipped_reasons"] == {"warc_warcinfo": 1}


def test_undecodable_pages_go_to_quarantine_with_the_reason(tmp_path):
    rng = random.Random(7)
    noise = bytes(rng.randrange(0x80, 0x100) for _ in range(4000))
    path = tmp_path / "bad.warc.gz"
    write_warc(path, [WarcRecordSpec("http://x.example.com/", b"<html><body><p>" + noise + b"</p></body></html>")])
    out = tmp_path / "out.jsonl"
    _clean(str(path), "-o", str(out))
    [bad] = read_jsonl(tmp_path / "out.quarantine.jsonl")
    assert bad["reason"] == "undecodable"


def test_html_files_and_folders(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.html").write_bytes(news_page("library", None).encode("gbk"))
    (folder / "b.htm").write_text(news_page("street"), encoding="utf-8")
    (folder / "c.html.gz").write_bytes(gzip.compress(news_page("harbor", "big5").encode("big5")))
    (folder / "notes.md").write_text("# notes\n")
    (folder / "blob").write_bytes(b"\x00\x01")
    out = tmp_path / "out.jsonl"
    _clean(str(folder), "-o", str(out))
    records = {r["id"]: r for r in read_jsonl(out)}
    assert set(records) == {"a.html", "b.htm", "c.html"}
    assert _has_article(records["a.html"]["text"], "library") and _has_article(records["c.html"]["text"], "harbor")
    assert records["b.htm"]["title"] == "南京路步行街东拓段完成改造_新闻中心_示例网"
    assert _summary(out)["skipped_files"] == {".md": 1, "(none)": 1}


# ---------------------------------------------------------------- charsets and extraction


@pytest.mark.parametrize("encoding, declared, expected", [
    ("gbk", None, "gb18030"),  # undeclared
    ("gbk", "gb2312", "gb18030"),  # declared as the subset GBK extends
    ("gbk", "utf-8", "gb18030"),  # declared wrongly
    ("utf-8", "gbk", "utf-8"),  # declared wrongly the other way
    ("big5", "big5", "cp950"),
    ("big5", None, "big5"),
])
def test_the_charset_is_read_off_the_bytes_when_the_declaration_is_wrong(encoding, declared, expected):
    article = "harbor" if encoding == "big5" else "library"
    html = news_page(article, None)
    data = html.encode(encoding)
    text, used = decode_html(data, declared)
    assert text == html and used == expected


def test_a_page_with_a_stray_byte_still_decodes():
    data = news_page("library", "gbk").encode("gbk")
    cut = data.replace(b"<p>", b"\x81<p>", 1)  # the first byte of a character whose second is lost
    text, used = decode_html(cut)
    assert used.endswith("(lenient)") and "延长夜间开放时间" in text


def test_undecodable_bytes_raise():
    rng = random.Random(3)
    noise = bytes(rng.randrange(0x80, 0x100) for _ in range(2000))
    with pytest.raises(UndecodableError):
        decode_html(noise)


def test_a_page_without_furniture_keeps_everything():
    title, paragraphs = ARTICLES["street"]
    html = f"<html><body><h1>{title}</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</body></html>"
    assert extract_page(html).text == "\n".join([title, *paragraphs])


# ---------------------------------------------------------------- CSV and TSV


def test_csv_with_a_header_and_multi_line_cells(tmp_path):
    path = tmp_path / "news.csv"
    title, paragraphs = ARTICLES["library"]
    body = "\n".join(paragraphs)
    path.write_text(f'id,title,content\nn1,{title},"{body}"\nn2,短讯,"今天，""城东""图书馆开放。"\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    _clean(str(path), "-o", str(out), "--text-field", "content")
    first, second = read_jsonl(out)
    assert first["id"] == "n1" and first["title"] == title and first["content"] == body
    assert second["content"] == '今天，"城东"图书馆开放。'  # the doubled quotes of CSV read as one


def test_headerless_tsv_is_label_and_text_and_ids_name_its_lines(tmp_path):
    path = tmp_path / "thucnews.tsv"
    rows = ["\t".join(["教育", ARTICLES["library"][1][0]]), "", "\t".join(["时政", ARTICLES["street"][1][0]])]
    path.write_bytes("\n".join(rows).encode("gbk") + b"\n")
    out = tmp_path / "out.jsonl"
    _clean(str(path), "-o", str(out))
    first, second = read_jsonl(out)
    assert (first["label"], first["id"]) == ("教育", "thucnews.tsv:1")
    assert (second["label"], second["id"]) == ("时政", "thucnews.tsv:3")
    assert second["text"] == ARTICLES["street"][1][0]


def test_a_csv_line_that_does_not_decode_costs_only_itself(tmp_path):
    path = tmp_path / "mixed.csv"
    good = "".join(f"r{i},第{i}条记录的正文内容。\n" for i in range(2000)).encode()
    path.write_bytes(b"id,text\n" + good + "r9,坏字节".encode("gbk") + "\nr10,坏行后面的这一行照常读出，没有受到影响。\n".encode())
    out = tmp_path / "out.jsonl"
    _clean(str(path), "-o", str(out))
    summary = _summary(out)
    assert summary["kept"] == 2001 and summary["quarantine_reasons"] == {"undecodable": 1}
    assert summary["balanced"]
    [bad] = read_jsonl(tmp_path / "out.quarantine.jsonl")
    assert bad["line"] == 2002 and read_jsonl(out)[-1]["id"] == "r10"


def test_skipped_and_read_files_of_a_folder_are_all_counted(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    first, second, third = ARTICLES["library"][1]
    (folder / "a.jsonl").write_text(json.dumps({"text": first}, ensure_ascii=False) + "\n")
    (folder / "b.csv").write_text(f"text\n{second}\n")
    (folder / "c.html").write_text(f"<p>{third}</p>")
    (folder / "d.docx").write_bytes(b"PK")
    out = tmp_path / "out.jsonl"
    _clean(str(folder), "-o", str(out))
    summary = _summary(out)
    assert summary["kept"] == 3 and summary["skipped_files"] == {".docx": 1}
    assert os.path.exists(out)


def test_furniture_no_class_name_gives_away_is_cut_by_where_the_running_text_is():
    """Class names a site made up (`dh`, `tg`, `fx`, `xg`): the menu, ad, share bar and
    related list sit outside the run of sentences, and go; the heading and byline stay."""
    title, paragraphs = ARTICLES["library"]
    html = (f"<html><head><title>{title}_城东网</title></head><body>"
            '<div class="dh"><a href="/">首页</a> <a href="/n">本地新闻</a></div><div class="tg">新店开业全场八折</div>'
            f'<div class="zw"><h1>{title}</h1><p>2024-05-01 来源：城东日报</p>'
            + "".join(f"<p>{p}</p>" for p in paragraphs) +
            '</div><div class="fx">分享到朋友圈</div><div class="xg"><a href="/1">社区新开两家早餐店</a></div>'
            '<div class="bq">城东网 版权所有</div></body></html>')
    text = extract_page(html).text
    assert text.split("\n") == [title, "2024-05-01 来源：城东日报", *paragraphs]


def test_a_page_of_short_lines_keeps_every_line():
    """No running text to anchor on (a poem, a list): nothing is cut by position."""
    lines = ["春眠不觉晓", "处处闻啼鸟", "夜来风雨声", "花落知多少"]
    html = "<html><body>" + "".join(f"<p>{line}</p>" for line in lines) + "</body></html>"
    assert extract_page(html).text.split("\n") == lines
