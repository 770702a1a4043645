"""Use cases of the service desk: the only code that writes its tables."""
