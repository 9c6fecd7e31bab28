"""Web pages and WARC files for the crawl-input tests: texts written for these tests, wrapped in
the furniture real Chinese news sites put around an article (menus, breadcrumbs, ads, share
bars, related reading, copyright footers, a platform notice)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

ARTICLES = {
    "street": (
        "南京路步行街东拓段完成改造",
        [
            "本报讯　经过八个月的施工，南京路步行街东拓段于昨日正式开放。改造后的街道增加了座椅和绿化，夜间照明也全面更新。",
            "市民王女士说：“以前这里总是很挤，现在走起来宽敞多了。”据了解，周边商户的营业额在开放首日比去年同期增长了三成。",
            "区商务委员会表示，下一步将继续完善交通接驳，方便游客从地铁站步行到达。",
        ],
    ),
    "library": (
        "社区图书馆延长夜间开放时间",
        [
            "从下周一起，城东社区图书馆的闭馆时间由晚上八点推迟到十点，周末照常开放。",
            "馆长介绍，延时服务是根据读者问卷调整的，近七成受访者希望下班后还能借书和自习。",
            "图书馆同时新增了两百个自习座位，并在入口处设置了自助借还机。",
        ],
    ),
    "harbor": (
        "港區渡輪新航線下月啟航",
        [
            "港務局昨日宣布，連接北岸與離島的新渡輪航線將於下月一日啟航，每日往返十二班。",
            "負責人表示，新船採用電力推進，噪音與排放都比舊船低，航程也縮短約十分鐘。",
            "居民陳先生說，過去轉乘需要一個多小時，新航線開通後上班方便得多。",
        ],
    ),
}

# What a site prints around every article: none of it may reach the output.
FURNITURE = ["首页", "体育频道", "财经频道", "当前位置", "点击领取优惠券", "限时抢购", "分享到", "相关阅读",
             "外滩灯光秀今晚上演", "关于我们", "版权所有", "沪ICP备12345678号", "热门排行", "扫码关注"]
NETEASE_NOTICE = ("特别声明：以上内容(如有图片或视频亦包括在内)为自媒体平台“网易号”用户上传并发布，"
                  "本平台仅提供信息存储服务。")
NETEASE_NOTICE_EN = ("Notice: The content above (including the pictures and videos if any) is uploaded "
                     "and posted by a user of NetEase Hao, which is a social media platform and only "
                     "provides information storage services.")


TRADITIONAL = {"harbor"}  # articles a Taiwan/Hong Kong site would carry: its furniture is Traditional too


def furniture(article: str) -> list[str]:
    return [to_traditional(f) for f in FURNITURE] if article in TRADITIONAL else FURNITURE


def to_traditional(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2tw").convert(text)


def news_page(article: str, charset: str | None = "utf-8", *, notice: bool = False,
              source: str = "示例日报") -> str:
    """An article page with the usual furniture; `charset` in a `<meta>` (None: undeclared)."""
    page = _page(article, charset, notice, source)
    if article not in TRADITIONAL:
        return page
    title, paragraphs = ARTICLES[article]
    converted = to_traditional(page)
    for text in [title, *paragraphs]:  # the article as its writer wrote it
        converted = converted.replace(to_traditional(text), text)
    return converted


def _page(article: str, charset: str | None, notice: bool, source: str) -> str:
    title, paragraphs = ARTICLES[article]
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    if notice:
        body += f"<p>{NETEASE_NOTICE}</p><p>{NETEASE_NOTICE_EN}</p>"
    return f"""<!DOCTYPE html><html><head>{meta}<title>{title}_新闻中心_示例网</title>
<meta name="source" content="{source}"><meta property="og:site_name" content="示例网">
<script>var slot = "广告位";</script><style>.nav {{ color: red }}</style></head><body>
<div class="header"><ul class="nav"><li><a href="/">首页</a></li><li><a href="/sports">体育频道</a></li>
<li><a href="/finance">财经频道</a></li></ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/news">新闻中心</a> &gt; 正文</div>
<div class="gg_top"><a href="http://ad.example.com">点击领取优惠券，限时抢购！</a></div>
<div class="article"><h1>{title}</h1><div class="info">2024-05-01 10:00 来源：{source}</div>{body}</div>
<div class="bdshare">分享到：微信 微博 QQ空间</div>
<div class="xgyd"><h3>相关阅读</h3><ul><li><a href="/1">外滩灯光秀今晚上演</a></li>
<li><a href="/2">豫园商城推出新活动</a></li></ul></div>
<div class="rank"><h3>热门排行</h3><ol><li><a href="/3">地铁新线路试运行</a></li></ol></div>
<div class="ewm">扫码关注我们的公众号</div>
<div class="footer">关于我们 | 联系方式 | 版权所有 &copy; 2024 示例网 沪ICP备12345678号</div></body></html>"""


@dataclass
class WarcRecordSpec:
    """One record to write: a response (HTML or not), or a record of another type."""

    url: str
    body: bytes = b""
    content_type: str | None = "text/html"
    record_type: str = "response"
    status: str = "200 OK"
    headers: list[tuple[str, str]] = field(default_factory=list)


def write_warc(path: Path, records: list[WarcRecordSpec], gzip: bool = True, cut_bytes: int = 0) -> int:
    """A WARC file (one gzip member a record when `gzip`) holding a warcinfo record and
    `records`; `cut_bytes` cuts the file's end off. The number of WARC records written."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gzip)
    writer.write_record(writer.create_warcinfo_record(path.name, {"software": "zhclean tests"}))
    for spec in records:
        if spec.record_type == "response":
            headers = [("Content-Type", spec.content_type)] if spec.content_type else []
            http = StatusAndHeaders(spec.status, headers + spec.headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(spec.url, "response", payload=io.BytesIO(spec.body), http_headers=http)
        else:
            record = writer.create_warc_record(spec.url, spec.record_type, payload=io.BytesIO(spec.body),
                                               warc_content_type=spec.content_type or "application/octet-stream")
        writer.write_record(record)
    data = buffer.getvalue()
    path.write_bytes(data[: len(data) - cut_bytes] if cut_bytes else data)
    return len(records) + 1
