"""Remove notice sentences at the head and end of an article that no rule names, by their shape.

What it does: from each edge of the document inward, sentences that are notices go, as long
as every sentence between them and the edge went too: `本文由某刊授權刊載，未經同意禁止轉載。`,
`※本文獲作者授權轉載，原文：…`, `如需转载，请在后台留言获取授权…`, `声明：本号对…均保持中立。`, glued
to a paragraph or on lines of their own (at most three lines at each edge are looked at).

Why: the boilerplate step's rules name the notices someone has listed; the corpus-lines
stage finds those that repeat. A notice on a lone page, in words nobody listed, needs its
shape. A notice talks about the page itself, or to the reader, about rights, sharing or
following; a news sentence talks about the world.

Precision: a sentence is a notice only when it *opens* as one — with the page as its
subject (`本文…`, `本站…`, `本報告…`, `小编…`), with a notice head (`声明：`, `免责声明`,
`温馨提示`, `注：`), or addressing the reader (`转载请…`, `如需转载…`, `欢迎…`, `点击…`, `请…`) —
*and* speaks of rights (转载, 授权, 版权, 仅供…, 不代表…, 观点…) or of an action on a platform
(关注 + 公众号, 下载 + 客户端). A head that is also a plain word needs its separator
(`声明：…`, not `声明指出，…`), a head of 未经… must forbid (`不得`, `禁止`), and a sentence that
sends the story's public to a service (`请广大市民关注官方微博`, `…下载App在线申请`) is news
unless it names the page or speaks of rights. The words alone are not enough: `日本文部科學省…`,
`本刊隨後寄出…`, `未經許可製造…槍枝…`, `…不承担法律责任。` are news and stay (measured on
THUCNews, tw_news, People's Daily 1998 and the dev set: every sentence it takes there is a
notice; see docs/corpus_lines.md). At the head, `小编…` opens the article
(`今天小编为大家推荐…`), and a sentence whose notice words all sit in its first half is a notice
glued to the article's first sentence: both stay.

A page's closing block of links goes too: from a line that opens with a navigation or tag
head and a separator (`上一篇：`, `相关阅读`, `推荐阅读`, `相關新聞`, `标签：`, `Tags:`…) to the
end, when every line of it is as short as a title (`_LINK_MAX_CHARS`) or a snippet cut short
(`…`, `......`) and none is a sentence ending in `。`. Article text after such a head is not a
list of titles, and stays; and a head that is also a word (`标签`, `首页`, `上篇`, `下一页`) heads
links only with a colon or a pager on its line (a tutorial's `标签` section, a book's `上篇 …`).

Example: `…记者 张三）\\n本文经授权转载，原文链接请点击左下角阅读原文。` → the last line goes;
`…全文完。\\n上一篇：某某公司召开年会\\n下一篇：没有了` → the last two lines go.
"""

from __future__ import annotations

import re
from functools import cache

from zhclean.boilerplate_rules import both_scripts
from zhclean.dedup.canonical import canonical_form, canonical_table
from zhclean.regex_first import first_chars
from zhclean.steps.base import NoOptions, Removal, StepOutput, register

# What the page calls itself after 本 (folded to Simplified: the fold maps 報→报, 網→网).
_PAGE = ("文|站|网|号|平台|公众号|微信号|资料|报告|新闻稿|稿件|稿|内容|刊|栏目|页面|页|频道|节目|视频|图片|图文"
         "|文章|帖|博客|账号|帐号|应用|app|网站|刊物|报所刊|期")
_SELF_SUBJECT = re.compile(f"(?:本(?:{_PAGE})|小编|文中|此文|该文系|以上内容|上述内容)")
# Lines that are a notice by their opening alone: navigation, a closing formula, a contact.
_STANDALONE_HEAD = re.compile("(?:上一篇|下一篇|返回首页|返回顶部|返回列表|分享到|相关阅读|相关推荐|推荐阅读|延伸阅读"
                              "|往期回顾|往期精选|今日推荐|全文完|本文完|感谢(?:您的)?(?:耐心)?阅读|谢谢(?:您的)?阅读"
                              "|读者热线|客服热线|服务热线|投稿邮箱|投稿信箱|联系邮箱)")
