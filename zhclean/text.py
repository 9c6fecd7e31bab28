"""Small text helpers shared by steps: line removal that leaves no trace, space runs, bracket-only lines."""

from __future__ import annotations

import re

# Marks where a step removed something. U+0000 never survives the unicode step, so it cannot
# collide with document text.
GONE = "\x00"

# A run of spaces, or a no-break space: one space after the whitespace step. Steps that
# compare lines compare them as that step will leave them.
SPACE_RUN = re.compile("[ \u00a0]{2,}|\u00a0")

# What a line's edges may hold besides text: the whitespace step trims these off every line.
LINE_EDGE = " \t\u3000\u00a0"

# A bracket-only line: only brackets and spaces, at least one of `[]()（）【】`. Its first such
# bracket is found possessively past the other characters a line may hold, and the rest of
# the line possessively after it: written as `[any]*[bracket][any]*`, with the first star
# also allowed spaces that a leading `[ ]*` took, a long line of brackets and spaces was
# tried in every split (cubic: 3 KB took 8.7 s). Besides brackets a line may hold spaces the
# whitespace step trims or collapses (also U+00A0) and the marks (`GONE`) of what a step
# removed: `![]()（` leaves a bracket-only line.
_BRACKET = "\\[\\]()（）【】"
_BRACKET_LINE_OTHER = "{}<>《》〔〕 \t\u3000\u00a0\\x00"
_BRACKET_LINE_CHARS = f"{_BRACKET}{_BRACKET_LINE_OTHER}"
BRACKET_LINE_BODY = f"[{_BRACKET_LINE_OTHER}]*+[{_BRACKET}][{_BRACKET_LINE_CHARS}]*+"
_BRACKET_ONLY = re.compile(BRACKET_LINE_BODY)


def is_bracket_only(line: str) -> bool:
    """Whether the line holds only brackets and spaces (at least one of `[]()（）【】`): the
    markup step removes such a line, so a step that leaves one removes it too."""
    return _BRACKET_ONLY.fullmatch(line) is not None


# What the punctuation and whitespace steps change, remove or write. A run without any of
# them stands in a line as it is before those steps and after; so where a line will stand
# inside another (the repeated-line step drops it), each such run of it stands twice now.
_SHIFTING = ",:;?!()，：；？！（） \t\u00a0\u3000"
_ANCHOR = re.compile(f"[^{_SHIFTING}\n]{{4,}}")
_ANCHOR_TAIL = 64  # characters at a line's end where its last anchor is looked for
_WIDE = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_MARK_OR_SPACES = re.compile("[,:;?!()]|[ \t\u00a0\u3000]+")


def may_stand_twice(line: str, text: str) -> bool:
    """False when `line` (part of `text`) cannot stand inside another line of `text` or be
    one's copy, however the punctuation and whitespace steps change them: the first run of
    characters they leave alone at its start, or the last near its end, stands nowhere else.
    Two searches in C, where comparing the lines as those steps leave them needs the steps."""
    head = _ANCHOR.search(line)
    if head is None:
        return True  # too little between marks and spaces to tell
    if text.count(head.group()) < 2:
        return False
    tail = _ANCHOR.findall(line, max(0, len(line) - _ANCHOR_TAIL))
    return not tail or text.count(tail[-1]) > 1


def without_mark_differences(text: str) -> str:
    """`text` with every ASCII mark the punctuation step may widen written wide and every
    space gone: lines that step and the whitespace step may make equal are equal here (and
    a few more)."""
    return _MARK_OR_SPACES.sub(lambda m: _WIDE.get(m.group(), ""), text)


def drop_emptied_lines(text: str) -> str:
    """Delete lines a step emptied (they held only removed material), then the marks left inline.

    A line that was blank before the step stays: it separates paragraphs. A line the step
    emptied goes with its newline, so removing `![]()` or a footer never leaves a gap (an
    emptied last line leaves the newline before it). Per-line `in` and `strip` run in C and
    are twice as fast as a multiline regex, which is tried at every character.
    """
    lines = text.split("\n")
    kept = [line for line in lines[:-1] if GONE not in line or line.strip(LINE_EDGE + GONE)]
    last = lines[-1]
    kept.append(last if GONE not in last or last.strip(LINE_EDGE + GONE) else "")
    return "\n".join(kept).replace(GONE, "")


