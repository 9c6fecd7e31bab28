"""How many hostile generated documents change on a second clean (issue 22: the target is 0).

Each document is built from a seeded random generator out of the pieces scraped pages break
in: runs of brackets, HTML entities (also double-escaped and unknown ones), tags, Markdown
images and links, ASCII and Chinese punctuation, no-break, ideographic and zero-width
spaces, control characters, combining marks, mojibake, pinyin glosses (duplicated ones
too), boilerplate fragments, Traditional and Simplified Han, near-duplicate lines.
Prints the count and the first few documents that change, shortest first.
Usage: python bench/fuzz_idempotence.py [--docs 200000] [--seed 22] [--show 10]
"""

from __future__ import annotations

import argparse
import random
import time

from zhclean.pipeline import Pipeline

SIMPLIFIED = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还"
TRADITIONAL = "們來國這說為會後對時與經發過種動樣開關點學體現實實務門問題間業從當機長電頭幹部群衆並且範圍採購裏面爲車馬鳥書華語東個"
GLOSSED = {"的": "de", "中": "zhōng", "国": "guo2", "人": "ren", "好": "hǎo", "女": "nü", "绿": "lv", "重": "zhòng",
           "是": "shì", "在": "zai", "了": "le", "有": "you", "和": "he", "大": "da", "们": "men", "國": "guó"}
BRACKETS = list("[]()（）【】<>《》〔〕{}")
ENTITIES = ["&amp;", "&lt;", "&gt;", "&nbsp;", "&quot;", "&#xFF21;", "&#13;", "&#x301;", "&#8220;", "&lt;p&gt;",
            "&ampmp;", "&amp;lt;", "&amp;amp;", "&#38;lt;", "&#0;", "&#x200b;", "&copy", "&foo;", "&#x3000;",
            "&#xa0;", "&#12288;", "&atilde;&cedil;&shy;", "&lt;!--", "--&gt;", "&#91;&#93;", "&#x28;de&#x29;"]
TAGS = ["<p>", "</p>", "<br>", "<br/>", "<b>", "</b>", "<div class=\"x\">", "</div>", "<span>", "<!---->",
        "<!-- c -->", "<script>x</script>", "<style>a{}</style>", "<BLOOMBERG 免責聲明>", "<a href=\"/x\">", "</a>"]
MARKDOWN = ["![](x)", "![]()", "![图](http://a.cn/b.jpg)", "[新华网](http://news.cn)", "[x](#a)", "[![]()", "](", "!["]
ASCII_PUNCT = list(",:;?!.\"'-_/\\|*#@%&")
CJK_PUNCT = list("，。、；：？！“”‘’…—·「」『』")
SPACES = [" ", "  ", "\u00a0", "\u3000", "\t", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\x03", "\x08",
          "\x7f", "\x85", "\r", "\r\n", "\x0c"]
MARKS = ["\u0301", "\u0300", "\u0328", "\u0308", "\u0303", "\u0323", "\u3099", "\u20dd"]
LATIN = ["e", "a", "u", "A", "ü", "é", "ｅ", "Ａ", "１", "abc", "Beijing", "blog", "2024", "ä¸­æ–‡", "Ã©", "ã€‚"]
BOILERPLATE = ["来源：", "來源：", "记者：", "責任編輯：", "责任编辑：", "编辑：", "原标题：", "作者：", "文章来源:",
               "返回搜狐查看更多", "关注我们", "免责声明：本文仅代表作者观点", "（来源：新华社）", "【责任编辑：王】",
               "特别声明：以上内容为自媒体平台“网易号”用户上传并发布，本平台仅提供信息存储服务。", "新华社", "王浩"]


def _han(rng: random.Random) -> str:
    pool = SIMPLIFIED if rng.random() < 0.6 else TRADITIONAL
    return "".join(rng.choice(pool) for _ in range(rng.randint(1, 12)))


def _gloss(rng: random.Random) -> str:
    char, reading = rng.choice(list(GLOSSED.items()))
    left, right = rng.choice([("(", ")"), ("（", "）"), ("( ", " )")])
    return char + (left + reading + right) * rng.choice([1, 1, 1, 2, 3])


PIECES = (
    (_han, 10),
    (_gloss, 5),
    (lambda r: "".join(r.choice(BRACKETS) for _ in range(r.randint(1, 4))), 4),
    (lambda r: r.choice(ENTITIES), 3),
    (lambda r: r.choice(TAGS), 3),
    (lambda r: r.choice(MARKDOWN), 3),
    (lambda r: r.choice(ASCII_PUNCT), 3),
    (lambda r: r.choice(CJK_PUNCT), 3),
    (lambda r: r.choice(SPACES), 4),
    (lambda r: r.choice(MARKS), 2),
    (lambda r: r.choice(LATIN), 2),
    (lambda r: r.choice(BOILERPLATE), 3),
    (lambda r: "\n", 4),
)
_MAKERS = [make for make, _ in PIECES]
_WEIGHTS = [weight for _, weight in PIECES]


def document(rng: random.Random) -> str:
    """One hostile document: random pieces, and sometimes a line repeated with a change."""
    text = "".join(make(rng) for make in rng.choices(_MAKERS, _WEIGHTS, k=rng.randint(1, 30)))
    if rng.random() < 0.3:
        lines = text.split("\n")
        line = rng.choice(lines)
        variant = rng.choice([line, line[1:], line[:-1], line + "。", " " + line, line.replace("，", ",")])
        lines.insert(rng.randint(0, len(lines)), variant)
        text = "\n".join(lines)
    return text


def changed(pipeline: Pipeline, docs: list[str]) -> list[tuple[str, str, str]]:
    """(document, first clean, second clean) for each document whose second clean differs."""
    once = [r.text for r in pipeline.clean_many(docs)]
    twice = [r.text for r in pipeline.clean_many(once)]
    return [(d, a, b) for d, a, b in zip(docs, once, twice, strict=True) if a != b]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--show", type=int, default=10)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pipeline = Pipeline().warm_up()
    start, bad = time.perf_counter(), []
    for done in range(0, args.docs, 1000):
        bad += changed(pipeline, [document(rng) for _ in range(min(1000, args.docs - done))])
    print(f"{len(bad)} of {args.docs} documents change on a second clean ({time.perf_counter() - start:.0f} s)")
    for doc, once, twice in sorted(bad, key=lambda b: len(b[0]))[: args.show]:
        print(f"  {doc!r}\n    -> {once!r}\n    -> {twice!r}")


if __name__ == "__main__":
    main()