_STANDALONE_MAX_CHARS = 40
# A closing block of links: a navigation or tag head at a line's start, written in either
# script, then a separator or the line's end (`下一篇我们将介绍…` is a sentence, not a head).
_LINK_HEADS = ("上一篇|下一篇|上一条|下一条|上一页|下一页|上一文章|下一文章|前一篇|后一篇|上篇|下篇|上一则|下一则"
               "|首页|返回首页|返回列表|返回顶部"  # a pager (`首页 上一页 5 6 7 尾页`), the way back
               "|相关阅读|相关文章|相关新闻|相关推荐|相关链接|推荐阅读|延伸阅读|往期回顾|往期精选|热门推荐|热门文章|猜你喜欢|更多精彩|更多阅读|精彩推荐|最新文章|热点推荐"
               "|标签|文章标签|本文标签|相关标签|tags?")
# Not `本文关键词：`: on a gambling network's pages it holds the brand (`欧宝体育app`), which the
# spam filter counts; removed here, the page would be judged without it.
_CUT_SHORT_ENDS = ("...", "…", "。。。")  # a snippet cut short ends with an ellipsis of some kind
# Heads that are also words (folded): see `_is_link_head`.
_WORD_HEADS = frozenset(("标签", "首页", "上篇", "下篇", "上一页", "下一页", "热门推荐"))
_PAGER = re.compile("上一页|下一页|尾页|末页|首页|\\d+[ \t\u3000]+\\d+")
_LINK_MAX_CHARS = 40  # a title
_LINK_HEAD_MAX_CHARS = 120  # a head line may hold two (`上一篇：<title> 下一篇：<title>`)
_SNIPPET_MAX_CHARS = 300
# Where the page says its text or pictures came from, before a rights clause (`图片来自网络，如有侵权…`).
_SOURCE_HEAD = re.compile("(?:图片|图文|内容|文章|部分文章|部分内容|素材|资料)(?:来自|来源于|来源|整理自|转自|选自)")
_NOTICE_HEAD = re.compile("(?:(?:特别|郑重|免责|版权|法律|重要)?(?:声明|申明|提示|说明)|温馨提示|友情提示|注意|注|编者按)")
# A head that is also a plain word (`声明指出，…` is news: "the statement said") heads a notice
# only set off by a separator, as notices write it (`声明：`, `【声明】`, `注：`); a compound head
# (`免责声明`, `温馨提示`, `编者按`) is one as it stands.
_BARE_HEADS = frozenset(("声明", "申明", "提示", "说明", "注意", "注"))
_SEPARATOR_AFTER_HEAD = "(?:[ \t\u3000]*[:：】\\]）)」』|｜]|[ \t\u3000]+)"
_RIGHTS_HEAD = re.compile("(?:转载请|如需转载|转载须|转载务必|禁止转载|严禁转载|谢绝转载|未经(?:本|许可|授权|同意|书面)"
                          "|版权所有(?![权者人方])|版权归(?!属))")  # not 版权所有权, 版权所有者…, 版权归属问题…: news
# A rights notice that opens with 未经… forbids (`未经许可，不得转载`); a sentence that does not
# reports (`未经许可擅自转载的网站已被责令删除`).
_PROHIBITION = re.compile("不得|禁止|严禁|请勿|勿|谢绝|不可|不准|不允许|拒绝")
# What a news item tells its public to do, not its readers: the addressee is a citizen of the
# story (`请广大市民关注官方微博…`), or the act a public service (`下载App在线申请`, `关注公众号“…”
# 可查询接种点`). Unless the sentence points at the page itself (`点击文末阅读原文，报名…`) or
# speaks of rights (`…仅供参考，敬请考生以…为准` is a site's disclaimer).
_PUBLIC = re.compile("市民|居民|村民|群众|游客|旅客|乘客|考生|家长|消费者|车主|患者|公众|办理|申请|报名|预约|查询|查看|缴费|挂号|咨询"
                     "|购票|参观")
