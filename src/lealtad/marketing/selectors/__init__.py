"""Marketing's selectors, one module per area."""
