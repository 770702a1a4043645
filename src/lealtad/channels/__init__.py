"""Channels: the registry of external systems and the ingestion of canonical events."""
