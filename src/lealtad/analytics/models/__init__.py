"""The analytics context's tables: one module per area, all re-exported here."""
