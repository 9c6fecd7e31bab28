"""Turn bytes into text: UTF-8 first, then the legacy encodings Chinese pages still use.

GB18030 and Big5 both decode many byte strings that are really the other one, so a decoding
is accepted only when its Han characters are plausible: for GB18030, mostly in GB2312 (the
6,763 common Simplified characters); Big5 output is Traditional by construction. Where
bytes are decoded leniently (a web page with a few broken bytes, `zhclean.io.html`), Big5
output must be mostly its level-1 characters too (`plausible_big5`).
"""

from __future__ import annotations

import re

import numpy as np

_HAN = re.compile("[\u4e00-\u9fff]")


class UndecodableError(ValueError):
    """No encoding we know produces plausible text from these bytes."""


def plausible_gb(text: str) -> bool:
    """Mostly GB2312 (the 6,763 common Simplified characters), as real GB text is. Counted
    in C: the Han characters encoded to GB2312 at once, each one outside it a `?`."""
    han = "".join(_HAN.findall(text))
    if not han:
        return True
    outside = han.encode("gb2312", errors="replace").count(b"?")
    return outside / len(han) <= 0.1


def plausible_big5(text: str) -> bool:
    """Mostly Big5's level-1 (frequent) characters, as real text is; random bytes decode to
    level 1 and level 2 alike. Counted in C: the Han characters encoded to CP950 at once."""
    han = "".join(_HAN.findall(text))
    if not han:
        return True
    try:
        codes = np.frombuffer(han.encode("cp950"), dtype=">u2")
    except UnicodeEncodeError:
        return False  # a Han character Big5 has no code for came from no Big5 page
    frequent = np.count_nonzero((codes >= 0xA440) & (codes <= 0xC67E))
    return frequent / len(han) >= 0.8


def decode_bytes(data: bytes) -> tuple[str, str]:
    """(text, encoding name); raises UndecodableError when nothing fits."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        utf8_error = error
    for encoding, plausible in (("gb18030", plausible_gb), ("big5", lambda _: True)):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if plausible(text):
            return text, encoding
    raise UndecodableError(f"not UTF-8 ({utf8_error.reason} at byte {utf8_error.start}), nor GB18030, Big5 or UTF-16")
