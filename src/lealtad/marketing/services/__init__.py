"""Marketing's services, one module per area."""
