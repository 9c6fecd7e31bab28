"""The `zhclean` command line: clean, dedup, run, explain, report, steps, eval."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool

from rich.console import Console
from rich.markup import escape

from zhclean.core.outcome import AccountingError

err = Console(stderr=True)

CLEAN_EXAMPLE = """example:
  zhclean clean crawl.jsonl.zst -o clean.jsonl
  zhclean clean pages/ -o clean/ --format parquet --shard-size 100000 --workers 8
  cat crawl.jsonl | zhclean clean - -o - > clean.jsonl

side files for -o clean.jsonl: clean.quarantine.jsonl, clean.dropped.jsonl, clean.summary.json
(for a folder -o clean/: clean.quarantine.jsonl, ... beside it); work in progress: clean.parts/"""

DEDUP_EXAMPLE = """example:
  zhclean dedup clean.jsonl -o unique.jsonl              # writes unique.clusters.jsonl too
  zhclean dedup batch2.jsonl -o unique2.jsonl --index idx/   # against everything kept before"""

RUN_EXAMPLE = """example:
  zhclean run crawl.jsonl -o unique.jsonl    # clean, then deduplicate the cleaned records"""

EXPLAIN_EXAMPLE = """example:
  zhclean explain '区人(ren)大常委会(hui)主任程绣(xiu)明,来源:上海杨浦'
  zhclean explain ../shared/seeds/002.txt
  zhclean explain crawl.jsonl --id dev00042 --json     # one record, as the run read it
  zhclean explain crawl.parquet --line 17
  pbpaste | zhclean explain -                           # a text on stdin (JSONL with --id/--line)"""

REPORT_EXAMPLE = """example:
  zhclean clean crawl.jsonl -o clean.jsonl
  zhclean report clean.jsonl           # writes clean.report.html and clean.report.json
  zhclean run crawl.jsonl -o unique.jsonl --report   # the same, right after the run"""

EVAL_EXAMPLE = """example:
  zhclean clean ../shared/dev/noisy.jsonl -o out/dev.jsonl
  zhclean eval out/dev.jsonl ../shared/dev/gold.jsonl"""


class UsageError(Exception):
    """A mistake in how zhclean was called; reported in one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, with "did you mean" for a mistyped flag or command (Python 3.11's has none)."""

    def error(self, message: str):  # type: ignore[override]
        super().error(message + _did_you_mean(self, message))


def _did_you_mean(parser: argparse.ArgumentParser, message: str) -> str:
    import difflib
    import re

    if message.startswith("unrecognized arguments:"):
        words, known = [w.split("=")[0] for w in message.split()[2:] if w.startswith("-")], _flags(parser)
    elif m := re.match(r"argument \S+: invalid choice: '([^']*)'", message):
        words, known = [m.group(1)], [c for a in parser._actions for c in (a.choices or ())
                                      if isinstance(a, argparse._SubParsersAction)]
    else:
        return ""
    hints = [f"{w} → {close[0]}" for w in words if (close := difflib.get_close_matches(w, known, n=1, cutoff=0.6))]
    return f" (did you mean: {', '.join(hints)}?)" if hints else ""


def _flags(parser: argparse.ArgumentParser) -> list[str]:
    """Every option string of the parser and its subcommands."""
    found: list[str] = []
    for action in parser._actions:
        found += [o for o in action.option_strings if o.startswith("--")]
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _flags(sub)
    return sorted(set(found))


def _add_config_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="TOML config file (see zhclean.toml)")
    p.add_argument("--steps", help="comma-separated steps to run, in order (default: all, SPEC order)")
    p.add_argument("--skip", help="comma-separated steps or filters to leave out")
    p.add_argument("--filters", help="comma-separated filters to run, or none (default: the default filters)")
    p.add_argument("--signals", action="store_true", default=None,
                   help="keep every filter's signals in the output's zhclean.signals")
    p.add_argument("--script", choices=["auto", "simplified", "traditional", "keep"],
                   help="script handling (default auto: restore machine-converted Traditional only)")
    p.add_argument("--rules", action="append", help="extra boilerplate rule file (TOML); repeatable")
    p.add_argument("--lines-table", help="folder of saved cross-document line counts (see --corpus-lines); "
                                         "a run with --corpus-lines adds its own")


