"""Commerce models (catalog, stock, orders); see the package docstring."""
