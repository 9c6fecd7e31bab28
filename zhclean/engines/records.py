"""What every shard task does to one input item: parse, validate, clean, or quarantine it.

Kept in one place so that every engine quarantines the same records for the same reasons
and produces byte-identical output.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from zhclean.config import Config
from zhclean.core.budget import OverBudget, budget
from zhclean.core.observe import Observations, observe_batch
from zhclean.core.outcome import BadRecord, Dropped, Quarantined, Reason
from zhclean.io import jsonsafe
from zhclean.io.decode import UndecodableError, decode_bytes
from zhclean.io.shards import Item
from zhclean.pipeline import Pipeline, Result

KEPT, DROPPED, QUARANTINED, SKIPPED = "kept", "dropped", "quarantined", "skipped"
BATCH_ITEMS = 256
BATCH_BYTES = 4 << 20


def batches(items: Iterable[Item]) -> Iterator[list[Item]]:
    """Group items into batches of at most BATCH_ITEMS items or about BATCH_BYTES bytes:
    the pipeline cleans a batch step by step (`Pipeline.clean_many`)."""
    batch: list[Item] = []
    size = 0
    for item in items:
        batch.append(item)
        size += item.size
        if len(batch) >= BATCH_ITEMS or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def raw_text(item: Item) -> str | None:
    """The raw input, losslessly as text (undecodable bytes as \\x escapes)."""
    if item.raw is not None:
        return item.raw.decode("utf-8", errors="backslashreplace").rstrip("\n")
    if item.record is not None:
        return jsonsafe.dumps(item.record).decode()
    return None


@dataclass(frozen=True, slots=True)
class Skip:
    """An input item that holds no document (a WARC request record, an image response): it
    is counted, by reason, and goes nowhere."""

    reason: str


def parse_item(item: Item, config: Config) -> dict[str, Any]:
    if item.error is not None:
        raise item.error
    if item.kind == "row":
        return dict(item.record or {})
    if item.kind in ("html", "wet"):
        return crawl_record(item, config)
    if item.kind == "jsonl":
        try:  # the common case, UTF-8 JSON: parsed from the bytes, with no str made first
            record = jsonsafe.loads(item.raw or b"")
        except orjson.JSONDecodeError:
            pass  # other encodings and malformed lines: decoded below, for the precise reason
        else:
            if isinstance(record, dict):
                return record
    text = _decoded(item)
    if item.kind == "txt":
        return {config.id_field: item.name, config.text_field: text}
    try:
        record = jsonsafe.loads(text)
    except orjson.JSONDecodeError as error:
        raise BadRecord(Reason.MALFORMED_JSON, f"malformed JSON: {error}") from None
    if not isinstance(record, dict):
        raise BadRecord(Reason.NOT_AN_OBJECT, f"record is a JSON {type(record).__name__}, not an object")
    return record


def _decoded(item: Item) -> str:
    """The item's bytes as text (UTF-8, else GB18030, Big5, UTF-16), or why they are none."""
    try:
        return decode_bytes(item.raw or b"")[0]
    except (UndecodableError, UnicodeDecodeError) as error:
        raise BadRecord(Reason.UNDECODABLE, f"undecodable bytes: {error}") from None


def crawl_record(item: Item, config: Config) -> dict[str, Any]:
    """The record of an HTML page (its text extracted) or of a WET text record. A page from
    a WARC file takes the WARC-Record-ID as its id (a page file its name) and keeps the
    record's URL, date and content type; every page keeps what its head says of it (title,
    source, site name, publication time) and the encoding its bytes were read in
    (None-valued when absent, so every page record has the same fields)."""
    from zhclean.io.html import decode_html, extract_page

    meta = dict(item.meta or {})
    charset = meta.pop("charset", None)
    record: dict[str, Any] = {}
    # a WARC record is named by its record id; an HTML file by its name, as a .txt file is
    record[config.id_field] = meta.get("warc_record_id") or item.name
    if item.kind == "wet":
        record[config.text_field] = _decoded(item)
        return record | meta
    try:
        html, encoding = decode_html(item.raw or b"", charset)
    except UndecodableError as error:
        raise BadRecord(Reason.UNDECODABLE, f"undecodable page: {error}") from None
    try:
        page = extract_page(html, encoding)
    except Exception as error:  # noqa: BLE001 - resiliparse's parser exceptions
        raise BadRecord(Reason.BAD_HTML, f"cannot parse the page: {type(error).__name__}: {error}") from None
    record[config.text_field] = page.text
    record |= meta
    record |= {"title": page.title, "page_source": page.source, "site_name": page.site_name,
               "page_published": page.published, "encoding": page.encoding}
    return record


