"""Argon2 with test-sized costs.

Django's Argon2 defaults cost about 0.15 s a hash here, on purpose; with a user made and signed
in for most tests that was minutes of every suite run. The hashes keep Argon2's format (costs are
written into each hash), so a server process started by a test, which runs the production
hasher, still verifies them.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class CheapArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64  # KiB
    parallelism = 1
