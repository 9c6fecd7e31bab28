"""`zhclean explain`: the cleaned text and, step by step, what went and which rule fired;
then each filter's signals and verdict. As a table for people, or as JSON for scripts.

The document is a text, a `.txt` file, stdin, or one record of a JSONL/Parquet file picked
by `--id` or `--line`; a record is read and validated exactly as `zhclean clean` reads it,
so what `explain` shows is what the run did.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from zhclean.config import Config
from zhclean.pipeline import Pipeline, Result


@dataclass
class Picked:
    """The document to explain: its id (a record's, or none for a plain text) and text."""

    text: str
    doc_id: str | None = None
    line: int | None = None


def pick_record(path: str, config: Config, doc_id: str | None = None, line: int | None = None) -> Picked:
    """The record of a JSONL/Parquet file (or `-`, JSONL on stdin) with id `doc_id`, or on
    1-based line (row) `line`; read as far as it, never further. Records without an id get
    the one a run would give them (`name:line`), so an id from the output finds its input."""
    from zhclean.core.outcome import BadRecord
    from zhclean.engines.records import parse_all
    from zhclean.io.shards import plan_shards, shard_items

    items = (item for shard in plan_shards([path]).shards for item in shard_items(shard))
    for item in items:
        if line is not None and item.line != line:
            if item.line > line:  # one file: its lines only grow, and line `line` is not there
                break
            continue
        (parsed,) = parse_all([item], config)
        if isinstance(parsed, tuple):
            record, text = parsed
            found = str(record[config.id_field])
            if doc_id is None or found == doc_id:
                return Picked(text, found, item.line)
        elif isinstance(parsed, BadRecord) and (line is not None or _may_be(item, doc_id, config)):
            raise ValueError(f"{path}:{item.line}: that record cannot be cleaned ({parsed.reason.value}: "
                             f"{parsed.detail}); a run sends it to quarantine")
    wanted = f"no record with id {doc_id!r}" if doc_id is not None else f"no line {line}"
    raise ValueError(f"{path}: {wanted}")


def _may_be(item: Any, doc_id: str | None, config: Config) -> bool:
    """Whether an item that cannot be cleaned is the record `doc_id`: by the id a run gives
    it, or by its own id when it is a JSON object with one (its text is what is wrong)."""
    if doc_id is None:
        return False
    from zhclean.engines.records import made_id

    if made_id(item) == doc_id:
        return True
    if item.raw is None or doc_id.encode() not in item.raw:
        return False
    from zhclean.io import jsonsafe

    try:
        record = jsonsafe.loads(item.raw)
    except ValueError:
        return False
    return isinstance(record, dict) and str(record.get(config.id_field)) == doc_id


def explanation(picked: Picked, config: Config) -> dict[str, Any]:
    """Everything `explain` shows, as JSON: the cleaned text, the outcome, each step's edits,
    every removal with its step, rule and position, the fields, each filter's signals."""
    pipeline = Pipeline.from_config(config)
    result = pipeline.clean(picked.text, explain=True)
    shared = _shared_units(result, config)
    removals = [{"step": r.step, "rule": r.rule, "position": r.position, "removed": r.removed,
                 "replacement": r.replacement} for r in result.removals]
    removals += [{"step": "corpus_lines", "rule": rule, "position": at, "removed": removed, "replacement": ""}
                 for rule, at, removed in (shared[0] if shared else [])]
    verdict = result.verdict
    return {
        "id": picked.doc_id, "line": picked.line, "text": result.text, "kept": result.kept,
        "dropped_by": result.dropped_by, "reason": verdict.reason if verdict else None,
        "value": verdict.value if verdict else None, "edits": dict(result.meta["edits"]),
        "rules": dict(sorted(result.rules.items())), "removals": removals,
        "fields": {k: v for k, v in result.meta.items() if k != "edits"}, "signals": result.signals,
    }


def explain_document(text: str, config: Config, console: Console, title: str | None = None) -> None:
    pipeline = Pipeline.from_config(config)
    result = pipeline.clean(text, explain=True)
    shared = _shared_units(result, config)
    if title:
        console.print(f"[bold]{title}[/]", highlight=False)
    console.print(Panel(result.text or "[dim](empty)[/]", title="cleaned text", title_align="left"))
    by_step = {step: list(items) for step, items in groupby(result.removals, key=lambda r: r.step)}
    for name in pipeline.names:
        removals = by_step.get(name, [])
        edits = result.meta["edits"].get(name, 0)
        if not edits and not removals:
            continue
        table = Table(title=f"{name}: {edits} edit(s)", title_justify="left", show_lines=False)
        table.add_column("rule")
        table.add_column("at", justify="right")
        table.add_column("removed")
        table.add_column("→")
        for r in removals[:200]:
            table.add_row(r.rule, str(r.position), repr(r.removed)[1:-1][:80], r.replacement[:120])
        if len(removals) > 200:
            table.add_row("…", "", f"{len(removals) - 200} more", "")
        console.print(table)
    if shared is not None:
        _print_shared(*shared, console)
    _print_filters(result, console)
    meta = {k: v for k, v in result.meta.items() if k != "edits" and v not in (None, False)}
    console.print(Panel("\n".join(f"{k}: {v}" for k, v in meta.items()), title="fields", title_align="left"))


def _shared_units(result: Result, config: Config) -> tuple[list, int, int] | None:
    """With `--lines-table`: the units the corpus-lines stage would remove from the cleaned
    text, judged on the saved counts (the text is updated); their texts, the table's
    documents and the spread needed."""
    if not config.corpus_lines.table:
        return None
    from zhclean.jobs.corpus_lines import table_frequent
    from zhclean.stages.corpus_lines import remove_units

    frequent, documents, needed = table_frequent(config)
    before = result.text
    result.text, cuts = remove_units(before, frequent)
    result.meta["edits"]["corpus_lines"] = len(cuts)
    return [(c.rule, c.start, before[c.start:c.end]) for c in cuts], documents, needed


def _print_shared(cuts: list, documents: int, needed: int, console: Console) -> None:
    table = Table(title=f"corpus_lines: {len(cuts)} edit(s) (table of {documents:,} documents; "
                        f"shared = in {needed:,} or more unrelated ones)", title_justify="left")
    table.add_column("rule")
    table.add_column("at", justify="right")
    table.add_column("removed")
    for rule, at, removed in cuts:
        table.add_row(rule, str(at), repr(removed)[1:-1][:80])
    console.print(table)


def _print_filters(result: Result, console: Console) -> None:
    """One row per filter that ran: its signals, and keep or the drop with reason and value."""
    if not result.signals:
        return
    table = Table(title="filters", title_justify="left")
    table.add_column("filter")
    table.add_column("signals")
    table.add_column("verdict")
    for name, signals in result.signals.items():
        shown = ", ".join(f"{k} {v}" for k, v in signals.items())
        verdict = (f"[red]drop: {result.verdict.reason} ({result.verdict.value})[/]"
                   if name == result.dropped_by and result.verdict else "[green]keep[/]")
        table.add_row(name, shown, verdict)
    console.print(table)
