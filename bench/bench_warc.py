"""Crawl input: WARC -> cleaned JSONL, beside datatrove's WarcReader + Trafilatura, and the two
extractors (resiliparse, trafilatura) on the same Chinese pages.

The WARC files are built here (bench/out/warc/, cached) the way Common Crawl writes them
(request, response and metadata record per page, one gzip member per record): each page
wraps a real article (THUCNews in Simplified, tw_news in Traditional, from ../shared) in one
of four site templates written for this bench (pinyin class names such as `gg`/`xgyd`,
English ones such as `sidebar`/`footer`, an old table layout with ids only, and one held out:
class names that zhclean's furniture list does not name, `dh`/`tg`/`fx`/`xg`/`phb`), with
menus, breadcrumbs, ads, share bars, related-reading lists, rankings, QR-code boxes,
copyright footers, and the scripts and styles that make a page ~20x its text. Encodings as
Chinese sites use them: UTF-8, GBK (meta-declared or undeclared), Big5 (declared in the HTTP
header). Because each page's article and furniture are known, quality is measured:
- body recall: the share of the article's paragraphs (Han characters only, so punctuation
  normalisation does not count) found in the output text;
- furniture leak: the share of pages whose output still holds any furniture string.
Speed is MB/s of WARC input (compressed, as stored, and uncompressed) per core, with the
split between reading + extraction and cleaning.
Usage: python bench/bench_warc.py [--mb 100] [--no-peer] [--sample 2000]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SHARED = ROOT.parent / "shared"
OUT = BENCH / "out" / "warc"
sys.path.insert(0, str(BENCH))

TEMPLATES = 4  # the fourth is held out: its class names are none that zhclean's furniture list names
FILE_MB = 25  # compressed bytes a WARC file (Common Crawl's are ~1 GB; 25 MB gives the workers several)
FURNITURE = {
    "nav": ["首页", "新闻中心", "国内新闻", "国际新闻", "财经频道", "体育频道", "娱乐频道", "科技频道", "汽车频道", "房产频道"],
    "crumb": ["当前位置：首页 > 新闻中心 > 正文"],
    "ad": ["点击领取新人优惠券，限时抢购！", "年终大促全场五折起"],
    "share": ["分享到：微信 微博 QQ空间"],
    "related": ["相关阅读", "地铁新线路本周末试运行", "城区多条道路夜间施工", "周末天气晴好适合出游"],
    "rank": ["热门排行", "本周点击最多的十篇文章"],
    "qr": ["扫描二维码关注我们的公众号"],
    "footer": ["关于我们 | 联系方式 | 广告服务 | 网站地图", "版权所有 示例信息网 备案号12345678"],
}
_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")


def han(text: str) -> str:
    return _NOT_HAN.sub("", text)


# ---------------------------------------------------------------- the articles


def articles(limit: int) -> list[tuple[str, list[str], bool]]:
    """(title, paragraphs, traditional): two THUCNews articles to one tw_news article,
    repeated as needed (each repeat is a new page at a new URL)."""
    pools = [list(_tw_news()), list(_thucnews())]
    taken = [0, 0]
    out = []
    for i in range(limit):
        k = 0 if i % 3 == 0 else 1
        out.append(pools[k][taken[k] % len(pools[k])])
        taken[k] += 1
    return out


def _thucnews():
    with open(SHARED / "corpora/thucnews_1000.tsv", encoding="utf-8") as f:
        for line in f:
            _, _, text = line.rstrip("\n").partition("\t")
            sentences = [s + "。" for s in text.split("。") if s.strip()]
            if len(sentences) < 4:
                continue
            title, _, _ = sentences[0].partition(" ")
            paragraphs = ["".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3)]
            yield title[:30], paragraphs, False


def _tw_news():
    with open(SHARED / "corpora/tw_news.jsonl", encoding="utf-8") as f:
        for line in f:
            # the corpus's scraper left a list of names (`['王派宏']`) above some headlines
            lines = [s for s in json.loads(line)["text"].split("\n") if s.strip() and not s.startswith("[")]
            if len(lines) >= 2:
                yield lines[0], lines[1:], True


# ---------------------------------------------------------------- the pages


def _blob(rng: random.Random, kilobytes: int) -> str:
    """Script text of about `kilobytes` KB (analytics, ad loaders): what makes pages heavy."""
    parts = []
    while sum(map(len, parts)) < kilobytes * 1024:
        parts.append(f"var s{rng.randrange(10**6)}=document.createElement('script');"
                     f"s.src='//cdn.example.com/{rng.randrange(10**9)}.js';window._q=window._q||[];")
    return "".join(parts)


def _links(items: list[str]) -> str:
    return "".join(f'<li><a href="/{i}.html">{t}</a></li>' for i, t in enumerate(items))


def page(title: str, paragraphs: list[str], template: int, charset_meta: str | None, furniture: dict,
         rng: random.Random) -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    f = furniture
    head = (f"<!DOCTYPE html><html><head>{meta}<title>{title}_示例信息网</title>"
            f'<meta name="source" content="示例日报"><style>{_blob(rng, 4)}</style>'
            f"<script>{_blob(rng, 16)}</script></head><body>")
    if template == 0:  # pinyin class names, as many Chinese CMSs write them
        return head + (
            f'<div class="top"><ul class="nav">{_links(f["nav"])}</ul></div>'
            f'<div class="weizhi">{f["crumb"][0]}</div><div class="gg">{f["ad"][0]}</div>'
            f'<div class="main"><div class="content"><h1>{title}</h1><div class="info">2024-03-01 09:30 来源：示例日报</div>'
            f'{body}</div><div class="bdshare">{f["share"][0]}</div>'
            f'<div class="xgyd"><h3>{f["related"][0]}</h3><ul>{_links(f["related"][1:])}</ul></div></div>'
            f'<div class="right"><div class="paihang"><h3>{f["rank"][0]}</h3><p>{f["rank"][1]}</p></div>'
            f'<div class="gg_right">{f["ad"][1]}</div><div class="ewm">{f["qr"][0]}</div></div>'
            f'<div class="foot"><p>{f["footer"][0]}</p><p>{f["footer"][1]}</p></div></body></html>')
    if template == 1:  # English class names and HTML5 elements
        return head + (
            f'<header class="site-header"><nav class="menu">{_links(f["nav"])}</nav></header>'
            f'<div class="breadcrumb">{f["crumb"][0]}</div><div class="ad-banner">{f["ad"][0]}</div>'
            f'<main><article class="post"><h1>{title}</h1><div class="meta">来源：示例日报 2024-03-01</div>'
            f'{body}</article><div class="share-bar">{f["share"][0]}</div>'
            f'<section class="related"><h3>{f["related"][0]}</h3><ul>{_links(f["related"][1:])}</ul></section></main>'
            f'<aside class="sidebar"><div class="hot"><h3>{f["rank"][0]}</h3><p>{f["rank"][1]}</p></div>'
            f'<div class="ads">{f["ad"][1]}</div><div class="qrcode">{f["qr"][0]}</div></aside>'
            f'<footer class="footer"><p>{f["footer"][0]}</p><p>{f["footer"][1]}</p></footer></body></html>')
    if template == 3:  # held out: class names zhclean's furniture list does not name
        return head + (
            f'<div class="dh"><ul class="topmenu">{_links(f["nav"])}</ul></div>'
            f'<div class="guide">{f["crumb"][0]}</div><div class="tg">{f["ad"][0]}</div>'
            f'<div class="wrap"><div class="zw"><h1>{title}</h1><p class="sj">2024-03-01 来源：示例日报</p>'
            f'{body}</div><div class="fx">{f["share"][0]}</div>'
            f'<div class="xg"><h3>{f["related"][0]}</h3><ul>{_links(f["related"][1:])}</ul></div></div>'
            f'<div class="cbl"><div class="phb"><h3>{f["rank"][0]}</h3><p>{f["rank"][1]}</p></div>'
            f'<div class="tg2">{f["ad"][1]}</div><div class="wx">{f["qr"][0]}</div></div>'
            f'<div class="bottom"><p>{f["footer"][0]}</p><p>{f["footer"][1]}</p></div></body></html>')
    # an old table layout, ids only
    return head + (
        f'<table width="960"><tr><td id="menu">{" | ".join(f["nav"])}</td></tr>'
        f'<tr><td id="position">{f["crumb"][0]}</td></tr><tr><td id="ad_top">{f["ad"][0]}</td></tr>'
        f'<tr><td id="article"><h1>{title}</h1>{body}</td>'
        f'<td id="sidebar"><b>{f["rank"][0]}</b><br>{f["rank"][1]}<br><span id="ad_side">{f["ad"][1]}</span>'
        f'<br><span id="ewm">{f["qr"][0]}</span></td></tr>'
        f'<tr><td id="comment">{f["share"][0]}<br>{f["related"][0]}：{"、".join(f["related"][1:])}</td></tr>'
        f'<tr><td id="footer">{f["footer"][0]}<br>{f["footer"][1]}</td></tr></table></body></html>')


def _traditional_furniture() -> dict:
    import opencc

    convert = opencc.OpenCC("s2tw").convert
    return {k: [convert(s) for s in v] for k, v in FURNITURE.items()}


def build(mb: int) -> tuple[Path, Path]:
    """WARC files of `mb` MB (compressed) in total, and the truth file (url -> article
    paragraphs and furniture); cached by size."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    folder = OUT / f"{mb}mb"
    truth = OUT / f"{mb}mb.truth.jsonl.gz"  # beside the folder: a folder input reads every file in it
    if truth.exists():
        return folder, truth
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(0)
    furniture = {False: FURNITURE, True: _traditional_furniture()}
    pool = articles(200_000)
    index, number, written = 0, 0, 0
    with gzip.open(truth, "wt", encoding="utf-8") as truths:
        while written < mb << 20:
            path = folder / f"crawl-{number:05d}.warc.gz"
            with open(path, "wb") as f:
                writer = WARCWriter(f, gzip=True)
                while f.tell() < FILE_MB << 20 and written + f.tell() < mb << 20:
                    title, paragraphs, traditional = pool[index]
                    url = f"http://news{index % 50}.example.com/{index}.html"
                    encoding, meta, header = _encoding(rng, traditional)
                    html = page(title, paragraphs, index % TEMPLATES, meta, furniture[traditional], rng)
                    try:
                        body = html.encode(encoding)
                    except UnicodeEncodeError:
                        body, meta, header = html.replace(f'charset="{meta}"', 'charset="utf-8"').encode(), "utf-8", "utf-8"
                    _write_page(writer, url, body, header, StatusAndHeaders)
                    truths.write(json.dumps({"url": url, "paragraphs": [title, *paragraphs],
                                             "furniture": sum(furniture[traditional].values(), [])},
                                            ensure_ascii=False) + "\n")
                    index += 1
                written += f.tell()
            number += 1
    return folder, truth


