"""Run configuration: defaults, a `zhclean.toml` file, then command-line flags, in that order.

Every key is documented in the example `zhclean.toml` at the root of the repository.
Unknown keys are errors, not silently ignored: a typo in a config file must not quietly turn
a step off. Values are checked when they are read, against the annotations of the
dataclasses they fill (`Config`, `DedupConfig`, each step's options) and the ranges their
`setting(...)` fields declare, so that a wrong type is one line naming the file, the key and
the problem, not a traceback from every worker. `check_config` also loads the boilerplate
rule files a config names: call it before creating any output.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import json
import math
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal, Union


class ConfigError(ValueError):
    """A setting or a rule file that cannot work, in one line: the file, the key, the problem
    (`zhclean.toml: [steps.script] threshold: expected a number, got string "high"`)."""


def setting(default: Any = dataclasses.MISSING, *, at_least: float | None = None,
            above: float | None = None, at_most: float | None = None,
            choices: tuple | None = None, nonempty: bool = False, note: str = "") -> Any:
    """A dataclass field with the checks a config applies to it beyond its type: a range
    (`above` is an exclusive lower bound), allowed values, `nonempty` (no empty string or
    list, no empty string in a list). `note` explains a special value, e.g. "0 = all cores".
    Without a default the key is required."""
    checks = {"at_least": at_least, "above": above, "at_most": at_most, "choices": choices,
              "nonempty": nonempty or None, "note": note or None}
    return field(default=default, metadata={k: v for k, v in checks.items() if v is not None})


# The largest n-gram the dedup shingle hash has multipliers for (zhclean.dedup.canonical).
MAX_NGRAM = 8


@dataclass(frozen=True)
class DedupConfig:
    threshold: float = setting(0.8, above=0, at_most=1)  # Jaccard similarity of character 5-gram sets
    ngram: int = setting(5, at_least=1, at_most=MAX_NGRAM)
    num_perm: int = setting(128, at_least=1)  # any count bands: optimal_bands uses num_perm // rows
    keep_all: bool = False  # annotate every record instead of dropping duplicates
    index: str | None = None  # folder of a persistent signature index


@dataclass(frozen=True)
class CorpusLinesConfig:
    """The cross-document boilerplate stage (`zhclean.stages.corpus_lines`)."""

    enabled: bool = False  # counted while cleaning, then one more pass over the cleaned parts
    # a line or sentence at a document's edge goes when it stands in this many unrelated
    # documents, or in this share of the corpus if that is more
    min_documents: int = setting(10, at_least=2)
    min_share: float = setting(0.0005, at_least=0, at_most=1)
    # a unit whose digits differ in more than this share of its documents is a form's field
    max_variant_share: float = setting(0.1, at_least=0, at_most=1)
    table: str | None = None  # folder of saved counts, shared across runs (like dedup's index)
    # per site (the record's `source_domain`, else the host of its `url`): a unit on this share
    # of the site's documents and on `site_min_documents` unrelated ones goes from that site's
    site_min_documents: int = setting(5, at_least=2)
    site_min_share: float = setting(0.3, above=0, at_most=1)


@dataclass(frozen=True)
class Config:
    """Everything a run needs to know, besides its input and output paths."""

    steps: tuple[str, ...] = ()  # empty: the default order of SPEC.md
    skip: tuple[str, ...] = ()  # steps or filters not to run
    step_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    filters: tuple[str, ...] | None = None  # None: the default filters; empty: none
    filter_options: dict[str, dict[str, Any]] = field(default_factory=dict)  # incl. `enabled`
    signals: bool = False  # keep every filter's signals in each output's metadata
    text_field: str = setting("text", nonempty=True)
    id_field: str = setting("id", nonempty=True)
    max_chars: int = setting(10_000_000, above=0)  # longer records go to quarantine
    # CPU seconds one document may take (plus one per million characters), else quarantine
    max_seconds: float = setting(5.0, at_least=0, note="0 = no limit")
    shard_size: int = setting(0, at_least=0, note="0 = one file")  # records per output shard
    # input bytes per shard, the unit of work and of --resume
    shard_bytes: int = setting(0, at_least=0, note="0 = from the input's size")
    limit: int = setting(0, at_least=0, note="0 = every record")  # read only the first N records
    workers: int = setting(0, at_least=0, note="0 = all cores")
    engine: str = setting("local", choices=("local", "ray"))
    ray_address: str | None = None
    dedup: DedupConfig = field(default_factory=DedupConfig)
    corpus_lines: CorpusLinesConfig = field(default_factory=CorpusLinesConfig)

    def with_overrides(self, **values: Any) -> Config:
        """A copy with CLI-style overrides; `None` means "not given". `script="simplified"`,
        `rules=[...]` and `threshold=` are shortcuts into step and dedup options. Each value
        is checked as a config file's would be: `workers=-1` or `threshold=1.5` is a
        ConfigError naming the setting."""
        values = {k: v for k, v in values.items() if v is not None}
        step_options = {k: dict(v) for k, v in _checked(
            values.pop("step_options", self.step_options), dict[str, dict[str, Any]], {},
            "step_options").items()}
        dedup = values.pop("dedup", self.dedup)
        corpus_lines = values.pop("corpus_lines", self.corpus_lines)
        _check_instance(corpus_lines, CorpusLinesConfig, "corpus_lines", lambda name: f"corpus_lines.{name}")
        lines_values = {k.removeprefix("lines_"): values.pop(k) for k in ("lines_enabled", "lines_table")
                        if k in values}
        if lines_values:
            corpus_lines = dataclasses.replace(
                corpus_lines, **check_fields(CorpusLinesConfig, lines_values, "corpus_lines."))
        filter_options = _checked_filter_options(values.pop("filter_options", self.filter_options))
        _check_instance(dedup, DedupConfig, "dedup", lambda name: f"dedup.{name}")
        if "script" in values:
            step_options.setdefault("script", {})["mode"] = values.pop("script")
        if "rules" in values:
            rules = _checked(values.pop("rules"), tuple[str, ...], {}, "rules")
            if rules:
                step_options.setdefault("boilerplate", {})["rules"] = rules
        dedup_keys = {f.name for f in dataclasses.fields(DedupConfig)}
        dedup_values = {k: values.pop(k) for k in list(values) if k in dedup_keys}
        if dedup_values:
            dedup = dataclasses.replace(dedup, **check_fields(DedupConfig, dedup_values, ""))
        known = {f.name for f in dataclasses.fields(Config)}
        unknown = sorted(set(values) - known)
        if unknown:
            known |= dedup_keys | {"script", "rules", "lines_enabled", "lines_table"}
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        values = check_fields(Config, values, "")
        for key in ("steps", "skip"):
            if key in values:
                _check_step_names(values[key], key, filters_too=key == "skip")
        if values.get("filters") is not None:
            _check_filter_names(values["filters"], "filters")
        return dataclasses.replace(self, step_options=_checked_step_options(step_options),
                                   filter_options=filter_options, dedup=dedup, corpus_lines=corpus_lines,
                                   **values)

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)


# Where each Config field sits in a TOML file: table -> {key: field}. `[steps.<step>]` holds
# each step's options and `[dedup]` the DedupConfig fields, under their own names.
_LAYOUT: dict[str, dict[str, str]] = {
    "clean": {"steps": "steps", "skip": "skip", "filters": "filters", "signals": "signals"},
    "io": {"text_field": "text_field", "id_field": "id_field", "max_chars": "max_chars", "max_seconds": "max_seconds",
           "shard_size": "shard_size", "shard_bytes": "shard_bytes", "limit": "limit"},
    "engine": {"name": "engine", "workers": "workers", "ray_address": "ray_address"},
}
_SECTIONS = (*_LAYOUT, "steps", "filters", "dedup", "corpus_lines")
_PLACE = {name: f"[{table}] {key}" for table, keys in _LAYOUT.items() for key, name in keys.items()}


def config_from_dict(data: Mapping[str, Any], source: str | None = None) -> Config:
    """Build a Config from the parsed TOML layout (see the example zhclean.toml), checking
    every key; errors name `source` (the file) first."""
    for name, table in data.items():
        if not isinstance(table, dict):
            raise _error(source, name, f"unknown key at the top level (known sections: {', '.join(_SECTIONS)})"
                         if name not in _SECTIONS else f"expected a table [{name}], got {_shown(table)}")
        if name not in _SECTIONS:
            raise _error(source, f"[{name}]", f"unknown section (known: {', '.join(_SECTIONS)})")
    values: dict[str, Any] = {}
    for table, keys in _LAYOUT.items():
        section = data.get(table, {})
        _check_known(section, keys, f"[{table}]", source, "key")
        for key, value in section.items():
            name = keys[key]
            value = _checked(value, _type_hints(Config)[name], _metadata(Config, name), f"[{table}] {key}", source)
            values[name] = None if name == "ray_address" and value == "" else value
    for key in ("steps", "skip"):
        _check_step_names(values.get(key, ()), f"[clean] {key}", source, filters_too=key == "skip")
    if values.get("filters") is not None:
        _check_filter_names(values["filters"], "[clean] filters", source)
    values["step_options"] = _checked_step_options(data.get("steps", {}), source)
    values["filter_options"] = _checked_filter_options(data.get("filters", {}), source)
    values["dedup"] = DedupConfig(**check_fields(DedupConfig, data.get("dedup", {}), "[dedup]", source))
    values["corpus_lines"] = CorpusLinesConfig(**check_fields(CorpusLinesConfig, data.get("corpus_lines", {}),
                                                              "[corpus_lines]", source))
    return Config(**values)


def load_config(path: str | os.PathLike | None = None) -> Config:
    """The defaults, or the settings of a TOML file, checked (see `config_from_dict`)."""
    if path is None:
        return Config()
    return config_from_dict(read_toml(path, "config file"), os.fspath(path))


def check_config(config: Config) -> None:
    """Raise ConfigError for anything in `config` a worker would fail on later: a value of the
    wrong type or out of range, an unknown step, a step option the step does not take, and a
    boilerplate rule file (`step_options["boilerplate"]["rules"]`) that is missing, malformed
    or has a regex that does not compile. Loading the rule files takes about a second; the
    built-in rules alone are not reloaded (the test suite checks them)."""
    if not isinstance(config, Config):
        raise TypeError(f"check_config takes a Config, not {type(config).__name__}")
    _check_instance(config, Config, "", lambda name: _PLACE.get(name, name))
    _check_instance(config.dedup, DedupConfig, "dedup", lambda name: f"[dedup] {name}")
    _check_instance(config.corpus_lines, CorpusLinesConfig, "corpus_lines", lambda name: f"[corpus_lines] {name}")
    for key in ("steps", "skip"):
        _check_step_names(config.steps if key == "steps" else config.skip, f"[clean] {key}",
                          filters_too=key == "skip")
    if config.filters is not None:
        _check_filter_names(config.filters, "[clean] filters")
    _checked_step_options(config.step_options)
    _checked_filter_options(config.filter_options)
    from zhclean.steps import REGISTRY

    options = REGISTRY["boilerplate"].make_options(config.step_options.get("boilerplate"))
    if options.rules or not options.builtin_rules:
        from zhclean.boilerplate_rules import load_rules

        load_rules(tuple(options.rules), options.builtin_rules)


def read_toml(path: str | os.PathLike, what: str) -> dict[str, Any]:
    """A TOML file's tables; a missing or unreadable file, or a syntax error (with tomllib's
    line and column), is a one-line ConfigError naming the file. `what`: "config file"..."""
    name = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{name}: {what} not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{name}: is a folder, not a {what}") from None
    except PermissionError:
        raise ConfigError(f"{name}: {what} not readable (permission denied)") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{name}: {what} is not UTF-8 text (byte {error.start})") from None
    return parse_toml(text, name)


def parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: TOML syntax error: {_one_line(str(error))}") from None


def check_fields(cls: type, values: Mapping[str, Any], location: str, source: str | None = None,
                 noun: str = "key") -> dict[str, Any]:
    """`values` for dataclass `cls` from a config table, checked against its field
    annotations (bool is not an int, an int is a float, a list of strings is a
    `tuple[str, ...]`, `X | None` allows None) and its `setting` checks, and normalised
    (lists become tuples, ints floats where so annotated). Unknown keys and missing required
    ones are ConfigErrors: `source: location key: problem`."""
    if not isinstance(values, Mapping):
        raise _error(source, location, f"expected a table, got {_shown(values)}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    _check_known(values, fields, location, source, noun)
    missing = [name for name, f in fields.items() if name not in values
               and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    if missing:
        raise _error(source, location, f"missing required {noun} {', '.join(missing)}")
    hints = _type_hints(cls)
    return {key: _checked(value, hints[key], fields[key].metadata, _at(location, key), source)
            for key, value in values.items()}


# --- the checks ---------------------------------------------------------------------------


class _Mismatch(Exception):
    """A value that is not of the annotated type; `args[0]`, if any, says which part."""


def _error(source: str | None, location: str, problem: str) -> ConfigError:
    return ConfigError(": ".join(part for part in (source, location, _one_line(problem)) if part))


def _at(location: str, key: str) -> str:
    return f"{location} {key}" if location else key


def _one_line(text: str) -> str:
    return " ".join(text.split())


@cache
def _type_hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _metadata(cls: type, name: str) -> Mapping[str, Any]:
    return next(f.metadata for f in dataclasses.fields(cls) if f.name == name)


def _check_known(values: Mapping[str, Any], known: Mapping[str, Any], location: str,
                 source: str | None, noun: str) -> None:
    unknown = [key for key in values if key not in known]
    if not unknown:
        return
    listed = f"(known: {', '.join(known) or 'none'})"
    if len(unknown) == 1:
        raise _error(source, _at(location, unknown[0]), f"unknown {noun} {listed}")
    raise _error(source, location, f"unknown {noun}s {', '.join(unknown)} {listed}")


def _checked(value: Any, annotation: Any, metadata: Mapping[str, Any], location: str,
             source: str | None = None) -> Any:
    """`value` conformed to `annotation` and checked against `metadata` (see `setting`)."""
    try:
        value = _conform(value, annotation)
    except _Mismatch as mismatch:
        got = mismatch.args[0] if mismatch.args else _shown(value)
        raise _error(source, location, f"expected {_expected(annotation)}, got {got}") from None
    problem = _out_of_range(value, metadata)
    if problem:
        raise _error(source, location, problem)
    return value


def _conform(value: Any, annotation: Any) -> Any:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is Any:
        return value
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for option in args:
            if option is not type(None):
                try:
                    return _conform(value, option)
                except _Mismatch:
                    pass
        raise _Mismatch
    if origin is Literal:
        if any(value == a and type(value) is type(a) for a in args):
            return value
        raise _Mismatch
    if annotation is bool:
        if isinstance(value, bool):
            return value
    elif annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif annotation is float:
        if isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value):
            return float(value)
    elif annotation is str:
        if isinstance(value, str):
            return value
    elif origin in (tuple, list, collections.abc.Sequence):
        if isinstance(value, list | tuple):
            item = args[0] if args else Any
            items = []
            for member in value:
                try:
                    items.append(_conform(member, item))
                except _Mismatch:
                    raise _Mismatch(f"{_shown(member)} in the list") from None
            return items if origin is list else tuple(items)
    elif origin in (dict, collections.abc.Mapping):
        if isinstance(value, Mapping):
            if len(args) == 2:
                for key, member in value.items():
                    try:
                        _conform(key, args[0])
                    except _Mismatch:
                        raise _Mismatch(f"key {_shown(key)}") from None
                    try:
                        _conform(member, args[1])
                    except _Mismatch:
                        raise _Mismatch(f"{_shown(member)} under {key!r}") from None
            return value
    elif isinstance(annotation, type):
        if isinstance(value, annotation):
            return value
    else:  # an annotation this reader does not know: the dataclass decides
        return value
    raise _Mismatch


def _out_of_range(value: Any, metadata: Mapping[str, Any]) -> str | None:
    choices = metadata.get("choices")
    if choices is not None and value not in choices:
        return f"must be one of {', '.join(map(_plain, choices))}, got {_plain(value)}"
    if metadata.get("nonempty") and isinstance(value, str | tuple | list):
        if not value:
            return "must not be empty"
        if not isinstance(value, str) and any(v == "" for v in value):
            return "must not contain an empty string"
    low, above, high = metadata.get("at_least"), metadata.get("above"), metadata.get("at_most")
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    if ((low is None or value >= low) and (above is None or value > above)
            and (high is None or value <= high)):
        return None
    lower = "[" if low is not None else "(" if above is not None else ""
    bound = low if low is not None else above
    if lower and high is not None:
        rule = f"must be in {lower}{_plain(bound)}, {_plain(high)}]"
    elif lower:
        rule = f"must be at least {_plain(bound)}" if low is not None else f"must be greater than {_plain(bound)}"
    else:
        rule = f"must be at most {_plain(high)}"
    note = metadata.get("note")
    return f"{rule}{f' ({note})' if note else ''}, got {_plain(value)}"


def _check_instance(obj: Any, cls: type, what: str, place: typing.Callable[[str], str]) -> None:
    """Every field of dataclass instance `obj` against its annotation and checks."""
    if not isinstance(obj, cls):
        raise ConfigError(f"{what}: expected a {cls.__name__}, got {type(obj).__name__}")
    hints = _type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name not in ("step_options", "filter_options", "dedup"):
            _checked(getattr(obj, f.name), hints[f.name], f.metadata, place(f.name))


def _step_registry() -> dict[str, Any]:
    from zhclean.steps import DEFAULT_ORDER, REGISTRY

    return {name: REGISTRY[name] for name in (*DEFAULT_ORDER, *REGISTRY)}


def _filter_registry() -> dict[str, Any]:
    from zhclean.filters import FILTERS

    return FILTERS


def _check_step_names(names: Any, location: str, source: str | None = None, filters_too: bool = False) -> None:
    """Every name a registered step (or, for `skip`, a step or a filter)."""
    names = _checked(names, tuple[str, ...], {}, location, source)
    registry = _step_registry()
    filters = _filter_registry() if filters_too else {}
    for name in names:
        name = name[1:] if name.startswith("+") and not filters_too else name
        if name not in registry and name not in filters:
            known = ", ".join([*registry, *filters])
            noun = "step or filter" if filters_too else "step"
            raise _error(source, location, f"unknown {noun} {_plain(name)} (known: {known})")


def _check_filter_names(names: Any, location: str, source: str | None = None) -> None:
    names = _checked(names, tuple[str, ...], {}, location, source)
    registry = _filter_registry()
    for name in names:
        if name not in registry:
            raise _error(source, location, f"unknown filter {_plain(name)} (known: {', '.join(registry)})")


def _checked_filter_options(tables: Any, source: str | None = None) -> dict[str, dict[str, Any]]:
    """`{filter: {option: value}}` checked as step options are, with `enabled` (true or
    false) allowed in every table."""
    return _checked_option_tables(tables, _filter_registry(), "filter", source)


def _checked_step_options(tables: Any, source: str | None = None) -> dict[str, dict[str, Any]]:
    """`{step: {option: value}}` with every step known and every option checked by its
    step's `make_options`; the values normalised as the options hold them."""
    return _checked_option_tables(tables, _step_registry(), "step", source)