_PAGE_WORDS = "文末|文中|原文|本文|下方|上方|底部|后台|本号|本站|本网|本平台|小编"
_PAGE_REF = re.compile(f"{_PAGE_WORDS}|我们")
_OWN_REF = re.compile(f"{_PAGE_WORDS}|本刊|本报|本台")  # `我们` only as `_US` says
_READER_HEAD = re.compile("(?:欢迎|敬请|请|点击|扫描|扫码|长按|关注|如需|如有|未经|喜欢|觉得|更多"
                          "|回复|记得|打开|下载|搜索|投稿|读者)")
_RIGHTS = re.compile("转载|授权|版权|侵权|侵犯|免责|不代表|仅供|学习交流|商业用途|法律责任|注明|出处|著作权|摘编|原创"
                     "|不承担|删除|立场|观点|复制|引用|散布|节录|刊载|不构成|权益")
_ACTION = re.compile("点击|扫描|扫码|长按|识别|关注|订阅|回复|转发|收藏|点赞|在看|留言|下载|投稿|投递|分享|加入|搜索|阅读|联系"
                     "|告知")
_PLATFORM = re.compile("公众号|二维码|客户端|原文|朋友圈|视频号|微信|微博|官网|网站|链接|平台|app|邮箱|热线|群|本站|本号|本网"
                       "|本文|页面|首页|专题|频道|栏目")
# `我们` is the page only as the one acted on (`关注我们`, `联系我们`, `分享给我们`) or as the owner
# of an account (`我们的公众号`); as a subject it is the writer's (`我们只是通过电话联系`).
_US = re.compile("(?:关注|联系|加入|私信|告知|告诉|分享给|转发给|推荐给|投稿给|反馈给|留言给)我们"
                 "|我们的(?:公众号|微信|微博|官网|网站|平台|客户端|app|视频号|读者群|群|账号|频道|主页)")
# A notice about the page says at once what the page is or where it came from (`本文由…授权`,
# `本文系原创`, `本站所载…`, `本文观点仅代表…`, `文中图片来自…`); a sentence whose subject is the page
# and goes on to tell something (`本刊曾于2019年报道…侵权`, `本文以某市为例，分析了…版权`,
# `文中提到的版权纠纷案…`, `本文认为…`, `本站记者调查发现…`) is the text's own.
_SELF_SPEAKS = re.compile(
    f"(?:本(?:{_PAGE})|文中|此文|该文|以上内容|上述内容)(?:中的?|的)?"
    "(?:系|为|由|经|获|已|仅|所|内容|图片|图文|文字|版权|转载|观点|来源|原创|部分|资料|转自|来自|摘自|著作权"
    "|刊登|刊发|发表|发布|提供|不代表|未经|如有|若有|作者|对|中的?(?:图片|内容|观点))"
)
# Platforms that are the page's own (its account, its app, its QR code, the original it links);
# a third party's (`微博`, `微信群`, `官网`, `朋友圈`, `app`) is what a story tells of.
_OWN_PLATFORM = re.compile("公众号|二维码|客户端|原文|阅读原文|本站|本号|本网|本文|本刊|本报|本台|本平台|页面|专题|频道|栏目"
                           # a platform no owner is named for, right after the act (`请关注官网`, `下载官方客户端`)
                           "|(?:关注|访问|登录|下载|扫描|扫码|点击|搜索|加入|进入|订阅)(?:官方)?(?:官网|网站|微博|微信|平台|群|app)"
                           "|加入[^，。！？]{0,8}?(?:社群|读者群|交流群)")  # `欢迎加入某某投资社群`
