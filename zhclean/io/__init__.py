"""Readers and writers of datasets. Steps never import from here."""

from zhclean.io.readers import Item, input_size, iter_items
from zhclean.io.writers import open_writer, side_paths

__all__ = ["Item", "input_size", "iter_items", "open_writer", "side_paths"]
