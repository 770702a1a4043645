"""Event types the commerce context owns and the hub subscribers it runs."""
