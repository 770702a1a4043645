"""Lealtad: one customer across every channel."""

__version__ = "0.1.0"
