"""What every part of zhclean shares about a document's fate: outcomes and reason codes."""
