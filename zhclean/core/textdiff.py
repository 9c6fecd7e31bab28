"""A compact diff of a document before and after cleaning, for the report's examples.

Lines are matched first, then characters inside each pair of changed lines (as `difflib`'s
`ndiff` does), so a gloss removed inside a paragraph shows as the few characters that
went, not as a rewritten paragraph. Unchanged stretches are cut to a little context on each
side: an example shows what changed, not the whole article.
"""

from __future__ import annotations

from difflib import SequenceMatcher

CONTEXT = 40  # unchanged characters kept on each side of a change
MAX_SHOWN = 1_500  # characters of segments in one diff; the rest is cut
_CHAR_DIFF_MAX = 3_000  # longer changed lines are shown as removed and added whole

Segment = tuple[str, str]  # ("=", kept) ("-", removed) ("+", added) ("…", cut text, its length)


def diff_segments(before: str, after: str) -> list[Segment]:
    """The changes from `before` to `after` as segments, unchanged text cut to context."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    raw: list[Segment] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            raw.append(("=", old))
        elif op == "replace" and len(old) <= _CHAR_DIFF_MAX and len(new) <= _CHAR_DIFF_MAX:
            raw.extend(_char_segments(old, new))
        else:
            raw += [("-", old)] if old else []
            raw += [("+", new)] if new else []
    return _cut(_joined(raw))


def _char_segments(old: str, new: str) -> list[Segment]:
    out: list[Segment] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("=", old[i1:i2]))
        else:
            if i2 > i1:
                out.append(("-", old[i1:i2]))
            if j2 > j1:
                out.append(("+", new[j1:j2]))
    return out


def _joined(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for op, text in segments:
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        elif text:
            out.append((op, text))
    return out


def _cut(segments: list[Segment]) -> list[Segment]:
    """Unchanged text cut to CONTEXT characters beside each change; at most MAX_SHOWN shown."""
    out: list[Segment] = []
    shown = 0
    for k, (op, text) in enumerate(segments):
        if op == "=":
            head = CONTEXT if k + 1 < len(segments) else 0  # before the next change
            tail = CONTEXT if k > 0 else 0  # after the previous change
            if len(text) > head + tail + 10:
                pieces = [("=", text[:tail])] if tail else []
                pieces.append(("…", f"{len(text) - head - tail}"))
                pieces += [("=", text[len(text) - head:])] if head else []
            else:
                pieces = [("=", text)]
        else:
            pieces = [(op, text)]
        for piece in pieces:
            if piece[0] != "…":
                if shown >= MAX_SHOWN:
                    out.append(("…", "more"))
                    return out
                if shown + len(piece[1]) > MAX_SHOWN:
                    piece = (piece[0], piece[1][: MAX_SHOWN - shown])
                shown += len(piece[1])
            out.append(piece)
    return out
