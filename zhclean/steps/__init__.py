"""The cleaning steps. Importing this package registers every step, in SPEC order.

One module per step, named as the step: `zhclean/steps/pinyin_gloss.py` is `pinyin_gloss`.
"""

from zhclean.steps import (  # noqa: F401  (imported to register)
    boilerplate,
    markup,
    notice,
    pii,
    pinyin_gloss,
    punctuation,
    repeated_line,
    script,
    unicode,
    whitespace,
)
from zhclean.steps.base import REGISTRY, Removal, StepOutput, StepSpec, register

DEFAULT_ORDER: tuple[str, ...] = (
    "unicode",
    "markup",
    "boilerplate",
    "pinyin_gloss",
    "script",
    "punctuation",
    "repeated_line",
    "notice",
    "whitespace",
)

__all__ = ["DEFAULT_ORDER", "REGISTRY", "Removal", "StepOutput", "StepSpec", "register"]
