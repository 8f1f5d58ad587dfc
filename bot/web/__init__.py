"""The resident-facing web chat page."""
