"""`zhclean explain`: the cleaned text and, step by step, what went and which rule fired;
then each filter's signals and verdict."""

from __future__ import annotations

from itertools import groupby

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from zhclean.config import Config
from zhclean.pipeline import Pipeline, Result


def explain_document(text: str, config: Config, console: Console) -> None:
    pipeline = Pipeline.from_config(config)
    result = pipeline.clean(text, explain=True)
    shared = _shared_units(result, config)
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
            table.add_row(r.rule, str(r.position), repr(r.removed)[1:-1][:80], r.replacement[:40])
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
