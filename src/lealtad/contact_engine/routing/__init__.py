"""The ACD: which waiting contact goes to which free agent, and when.

See docs/contactcenter-routing.md.
"""
