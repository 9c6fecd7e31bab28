"""Engines run a pipeline over a dataset: `local` (processes on this machine) and `ray`."""