# What a disclaimer or a rights notice says to its reader: that the page speaks for no one
# (`仅代表`, `不代表`, `仅供`), or what the reader may not do with it.
_DISCLAIMS = re.compile("仅代表|不代表|仅供|并非|不构成|不作为|请勿|请|勿|不得|禁止|严禁|谢绝|未经|如需|如有|若有|侵删|联系删除")
# A compound head as the subject of a sentence (`免责声明是否有效，成为庭审的焦点`) is news.
_HEAD_AS_SUBJECT = re.compile("是否|是|的|条款|有效|无效|问题|不")
# Decorations a notice may open with (`※本文…`, `【声明】…`, `★圖片為…`).
_LEAD = re.compile(r"[\s※★☆▲△●○◆◇■□*#>\-—|｜【】\[\]()（）<>《》「」『』“”\"]+")
_SENTENCE = re.compile(r"[^\n。！？!?；;…]+(?:[。！？!?；;…]+[」』”’\"）)】]*|$)")
_MAX_NOTICE_CHARS = 160
_TAIL_LINES = 3
_WINDOW = 1000  # characters at a line's edge that are looked at: notices are short
_EDGE = " \t\u3000\xa0"  # as the whitespace step (after this one) leaves them: a no-break space is a space
_EDGE_AND_MARKS = _EDGE + "。！？!?；;…」』”’\"）)】"


_SPREAD_FROM = 30  # folded characters from which a notice's words must reach its second half
_ANY_CUE = re.compile("|".join(p.pattern for p in (_RIGHTS, _ACTION, _PLATFORM, _US)))


def _openings() -> frozenset[str]:
    """The characters a notice may open with (folded): the first characters of the head
    patterns, in either case (every branch of `is_notice` that says yes matches one of them
    at the start). Where a pattern's are no known set, every letter of every head pattern."""
    heads = (_SELF_SUBJECT, _NOTICE_HEAD, _RIGHTS_HEAD, _READER_HEAD, _STANDALONE_HEAD, _SOURCE_HEAD)
    firsts = [first_chars(head.pattern) for head in heads]
    if any(chars is None for chars in firsts):
        return frozenset(c for head in heads for c in head.pattern if c.isalnum())
    known = frozenset().union(*firsts)  # type: ignore[arg-type]
    return known | {c.lower() for c in known} | {c.upper() for c in known}


def _folded_char(char: str) -> str:
    folded = canonical_table()[ord(char)] if ord(char) < canonical_table().size else 0
    return chr(folded) if folded else ""


def _last_cue_end(folded: str) -> int:
    return max((m.end() for m in _ANY_CUE.finditer(folded)), default=0)


_OPENING_CHARS = _openings()
_LINK_OPENINGS = frozenset(_folded_char(c) for c in _LINK_HEADS if c.isalnum()) | frozenset("tT")


@cache
def _link_head() -> re.Pattern:
    return re.compile(f"(?:{both_scripts(_LINK_HEADS)})(?=[：:\\s】\\]|>》〉」』]|$)", re.IGNORECASE)


def is_notice(sentence: str, at_head: bool = False) -> bool:
    """Whether `sentence` opens as a notice and speaks as one (see the module doc). At an
    article's head, `小编…` opens the article (`今天小编为大家推荐…`), not a notice."""
    s = sentence.strip()
    if not s or len(s) > _MAX_NOTICE_CHARS:
        return False
    lead = _LEAD.match(s)
    body = s[lead.end():] if lead else s
    if not body:
        return False
    # The gate reads the first character the fold keeps: a mark it drops (`※，版权…`) means folding first.
    first = _folded_char(body[0])
    folded = None if first else canonical_form(body)
    if (first or folded[:1]) not in _OPENING_CHARS:
        return False  # no notice opens with it: most sentences stop here, before the fold
    folded = canonical_form(body) if folded is None else folded
    if len(folded) > _SPREAD_FROM and _last_cue_end(folded) < len(folded) // 2:
        return False  # its words are all at the start: a notice glued to the article's first sentence
    rights = _RIGHTS.search(folded) is not None
    names_platform = _PLATFORM.search(folded) is not None or _US.search(folded) is not None
    on_platform = names_platform and _ACTION.search(folded) is not None
    if _STANDALONE_HEAD.match(folded) and len(folded) <= _STANDALONE_MAX_CHARS:
        # `上一篇：…` is a link; `下一篇我们将介绍…` is the writer's sentence: a link head needs a separator
        return not folded.startswith(("上一篇", "下一篇")) or _link_head().match(body) is not None
    if _SOURCE_HEAD.match(folded):
        return rights
    if at_head and folded.startswith("小编"):
        return False
    if _SELF_SUBJECT.match(folded):
        return (rights or on_platform) and (folded.startswith("小编") or _SELF_SPEAKS.match(folded) is not None)
    own = _OWN_PLATFORM.search(folded) is not None or _US.search(folded) is not None or (
        _OWN_REF.search(folded) is not None)
    if _opens_with_notice_head(folded, body):
        if rights and (own or _DISCLAIMS.search(folded) is not None):
            return True
        return on_platform and own and not _PUBLIC.search(folded)
    if head := _RIGHTS_HEAD.match(folded):
        # A head of 未经… forbids copying this page, not others' works (a law: `…不得复制他人…`).
        return rights and (not head.group().startswith("未经") or (
            _PROHIBITION.search(folded) is not None and "他人" not in folded))
    if _READER_HEAD.match(folded):
        if not rights and _PUBLIC.search(folded) and not _PAGE_REF.search(folded):
            return False
        # To the reader, of the page's own channel (`欢迎关注我们的公众号`, `扫描二维码`, `点击阅读
        # 原文`), not a story's third party (`请广大网友不要在微信群转发…`, `更多网友在微博转发…`).
        return (on_platform and own) or (rights and (_ACTION.search(folded) is not None or names_platform))
    return False


