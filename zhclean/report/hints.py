"""Hints after a run: what the counts suggest the user meant.

A run where most records lack the text field almost always means a forgotten
`--text-field`; the quarantine file holds their raw input, so the hint can name the
string fields those records do have.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import islice
from typing import Any

from zhclean.io import jsonsafe

SAMPLE = 200
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def missing_text_hint(summary: dict[str, Any], quarantine_path: str, text_field: str) -> str | None:
    """A one-line warning when more than half of the records lack `text_field`."""
    missing = summary.get("quarantine_reasons", {}).get("missing_text", 0)
    if not summary.get("in") or missing * 2 <= summary["in"]:
        return None
    fields, lengths = _string_fields(quarantine_path)
    if not fields:
        return f"{missing:,} of {summary['in']:,} records have no field {text_field!r}"
    named = ", ".join(f"{name!r} ({n:,})" for name, n in fields.most_common(5))
    best = max(fields, key=lambda name: (fields[name], lengths[name]))  # the text: most Han
    return (f"{missing:,} of {summary['in']:,} records have no field {text_field!r}; their string fields: "
            f"{named}. Did you mean --text-field {best}?")


def _string_fields(quarantine_path: str) -> tuple[Counter, dict[str, tuple[int, int]]]:
    """String fields of the first quarantined records that lack the text field: how many
    of them have each, and the Han characters (then all characters) each holds in all."""
    found: Counter = Counter()
    lengths: dict[str, tuple[int, int]] = {}
    try:
        with open(quarantine_path, "rb") as f:
            for line in islice(f, SAMPLE):
                row = jsonsafe.loads(line)
                if row.get("reason") != "missing_text" or not row.get("raw"):
                    continue
                try:
                    record = jsonsafe.loads(row["raw"])
                except ValueError:
                    continue
                if isinstance(record, dict):
                    strings = {k: (len(_HAN.findall(v)), len(v)) for k, v in record.items()
                               if isinstance(v, str) and k != "id"}
                    found.update(strings.keys())
                    for name, size in strings.items():
                        lengths[name] = tuple(map(sum, zip(lengths.get(name, (0, 0)), size, strict=True)))
    except OSError:
        pass
    return found, lengths
