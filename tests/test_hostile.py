"""Hostile input (issue 22): every cleaning step runs in linear time on adversarial text.

Each family builds a document of about `n` characters that once made one step quadratic or
worse (nested quantifiers, overlapping alternations, fixpoint loops making one change per
pass, per-line containment checks). Each test times the family's step alone and the whole
default pipeline at 1 MB, and the step at a quarter of that: the ratio tells linear (about 4)
from quadratic (about 16). bench/bench_hostile.py times the same families at 10 KB-1 MB.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

Generator = Callable[[int], str]

NOTICE = "特别声明：以上内容为自媒体平台“网易号”用户上传并发布，本平台仅提供信息存储服务。"


def _repeat(unit: str, n: int) -> str:
    return unit * max(1, n // len(unit))


def _distinct_lines(n: int) -> str:
    """A long forum thread: short lines of 8+ Han characters, all different."""
    han = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
    lines, size, i = [], 0, 0
    while size < n:  # distinct up to 60**4 lines (~200 MB)
        a, b, c, d = han[i % 60], han[(i // 60) % 60], han[(i // 3600) % 60], han[(i // 216000) % 60]
        lines.append(f"回复{a}{b}{c}{d}楼主说得对我也这么看")
        size += len(lines[-1]) + 1
        i += 1
    return "\n".join(lines)


def _near_identical_lines(n: int) -> str:
    """Long lines that differ only in their last character."""
    body = "这一管理条例对塔河水资源作出了明确的规定" * 25
    lines, size, i = [], 0, 0
    while size < n:
        lines.append(body + "甲乙丙丁戊己庚辛壬癸"[i % 10] + str(i))
        size += len(lines[-1]) + 1
        i += 1
    return "\n".join(lines)


# family -> (the step it attacks, generator of about n characters)
FAMILIES: dict[str, tuple[str, Generator]] = {
    "markup_spaces_then_brackets": ("markup", lambda n: "[]\n" + " " * (n // 2) + "[" * (n // 2) + "x"),
    "markup_bracket_runs": ("markup", lambda n: "[]\n" + "[" * n + "x"),
    "markup_bracket_lines": ("markup", lambda n: "[]\n" + _repeat("[" * 300 + "x\n", n)),
    "markup_unclosed_comment": ("markup", lambda n: _repeat("<!--", n)),
    "markup_unclosed_script": ("markup", lambda n: _repeat("<script>", n)),
    "markup_unclosed_image": ("markup", lambda n: _repeat("![", n)),
    "markup_unclosed_link": ("markup", lambda n: _repeat("[a](", n)),
    "markup_unclosed_tag": ("markup", lambda n: _repeat("<p ", n)),
    "markup_bracket_run_before_link": ("markup", lambda n: "[" * n + "a](#)"),
    "markup_image_opens_before_link": ("markup", lambda n: _repeat("![", n) + "](#)"),
    "markup_nested_links": ("markup", lambda n: "[" * (n // 6) + "a" + "](#)" * (n // 6)),
    "markup_ampersands": ("markup", lambda n: _repeat("&a", n)),
    "whitespace_space_run": ("whitespace", lambda n: "中" + " " * n + "中"),
    "whitespace_mixed_run": ("whitespace", lambda n: "中" + _repeat(" \t\u3000", n) + "中"),
    "punctuation_commas": ("punctuation", lambda n: "中" + "," * n),
    "punctuation_spaced_commas": ("punctuation", lambda n: "中" + " ," * (n // 2)),
    "punctuation_spaces_before_comma": ("punctuation", lambda n: " " * n + ",中"),
    "punctuation_open_paren": ("punctuation", lambda n: "(" + "中" * n),
    "punctuation_nested_parens": ("punctuation", lambda n: "(" * (n // 3) + "中" + ")" * (n // 3)),
    "punctuation_marks_then_ideographic_space": ("punctuation", lambda n: "a" + "," * n + "\u3000"),
    "punctuation_space_run_after_mark": ("punctuation", lambda n: "中, " + " " * n + "x"),
    "punctuation_nested_unclosed": ("punctuation", lambda n: _repeat("((中)", n)),
    "punctuation_mixed_marks": ("punctuation", lambda n: "中" + _repeat(",!?;:", n)),
    "repeated_line_distinct_short": ("repeated_line", _distinct_lines),
    "repeated_line_near_identical": ("repeated_line", _near_identical_lines),
    "repeated_line_one_char_lines": ("repeated_line", lambda n: _repeat("中\n", n)),
    "unicode_combining_marks": ("unicode", lambda n: "e" + "\u0301" * n),
    "unicode_mixed_marks": ("unicode", lambda n: "e" + _repeat("\u0323\u0301\u0302", n)),
    "unicode_mojibake_lines": ("unicode", lambda n: _repeat("ä¸­æ–‡\n", n)),
    "boilerplate_field_pairs": ("boilerplate", lambda n: _repeat("来源：a  " * 26 + "x：b\n", n)),
    "boilerplate_field_pair_run": ("boilerplate", lambda n: _repeat("来源：a  ", n) + "x：b"),
    "boilerplate_field_space_gap": ("boilerplate", lambda n: _repeat("来源：a" + " " * 590 + "b\n", n)),
    "boilerplate_glued_notice_spaces": ("boilerplate", lambda n: "正文 a" + _repeat(" " + NOTICE, n)),
    "boilerplate_glued_under_notices": ("boilerplate", lambda n: _repeat("新浪声明：转载。" + NOTICE + "\n", n)),
    "boilerplate_field_pair_lines": ("boilerplate", lambda n: _repeat("来源：a  来源：a  x：b\n", n)),
    "boilerplate_glued_notice": ("boilerplate", lambda n: "正文。" + _repeat(NOTICE, n)),
    "boilerplate_glued_notice_lines": ("boilerplate", lambda n: _repeat("正文。" + NOTICE + "\n", n)),
    "boilerplate_notice_lines": ("boilerplate", lambda n: _repeat(NOTICE + "\n", n)),
    "boilerplate_sentence_ends": ("boilerplate", lambda n: "正文" + "。" * n),
    "pinyin_gloss_brackets": ("pinyin_gloss", lambda n: _repeat("中(de)", n)),
    "pinyin_gloss_open_brackets": ("pinyin_gloss", lambda n: _repeat("中(de ", n)),
    "script_traditional": ("script", lambda n: _repeat("會議強調，各級干部要爲群衆辦實事。", n)),
    "notice_link_heads": ("notice", lambda n: "正文。" + _repeat("\n上一篇：某某", n)),
    "notice_link_snippets": ("notice", lambda n: "正文。\n相关阅读" + _repeat("\n某某记者获悉，今年全市将改造......", n)),
}

LARGE = 1_000_000
BOUND_SECONDS = 10.0
MAX_RATIO = 8.0  # linear is about 4 from n to 4n, quadratic 16
FLOOR_SECONDS = 0.05  # below this the ratio is timer noise


def cpu_seconds(run: Callable[[str], object], text: str, tries: int = 1) -> float:
    """CPU seconds of `run(text)`, the least of `tries` (a garbage collection or a page fault
    storm in one run is not the step's growth)."""
    best = float("inf")
    for _ in range(tries):
        start = time.process_time()
        run(text)
        best = min(best, time.process_time() - start)
    return best


def step_runner(step: str) -> Callable[[str], object]:
    from zhclean.pipeline import Pipeline

    return Pipeline(steps=[step]).clean


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_step_is_linear(family: str) -> None:
    step, generate = FAMILIES[family]
    run = step_runner(step)
    run(generate(1000))  # warm up tables
    small = cpu_seconds(run, generate(LARGE // 4), tries=3)
    large = cpu_seconds(run, generate(LARGE), tries=2)
    assert large < BOUND_SECONDS, f"{family}: {step} took {large:.2f} s on 1 MB"
    if large > FLOOR_SECONDS:
        assert large / max(small, 1e-3) <= MAX_RATIO, f"{family}: {small:.3f} s -> {large:.3f} s for 4x the size"


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_pipeline_is_fast(family: str) -> None:
    import zhclean

    _, generate = FAMILIES[family]
    zhclean.clean(generate(1000))
    seconds = cpu_seconds(zhclean.clean, generate(LARGE))
    assert seconds < BOUND_SECONDS, f"{family}: the pipeline took {seconds:.2f} s on 1 MB"


def test_field_patterns_match_the_naive_ones() -> None:
    """The linear field patterns accept the same lines and find the same pairs as the naive
    ones (exponential on some lines) on random lines of keys, colons, separators and values."""
    import random
    import re

    from zhclean.boilerplate_rules import _field_patterns, _naive_field_patterns, load_rules

    keys = "|".join(sorted(map(re.escape, load_rules().key_to_field), key=len, reverse=True))
    (line, pair), (naive_line, naive_pair) = _field_patterns(keys), _naive_field_patterns(keys)
    tokens = ["来源", "编辑", "责任编辑", "责任", "：", ":", " ", "\t", "|", "/", "｜", "a", "新华社", ")", "【", "】", "）"]
    rng = random.Random(22)
    for _ in range(20_000):
        text = rng.choice(["", "来源：", "【来源：", " 编辑:"]) + "".join(rng.choices(tokens, k=rng.randint(1, 12)))
        assert bool(line.fullmatch(text)) == bool(naive_line.fullmatch(text)), text
        spans = [(m.span("key"), m.span("value")) for m in pair.finditer(text)]
        assert spans == [(m.span("key"), m.span("value")) for m in naive_pair.finditer(text)], text


def test_hashed_line_search_finds_what_plain_search_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The repeated-line step's hashed windows (used on documents where comparing every line
    with the whole text would be quadratic) drop exactly the lines plain search drops."""
    import random

    from zhclean.steps import repeated_line as module

    rng = random.Random(19)
    alphabet = "的一是在不了有和人这中大为上个国我以要他时来 a，" + ">" * 2  # `>`: breadcrumbs too
    documents = []
    for _ in range(3000):
        lines: list[str] = []
        for _ in range(rng.randint(1, 8)):
            if lines and rng.random() < 0.4:
                source = rng.choice(lines)
                a = rng.randint(0, len(source))
                lines.append(source[a : rng.randint(a, len(source))] if rng.random() < 0.7 else source)
            else:
                lines.append("".join(rng.choices(alphabet, k=rng.randint(0, 30))))
        documents.append("\n".join(lines))
    cases = [(text, min_han) for text in documents for min_han in (0, 3, 8, 20)]
    plain = [module.repeated_lines(text, min_han) for text, min_han in cases]  # line by line
    with monkeypatch.context() as patched:
        patched.setattr(module, "_FEW_LINES", 0)  # the array path, plain search
        arrays = [module.repeated_lines(text, min_han) for text, min_han in cases]
    monkeypatch.setattr(module, "_PLAIN_SEARCH_BUDGET", 0)
    hashed = [module.repeated_lines(text, min_han) for text, min_han in cases]
    assert sum(map(len, plain)) > 1000  # the cases do exercise the step
    assert arrays == plain
    assert hashed == plain