def _opens_with_notice_head(folded: str, body: str) -> bool:
    """Whether the sentence opens with a notice head: a compound one, or a bare one followed
    by a separator in the text as written (`body`; the fold drops the marks)."""
    head = _NOTICE_HEAD.match(folded)
    if head is None:
        return False
    if head.group() in _BARE_HEADS:
        return _separated_bare_head().match(body) is not None
    return _HEAD_AS_SUBJECT.match(folded, head.end()) is None


@cache
def _separated_bare_head() -> re.Pattern:
    return re.compile(f"(?:{both_scripts('|'.join(sorted(_BARE_HEADS)))}){_SEPARATOR_AFTER_HEAD}")


def _cut_short(line: str) -> bool:
    """Whether `line` ends as a snippet cut short (`…`, `......`, `。。。`): a test of its end
    (a pattern anchored with `$` is tried from every position of the line)."""
    return line.endswith(_CUT_SHORT_ENDS)


def _link_block(lines: list[str]) -> int:
    """Where the page's closing block of links starts (a line index), or `len(lines)` when
    it has none. Read upward from the last line while lines are titles or cut-short
    snippets, however many (a bound would make the next cleaning, which reads on from where
    this one cut, find a head this one did not); the block starts at the topmost navigation
    head among them. A page whose first line would go is left alone (the filters judge a
    page of links)."""
    start = len(lines)
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i].strip(_EDGE)
        if not line:
            continue
        if len(line) <= _LINK_HEAD_MAX_CHARS and _is_link_head(line):
            start = i
        elif (line.endswith("。") and not _cut_short(line)) or not (
                len(line) <= _LINK_MAX_CHARS or (len(line) <= _SNIPPET_MAX_CHARS and _cut_short(line))):
            # a sentence is the article's, not a title (`这两本书…名列前茅。` after `热门推荐`)
            break
    if start == len(lines):
        return start
    first = next(i for i, line in enumerate(lines) if line.strip(_EDGE))
    return len(lines) if start <= first else start


def _is_link_head(line: str) -> bool:
    lead = _LEAD.match(line)
    body = line[lead.end():] if lead else line
    if not body or (_folded_char(body[0]) or body[0]) not in _LINK_OPENINGS:
        return False  # most lines stop here
    head = _link_head().match(body)
    if head is None:
        return False
    word = canonical_form(head.group()).lower()
    if word not in _WORD_HEADS:
        return True
    # A head that is also a word (a section `标签`, a book's `上篇 童年的河`, a stanza's `首页`, a
    # slide's `下一页`) heads links only as a page writes them: a colon after it (`标签：`), or
    # a pager on the line (`首页 上一页 5 6 7 尾页`).
    rest = body[head.end():]
    return rest.lstrip(" \t\u3000")[:1] in ("：", ":") or _PAGER.search(rest) is not None