def _encoding(rng: random.Random, traditional: bool) -> tuple[str, str | None, str | None]:
    """(codec, charset in <meta> or None, charset in the HTTP header or None)."""
    roll = rng.random()
    if traditional:
        return ("big5", None, "big5") if roll < 0.4 else ("utf-8", "utf-8", None)
    if roll < 0.15:
        return "gbk", "gbk", None
    if roll < 0.3:
        return "gbk", None, None  # undeclared: the bytes decide
    return "utf-8", "utf-8", "utf-8"


def _write_page(writer, url: str, body: bytes, header_charset: str | None, StatusAndHeaders) -> None:
    content_type = "text/html" + (f"; charset={header_charset}" if header_charset else "")
    request = writer.create_warc_record(url, "request", payload=io.BytesIO(f"GET {url} HTTP/1.1\r\n\r\n".encode()),
                                        warc_content_type="application/http; msgtype=request")
    http = StatusAndHeaders("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))],
                            protocol="HTTP/1.1")
    response = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
    metadata = writer.create_warc_record(url, "metadata", payload=io.BytesIO(b"fetchTimeMs: 85\r\n"),
                                         warc_content_type="application/warc-fields")
    for record in (request, response, metadata):
        writer.write_record(record)


# ---------------------------------------------------------------- quality


