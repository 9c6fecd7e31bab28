"""zhclean: clean scraped Chinese web text into canonical text with provenance.

    >>> import zhclean
    >>> zhclean.clean("重(zhong)要的(de)会议(yi)在(zai)北京举行,").text
    '重要的会议在北京举行，'
"""

from zhclean.config import Config, load_config
from zhclean.pipeline import Pipeline, Result, clean


def __getattr__(name: str) -> object:
    """`zhclean.deduplicate` and `zhclean.Deduplicator`, imported on first use (they need
    numpy and rensa, which `import zhclean` for cleaning alone does not load)."""
    if name in ("deduplicate", "Deduplicator", "Membership"):
        from zhclean.dedup import api

        return getattr(api, name)
    raise AttributeError(f"module 'zhclean' has no attribute {name!r}")


__version__ = "0.1.0"
__all__ = ["Config", "Deduplicator", "Membership", "Pipeline", "Result", "__version__", "clean", "deduplicate",
           "load_config"]
