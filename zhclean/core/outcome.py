"""Where a document ends: kept, dropped (by a filter or a stage) or quarantined.

Every input record ends in exactly one of these, and the run's counts are counts of them.
Quarantine reasons are a closed set of codes, so the summary has a bounded set of keys
whatever the input: the free-text detail (which byte, which field) stays on the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Reason(StrEnum):
    """Why a record could not be cleaned. The value is the code in the quarantine file."""

    MALFORMED_JSON = "malformed_json"
    NOT_AN_OBJECT = "not_an_object"
    MISSING_TEXT = "missing_text"
    TEXT_NOT_STRING = "text_not_string"
    UNDECODABLE = "undecodable"
    TOO_LONG = "too_long"
    UNREADABLE_FILE = "unreadable_file"  # a truncated .gz, a Parquet file without a footer
    CORRUPT_ROW_GROUP = "corrupt_row_group"  # stands for all the rows of the group
    TRUNCATED_RECORD = "truncated_record"  # a WARC record whose body ends before its length
    BAD_HTML = "bad_html"  # a page the HTML parser cannot read
    UNWRITABLE = "unwritable"  # a value the output format cannot hold
    STEP_ERROR = "step_error"  # a cleaning step raised: a bug, but the run goes on
    TIMEOUT = "timeout"  # cleaning used up --max-seconds of CPU time


class BadRecord(ValueError):
    """A record that cannot be cleaned: a reason code and a human detail."""

    def __init__(self, reason: Reason, detail: str, rows: int = 1) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.rows = rows  # input records it stands for (a corrupt row group: all of them)


@dataclass(slots=True)
class Quarantined:
    """A record that could not be cleaned, with its raw input so nothing is lost."""

    source: str
    line: int
    reason: Reason
    detail: str
    raw: str | None
    rows: int = 1

    def as_row(self) -> dict[str, Any]:
        row: dict[str, Any] = {"source": self.source, "line": self.line, "reason": self.reason.value,
                               "error": self.detail, "raw": self.raw}
        if self.rows != 1:
            row["rows"] = self.rows
        return row


@dataclass(slots=True)
class Dropped:
    """A cleaned record a filter or a stage decided against, and why."""

    record: dict[str, Any]
    by: str  # the filter or stage: "near_duplicate", "min_length", ...
    reason: str  # a short code of that filter's
    value: Any = None  # the signal behind the verdict

    def as_row(self) -> dict[str, Any]:
        return {"filter": self.by, "reason": self.reason, "value": self.value, "record": self.record}


class AccountingError(RuntimeError):
    """A finished job whose records in are not its records out: a stage lost or doubled
    records. Raised before anything is committed."""
