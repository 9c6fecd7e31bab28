"""Score cleaned output against a gold file: exact-match rate, character error rate, fields.

`zhclean eval PRED GOLD` (or `make eval`, which cleans the public dev set first). CER counts
the characters of each edit in a difflib alignment (an upper bound on Levenshtein distance)
over the gold length. Records are matched by `id`.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SCORED_FIELDS = ("source", "editor")


def char_errors(predicted: str, gold: str) -> int:
    """Characters to insert, delete or replace to turn `predicted` into `gold` (approx.)."""
    if predicted == gold:
        return 0
    matcher = difflib.SequenceMatcher(None, predicted, gold, autojunk=False)
    return sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )


@dataclass
class Score:
    records: int = 0
    exact: int = 0
    errors: int = 0
    gold_chars: int = 0
    clean_records: int = 0
    clean_unchanged: int = 0
    field_total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    field_right: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    kind_total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    kind_exact: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    kind_errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    kind_chars: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    missing: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def exact_rate(self) -> float:
        return self.exact / self.records if self.records else 0.0

    @property
    def cer(self) -> float:
        return self.errors / self.gold_chars if self.gold_chars else 0.0

    def field_rate(self, name: str) -> float:
        total = self.field_total[name]
        return self.field_right[name] / total if total else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "exact_rate": round(self.exact_rate, 4),
            "cer": round(self.cer, 5),
            "clean_unchanged": f"{self.clean_unchanged}/{self.clean_records}",
            "fields": {n: round(self.field_rate(n), 4) for n in SCORED_FIELDS},
            "kinds": {
                k: {
                    "records": n,
                    "exact_rate": round(self.kind_exact[k] / n, 4),
                    "cer": round(self.kind_errors[k] / max(1, self.kind_chars[k]), 5),
                }
                for k, n in sorted(self.kind_total.items())
            },
            "missing": len(self.missing),
        }


def read_records(path: str) -> list[dict[str, Any]]:
    """Every record of a file zhclean reads (JSONL plain or compressed, Parquet), parsed as
    the engines parse them; a line that is not a JSON object is an error naming it."""
    from zhclean.io import jsonsafe
    from zhclean.io.shards import plan_shards, shard_items

    records: list[dict[str, Any]] = []
    for shard in plan_shards([path]).shards:
        for item in shard_items(shard):
            if item.error is not None:
                raise ValueError(f"{path}: {item.error.detail}")
            record = item.record if item.record is not None else _json_object(path, item.line, item.raw, jsonsafe)
            records.append(record)
    return records


def _json_object(path: str, line: int, raw: bytes | None, jsonsafe: Any) -> dict[str, Any]:
    try:
        record = jsonsafe.loads(raw or b"")
    except ValueError as error:
        raise ValueError(f"{path}:{line}: not JSON ({error})") from None
    if not isinstance(record, dict):
        raise ValueError(f"{path}:{line}: not a JSON object")
    return record


def score(predicted: Iterable[Mapping[str, Any]], gold: Iterable[Mapping[str, Any]]) -> Score:
    """Compare predicted records to gold records, matched by id."""
    by_id = {str(r["id"]): r for r in predicted}
    result = Score()
    for g in gold:
        gid = str(g["id"])
        p = by_id.get(gid)
        if p is None:
            result.missing.append(gid)
            continue
        _score_one(result, p, g)
    return result


def _score_one(result: Score, p: Mapping[str, Any], g: Mapping[str, Any]) -> None:
    text, gold_text = p.get("text", ""), g["text"]
    errors = char_errors(text, gold_text)
    exact = errors == 0
    result.records += 1
    result.exact += exact
    result.errors += errors
    result.gold_chars += len(gold_text)
    if not exact:
        result.failures.append(str(g["id"]))
    kinds = list(g.get("kinds") or []) or ["clean"]
    for kind in kinds:
        result.kind_total[kind] += 1
        result.kind_exact[kind] += exact
        result.kind_errors[kind] += errors
        result.kind_chars[kind] += len(gold_text)
    if kinds == ["clean"]:
        result.clean_records += 1
        result.clean_unchanged += exact
    meta = p.get("zhclean") or {}
    for name in SCORED_FIELDS:
        expected = (g.get("meta") or {}).get(name)
        if expected:
            result.field_total[name] += 1
            result.field_right[name] += meta.get(name) == expected