def load_truth(path: Path) -> dict[str, dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return {row["url"]: row for row in map(json.loads, f)}


def quality(outputs: dict[str, str], truth: dict[str, dict], cleaned: dict[str, str] | None = None) -> dict:
    """Body recall and furniture leak over the pages of `truth` (a missing page recalls 0).
    With `cleaned` (url -> zhclean's cleaning of the article as written), also the share of
    pages whose output is that text (Han characters compared): extraction lost and added
    nothing the cleaning would not remove anyway (the articles carry real boilerplate of their
    own: fund disclaimers, a scraper's inserted sentence, which the paragraph recall counts as lost)."""
    recall, leaked, same = 0.0, 0, 0
    for url, row in truth.items():
        text = han(outputs.get(url, ""))
        paragraphs = [han(p) for p in row["paragraphs"] if han(p)]
        recall += sum(1 for p in paragraphs if p in text) / max(1, len(paragraphs))
        article = "".join(paragraphs)  # a furniture word the article itself uses ("首页") is no leak
        leaked += any(han(f) and han(f) in text and han(f) not in article for f in row["furniture"])
        same += bool(cleaned) and text == han(cleaned.get(url, ""))
    n = max(1, len(truth))
    out = {"pages": len(truth), "found": sum(1 for u in truth if outputs.get(u)),
           "body_recall": round(recall / n, 4), "furniture_leak": round(leaked / n, 4),
           "leak_by_template": _leak_by_template(outputs, truth)}
    if cleaned is not None:
        out["same_as_clean_article"] = round(same / n, 4)
    return out


def _leak_by_template(outputs: dict[str, str], truth: dict[str, dict]) -> dict[str, float]:
    pages: dict[int, list[int]] = {}
    for url, row in truth.items():
        template = int(url.rsplit("/", 1)[1].split(".")[0]) % TEMPLATES
        text, article = han(outputs.get(url, "")), han("".join(row["paragraphs"]))
        leaked = any(han(f) and han(f) in text and han(f) not in article for f in row["furniture"])
        pages.setdefault(template, []).append(leaked)
    names = {0: "pinyin classes", 1: "English classes", 2: "table ids", 3: "held-out classes"}
    return {names[t]: round(sum(v) / len(v), 4) for t, v in sorted(pages.items())}


def cleaned_articles(truth: dict[str, dict]) -> dict[str, str]:
    """url -> the article (title and paragraphs) as zhclean cleans it without a page around it."""
    from zhclean.config import load_config
    from zhclean.pipeline import Pipeline

    pipeline = Pipeline.from_config(load_config(None)).prepare_worker()
    urls = list(truth)
    out: dict[str, str] = {}
    for i in range(0, len(urls), 256):
        chunk = urls[i:i + 256]
        for url, result in zip(chunk, pipeline.clean_many(["\n".join(truth[u]["paragraphs"]) for u in chunk]), strict=True):
            out[url] = result.text if result.dropped_by is None else ""
    return out


# ---------------------------------------------------------------- runs


def _sizes(folder: Path) -> tuple[int, int]:
    stored = sum(p.stat().st_size for p in folder.glob("*.warc.gz"))
    raw = 0
    for p in folder.glob("*.warc.gz"):
        with gzip.open(p, "rb") as f:
            while block := f.read(1 << 24):
                raw += len(block)
    return stored, raw


def _timed(command: list[str], sizes: tuple[int, int]) -> dict:
    """Run `command`; its wall and CPU time, throughput of the stored and uncompressed WARC,
    and the peak RSS of its process tree."""
    from bench_dedup import TreeRss

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rss = TreeRss(proc.pid)
    proc.wait()
    seconds = time.monotonic() - start
    peak = rss.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
            "mb_per_s": round(sizes[0] / 1e6 / seconds, 2), "raw_mb_per_s": round(sizes[1] / 1e6 / seconds, 1),
            "mb_per_s_per_core": round(sizes[0] / 1e6 / cpu, 2), "peak_rss_mb": peak}


