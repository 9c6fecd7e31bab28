"""A character-by-character Simplified→Traditional converter, like the cheap ones reposters use.

Built from OpenCC's own character table (each character converted alone, so no phrase
context). `conservative=True` leaves one-to-many characters (`干` → 乾/幹, `发` → 發/髮, and
characters that are also Traditional in their own right, such as `后`, `里`, `台`) unconverted,
as the converter behind `seeds/002.txt` did; `conservative=False` converts every character to
its first candidate (`皇后` → `皇後`), the other common failure. Used to calibrate the script
step's machine-conversion threshold; never used by zhclean itself.
"""

from __future__ import annotations

from functools import lru_cache

import opencc

_RANGE = range(0x4E00, 0xA000)


@lru_cache(maxsize=2)
def table(conservative: bool) -> dict[int, str]:
    chars = [chr(c) for c in _RANGE]
    s2t = opencc.OpenCC("s2t.json").convert("\n".join(chars)).split("\n")
    mapping: dict[int, str] = {}
    for simp, trad in zip(chars, s2t, strict=True):
        if trad == simp or len(trad) != 1:
            continue
        ambiguous = simp in _ONE_TO_MANY
        if conservative and ambiguous:
            continue
        mapping[ord(simp)] = trad
    return mapping


# Well-known one-to-many characters: several Traditional forms (干 → 乾/幹, 发 → 發/髮), or
# the Simplified form is itself Traditional in other words (皇后, 公里, 系統, 范姓, 采風).
_ONE_TO_MANY = set(
    "干发复历汇范获钟系丑卜冲斗谷划几借舍面辟秋确松坛团万须叶游余御愿云折征症只制致种"
    "筑准个党别广术参累后里并采台尽当志才朴杰沈签表板卷吁弥向周苏价蒙咸脏尸"
)


def convert(text: str, conservative: bool = True) -> str:
    return text.translate(table(conservative))
