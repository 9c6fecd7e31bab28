"""A pipeline: named steps in order, with their options, run over one document at a time.

The pipeline owns the bookkeeping the steps should not care about: the metadata object of the
output (`zhclean` in each record), edit counts per step, and the trail `explain` shows.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zhclean.steps import DEFAULT_ORDER, REGISTRY, Removal, StepSpec

# Edit counters every output carries, whether or not the step ran (SPEC's output schema).
EDIT_KEYS = ("pinyin_gloss", "markup", "boilerplate", "repeated_line", "punctuation", "unicode", "script")
FIELD_KEYS = ("source", "editor", "original_title", "author")


@dataclass(slots=True)
class Result:
    """A cleaned document: the text, the `zhclean` metadata object, and what was removed."""

    text: str
    meta: dict[str, Any]
    removals: list[Removal] = field(default_factory=list)

    @property
    def edits(self) -> dict[str, int]:
        return self.meta["edits"]


# Texts that make every step build what it needs: a gloss, a converted Traditional document
# (leftovers, OpenCC forms), genuine Traditional text, markup, a notice, ASCII marks.
_WARM_UP = (
    "区人(ren)大常委会主任说,要做好工作!\n![](x.png)\n来源：新华社",
    "會議強調，各級干部要爲群衆辦實事，先后召開了三次會議，並且擴大采購範圍。",
    "臺北市政府今天宣布，捷運新路線將於明年底通車，沿線居民往返市中心的時間可以縮短一半。",
)

# The metadata every output starts from; fields and counters are filled in as steps run.
_META_TEMPLATE: dict[str, Any] = {
    **dict.fromkeys(FIELD_KEYS),
    "script_in": None,
    "script_out": None,
    "machine_converted": False,
    "machine_converted_score": 0.0,
}


def resolve_steps(steps: Sequence[str] | None = None, skip: Iterable[str] = ()) -> list[str]:
    """The step names to run: `steps` (default: SPEC order) minus `skip`, all checked."""
    chosen = list(steps) if steps else list(DEFAULT_ORDER)
    skipped = set(skip)
    for name in [*chosen, *skipped]:
        if name not in REGISTRY:
            known = ", ".join(REGISTRY)
            raise ValueError(f"unknown step {name!r} (known steps: {known})")
    return [name for name in chosen if name not in skipped]


class Pipeline:
    """Steps with their options, ready to clean documents."""

    def __init__(self, steps: Sequence[str] | None = None, skip: Iterable[str] = (),
                 step_options: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.names = resolve_steps(steps, skip)
        step_options = step_options or {}
        unknown = sorted(set(step_options) - set(REGISTRY))
        if unknown:
            raise ValueError(f"options given for unknown step(s): {', '.join(unknown)}")
        self.specs: list[StepSpec] = [REGISTRY[n] for n in self.names]
        self.options = {n: REGISTRY[n].make_options(step_options.get(n)) for n in self.names}
        # What the per-document loop needs, looked up once.
        self._calls = [(spec.name, spec.function, self.options[spec.name]) for spec in self.specs]
        # Every output counts edits under the SPEC's keys, then under any other step that ran.
        self._no_edits = dict.fromkeys([*EDIT_KEYS, *(n for n in self.names if n not in EDIT_KEYS)], 0)

    def warm_up(self) -> Pipeline:
        """Build now, not on the first documents, the tables and converters the steps use
        (glossed, converted and Traditional text touch them all). Returns the pipeline."""
        self.clean_many(list(_WARM_UP))
        return self

    def prepare_worker(self) -> Pipeline:
        """`warm_up`, then move everything the process holds so far out of the garbage
        collector's sight (`gc.freeze`): the tables live as long as the process, and each
        full collection of a long run would walk them again (3–4% of the cleaning time on
        200 MB). For processes that do nothing but clean: the engines' workers."""
        self.warm_up()
        gc.collect()
        gc.freeze()
        return self

    @classmethod
    def from_config(cls, config: Any = None, **overrides: Any) -> Pipeline:
        """Build from a `Config`, a TOML path, or nothing (the defaults); see zhclean.config."""
        from zhclean.config import Config, load_config

        if config is None or isinstance(config, str | bytes) or hasattr(config, "__fspath__"):
            config = load_config(config)
        if not isinstance(config, Config):
            raise TypeError("from_config takes a Config, a path to a TOML file, or None")
        if overrides:
            config = config.with_overrides(**overrides)
        return cls(config.steps, config.skip, config.step_options)

    def clean(self, text: str, explain: bool = False) -> Result:
        """Run every step over `text`; deterministic, and idempotent under the defaults."""
        return self.clean_many([text], explain)[0]

    def clean_many(self, texts: Sequence[str], explain: bool = False) -> list[Result]:
        """`clean` for each text, step by step: every document through one step, then all
        through the next. Same results, about 13% faster on batches of a few hundred news
        articles, because one step's regexes and tables stay in the CPU caches."""
        current = list(texts)
        edits = [dict(self._no_edits) for _ in current]
        found: list[dict[str, Any]] = [{} for _ in current]
        trails: list[list[Removal]] = [[] for _ in current]
        for name, function, options in self._calls:
            for i, text in enumerate(current):
                out = function(text, found[i], options, explain)
                current[i] = out.text
                if out.edits:
                    edits[i][name] += out.edits
                if out.fields:
                    found[i].update(out.fields)
                if explain:
                    trails[i].extend(out.removals)
        return [
            Result(text, {**_META_TEMPLATE, "edits": counts, "chars_in": len(before), "chars_out": len(text),
                          **fields}, trail)
            for before, text, counts, fields, trail in zip(texts, current, edits, found, trails, strict=True)
        ]


_DEFAULT: Pipeline | None = None


def clean(text: str, *, explain: bool = False, **options: Any) -> Result:
    """Clean one document with the defaults, or with `options` as in `Config.with_overrides`.

    >>> clean("区人(ren)大常委会(hui)主任(ren)程绣(xiu)明,").text
    '区人大常委会主任程绣明，'
    """
    global _DEFAULT
    if options:
        return Pipeline.from_config(None, **options).clean(text, explain)
    if _DEFAULT is None:
        _DEFAULT = Pipeline()
    return _DEFAULT.clean(text, explain)
