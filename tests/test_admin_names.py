"""The back office speaks the reader's language: titled "Lealtad", every section and model
named in Spanish or English as the browser asks, none left as a code name ("Otp_Totp")."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation
from django.utils.text import capfirst

from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db

# Apps whose models are not yet named in both languages (none left).
PENDING_APPS: set[str] = set()


def _index(language: str) -> str:
    root = User.objects.create_superuser("root", password="correct-horse-battery-staple-9")
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    verified_login(client, root)
    response = client.get("/admin/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _registered() -> list[type]:
    return [m for m in admin.site._registry if m._meta.app_label not in PENDING_APPS]


def test_the_index_is_titled_lealtad_in_spanish() -> None:
    page = _index("es")
    assert re.search(r"<title>[^<]*Lealtad</title>", page)
    assert re.search(r'id="site-name"><a [^>]*>Lealtad</a>', page)
    assert "Administración" in page  # the index title
    for name in ("Clientes", "Interacciones", "Revisiones de identidad", "Fusiones"):
        assert f">{name}</a>" in page, name
    assert "Eventos recibidos" in page and "Tokens de API" in page
    assert "Canales y conectores" in page and "Eventos y auditoría" in page
    assert "Políticas de conservación" in page and "Solicitudes del titular" in page
    assert "Aplicaciones autenticadoras" in page and "Inicio de sesión en dos pasos" in page
    for english in ("Received events", "Identity reviews", "Otp_Totp", "TOTP devices"):
        assert english not in page


def test_the_index_in_english() -> None:
    page = _index("en")
    assert re.search(r"<title>[^<]*Lealtad</title>", page)
    assert "Back office" in page
    for name in ("Customers", "Interactions", "Identity reviews", "Received events"):
        assert f">{name}</a>" in page, name
    assert "API tokens" in page and "Authenticator apps" in page
    assert "Clientes" not in page and "Otp_Totp" not in page


def test_every_model_and_section_has_a_name_in_each_language() -> None:
    """A model without its own name shows Django's guess from the class name, in English only."""
    untranslated = []
    for model in _registered():
        options = model._meta
        names = (options.verbose_name, options.verbose_name_plural, options.app_config.verbose_name)
        with translation.override("en"):
            english = [str(n) for n in names]
        with translation.override("es"):
            spanish = [str(n) for n in names]
        untranslated += [
            f"{options.label}: {en}" for en, es in zip(english, spanish, strict=True) if en == es
        ]
    assert untranslated == []


def test_every_model_named_in_the_spanish_index() -> None:
    page = _index("es")
    with translation.override("es"):
        expected = {capfirst(str(m._meta.verbose_name_plural)) for m in _registered()}
    assert {name for name in expected if f">{name}</a>" not in page} == set()