def _texts_by_url(paths, url_of) -> dict[str, str]:
    outputs = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                record = json.loads(line)
                outputs[url_of(record)] = record["text"]
    return outputs


def run_zhclean(folder: Path, truth: dict, workers: int, sizes: tuple[int, int], cleaned: dict[str, str]) -> dict:
    out = OUT / f"zhclean-{workers}.jsonl"
    timing = _timed([sys.executable, "-m", "zhclean.cli", "clean", str(folder), "-o", str(out),
                     "--workers", str(workers), "--quiet"], sizes)
    outputs = _texts_by_url([out], lambda r: r["url"])
    summary = json.loads(out.with_name(out.stem + ".summary.json").read_text())
    return {"tool": f"zhclean clean --workers {workers}", **timing,
            "skipped": summary["skipped"], "kept": summary["kept"], "dropped": summary["dropped"],
            "quarantined": summary["quarantined"], **quality(outputs, truth, cleaned)}


def shares(folder: Path, limit_pages: int = 3000) -> dict:
    """Seconds per MB of stored WARC spent reading, extracting and cleaning, in this process."""
    from zhclean.config import load_config
    from zhclean.engines.records import crawl_record
    from zhclean.io.items import Piece
    from zhclean.io.warc import warc_items
    from zhclean.pipeline import Pipeline

    config = load_config(None)
    path = sorted(folder.glob("*.warc.gz"))[0]
    start = time.process_time()
    items = [item for item in warc_items(Piece(str(path), path.name, "warc")) if item.kind == "html"][:limit_pages]
    read = time.process_time() - start
    start = time.process_time()
    texts = [crawl_record(item, config)["text"] for item in items]
    extract = time.process_time() - start
    pipeline = Pipeline.from_config(config).prepare_worker()
    start = time.process_time()
    for i in range(0, len(texts), 256):
        list(pipeline.clean_many(texts[i:i + 256]))
    clean = time.process_time() - start
    total = read + extract + clean
    html_mb = sum(len(i.raw) for i in items) / 1e6
    return {"pages": len(items), "html_mb": round(html_mb, 1), "text_mb": round(sum(len(t.encode()) for t in texts) / 1e6, 1),
            "read_share": round(read / total, 3), "extract_share": round(extract / total, 3),
            "clean_share": round(clean / total, 3), "extract_html_mb_per_s": round(html_mb / extract, 1)}


