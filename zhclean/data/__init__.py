"""Packaged data: boilerplate rules, and calibrated tables as tab-separated text.

A table file starts with `#` comment lines that say how it was generated; every other line
is one row of tab-separated fields.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def read_rows(name: str) -> list[list[str]]:
    """The rows of the packaged table `name`, comments left out."""
    text = resources.files(__name__).joinpath(name).read_text("utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


def write_rows(name: str, comments: list[str], rows: list[tuple]) -> Path:
    """Rewrite the packaged table `name` in the source tree (for the generating scripts)."""
    path = Path(__file__).parent / name
    head = "".join(f"# {line}\n" for line in comments)
    path.write_text(head + "".join("\t".join(map(str, row)) + "\n" for row in rows), encoding="utf-8")
    return path
