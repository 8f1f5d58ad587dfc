"""The action server package: one module per concern, one class per action."""
