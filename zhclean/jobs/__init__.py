"""Jobs: the shard task, and the drivers that plan shards, run them and finalise outputs."""
