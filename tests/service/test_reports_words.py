"""The supervisors' reports page names support groups by their label and statuses and
categories in the reader's language, never by their codes (issue 17)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.service import metrics_history as history

pytestmark = pytest.mark.django_db
groups, desk, week = history.groups, history.desk, history.week
PERIOD = {"from": history.WEEK[0], "to": history.WEEK[1]}

WORDS = {
    "es": ("Nivel 1", "Expertos", "Reclamo", "Consulta de posventa"),
    "en": ("Nivel 1", "Expertos", "Complaint", "Post-sale inquiry"),
}
STATUS = {"es": ("Nuevo", "Abierto"), "en": ("New", "Open")}


def _cells(html: str, table: str) -> list[str]:
    body = re.search(rf'<table[^>]*id="{table}".*?</table>', html, re.S)
    assert body, table
    return [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(r"<td>(.*?)</td>", body[0])]


@pytest.mark.parametrize("language", ["es", "en"])
def test_groups_statuses_and_categories_are_words(week, make_user, language) -> None:
    boss = Client(HTTP_ACCEPT_LANGUAGE=language)
    boss.force_login(make_user("supervisor", f"jefa-{language}"))
    html = boss.get("/service/reports/", PERIOD).content.decode()
    shown = set(_cells(html, "fcr")) | set(_cells(html, "resolution")) | set(_cells(html, "sla"))
    shown |= set(_cells(html, "backlog")) | set(_cells(html, "cost"))
    shown |= set(_cells(html, "dearest-cases"))
    for words in WORDS[language]:
        assert words in shown, (words, sorted(shown))
    assert shown & set(STATUS[language]), sorted(shown)
    assert not shown & {"nivel1", "expertos", "complaint", "post_sale", "new", "open"}
