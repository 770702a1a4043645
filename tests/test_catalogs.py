"""Every Spanish catalog is complete: no message left untranslated or guessed (fuzzy), and the
compiled file is current, so a Spanish reader never meets English mid-page."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "lealtad"
CATALOGS = sorted(SRC.glob("**/locale/es/LC_MESSAGES/django.po"))


def test_every_app_with_text_has_a_catalog() -> None:
    assert {p.parts[-5] for p in CATALOGS} >= {"lealtad", "service", "commerce", "marketing"}


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: p.parts[-5])
def test_nothing_is_left_untranslated_or_fuzzy(catalog: Path) -> None:
    po = polib.pofile(str(catalog))
    gaps = [
        e.msgid
        for e in po
        if not e.obsolete
        and ("fuzzy" in e.flags or not (e.msgstr or all(e.msgstr_plural.values())))
    ]
    assert gaps == []


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: p.parts[-5])
def test_the_compiled_catalog_matches_its_source(catalog: Path) -> None:
    compiled = polib.mofile(str(catalog.with_suffix(".mo")))
    have = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in compiled if e.msgid}
    for e in polib.pofile(str(catalog)).translated_entries():
        assert have.get((e.msgctxt, e.msgid)) == (e.msgstr or e.msgstr_plural), e.msgid
