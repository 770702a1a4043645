"""What the sign-in context keeps: recent failed sign-ins, for the throttle."""

from __future__ import annotations

from django.db import models


class LoginFailure(models.Model):
    """One failed sign-in (a wrong password or a wrong two-factor code) at one moment.

    Kept in the database, not in a process's memory, so every worker process and server counts
    the same failures: an attacker spreading guesses over workers gains nothing. Rows older
    than the throttle window are deleted as new failures are written.
    """

    username = models.CharField(max_length=150, help_text="As typed, case-folded.")
    address = models.CharField(max_length=45, help_text="The client's IP address.")
    failed_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-failed_at"]
        indexes = [
            models.Index(fields=["username", "failed_at"], name="loginfail_user_idx"),
            models.Index(fields=["address", "failed_at"], name="loginfail_addr_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.address} at {self.failed_at:%Y-%m-%d %H:%M:%S}"
