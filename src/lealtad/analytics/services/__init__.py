"""Writes of the analytics context: the refresh, its settings and the cube's fact store."""