def _add_run_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", help="JSONL(.gz/.zst), Parquet, .txt files, folders, or - for stdin")
    p.add_argument("-o", "--output", required=True, help="output file (format from extension), folder, or -")
    p.add_argument("--text-field", help="field holding the text (default: text)")
    p.add_argument("--max-chars", type=int, help="records longer than this go to quarantine")
    p.add_argument("--max-seconds", type=float,
                   help="CPU seconds one document may take to clean (plus 1 per million characters; "
                        "default 5, 0 = no limit); slower ones go to quarantine as timeout")
    p.add_argument("--shard-size", type=int, help="records per output shard")
    p.add_argument("--format", default="jsonl", choices=["jsonl", "jsonl.gz", "jsonl.zst", "parquet"],
                   help="shard format when the output is a folder")
    p.add_argument("--workers", type=int, help="processes (default: all cores)")
    p.add_argument("--engine", choices=["local", "ray"], help="execution engine (default: local)")
    p.add_argument("--ray-address", help="Ray cluster address (default: start a local Ray)")
    p.add_argument("--limit", type=int, metavar="N", help="read only the first N records (a quick look)")
    p.add_argument("--dry-run", action="store_true",
                   help="check the flags, inputs and output, show the plan; write nothing")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary table")
    p.add_argument("--resume", action="store_true",
                   help="finish an interrupted run from its parts folder (OUT.parts), same config and inputs")
    p.add_argument("--corpus-lines", action="store_true", default=None,
                   help="also remove lines and sentences that many unrelated documents share at their edges "
                        "(footers, inserted notices; counted while cleaning, then one more pass over the cleaned parts)")
    _add_config_flags(p)


def _add_dedup_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--threshold", type=float, help="Jaccard threshold on character 5-grams (default 0.8)")
    p.add_argument("--keep-all", action="store_true", default=None, help="annotate every record instead of dropping")
    p.add_argument("--index", help="folder of a persistent signature index, shared across runs")


