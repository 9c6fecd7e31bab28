"""`zhclean report`: one self-contained HTML page (and its JSON twin) of what a run did.

Built from the run's `OUT.summary.json` alone, whose counters the shard tasks gathered
(`zhclean.core.observe`): where the records went, what each step changed and which rules
fired, what the filters dropped, histograms of the documents, near-duplicate clusters, and
examples with the removed text struck through. Charts are inline SVG and the page loads
nothing from the network, so it opens offline, in a mail attachment, or printed.

Every number on the page is an element with `data-value`, inside a figure or table named
by `data-chart` / `data-table`: a test (or a user's script) can check the page against the
summary without parsing prose.
"""

from __future__ import annotations

import os
from html import escape
from typing import Any

import orjson

from zhclean.core.observe import HISTOGRAM_TITLES, HISTOGRAMS, bucket_labels
from zhclean.jobs.parts import write_atomic

_BAR_HEIGHT = 18
_LABEL_WIDTH = 230
_CHART_WIDTH = 720
_TOP_RULES = 40

_CSS = """
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "PingFang SC",
       "Microsoft YaHei", sans-serif; color: #1d1d1f; max-width: 1000px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0; } h2 { border-bottom: 1px solid #ddd; margin-top: 2em; }
.sub { color: #666; margin-top: .2em; }
table { border-collapse: collapse; margin: .5em 0 1em; } th, td { padding: 2px 10px; text-align: left; }
th { border-bottom: 1px solid #999; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #f6f6f6; }
figure { margin: .5em 0 1.5em; } figcaption { font-weight: 600; margin-bottom: .3em; }
svg text { font-size: 12px; fill: #333; } svg rect.bar { fill: #4a78b5; } svg rect.bad { fill: #c0504d; }
.ok { color: #2e7d32; font-weight: 600; } .fail { color: #c62828; font-weight: 600; }
.example { border: 1px solid #ddd; border-radius: 4px; padding: .5em .8em; margin: .6em 0; }
.example .meta { color: #666; font-size: .9em; }
.diff { white-space: pre-wrap; word-break: break-all; font-family: ui-monospace, "SFMono-Regular", Menlo,
        "Noto Sans Mono CJK SC", monospace; font-size: 13px; background: #fafafa; padding: .4em; }
del { background: #ffd7d5; color: #8b0000; } ins { background: #d4f5d4; color: #064d06; text-decoration: none; }
.cut { color: #999; font-style: italic; }
@media print { body { max-width: none; margin: 0; } .example, figure, table { break-inside: avoid; } }
"""


def build_report(summary: dict[str, Any], source: str = "") -> dict[str, Any]:
    """The report's content, as data: what the HTML shows and the JSON twin holds."""
    observed = summary.get("observed") or {}
    edits = summary.get("edits", {})
    changed = observed.get("changed", {})
    steps = sorted(set(edits) | set(changed), key=lambda s: (-changed.get(s, 0), s))
    return {
        "source": source,
        "outcomes": {k: summary.get(k, 0) for k in ("in", "kept", "dropped", "quarantined", "skipped")},
        "balanced": summary.get("balanced"),
        "characters": {"in": summary.get("chars_in", 0), "out": summary.get("chars_out", 0)},
        "speed": {k: summary.get(k) for k in ("seconds", "mb_per_s", "workers", "shards", "bytes_in")},
        "steps": [{"step": s, "documents_changed": changed.get(s, 0), "edits": edits.get(s, 0)}
                  for s in steps if changed.get(s, 0) or edits.get(s, 0)],
        "rules": [{"rule": r, "hits": n} for r, n in sorted(observed.get("rules", {}).items(),
                                                            key=lambda kv: (-kv[1], kv[0]))],
        "dropped": _reasons(summary.get("dropped_reasons", {})),
        "quarantined": _reasons(summary.get("quarantine_reasons", {})),
        "skipped": _reasons(summary.get("skipped_reasons", {})),
        "histograms": {name: {"title": HISTOGRAM_TITLES[name], "labels": bucket_labels(name), "counts": counts}
                       for name, counts in observed.get("histograms", {}).items() if name in HISTOGRAMS},
        "dedup": _dedup(summary),
        "corpus_lines": summary.get("corpus_lines"),
        "examples": observed.get("examples", {}),
    }