def _tail_cut(lines: list[str]) -> tuple[int, int, list[str]]:
    """(line index, character offset in it) where the trailing notices start, and them."""
    taken: list[str] = []
    filled = _filled(range(len(lines) - 1, -1, -1), lines)
    cut = (len(lines), 0)
    for i in filled:
        start = max(0, len(lines[i]) - _WINDOW)
        sentences = [(m.start(), m.group()) for m in _SENTENCE.finditer(lines[i], start) if _worded(m.group())]
        at = len(sentences)
        floor = 1 if start else 0  # the window's first sentence may be a piece of one
        while at > floor and is_notice(sentences[at - 1][1]):
            at -= 1
        taken = [s for _, s in sentences[at:]] + taken
        if at:
            cut = (i, sentences[at][0]) if at < len(sentences) else cut
            break
        cut = (i, 0)
    return cut[0], cut[1], taken


def _head_cut(lines: list[str], stop: int) -> tuple[int, int, list[str]]:
    """(line index, character offset in it) where the content starts after the leading
    notices (looked for above line `stop`, where the trailing ones begin), and them."""
    taken: list[str] = []
    scanned = _filled(range(stop), lines)
    for i in scanned:
        end = min(len(lines[i]), _WINDOW)
        at, last_end, complete = 0, 0, True
        for m in _SENTENCE.finditer(lines[i], 0, end):  # lazily: most first sentences are no notice
            sentence = m.group()
            if not _worded(sentence):
                continue
            if (m.end() == end < len(lines[i])) or not is_notice(sentence, at_head=True):
                complete = False
                break
            taken.append(sentence)
            at, last_end = at + 1, m.end()
        if not complete or end < len(lines[i]):
            return (i, last_end, taken)
    return (scanned[-1] + 1 if scanned else 0, 0, taken)


def _worded(sentence: str) -> bool:
    """Whether a match of `_SENTENCE` is a sentence, not spaces and marks (`\xa0！` where a
    space stood before the mark: the whitespace step removes it, and the next cleaning would
    read past the mark)."""
    return bool(sentence.strip(_EDGE_AND_MARKS))


def _filled(order: range, lines: list[str]) -> list[int]:
    """The first `_TAIL_LINES` lines in `order` that are not blank."""
    found: list[int] = []
    for i in order:
        if lines[i].strip(_EDGE):
            found.append(i)
            if len(found) == _TAIL_LINES:
                break
    return found


@register("notice", NoOptions, exposes=True)
def notice(text: str, fields: dict, options: NoOptions, explain: bool = False) -> StepOutput:
    if not text:
        return StepOutput(text)
    lines = text.split("\n")
    block = _link_block(lines)
    links = [(i, line.strip(_EDGE)) for i, line in enumerate(lines[block:], block) if line.strip(_EDGE)]
    lines = lines[:block]
    line, offset, tail = _tail_cut(lines)
    head_line, head_offset, head = _head_cut(lines, line + 1 if offset else line)
    if head and head_line == line and offset and head_offset >= offset:
        head, line, offset, tail = [], len(lines), 0, []  # the notices meet: a page of only notices keeps them
    if not tail and not head and not links:
        return StepOutput(text)
    kept = lines[:line] + ([lines[line][:offset].rstrip(_EDGE)] if offset else [])
    if head:
        kept = kept[head_line:]
        if kept and head_line < len(lines):
            kept[0] = kept[0][head_offset:].lstrip(_EDGE)
    new = "\n".join(kept).strip("\n" + _EDGE)
    if not re.search(r"\S", new):
        return StepOutput(text)  # a page that is only a notice: the filters decide
    taken = head + tail
    removals = ([Removal("notice", "notice_sentence", 0, s.strip(_EDGE)) for s in taken]
                + [Removal("notice", "link_block", i, link) for i, link in links]) if explain else []  # line numbers
    rules = {name: n for name, n in (("notice_sentence", len(taken)), ("link_block", len(links))) if n}
    return StepOutput(new, len(taken) + len(links), {}, removals, rules)
