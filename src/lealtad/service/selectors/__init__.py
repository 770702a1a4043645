"""The service desk's reads: other contexts and the pages query through these."""