_FEW_DROPS = 32  # up to this many, deleting from a copy beats testing every line in Python


def remove_lines(lines: list[str], drop: set[int]) -> str:
    """Join `lines` without the indices in `drop` (others are ignored). A few lines go by
    `del` from the end (a move in C each); many, by one test per line, which stays linear."""
    if len(drop) > _FEW_DROPS:
        return "\n".join(line for i, line in enumerate(lines) if i not in drop)
    kept = list(lines)
    for i in sorted(drop, reverse=True):
        if 0 <= i < len(lines):
            del kept[i]
    return "\n".join(kept)


# --- question marks that stand for a lost character -----------------------------------------

# Question words and particles (吗, 呢, 什么, 哪, 谁, 怎, 几, 是否/能否, 难道, 多少, 为何).
QUESTION_CHARS = frozenset("吗嗎呢吧么麼啊呀哪谁誰怎嘛何几幾否难難少咩啫乜嚒")  # and Cantonese particles
_A_NOT_A = frozenset("不没沒")  # 是不是, 灵不灵, 有没有: a question without a question word
_SENTENCE_END = frozenset("。！!\n")
_QUESTION_MARKS = frozenset("?？")
_CLAUSE_MARK = frozenset("，,；;：:、")
QUESTION_LOOKBACK = 40  # characters back to the sentence's start, at most: bounds the cost
MIN_QUESTION_CLAUSE = 6  # a clause this long before a `?` asks even without a question word


# Question characters that ask only in some words: 多少 (not 减少), 是否/能否/可否 (not 与否),
# 什么/怎么 (not 这么, 那么), 难道 (not 困难); 何 but not 任何, 几 but not 几乎.
_ASKS_AFTER = {"少": "多", "否": "是能可", "么": "什怎", "麼": "什怎"}  # one of these before it
_ASKS_BEFORE = {"难": "道", "難": "道"}  # one of these after it
_NOT_AFTER = {"何": "任"}
_NOT_BEFORE = {"几": "乎", "幾": "乎"}


def _asks(text: str, i: int) -> bool:
    """Whether the question character at `i` asks there (`_ASKS_AFTER` and the like)."""
    char = text[i]
    prev = text[i - 1] if i else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if char in _ASKS_AFTER:
        return prev != "" and prev in _ASKS_AFTER[char]
    if char in _ASKS_BEFORE:
        return nxt != "" and nxt in _ASKS_BEFORE[char]
    if char in _NOT_AFTER:
        return prev == "" or prev not in _NOT_AFTER[char]
    if char in _NOT_BEFORE:
        return nxt == "" or nxt not in _NOT_BEFORE[char]
    return True


def reads_as_question(text: str, at: int) -> bool:
    """Whether the `?` at `at`, between two Han characters, closes a question: its sentence
    (back to the last sentence end, at most `QUESTION_LOOKBACK` characters) holds a question
    word or an A-not-A (`你去哪里?我`, `灵不灵?且看`), or its clause is long enough to be one
    (rhetorical questions have no question word) and no other `?` stands near it (lost
    characters come in clusters: `市政府?日召?新??`). Else — a clause of a few characters with
    no question in it — it stands for a character an encoder could not write
    (`生态?健康?孩子`)."""
    clause = 0
    in_clause = True
    near_mark = False
    for i in range(at - 1, max(-1, at - 1 - QUESTION_LOOKBACK), -1):
        char = text[i]
        if char in _SENTENCE_END:
            break
        if char in QUESTION_CHARS and _asks(text, i):
            return True
        if char in _A_NOT_A and 0 < i < len(text) - 1 and text[i - 1] == text[i + 1]:
            return True
        if char in _QUESTION_MARKS:
            near_mark = True
            in_clause = False
        elif char in _CLAUSE_MARK:
            in_clause = False
        elif in_clause:
            clause += 1
    return clause >= MIN_QUESTION_CLAUSE and not near_mark
