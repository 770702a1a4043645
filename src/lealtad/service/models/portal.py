"""The customer portal's sign-in links and the community's questions and answers.

A link stores only the hash of its secret: the database never holds a key that signs in.
"""

from __future__ import annotations

from django.db import models

__all__ = ["CommunityAnswer", "CommunityQuestion", "PortalLink"]


class PortalLink(models.Model):
    customer_id = models.BigIntegerField(db_index=True)
    email = models.CharField(max_length=254)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=5, default="es")

    def __str__(self) -> str:
        return f"portal link {self.pk} for customer {self.customer_id}"


class CommunityQuestion(models.Model):
    customer_id = models.BigIntegerField(db_index=True)
    title = models.CharField(max_length=200)
    body = models.TextField()
    language = models.CharField(max_length=5, default="es")
    category = models.CharField(max_length=40, default="other")
    created_at = models.DateTimeField()
    accepted = models.ForeignKey(
        "CommunityAnswer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_by = models.CharField(max_length=150, blank=True, default="")
    faq_key = models.CharField(max_length=80, blank=True, default="")

    def __str__(self) -> str:
        return self.title


class CommunityAnswer(models.Model):
    question = models.ForeignKey(
        CommunityQuestion, on_delete=models.CASCADE, related_name="answers"
    )
    customer_id = models.BigIntegerField(null=True, blank=True)
    author = models.CharField(max_length=150)
    body = models.TextField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"answer {self.pk} to question {self.question_id}"
