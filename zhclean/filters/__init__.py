"""The document filters. Importing this package registers every filter, in default order.

One module per filter, named as the filter: `zhclean/filters/spam.py` is `spam`. Filters
run after the cleaning steps; the first that drops a document decides, so the ones whose
verdict explains the others come first (a garbled page also has no Chinese, an English page
no Han characters).
"""

from zhclean.filters import (  # noqa: F401  (imported to register)
    language,
    length,
    mojibake,
    navigation,
    repetition,
    spam,
    symbols,
)
from zhclean.filters.base import (
    FILTERS,
    Document,
    FilterOutput,
    FilterSpec,
    Verdict,
    register_filter,
)

DEFAULT_FILTERS: tuple[str, ...] = tuple(
    name for name in ("mojibake", "language", "length", "symbols", "repetition", "navigation", "spam")
    if FILTERS[name].default
)

__all__ = ["DEFAULT_FILTERS", "FILTERS", "Document", "FilterOutput", "FilterSpec", "Verdict", "register_filter"]