def _reasons(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [{"reason": k, "count": v} for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _dedup(summary: dict[str, Any]) -> dict[str, Any] | None:
    if "clusters" not in summary:
        return None
    return {k: summary.get(k) for k in ("documents", "clusters", "duplicates_removed", "largest_clusters")}


def render_html(report: dict[str, Any]) -> str:
    """The report as one HTML page."""
    name = os.path.basename(report["source"]).removesuffix(".summary.json")
    title = f"zhclean report — {name or 'run'}"
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title>",
             f"<style>{_CSS}</style></head><body>", f"<h1>{escape(title)}</h1>",
             f"<p class=\"sub\">{escape(report['source'])}</p>"]
    parts += _outcomes(report)
    parts += _steps(report)
    parts += _filters(report)
    parts += _histograms(report)
    parts += _dedup_section(report)
    parts += _examples(report)
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _outcomes(report: dict[str, Any]) -> list[str]:
    o, speed, chars = report["outcomes"], report["speed"], report["characters"]
    balanced = ('<span class="ok">balanced: in = kept + dropped + quarantined + skipped</span>' if report["balanced"]
                else '<span class="fail">NOT balanced: some records are unaccounted for</span>')
    rows = [(k, o[k]) for k in ("in", "kept", "dropped", "quarantined", "skipped")]
    out = ["<h2>Where the records went</h2>", f"<p>{balanced}</p>",
           _table("outcomes", ("records", "count"), rows),
           _bar_chart("outcomes", "Records by outcome", [(k, o[k]) for k in ("kept", "dropped", "quarantined", "skipped")],
                      bad={"dropped", "quarantined"})]
    details = [("characters in", chars["in"]), ("characters out", chars["out"])]
    details += [(k.replace("_", " "), speed[k]) for k in ("bytes_in", "seconds", "mb_per_s", "workers", "shards")
                if speed.get(k) is not None]
    out.append(_table("run", ("", "value"), details))
    return out


def _steps(report: dict[str, Any]) -> list[str]:
    steps = report["steps"]
    out = ["<h2>What each step changed</h2>"]
    if not steps:
        return [*out, "<p>No step changed any document.</p>"]
    out.append(_table("steps", ("step", "kept documents changed", "edits"),
                      [(s["step"], s["documents_changed"], s["edits"]) for s in steps]))
    out.append(_bar_chart("steps", "Kept documents changed per step", [(s["step"], s["documents_changed"]) for s in steps]))
    rules = report["rules"]
    if rules:
        shown = rules[:_TOP_RULES]
        out.append(_table("rules", ("step/rule", "hits"), [(r["rule"], r["hits"]) for r in rules]))
        caption = "Hits per rule" + (f" (the {_TOP_RULES} most frequent)" if len(rules) > _TOP_RULES else "")
        out.append(_bar_chart("rules", caption, [(r["rule"], r["hits"]) for r in shown]))
    if report.get("corpus_lines"):
        entry = report["corpus_lines"]
        scalars = [(k.replace("_", " "), v) for k, v in entry.items() if isinstance(v, int | float | str)]
        out += ["<h3>Cross-document lines (corpus_lines stage)</h3>", _table("corpus_lines", ("", "value"), scalars)]
    return out


def _filters(report: dict[str, Any]) -> list[str]:
    out = ["<h2>Dropped, quarantined, skipped</h2>"]
    for name, noun in (("dropped", "filter/reason"), ("quarantined", "reason"), ("skipped", "reason")):
        rows = [(r["reason"], r["count"]) for r in report[name]]
        if not rows:
            out.append(f"<p>Nothing {name}.</p>")
            continue
        out.append(_table(name, (noun, "records"), rows))
        out.append(_bar_chart(name, f"{name.capitalize()} by {noun}", rows, bad=set(dict(rows))))
    return out


def _histograms(report: dict[str, Any]) -> list[str]:
    out = ["<h2>The documents</h2>"]
    for name, h in report["histograms"].items():
        if name != "cluster_sizes":  # shown with the near-duplicates
            out.append(_histogram_chart(name, h))
    return out


def _histogram_chart(name: str, h: dict[str, Any]) -> str:
    """A histogram as a bar chart: every bucket, empty ones too (the shape is the point)."""
    return _bar_chart(f"histogram:{name}", h["title"], list(zip(h["labels"], h["counts"], strict=True)), keep_zero=True)


def _dedup_section(report: dict[str, Any]) -> list[str]:
    dedup = report["dedup"]
    if not dedup:
        return []
    out = ["<h2>Near-duplicates</h2>",
           _table("dedup", ("", "value"), [("documents", dedup["documents"]), ("clusters", dedup["clusters"]),
                                           ("duplicates removed", dedup["duplicates_removed"])])]
    largest = dedup.get("largest_clusters") or []
    if largest:
        out.append(_table("largest_clusters", ("cluster id (its kept document)", "documents"),
                          [(c["cluster_id"], c["size"]) for c in largest]))
    h = report["histograms"].get("cluster_sizes")
    if h:
        out.append(_histogram_chart("cluster_sizes", h))
    return out


def _examples(report: dict[str, Any]) -> list[str]:
    examples = report["examples"]
    if not examples:
        return []
    out = ["<h2>Examples</h2>", "<p>A few documents per step and per filter, the same sample on any number "
           "of workers. For a step: what it removed (struck through) and added, with a little context.</p>"]
    for key in sorted(examples, key=lambda k: (not k.startswith("step:"), k)):
        kind, name = key.split(":", 1)
        out.append(f'<section data-examples="{escape(key)}"><h3>{escape(kind)}: {escape(name)}</h3>')
        for example in examples[key]:
            out.append(_step_example(example) if kind == "step" else _filter_example(example))
        out.append("</section>")
    return out


def _step_example(example: dict[str, Any]) -> str:
    pieces = []
    for op, text in example.get("diff", []):
        if op == "=":
            pieces.append(escape(text))
        elif op == "-":
            pieces.append(f"<del>{escape(text)}</del>")
        elif op == "+":
            pieces.append(f"<ins>{escape(text)}</ins>")
        else:
            label = "more changes not shown" if text == "more" else f"{text} unchanged characters"
            pieces.append(f'<span class="cut">[… {escape(label)} …]</span>')
    rules = [(r["rule"], r["removed"] or r["replacement"]) for r in example.get("removals", [])]
    more = example.get("more_removals", 0)
    table = _table("removals", ("rule", "removed"), rules + ([("…", f"{more} more")] if more else [])) if rules else ""
    return (f'<div class="example"><div class="meta">{escape(str(example["id"]))} · {example.get("edits", 0)} '
            f'edit(s)</div><div class="diff">{"".join(pieces)}</div>{table}</div>')


def _filter_example(example: dict[str, Any]) -> str:
    signals = ", ".join(f"{k} {v}" for k, v in (example.get("signals") or {}).items())
    return (f'<div class="example"><div class="meta">{escape(str(example["id"]))} · dropped: '
            f'{escape(str(example.get("reason")))} (value {escape(str(example.get("value")))}) · {escape(signals)}'
            f'</div><div class="diff">{escape(example.get("text", ""))}'
            f'{"…" if example.get("chars", 0) > len(example.get("text", "")) else ""}</div></div>')


def _cell(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return f"<td>{escape(str(value))}</td>"
    if isinstance(value, int | float):
        shown = f"{value:,}" if isinstance(value, int) else f"{value:,.3g}"
        return f'<td class="n" data-value="{value}">{shown}</td>'
    return f"<td>{escape(str(value))}</td>"


def _table(name: str, header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    head = "".join(f'<th class="n">{escape(h)}</th>' if i else f"<th>{escape(h)}</th>" for i, h in enumerate(header))
    body = "".join(f'<tr data-key="{escape(str(row[0]))}">' + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f'<table data-table="{escape(name)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _bar_chart(name: str, caption: str, bars: list[tuple[str, int]], bad: set[str] = frozenset(),
               keep_zero: bool = False) -> str:
    """A horizontal bar chart as inline SVG: one labelled bar per (label, value)."""
    bars = [(label, value) for label, value in bars if value or keep_zero]
    if not bars:
        return ""
    top = max(value for _, value in bars) or 1
    room = _CHART_WIDTH - _LABEL_WIDTH - 90
    height = _BAR_HEIGHT * len(bars) + 4
    rows = []
    for i, (label, value) in enumerate(bars):
        y = i * _BAR_HEIGHT + 2
        width = max(round(room * value / top), 1 if value else 0)
        kind = "bad" if label in bad else "bar"
        rows.append(f'<text x="{_LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{escape(label[:40])}</text>'
                    f'<rect class="{kind}" x="{_LABEL_WIDTH}" y="{y}" width="{width}" height="{_BAR_HEIGHT - 4}" '
                    f'data-label="{escape(label)}" data-value="{value}"><title>{escape(label)}: {value:,}</title></rect>'
                    f'<text x="{_LABEL_WIDTH + width + 4}" y="{y + 13}">{value:,}</text>')
    return (f'<figure class="chart" data-chart="{escape(name)}"><figcaption>{escape(caption)}</figcaption>'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_CHART_WIDTH}" height="{height}" '
            f'viewBox="0 0 {_CHART_WIDTH} {height}" role="img" aria-label="{escape(caption)}">{"".join(rows)}</svg>'
            f"</figure>")


def report_paths(summary_path: str) -> tuple[str, str]:
    """`OUT.report.html` and `OUT.report.json` beside `OUT.summary.json`."""
    stem = summary_path[: -len(".summary.json")] if summary_path.endswith(".summary.json") else summary_path
    return f"{stem}.report.html", f"{stem}.report.json"


def write_report(summary_path: str) -> tuple[str, str]:
    """Write the report of the run whose summary is `summary_path`; the two paths written.
    Each file is written under a temporary name and renamed: a report is whole or absent."""
    with open(summary_path, "rb") as f:
        summary = orjson.loads(f.read())
    report = build_report(summary, os.path.abspath(summary_path))
    html_path, json_path = report_paths(summary_path)
    write_atomic(json_path, orjson.dumps(report, option=orjson.OPT_INDENT_2))
    write_atomic(html_path, render_html(report).encode())
    return html_path, json_path
