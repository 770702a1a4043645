"""Back-office screens for the analytics settings."""
