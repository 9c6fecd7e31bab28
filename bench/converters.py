"""The script step against every converter reposters use: is converted text restored?

300 Simplified articles (150 People's Daily 1998 paragraph groups, 150 THUCNews articles)
are converted to Traditional by each converter, then cleaned with the default pipeline.
Reported per converter: the share flagged `machine_converted`, and the share restored
Han-exact (the cleaned converted text has the same Han characters as the cleaned original).
Converters: OpenCC s2t/s2tw/s2hk/s2twp, a character-by-character table built from OpenCC's
(bench/charconv.py, conservative and naive), HanziConv 0.3.2, zhconv (zh-hant, zh-tw),
opencc-purepy (s2t, s2tw); a converter that is not installed is skipped with a note.
Usage: python bench/converters.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import opencc  # noqa: E402
from charconv import convert as charconv  # noqa: E402

from zhclean.config import load_config  # noqa: E402
from zhclean.pipeline import Pipeline  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")


def articles(n: int = 300) -> list[str]:
    out, current = [], ""
    for p in (SHARED / "corpora/peoples_daily_1998.txt").read_text(encoding="utf-8").split("\n"):
        current += p.strip() + "\n"
        if len(current) >= 600:
            out.append(current)
            current = ""
        if len(out) >= n // 2:
            break
    with open(SHARED / "corpora/thucnews_1000.tsv", encoding="utf-8") as f:
        for line in f:
            text = line.split("\t", 1)[1].strip()
            if len(text) >= 300:
                out.append(text[:1500])
            if len(out) >= n:
                break
    return out


def converters() -> tuple[dict, list[str]]:
    found = {f"OpenCC {c}": opencc.OpenCC(f"{c}.json").convert for c in ("s2t", "s2tw", "s2hk", "s2twp")}
    found["character table, conservative"] = lambda t: charconv(t, True)
    found["character table, naive"] = lambda t: charconv(t, False)
    missing = []
    try:
        from hanziconv import HanziConv

        found["HanziConv"] = HanziConv.toTraditional
    except ImportError:
        missing.append("hanziconv")
    try:
        import zhconv

        found["zhconv zh-hant"] = lambda t: zhconv.convert(t, "zh-hant")
        found["zhconv zh-tw"] = lambda t: zhconv.convert(t, "zh-tw")
    except ImportError:
        missing.append("zhconv")
    try:
        from opencc_purepy import OpenCC as PureOpenCC

        for config in ("s2t", "s2tw"):
            found[f"opencc-purepy {config}"] = PureOpenCC(config).convert
    except ImportError:
        missing.append("opencc-purepy")
    return found, missing


def run() -> list[dict]:
    pipeline = Pipeline.from_config(load_config(None)).prepare_worker()
    texts = articles()
    reference = [_NOT_HAN.sub("", r.text) for r in pipeline.clean_many(texts)]
    found, _ = converters()
    rows = []
    for name, convert in found.items():
        results = list(pipeline.clean_many([convert(t) for t in texts]))
        exact = sum(_NOT_HAN.sub("", r.text) == ref for r, ref in zip(results, reference, strict=True))
        flagged = sum(bool(r.meta.get("machine_converted")) for r in results)
        rows.append({"converter": name, "articles": len(texts), "flagged": flagged / len(texts),
                     "restored_exact": exact / len(texts)})
    return rows


def main() -> None:
    if not (SHARED / "corpora").exists():
        print("skip: ../shared/corpora not found")
        return
    _, missing = converters()
    print("| converter | flagged machine-converted | restored Han-exact |\n|---|---|---|")
    for row in run():
        print(f"| {row['converter']} | {100 * row['flagged']:.1f}% | {100 * row['restored_exact']:.1f}% |")
    if missing:
        print(f"\nnot installed: {', '.join(missing)} (pip install '.[bench]')")


if __name__ == "__main__":
    main()