def _add_report_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--report", action="store_true",
                   help="after the run, write OUT.report.html (charts, tables, examples) and OUT.report.json")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="zhclean",
        description="Clean scraped Chinese web text into canonical text with provenance, and find the reposts.",
    )
    from zhclean import __version__

    parser.add_argument("--version", action="version", version=f"zhclean {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    fmt = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser("clean", help="clean a dataset", epilog=CLEAN_EXAMPLE, formatter_class=fmt)
    _add_run_flags(p)
    _add_report_flag(p)
    if _dedup_available():
        p = sub.add_parser("dedup", help="find near-duplicates and keep one per cluster",
                           epilog=DEDUP_EXAMPLE, formatter_class=fmt)
        _add_run_flags(p)
        _add_dedup_flags(p)
        _add_report_flag(p)
        p = sub.add_parser("run", help="clean, then dedup", epilog=RUN_EXAMPLE, formatter_class=fmt)
        _add_run_flags(p)
        _add_dedup_flags(p)
        _add_report_flag(p)
    p = sub.add_parser("explain", help="show what cleaning removes from one document, and why",
                       epilog=EXPLAIN_EXAMPLE, formatter_class=fmt)
    p.add_argument("document", help="the text itself, a .txt file, a JSONL/Parquet file (with --id or --line), "
                                    "or - for stdin")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--id", dest="record_id", metavar="ID", help="explain the record with this id")
    which.add_argument("--line", type=int, metavar="N", help="explain the record on line (Parquet: row) N, from 1")
    p.add_argument("--json", action="store_true", help="print the explanation as JSON (every removal, rule, position)")
    p.add_argument("--text-field", help="field holding the text (default: text)")
    _add_config_flags(p)
    p = sub.add_parser("report", help="write the HTML report (and its JSON twin) of a finished run",
                       epilog=REPORT_EXAMPLE, formatter_class=fmt)
    p.add_argument("output", help="the run's output (what -o named), or its .summary.json")
    sub.add_parser("steps", help="list the registered steps and filters with their documentation")
    p = sub.add_parser("eval", help="score cleaned output against a gold file", epilog=EVAL_EXAMPLE,
                       formatter_class=fmt)
    p.add_argument("predicted")
    p.add_argument("gold")
    return parser


def _dedup_available() -> bool:
    try:
        import zhclean.jobs.dedup  # noqa: F401
    except ImportError:
        return False
    return True


def _config(args: argparse.Namespace):
    from zhclean.config import load_config

    config = load_config(args.config) if getattr(args, "config", None) else load_config(None)
    split = lambda v: [s.strip() for s in v.split(",") if s.strip()] if v else None  # noqa: E731
    return config.with_overrides(
        steps=split(args.steps), skip=split(args.skip), script=args.script, rules=args.rules,
        filters=_filter_list(args.filters), signals=args.signals,
        text_field=getattr(args, "text_field", None), max_chars=getattr(args, "max_chars", None),
        max_seconds=getattr(args, "max_seconds", None),
        shard_size=getattr(args, "shard_size", None), workers=getattr(args, "workers", None),
        engine=getattr(args, "engine", None), ray_address=getattr(args, "ray_address", None),
        threshold=getattr(args, "threshold", None), keep_all=getattr(args, "keep_all", None),
        index=getattr(args, "index", None), limit=getattr(args, "limit", None),
        lines_enabled=getattr(args, "corpus_lines", None), lines_table=getattr(args, "lines_table", None),
    )


def _filter_list(value: str | None) -> list[str] | None:
    """`--filters a,b` as a list; `--filters none` (or an empty value) as no filters."""
    if value is None:
        return None
    names = [s.strip() for s in value.split(",") if s.strip()]
    return [] if names in ([], ["none"]) else names


def cmd_clean(args: argparse.Namespace) -> int:
    from zhclean.jobs.clean import clean_dataset

    config = _config(args)
    if args.dry_run:
        return _dry_run(args, config)
    summary = clean_dataset(args.inputs, args.output, config, progress=not args.quiet,
                            shard_format=args.format, resume=args.resume)
    _hint(summary, args.output, config)
    if not args.quiet:
        summary.render(err)
    _report_after(args)
    return 0


def cmd_dedup(args: argparse.Namespace, clean_first: bool = False) -> int:
    from zhclean.jobs.dedup import dedup_dataset

    config = _config(args)
    if args.dry_run:
        return _dry_run(args, config)
    summary = dedup_dataset(args.inputs, args.output, config, progress=not args.quiet,
                            shard_format=args.format, clean_first=clean_first, resume=args.resume)
    _hint(summary, args.output, config)
    if not args.quiet:
        summary.render(err)
    _report_after(args)
    return 0


def _report_after(args: argparse.Namespace) -> None:
    if args.report:  # with -o -, beside the summary zhclean-stdout.summary.json
        _write_report(args.output)


def _write_report(output: str) -> None:
    from zhclean.report.html import write_report

    html_path, json_path = write_report(_summary_path(output))
    err.print(f"report: {escape(html_path)} (and {escape(json_path)})", highlight=False, soft_wrap=True)


def _summary_path(output: str) -> str:
    """The summary of a run whose output is `output` (or `output` itself, a summary)."""
    from zhclean.jobs.output import OutputSpec

    if output.endswith(".summary.json") and os.path.isfile(output):
        return output
    path = OutputSpec.of(output).side("summary")
    if not os.path.isfile(path):
        raise UsageError(f"no summary of a finished run at {path} (is {output} what -o named?)")
    return path


def cmd_report(args: argparse.Namespace) -> int:
    _write_report(args.output)
    return 0


def _dry_run(args: argparse.Namespace, config) -> int:
    """The plan as JSON on stdout (nothing written); the same checks and errors as a run."""
    import orjson

    from zhclean.jobs.clean import dry_run

    plan = dry_run(args.inputs, args.output, config, args.format, args.resume)
    sys.stdout.write(orjson.dumps(plan, option=orjson.OPT_INDENT_2).decode() + "\n")
    return 0


def _hint(summary, output: str, config) -> None:
    """Warnings the run's counts call for (printed even with --quiet: they are not progress)."""
    from zhclean.jobs.output import OutputSpec
    from zhclean.report.hints import missing_text_hint

    hint = missing_text_hint(summary.as_dict(), OutputSpec.of(output).side("quarantine"), config.text_field)
    if hint:
        err.print(f"[bold yellow]zhclean: warning:[/] {escape(hint)}", highlight=False, soft_wrap=True)
    skipped = summary.skipped_files
    if skipped:
        listed = ", ".join(f"{n:,} {ext}" for ext, n in skipped.most_common(5))
        err.print(f"[bold yellow]zhclean: warning:[/] files zhclean does not read were skipped: {listed}",
                  highlight=False, soft_wrap=True)


def cmd_explain(args: argparse.Namespace) -> int:
    from zhclean.explain import explain_document, explanation

    config = _config(args)
    picked = _picked_document(args, config)
    if args.json:
        import orjson

        sys.stdout.write(orjson.dumps(explanation(picked, config), option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    chosen = args.record_id is not None or args.line is not None
    title = f"record {picked.doc_id} (line {picked.line})" if chosen else None
    explain_document(picked.text, config, Console(), title=title)
    return 0


def _picked_document(args: argparse.Namespace, config):
    """The document `explain` was given: a record picked from a file or stdin by --id or
    --line, a file that is one document, stdin's text, or the argument itself."""
    from zhclean.explain import Picked, pick_record
    from zhclean.io.formats import detect

    document, wanted = args.document, {"doc_id": args.record_id, "line": args.line}
    selecting = args.record_id is not None or args.line is not None
    if document == "-":
        if selecting:
            return pick_record("-", config, **wanted)
        from zhclean.io.decode import decode_bytes

        return Picked(decode_bytes(sys.stdin.buffer.read())[0])
    if not os.path.exists(document):
        if _looks_like_a_path(document):
            raise UsageError(f"no such file: {document} (to explain a text, pass the text itself)")
        if selecting:
            raise UsageError("--id and --line pick a record of a file (or of JSONL on stdin, with -)")
        return Picked(document)
    found = detect(document)
    if os.path.isdir(document):
        raise UsageError(f"{document} is a folder: explain one file's record, with --id or --line")
    if found is None:
        if selecting:
            raise UsageError(f"{document}: not a format zhclean reads records from")
        from zhclean.io.decode import decode_bytes

        with open(document, "rb") as f:
            return Picked(decode_bytes(f.read())[0])
    if not selecting and found.kind not in ("txt", "html"):
        raise UsageError(f"{document} holds many records: pick one with --id ID or --line N")
    return pick_record(document, config, **wanted)


def _looks_like_a_path(text: str) -> bool:
    """A short, one-line argument without Han characters that ends like a file zhclean
    reads: a mistyped path, not a document to explain."""
    from zhclean.io.formats import detect

    return "\n" not in text and len(text) < 260 and detect(text) is not None and not any(
        "\u4e00" <= ch <= "\u9fff" for ch in text)


def cmd_steps(args: argparse.Namespace) -> int:
    from rich.markdown import Markdown

    from zhclean.filters import DEFAULT_FILTERS, FILTERS
    from zhclean.steps import DEFAULT_ORDER, REGISTRY

    console = Console()
    for name in DEFAULT_ORDER + tuple(n for n in REGISTRY if n not in DEFAULT_ORDER):
        console.rule(f"[bold]step: {name}")
        console.print(Markdown(REGISTRY[name].doc.strip()))
    for name in DEFAULT_FILTERS + tuple(n for n in FILTERS if n not in DEFAULT_FILTERS):
        console.rule(f"[bold]filter: {name}{'' if FILTERS[name].default else ' (off by default)'}")
        console.print(Markdown(FILTERS[name].doc.strip()))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    import orjson

    from zhclean.eval import read_records, score

    predicted, gold = read_records(args.predicted), read_records(args.gold)
    result = score(predicted, gold)
    if result.records == 0:
        raise UsageError(f"no record of {args.predicted} has an id of {args.gold} "
                         f"({len(predicted):,} and {len(gold):,} records): is it the right gold file?")
    if result.missing:
        err.print(f"zhclean: warning: {len(result.missing):,} of {len(gold):,} gold records have no "
                  f"prediction (e.g. {result.missing[0]}); they are not scored", highlight=False, soft_wrap=True)
    Console().print_json(orjson.dumps(result.as_dict()).decode())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:  # a Ctrl-C while the commands' modules still load
        parser = build_parser()
    except KeyboardInterrupt:
        err.print("zhclean: interrupted")
        return 130
    args = parser.parse_args(argv)
    handlers = {
        "clean": cmd_clean, "explain": cmd_explain, "steps": cmd_steps, "eval": cmd_eval, "report": cmd_report,
        "dedup": cmd_dedup, "run": lambda a: cmd_dedup(a, clean_first=True),
    }
    try:
        return handlers[args.command](args)
    except (UsageError, ValueError, FileNotFoundError, IsADirectoryError, PermissionError) as error:
        err.print(f"[bold red]zhclean:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        return 2
    except AccountingError as error:
        err.print(f"[bold red]zhclean:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        return 1
    except BrokenProcessPool:
        err.print("[bold red]zhclean:[/] a worker process died (out of memory, or killed); "
                  "the same command with --resume continues", highlight=False, soft_wrap=True)
        return 1
    except OSError as error:  # a full disk, a folder that cannot be written
        where = f": {error.filename}" if error.filename else ""
        err.print(f"[bold red]zhclean:[/] {escape(error.strerror or str(error))}{escape(where)}"
                  + ("; the same command with --resume continues" if args.command in ("clean", "dedup", "run") else ""),
                  highlight=False, soft_wrap=True)
        return 1
    except KeyboardInterrupt:
        if args.command in ("clean", "dedup", "run"):
            err.print("zhclean: interrupted; the same command with --resume finishes the job")
        else:
            err.print("zhclean: interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