def _checked_option_tables(tables: Any, registry: Mapping[str, Any], noun: str,
                           source: str | None) -> dict[str, dict[str, Any]]:
    """The `[steps.NAME]` or `[filters.NAME]` tables, each name known to `registry` and each
    option checked by the spec's `make_options`; filters also take `enabled`."""
    section = f"{noun}s"
    if not isinstance(tables, Mapping):
        raise _error(source, f"[{section}]", f"expected a table, got {_shown(tables)}")
    out: dict[str, dict[str, Any]] = {}
    for name, table in tables.items():
        if name not in registry:
            raise _error(source, f"[{section}.{name}]", f"unknown {noun} (known: {', '.join(registry)})")
        if not isinstance(table, Mapping):
            raise _error(source, f"[{section}] {name}", f"expected a table [{section}.{name}], got {_shown(table)}")
        options = {k: v for k, v in table.items() if noun == "step" or k != "enabled"}
        made = registry[name].make_options(options, source)
        out[name] = {key: getattr(made, key) for key in options}
        if noun == "filter" and "enabled" in table:
            out[name]["enabled"] = _checked(table["enabled"], bool, {}, f"[{section}.{name}] enabled", source)
    return out


# --- how values are shown -----------------------------------------------------------------


def _short(text: str, limit: int = 60) -> str:
    text = _one_line(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(value: Any) -> str:
    """A value as TOML writes it: `"high"`, `true`, `1.5`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        quoted = json.dumps(value, ensure_ascii=False)
        return quoted if len(quoted) <= 60 else quoted[:58] + "…\""
    if isinstance(value, list | tuple):
        return _short(json.dumps(list(value), ensure_ascii=False, default=str))
    return _short(repr(value))


def _shown(value: Any) -> str:
    """A value with its TOML type: `string "high"`, `float 2.5`, `array ["a"]`."""
    if value is None:
        return "nothing (None)"
    kinds = [(bool, "boolean"), (int, "integer"), (float, "float"), (str, "string"),
             (list | tuple, "array"), (Mapping, "table")]
    kind = next((name for t, name in kinds if isinstance(value, t)), type(value).__name__)
    return kind if kind == "table" else f"{kind} {_plain(value)}"


def _expected(annotation: Any) -> str:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (Union, types.UnionType):
        return " or ".join(_expected(a) for a in args if a is not type(None))
    if origin is Literal:
        return f"one of {', '.join(map(_plain, args))}"
    if origin in (tuple, list, collections.abc.Sequence):
        return f"a list of {_plural(args[0] if args else Any)}"
    if origin in (dict, collections.abc.Mapping) or dataclasses.is_dataclass(annotation):
        return "a table"
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _plural(annotation: Any) -> str:
    names = {bool: "booleans", int: "integers", float: "numbers", str: "strings"}
    return names.get(annotation, "values")
