"""Formats, shards, readers and writers of datasets. Steps never import from here."""