def extractors(folder: Path, truth: dict, sample: int) -> list[dict]:
    """zhclean's extraction, resiliparse's main-content alone and trafilatura, on the same
    pages: quality and HTML MB/s on one core."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    from zhclean.io.html import decode_html, extract_page
    from zhclean.io.items import Piece
    from zhclean.io.warc import warc_items

    path = sorted(folder.glob("*.warc.gz"))[0]
    pages = [(i.meta["url"], decode_html(i.raw, i.meta.get("charset"))[0])
             for i in warc_items(Piece(str(path), path.name, "warc")) if i.kind == "html"][:sample]
    mb = sum(len(h.encode()) for _, h in pages) / 1e6
    sample_truth = {u: truth[u] for u, _ in pages}
    tools = {
        "zhclean (resiliparse, furniture selectors, running-text span)": lambda h: extract_page(h).text,
        "resiliparse main_content": lambda h: extract_plain_text(HTMLTree.parse(h), main_content=True),
    }
    try:
        import trafilatura

        tools["trafilatura favor_precision"] = lambda h: trafilatura.extract(h, favor_precision=True) or ""
        tools["trafilatura default"] = lambda h: trafilatura.extract(h) or ""
    except ImportError:
        pass
    rows = []
    for name, extract in tools.items():
        start = time.process_time()
        outputs = {url: extract(html) for url, html in pages}
        seconds = time.process_time() - start
        rows.append({"extractor": name, "html_mb_per_s": round(mb / seconds, 2), **quality(outputs, sample_truth)})
    return rows


def run_datatrove(folder: Path, truth: dict, sizes: tuple[int, int]) -> dict:
    python = _peer_python()
    if isinstance(python, str) and not Path(python).exists():
        return {"tool": "datatrove WarcReader + Trafilatura", "error": python}
    out = OUT / "datatrove-out"
    timing = _timed([str(python), str(BENCH / "peers/datatrove_warc.py"), str(folder), str(out),
                     str(OUT / "datatrove-work")], sizes)
    outputs = _texts_by_url(sorted(out.glob("*.jsonl")), lambda doc: doc.get("metadata", {}).get("url"))
    return {"tool": "datatrove WarcReader + Trafilatura (1 task)", **timing, "kept": len(outputs),
            **quality(outputs, truth)}


def _peer_python() -> Path | str:
    """datatrove with its WARC reader and trafilatura, in its own environment (made once)."""
    venv = BENCH / ".venvs/datatrove-warc"
    python = venv / "bin/python"
    marker = venv / ".installed"
    if marker.exists():
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "datatrove[io]", "trafilatura", "lxml_html_clean", "warcio"],
                       check=True, capture_output=True, text=True, timeout=900)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        return f"install failed: {error}"
    marker.touch()
    return python


def run(mb: int, peer: bool = True, sample: int = 2000) -> dict:
    folder, truth_path = build(mb)
    truth = load_truth(truth_path)
    sizes = _sizes(folder)
    result = {"warc_mb": round(sizes[0] / 1e6, 1), "warc_raw_mb": round(sizes[1] / 1e6, 1), "pages": len(truth),
              "files": len(list(folder.glob("*.warc.gz")))}
    cleaned = cleaned_articles(truth)
    result["runs"] = [run_zhclean(folder, truth, workers, sizes, cleaned) for workers in (1, 2)]
    if peer:
        result["runs"].append(run_datatrove(folder, truth, sizes))
    result["shares"] = shares(folder)
    result["extractors"] = extractors(folder, truth, sample)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--sample", type=int, default=2000)
    args = parser.parse_args()
    if not (SHARED / "corpora/thucnews_1000.tsv").exists():
        print("skip: ../shared not found")
        return
    result = run(args.mb, not args.no_peer, args.sample)
    (OUT / "bench_warc.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
