"""What a run shows its user: progress while it works, the summary when it ends."""
