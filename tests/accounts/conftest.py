"""Users for the sign-in tests: a staff member (owes a code) and an agent (does not)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, User

PASSWORD = "correct-horse-battery-staple-9"


@pytest.fixture
def staff(db: Any) -> User:
    return User.objects.create_user("root.admin", password=PASSWORD, is_staff=True)


@pytest.fixture
def agent(db: Any) -> User:
    user = User.objects.create_user("ana.agente", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="agent")[0])
    return user
