"""The merge page: compare, choose, confirm; the customer's Merges card and its undo; who may."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lealtad.core.audit import Actor
from lealtad.customers import services
from lealtad.customers.models import Customer, IdentityReview, Interaction, Merge
from lealtad.customers.services import ChangeContext
from tests.customers import merge_people

pytestmark = pytest.mark.django_db


def _client(role: str = "supervisor", language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(merge_people.person(role))
    return client


def _url(review: IdentityReview) -> str:
    return f"/customers/reviews/{review.pk}/merge/"


def _post(client: Client, review: IdentityReview, **data: str):
    return client.post(_url(review), {"keep": "a", "reason": "same person", **data})


def _ticked(html: str, name: str) -> str:
    found = re.search(rf'name="choice-{name}" value="(\w)"[^>]*checked', html)
    assert found, name
    return found.group(1)


def test_the_queue_links_to_the_merge_page_and_merges_nothing_itself():
    review = merge_people.pair()
    page = _client().get("/customers/reviews/").content.decode()
    assert f'href="{_url(review)}"' in page
    assert 'value="merged"' not in page  # no one-click merge any more


def test_the_page_shows_both_records_and_the_rules_choice_and_a_get_never_merges():
    review = merge_people.pair()
    response = _client().get(_url(review))
    html = response.content.decode()
    assert response.status_code == 200
    assert "María José Quishpe Guamán" in html and "Ma. José Quishpe" in html
    assert merge_people.CALL_PHONE[1:] in html  # B's phone, in the side-by-side facts
    assert "Married" in html and "Single" in html  # codes shown as words
    assert _ticked(html, "marital_status") == "b"  # the call center's value
    assert _ticked(html, "given_names") == "a"  # the fuller spelling
    assert "Merge these records" in html
    assert not Merge.objects.exists()
    assert IdentityReview.objects.get(pk=review.pk).status == "open"


def test_choosing_b_to_stay_presets_the_choices_for_b():
    review = merge_people.pair()
    html = _client().get(_url(review), {"keep": "b"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="merge-fields"' in html and "<html" not in html  # the htmx fragment
    assert _ticked(html, "marital_status") == "b"  # the same value, whichever stays
    assert _ticked(html, "given_names") == "a"


def test_confirming_merges_with_the_persons_choices_and_lands_on_the_survivor():
    review = merge_people.pair()
    client = _client()
    response = _post(client, review, **{"choice-marital_status": "a"})
    record = Merge.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{review.customer_a_id}/?merged={record.pk}#merges"
    golden = Customer.objects.get(pk=review.customer_a_id)
    assert golden.marital_status == "single"  # the person's choice, against the rules
    assert golden.income_band == "middle"
    assert Customer.objects.get(pk=review.customer_b_id).merged_into_id == golden.pk
    assert record.reason == "same person" and record.snapshot["chosen"] == {
        "marital_status": "survivor"
    }
    assert IdentityReview.objects.get(pk=review.pk).status == "merged"
    page = client.get(response["Location"]).content.decode()
    assert "Records merged" in page
    assert f'hx-get="/customers/{golden.pk}/merges/?merged={record.pk}"' in page


def test_b_can_be_the_record_that_stays():
    review = merge_people.pair()
    response = _post(_client(), review, keep="b", **{"choice-given_names": "a"})
    assert response.status_code == 302
    golden = Customer.objects.get(pk=review.customer_b_id)
    assert golden.given_names == "María José"  # A's value, chosen although B stays
    assert Customer.objects.get(pk=review.customer_a_id).merged_into_id == golden.pk


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        ({"choice-marital_status": "c"}, "Marital status"),
        ({"choice-favourite_colour": "a"}, "favourite_colour"),
        ({"reason": " "}, "at least three characters"),
    ],
)
def test_a_bad_form_is_shown_again_with_the_reason_and_nothing_is_written(data, shown):
    review = merge_people.pair()
    owners = sorted(Interaction.objects.values_list("pk", "customer_id"))
    response = _post(_client(), review, **data)
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="merge-error"' in html and shown in html
    assert "chosen." not in html  # no field paths on the page
    assert not Merge.objects.exists()
    assert sorted(Interaction.objects.values_list("pk", "customer_id")) == owners
    assert Customer.objects.filter(merged_into__isnull=False).count() == 0


def test_a_decided_pair_cannot_be_merged_from_the_page():
    review = merge_people.pair()
    review.status = "distinct"
    review.save()
    response = _post(_client(), review)
    assert response.status_code == 302 and response["Location"] == "/customers/reviews/"
    assert not Merge.objects.exists()


def test_the_merges_card_lists_the_merge_and_undo_restores_both_records():
    review = merge_people.pair()
    a, b = review.customer_a_id, review.customer_b_id
    client = _client()
    _post(client, review)
    record = Merge.objects.get()
    card = client.get(f"/customers/{a}/merges/", {"merged": record.pk}).content.decode()
    assert "Ma. José Quishpe" in card and "same person" in card
    assert "Undo merge" in card and f'action="/customers/merges/{record.pk}/undo/"' in card
    assert '<details class="undo" open>' in card  # the merge just made: its undo at hand
    response = client.post(f"/customers/merges/{record.pk}/undo/", {"reason": "two sisters"})
    assert response.status_code == 302 and response["Location"] == f"/customers/{a}/#merges"
    assert Customer.objects.get(pk=b).merged_into_id is None
    assert Customer.objects.get(pk=a).marital_status == "single"  # A's own value again
    assert list(Customer.objects.get(pk=b).phones.values_list("e164", flat=True)) == [
        "+593991234567"
    ]  # B's phone went back with B
    assert "Merge undone" in client.get(f"/customers/{a}/").content.decode()
    card = client.get(f"/customers/{a}/merges/").content.decode()
    assert "Undone" in card and "two sisters" in card and "Undo merge" not in card


def test_undo_needs_a_reason_and_a_post():
    review = merge_people.pair()
    client = _client()
    _post(client, review)
    record = Merge.objects.get()
    assert client.get(f"/customers/merges/{record.pk}/undo/").status_code == 405
    client.post(f"/customers/merges/{record.pk}/undo/", {"reason": ""})
    assert Merge.objects.get().undone_at is None


def test_a_refused_undo_is_shown_in_business_words():
    review = merge_people.pair()
    client = _client()
    _post(client, review)
    first = Merge.objects.get()
    later = services.create_customer(
        *_profile_of("Otra Persona"), ChangeContext(Actor.system("test"))
    )
    survivor = Customer.objects.get(pk=review.customer_a_id)
    services.merge_customers(survivor, later, ChangeContext(Actor.system("test")), "later one")
    response = client.post(f"/customers/merges/{first.pk}/undo/", {"reason": "two sisters"})
    page = client.get(response["Location"]).content.decode()
    assert "The merge was not undone: undo the later merges of this customer first" in page
    assert Merge.objects.get(pk=first.pk).undone_at is None


def _profile_of(name: str):
    from lealtad.core.envelope import CustomerRef
    from lealtad.customers.schemas import CustomerProfile

    return CustomerProfile(), CustomerRef(name=name)


def test_spanish_pages():
    review = merge_people.pair()
    client = _client(language="es")
    html = client.get(_url(review)).content.decode()
    assert "Fusionar estos registros" in html and "¿Qué registro se queda?" in html
    assert "Casado/a" in html and "Estado civil" in html
    _post(client, review)
    card = client.get(f"/customers/{review.customer_a_id}/merges/").content.decode()
    assert "Deshacer la fusión" in card


@pytest.mark.parametrize("role", ["agent", "store_clerk", "marketer"])
def test_roles_without_merge_get_403_and_see_no_button(role):
    review = merge_people.pair()
    client = _client(role)
    assert client.get(_url(review)).status_code == 403
    assert _post(client, review).status_code == 403
    detail = client.get(f"/customers/{review.customer_a_id}/").content.decode()
    assert 'id="merges"' not in detail
    assert client.get(f"/customers/{review.customer_a_id}/merges/").status_code == 403
    services.merge_customers(
        review.customer_a, review.customer_b, ChangeContext(Actor.system("t")), "x"
    )
    record = Merge.objects.get()
    response = client.post(f"/customers/merges/{record.pk}/undo/", {"reason": "nope"})
    assert response.status_code == 403 and Merge.objects.get().undone_at is None
