"""Corpus passes: map over shards, reduce in the driver, apply over shards."""
