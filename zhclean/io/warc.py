"""WARC and WET files: every record an item, read with FastWARC.

A WARC file is one shard (its gzip members could be entered midway, but a crawl's files are
already of a shard's size). Each WARC record becomes exactly one item, so the summary can
account for all of them:

- an HTTP `response` (or a `resource`) holding HTML: an `html` item, its text extracted in the
  shard task (`zhclean.io.html`);
- a WET `conversion` record: a `wet` item, text already extracted by the crawler;
- anything else: a `skip` item with a reason (`warc_request`, `not_html`, `http_redirect`,
  ...), counted in the summary under `skipped_reasons` and written nowhere;
- a record whose body ends before its declared length (a file cut mid-record): quarantined
  as `truncated_record`; a file that cannot be parsed further: one `unreadable_file` item,
  after the records before the break.

Items keep the record's URL, WARC-Record-ID, date and content type; the record id is the
document's id, so outputs join back to the crawl.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from zhclean.core.outcome import BadRecord, Reason
from zhclean.io.items import KEPT_PREFIX_BYTES, Item, Piece

HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml+xhtml")
_SNIFF = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title")
_TYPE_NAMES = {
    "warcinfo": "warc_warcinfo", "request": "warc_request", "metadata": "warc_metadata",
    "revisit": "warc_revisit", "continuation": "warc_continuation",
}


def warc_items(piece: Piece, max_bytes: int = 0) -> Iterator[Item]:
    """The items of one WARC/WET file (plain, .gz or .zst: FastWARC detects the codec)."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    number = 0
    try:
        with open(piece.path, "rb") as stream:
            records = ArchiveIterator(stream, record_types=WarcRecordType.any_type, parse_http=True,
                                      auto_decode="all", stream_detect=True)
            for record in records:
                number += 1
                yield _item(piece, number, record, max_bytes)
    except Exception as error:  # noqa: BLE001 - FastWARC raises OSError/ValueError of its own
        detail = f"cannot read {piece.path} after WARC record {number}: {type(error).__name__}: {error}"
        yield Item(piece.path, piece.name, number + 1, kind="warc",
                   error=BadRecord(Reason.UNREADABLE_FILE, detail))


def _item(piece: Piece, number: int, record: Any, max_bytes: int) -> Item:
    kind = str(record.record_type)
    meta = _meta(record)
    if kind not in ("response", "resource", "conversion"):
        return _skipped(piece, number, _TYPE_NAMES.get(kind, "warc_other"), meta)
    if record.is_http:
        status = record.http_headers.status_code or 0
        if not 200 <= status < 300:
            reason = "http_redirect" if 300 <= status < 400 else "http_error" if status >= 400 else "http_other"
            return _skipped(piece, number, reason, meta)
    expected = record.content_length
    body = record.reader.read(max_bytes + 1) if max_bytes else record.reader.read()
    if max_bytes and len(body) > max_bytes:
        return _bad(piece, number, body, meta, Reason.TOO_LONG,
                    f"has a body of {expected:,} bytes, over the limit of {max_bytes:,}; the first "
                    f"{KEPT_PREFIX_BYTES:,} bytes are kept as raw")
    if len(body) < expected:
        return _bad(piece, number, body, meta, Reason.TRUNCATED_RECORD,
                    f"ends after {len(body):,} of its {expected:,} bytes: the file is cut")
    if not body.strip():
        return _skipped(piece, number, "empty_body", meta)
    if kind == "conversion":
        return Item(piece.path, piece.name, number, raw=body, kind="wet", meta=meta)
    if not _is_html(meta.get("content_type"), body):
        return _skipped(piece, number, "not_html", meta)
    return Item(piece.path, piece.name, number, raw=body, kind="html", meta=meta)


def _meta(record: Any) -> dict[str, Any]:
    headers = record.headers
    content_type = record.http_content_type if record.is_http else headers.get("Content-Type")
    meta = {
        "url": headers.get("WARC-Target-URI"),
        "warc_record_id": record.record_id,
        "date": headers.get("WARC-Date"),
        "content_type": content_type.split(";")[0].strip().lower() if content_type else None,
    }
    if record.is_http and record.http_charset:
        meta["charset"] = record.http_charset
    return meta


def _is_html(content_type: str | None, body: bytes) -> bool:
    """HTML by its declared type; a response without one, by the start of its body."""
    if content_type:
        return content_type in HTML_TYPES
    return body[:1024].lstrip().lower().startswith(_SNIFF)


def _bad(piece: Piece, number: int, body: bytes, meta: dict[str, Any], reason: Reason, what: str) -> Item:
    """A record to quarantine, with the start of its body as raw."""
    detail = f"WARC record {number} ({meta.get('url')}) {what}"
    return Item(piece.path, piece.name, number, raw=body[:KEPT_PREFIX_BYTES], kind="warc", meta=meta,
                error=BadRecord(reason, detail))


def _skipped(piece: Piece, number: int, reason: str, meta: dict[str, Any]) -> Item:
    return Item(piece.path, piece.name, number, kind="skip", skip=reason, meta=meta)
