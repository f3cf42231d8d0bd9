"""pytest fixtures (placeholder until its owner fills it in)."""