def validated_text(record: dict[str, Any], config: Config) -> str:
    field = config.text_field
    if field not in record:
        raise BadRecord(Reason.MISSING_TEXT, f"missing field {field!r}")
    text = record[field]
    if not isinstance(text, str):
        raise BadRecord(Reason.TEXT_NOT_STRING, f"field {field!r} is {type(text).__name__}, not a string")
    if len(text) > config.max_chars:
        raise BadRecord(Reason.TOO_LONG,
                        f"text has {len(text):,} characters, over --max-chars {config.max_chars:,}")
    return text


def quarantined(item: Item, error: BadRecord) -> Quarantined:
    return Quarantined(item.source, item.line, error.reason, error.detail, raw_text(item), error.rows)


def ensure_id(record: dict[str, Any], item: Item, config: Config) -> None:
    """Keep the record's id, or make one (`made_id`)."""
    if config.id_field not in record:
        record[config.id_field] = made_id(item)


def made_id(item: Item) -> str:
    """The id of a record that has none: the file's name relative to the input root and
    the line number (`2024/part.jsonl:17`)."""
    return f"{item.name}:{item.line}"


Parsed = tuple[dict[str, Any], str] | BadRecord | Skip


def parse_all(items: list[Item], config: Config) -> list[Parsed]:
    """Per item, (record with its id, text to clean), the reason it cannot be cleaned, or
    the reason it holds no document."""
    parsed: list[Parsed] = []
    for item in items:
        if item.skip is not None:
            parsed.append(Skip(item.skip))
            continue
        try:
            record = parse_item(item, config)
            text = validated_text(record, config)
        except BadRecord as error:
            parsed.append(error)
            continue
        ensure_id(record, item, config)
        parsed.append((record, text))
    return parsed


def seconds_for(texts: list[str], max_seconds: float) -> float:
    """The CPU budget of cleaning `texts` together: `max_seconds`, plus a second per million
    characters (the pipeline does several MB per second, so honest text never comes near)."""
    return max_seconds + sum(map(len, texts)) / 1e6 if max_seconds > 0 else 0.0


def clean_texts(pipeline: Pipeline, texts: list[str], max_seconds: float = 0.0) -> list[Result | BadRecord]:
    """The pipeline over a batch, within its CPU budget. When a step raises (a bug) or the
    batch runs out of time, the batch is cleaned one by one, each document with its own
    budget, so that only the documents that raise or stall are quarantined."""
    try:
        with budget(seconds_for(texts, max_seconds)):
            return list(pipeline.clean_many(texts))
    except (Exception, OverBudget):  # noqa: BLE001 - isolate the failing document
        return [_clean_one(pipeline, text, max_seconds) for text in texts]


def _clean_one(pipeline: Pipeline, text: str, max_seconds: float) -> Result | BadRecord:
    seconds = seconds_for([text], max_seconds)
    try:
        with budget(seconds):
            return pipeline.clean(text)
    except OverBudget:
        return BadRecord(Reason.TIMEOUT, f"cleaning took over {seconds:.1f} CPU seconds (--max-seconds)")
    except Exception as error:  # noqa: BLE001
        return BadRecord(Reason.STEP_ERROR, f"a step failed: {type(error).__name__}: {error}")


class Outcomes(list):
    """A batch's (kind, item outcome) pairs, in order, with the report's counters of its
    documents (`observed`): they travel together from whichever process cleaned the batch."""

    def __init__(self, observed: Observations | None = None) -> None:
        super().__init__()
        self.observed = observed or Observations()


def process_batch(items: list[Item], pipeline: Pipeline, config: Config) -> Outcomes:
    """Per item, (KEPT, output record), (DROPPED, Dropped: the cleaned record and the filter's
    verdict), (QUARANTINED, Quarantined) or (SKIPPED, reason), in order. The good texts are cleaned together
    (`Pipeline.clean_many`), which is faster than one by one."""
    parsed = parse_all(items, config)
    good = [p for p in parsed if isinstance(p, tuple)]
    cleaned = iter(clean_texts(pipeline, [text for _, text in good], config.max_seconds))
    out = Outcomes()
    observed: list[tuple[str, str, Result]] = []
    for item, entry in zip(items, parsed, strict=True):
        if isinstance(entry, Skip):
            out.append((SKIPPED, entry.reason))
            continue
        if isinstance(entry, BadRecord):
            out.append((QUARANTINED, quarantined(item, entry)))
            continue
        record, result = entry[0], next(cleaned)
        if isinstance(result, BadRecord):
            out.append((QUARANTINED, quarantined(item, result)))
            continue
        observed.append((str(record[config.id_field]), entry[1], result))
        record[config.text_field] = result.text
        record["zhclean"] = result.meta
        if result.dropped_by is None:
            out.append((KEPT, record))
        else:
            verdict = result.verdict
            out.append((DROPPED, Dropped(record, result.dropped_by, verdict.reason, verdict.value)))
    observe_batch(out.observed, observed)
    return out
