"""zhclean: clean scraped Chinese web text into canonical text with provenance.

    >>> import zhclean
    >>> zhclean.clean("重(zhong)要的(de)会议(yi)在(zai)北京举行,").text
    '重要的会议在北京举行，'
"""

from zhclean.config import Config, load_config
from zhclean.pipeline import Pipeline, Result, clean

__version__ = "0.1.0"
__all__ = ["Config", "Pipeline", "Result", "__version__", "clean", "load_config"]
