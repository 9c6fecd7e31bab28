"""The contract every cleaning step follows, and the registry that names them.

A step is a pure function over one document: it gets the text, the fields extracted so far
and its options, and returns the new text, how many edits it made, the fields it extracted
and (when asked to explain) what it removed and why. Steps never touch files, engines or
the command line; the registry, not a hand-kept list, is the truth about which steps exist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from zhclean.config import ConfigError, check_fields


@dataclass(frozen=True, slots=True)
class Removal:
    """One thing a step removed or rewrote, for `zhclean explain`."""

    step: str
    rule: str  # which rule fired, e.g. "netease_hao" or "gloss"
    position: int  # character offset in the step's input (or line number for line rules)
    removed: str  # the text that went
    replacement: str = ""  # what stands in its place, if anything


@dataclass(slots=True)
class StepOutput:
    """What one step returns for one document."""

    text: str
    edits: int = 0
    fields: dict[str, Any] = field(default_factory=dict)
    removals: list[Removal] = field(default_factory=list)
    # hits per rule, for the run's report (`zhclean report`): what fired, also when nothing
    # was edited (a gloss verdict of "content"); None for a step that reports only edits
    rules: dict[str, int] | None = None


@dataclass(frozen=True, slots=True)
class NoOptions:
    """Options of a step that has none."""


class StepFunction(Protocol):
    def __call__(
        self, text: str, fields: Mapping[str, Any], options: Any, explain: bool
    ) -> StepOutput: ...


@dataclass(frozen=True)
class StepSpec:
    """A registered step: its name, its function, its options type and its documentation."""

    name: str
    function: StepFunction
    options_type: type
    doc: str
    section: str = "steps"  # the config table of its options: [steps.<name>]
    # its edits can bring to a line's edge what an earlier step removes (a notice cut from the
    # head of a line leaves `来源：X`): the pipeline runs its steps again over what it edited
    exposes: bool = False

    def make_options(self, values: Mapping[str, Any] | None = None, source: str | None = None) -> Any:
        """Build the step's options from a config table. An unknown option, a value of the
        wrong type (by the options dataclass's annotations) or out of its range is a
        ConfigError naming `source` (the file), `[steps.<name>]` and the option."""
        location = f"[{self.section}.{self.name}]"
        checked = check_fields(self.options_type, values or {}, location, source, noun="option")
        try:
            return self.options_type(**checked)
        except (TypeError, ValueError) as error:
            if isinstance(error, ConfigError):
                raise
            prefix = f"{source}: " if source else ""
            raise ConfigError(f"{prefix}{location}: {' '.join(str(error).split())}") from None

    @property
    def summary(self) -> str:
        """The first line of the step's documentation."""
        return self.doc.strip().splitlines()[0] if self.doc.strip() else ""


REGISTRY: dict[str, StepSpec] = {}


def register(name: str, options: type = NoOptions, doc: str | None = None, exposes: bool = False) -> Callable:
    """Register a step function under `name`; `doc` defaults to its module's docstring;
    `exposes`: see `StepSpec.exposes`."""

    def decorate(function: StepFunction) -> StepFunction:
        if name in REGISTRY:
            raise ValueError(f"step {name!r} is registered twice")
        import sys

        module_doc = sys.modules[function.__module__].__doc__ or ""
        REGISTRY[name] = StepSpec(name, function, options, doc or module_doc, exposes=exposes)
        return function

    return decorate


def tally(rules: dict[str, int], rule: str, hits: int) -> None:
    """Add `hits` of `rule` to a step's counts; none leaves no key, so a step whose rules found
    nothing returns an empty dict (a plain dict: `Counter` cost more than some steps' work)."""
    if hits:
        rules[rule] = rules.get(rule, 0) + hits
