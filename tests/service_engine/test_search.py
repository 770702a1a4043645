"""The knowledge base's words: folding, stemming, queries and ranking, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lealtad.service_engine.search import Candidate, analyse, fold, fts5_match, stems, tsquery
from lealtad.service_engine.search.query import fts5_shape, shape, terms, tsquery_shape
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


def test_common_words_are_only_asked_for_in_pairs_and_unknown_ones_not_at_all():
    query = terms("me cobraron dos veces la factura del internet lento xyzzy", "es")
    frequencies = {"cobr": 50, "vec": 200, "factur": 16000, "internet": 6000, "lent": 3000}
    found = shape(query, frequencies, 100_000, every=False)
    assert ("cobr",) in found.groups and ("vec",) in found.groups
    assert ("factur",) not in found.groups and ("internet", "factur") in found.groups
    assert all("xyzzy" not in group for group in found.groups)
    assert fts5_shape(found).startswith('("cobr") OR ("vec") OR ')
    alone = shape(terms("factura", "es"), {"factur": 16000}, 100_000, every=True)
    assert alone.titles_only
    assert fts5_shape(alone) == '{search_title} : (("factur"))'
    assert tsquery_shape(alone) == "(factur:A)"


@given(
    st.lists(st.sampled_from(["factura", "internet", "lento", "modem", "cobro", "xq"]), max_size=8),
    st.dictionaries(
        st.sampled_from(["factur", "internet", "lent", "modem", "cobr"]), st.integers(0, 100_000)
    ),
    st.booleans(),
    st.booleans(),
)
def test_a_shape_asks_only_for_the_querys_stems(words, frequencies, every, typing):
    query = terms(" ".join(words) + ("" if typing else " "), "es", typing=typing)
    found = shape(query, frequencies, 100_000, every=every)
    asked = {s for group in found.groups for s in group}
    assert asked <= set(query.stems)
    if not every:
        assert all(frequencies.get(s) for s in asked)
        # a common stem alone only when it is the one known: then in titles only
        alone = [g for g in found.groups if len(g) == 1 and frequencies[g[0]] > 1000]
        assert not alone or (found.titles_only and len(found.groups) == 1)
    expr = tsquery_shape(found)
    assert all(ch.isalnum() or ch in " &|:*()" for ch in expr)
