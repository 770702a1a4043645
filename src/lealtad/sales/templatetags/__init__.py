"""Template filters of the sales pages."""
