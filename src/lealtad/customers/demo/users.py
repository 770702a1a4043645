"""One demo login per role, to try each role's screens."""

from __future__ import annotations

DEMO_PASSWORD = "lealtad-demo"
DEMO_USERS = (
    ("gerente", "manager", "Gabriela", "Andrade"),
    ("supervisor", "supervisor", "Marco", "Villacís"),
    ("agente", "agent", "Andrea", "Quishpe"),
    ("vendedor", "sales_rep", "Juan Carlos", "Tipán"),
    ("mercadeo", "marketer", "María José", "Cevallos"),
    ("tecnico", "technician", "Luis", "Chicaiza"),
    ("cajero", "store_clerk", "Rosa", "Guamán"),
    ("privacidad", "privacy_officer", "Paola", "Mamani"),
)


def ensure_demo_users() -> list[tuple[str, str]]:
    """One user per role (password ``lealtad-demo``); existing users keep their password."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User

    hashed = make_password(DEMO_PASSWORD)  # one hash for all: argon2 is slow on purpose
    made = []
    for username, role, first, last in DEMO_USERS:
        group, _ = Group.objects.get_or_create(name=role)
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "password": hashed,
                "is_staff": False,
            },
        )
        user.groups.add(group)
        made.append((username, role))
    return made
