"""What every engine does to one input item: parse, validate, clean, or quarantine it.

Kept in one place so that the local and Ray engines quarantine the same records for the
same reasons and produce byte-identical output.
"""

from __future__ import annotations

import os
from typing import Any

import orjson

from zhclean.config import Config
from zhclean.io.decode import UndecodableError, decode_bytes
from zhclean.io.readers import Item
from zhclean.pipeline import Pipeline

KEPT, QUARANTINED = "kept", "quarantined"


class BadRecord(ValueError):
    """A record that cannot be cleaned; its message is the quarantine reason."""


def _raw_text(item: Item) -> str | None:
    """The raw input, losslessly as text (undecodable bytes as \\x escapes)."""
    if item.raw is not None:
        return item.raw.decode("utf-8", errors="backslashreplace").rstrip("\n")
    if item.record is not None:
        return orjson.dumps(item.record, default=repr).decode()
    return None


def parse_item(item: Item, config: Config) -> dict[str, Any]:
    if item.error:
        raise BadRecord(item.error)
    if item.kind == "row":
        return dict(item.record or {})
    try:
        text, _ = decode_bytes(item.raw or b"")
    except (UndecodableError, UnicodeDecodeError) as error:
        raise BadRecord(f"undecodable bytes: {error}") from None
    if item.kind == "txt":
        return {config.id_field: os.path.basename(item.source), config.text_field: text}
    try:
        record = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise BadRecord(f"malformed JSON: {error}") from None
    if not isinstance(record, dict):
        raise BadRecord(f"record is a JSON {type(record).__name__}, not an object")
    return record


def validated_text(record: dict[str, Any], config: Config) -> str:
    field = config.text_field
    if field not in record:
        raise BadRecord(f"missing field {field!r}")
    text = record[field]
    if not isinstance(text, str):
        raise BadRecord(f"field {field!r} is {type(text).__name__}, not a string")
    if len(text) > config.max_chars:
        raise BadRecord(f"text has {len(text):,} characters, over --max-chars {config.max_chars:,}")
    return text


def quarantine_entry(item: Item, error: BadRecord) -> dict[str, Any]:
    return {"source": item.source, "line": item.line, "error": str(error), "raw": _raw_text(item)}


def ensure_id(record: dict[str, Any], item: Item, config: Config) -> None:
    """Keep the record's id, or make one from the file name and line number."""
    if config.id_field not in record:
        record[config.id_field] = f"{os.path.basename(item.source)}:{item.line}"


def parse_all(items: list[Item], config: Config) -> list[tuple[dict[str, Any], str] | BadRecord]:
    """Per item, (record with its id, text to clean) or the reason it cannot be cleaned."""
    parsed: list[tuple[dict[str, Any], str] | BadRecord] = []
    for item in items:
        try:
            record = parse_item(item, config)
            text = validated_text(record, config)
        except BadRecord as error:
            parsed.append(error)
            continue
        ensure_id(record, item, config)
        parsed.append((record, text))
    return parsed


def process_batch(items: list[Item], pipeline: Pipeline, config: Config) -> list[tuple[str, dict[str, Any]]]:
    """Per item, (KEPT, output record) or (QUARANTINED, quarantine entry), in order. The good
    texts are cleaned together (`Pipeline.clean_many`), which is faster than one by one."""
    parsed = parse_all(items, config)
    good = [p for p in parsed if not isinstance(p, BadRecord)]
    cleaned = iter(pipeline.clean_many([text for _, text in good]))
    out: list[tuple[str, dict[str, Any]]] = []
    for item, entry in zip(items, parsed, strict=True):
        if isinstance(entry, BadRecord):
            out.append((QUARANTINED, quarantine_entry(item, entry)))
            continue
        record, result = entry[0], next(cleaned)
        record[config.text_field] = result.text
        record["zhclean"] = result.meta
        out.append((KEPT, record))
    return out
