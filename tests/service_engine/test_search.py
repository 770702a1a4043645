"""The knowledge base's words: folding, stemming, queries and ranking, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lealtad.service_engine.search import Candidate, analyse, fold, fts5_match, stems, tsquery
from lealtad.service_engine.search.query import terms
from lealtad.service_engine.search.rank import highlight, reasons, score_candidates


def test_facturacion_with_or_without_accent_and_factura_share_a_stem():
    assert stems("facturación", "es") == stems("facturacion", "es") == stems("Factura", "es")
    assert stems("garantía", "es") == stems("garantia", "es")
    assert stems("SEÑAL", "es") == stems("senal", "es")


def test_stop_words_leave_only_what_the_text_is_about():
    assert analyse("Hola, no me llega la factura de este mes", "es") == "lleg factur mes"
    assert analyse("My bills are late", "en") == "bill late"


def test_an_unknown_language_is_refused_by_name():
    with pytest.raises(ValueError, match="language"):
        stems("hola", "pt")


@given(st.text(max_size=200))
def test_no_typed_text_becomes_an_operator_in_either_query_language(text):
    query = terms(text, "es", typing=True)
    for expr in (fts5_match(query, every=True), fts5_match(query, every=False)):
        stripped = expr.replace(" AND ", " ").replace(" OR ", " ")
        assert all(ch.isalnum() or ch in ' "*()' for ch in stripped)
    for expr in (tsquery(query, every=True), tsquery(query, every=False)):
        assert all(ch.isalnum() or ch in " &|:*()" for ch in expr)
    assert fold(text) == fold(fold(text))


def test_the_word_being_typed_is_a_prefix():
    query = terms("internet len", "es", typing=True)
    assert query.prefix == "len"
    assert fts5_match(query, every=True) == '"internet" AND ("len" OR "len"*)'
    assert tsquery(query, every=False) == "internet | len | len:*"
    assert terms("internet len ", "es", typing=True).prefix == ""


def test_title_matches_outrank_body_matches_and_rare_words_outrank_common_ones():
    title_hit = Candidate(1, "factur", "ciclo emision")
    body_hit = Candidate(2, "ciclo", "factur emision")
    ranked = score_candidates(["factur"], [body_hit, title_hit], {"factur": 2}, 100)
    assert [s.key for s in ranked] == [1, 2]
    common = Candidate(3, "", "internet")
    rare = Candidate(4, "", "modem")
    ranked = score_candidates(
        ["internet", "modem"], [common, rare], {"internet": 90, "modem": 2}, 100
    )
    assert [s.key for s in ranked] == [4, 3]
    assert ranked[0].matched == ("modem",)


def test_a_candidate_with_no_matched_word_is_dropped():
    assert score_candidates(["factur"], [Candidate(1, "modem", "router")], {}, 10) == []


def test_reasons_show_the_customers_own_words_and_highlight_marks_them():
    matched = ("factur", "lleg")
    assert reasons(matched, "No me LLEGA la facturación", "es") == ["facturación", "llega"]
    pieces = highlight("Su factura llega el 1", matched, "es")
    assert [p for p, hit in pieces if hit] == ["factura", "llega"]
    assert "".join(p for p, _ in pieces) == "Su factura llega el 1"
