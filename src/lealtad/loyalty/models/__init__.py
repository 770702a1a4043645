"""The context's tables, one module per area; every model is imported here so Django sees it."""
