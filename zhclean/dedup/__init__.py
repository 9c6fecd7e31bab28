"""Near-duplicate detection over canonical forms (SPEC: Near-duplicates)."""
