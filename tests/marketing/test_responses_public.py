"""The pages a customer reaches from a message: one-click unsubscribe (RFC 8058), tracked
clicks, over a real HTTP server where the protocol matters."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.core import signing
from django.test import Client

from lealtad.customers.models import Consent, ConsentChange
from lealtad.marketing import links
from lealtad.marketing.models import Click, Suppression, Unsubscribe
from tests.marketing.response_data import campaign, customer, message

pytestmark = pytest.mark.django_db


def _post_one_click(url: str) -> tuple[int, dict[str, str], str]:
    """What a mail client does (RFC 8058 section 3.2): a POST with the one field, no cookie."""
    body = urllib.parse.urlencode({"List-Unsubscribe": "One-Click"}).encode()
    request = urllib.request.Request(
        url, data=body, method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read().decode()


def _path(url: str) -> str:
    return urllib.parse.urlsplit(url).path


@pytest.mark.django_db(transaction=True)
def test_one_click_post_over_http_without_cookies_unsubscribes(live_server):
    ana = customer("ana@example.ec")
    camp = campaign()
    sent = message(camp, ana, "ana@example.ec")
    url = live_server.url + _path(links.unsubscribe_url(sent.pk))

    status, _headers, _body = _post_one_click(url)

    assert status == 200
    consent = Consent.objects.get(customer_id=ana, channel="email", purpose="marketing")
    assert consent.granted is False
    change = ConsentChange.objects.filter(customer_id=ana, granted=False).get()
    assert change.method == "one-click unsubscribe"
    assert change.proof == "channel_event"
    assert change.proof_reference == f"marketing-message-{sent.pk}"
    assert change.event_id == f"marketing-message-{sent.pk}"
    assert Suppression.objects.filter(channel="email", address="ana@example.ec").count() == 1

    status, _headers, _body = _post_one_click(url)  # a second POST: harmless
    assert status == 200
    assert Unsubscribe.objects.count() == 1
    assert ConsentChange.objects.filter(customer_id=ana, granted=False).count() == 1
    assert Suppression.objects.count() == 1


def test_get_only_asks_and_never_unsubscribes():
    ana = customer("ana@example.ec")
    sent = message(campaign(), ana, "ana@example.ec")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(_path(links.unsubscribe_url(sent.pk)))
    assert page.status_code == 200
    assert b"unsubscribe-button" in page.content
    assert Unsubscribe.objects.count() == 0
    assert Consent.objects.get(customer_id=ana, channel="email").granted is True


def test_the_page_button_unsubscribes_with_its_own_method():
    ana = customer("ana@example.ec")
    sent = message(campaign(), ana, "ana@example.ec")
    client = Client(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    page = client.post(_path(links.unsubscribe_url(sent.pk)))
    assert page.status_code == 200
    assert b'id="unsubscribed"' in page.content
    assert Unsubscribe.objects.get().method == "unsubscribe page"


@pytest.mark.parametrize("token", ["123", "1:forged", links.click_token(1, "https://x.ec")])
def test_a_forged_or_foreign_unsubscribe_token_changes_nothing(token):
    ana = customer("ana@example.ec")
    message(campaign(), ana, "ana@example.ec")
    page = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        f"/m/u/{token}/", {"List-Unsubscribe": "One-Click"}
    )
    assert page.status_code == 404
    assert Unsubscribe.objects.count() == 0
    assert Suppression.objects.count() == 0


def test_unsubscribing_a_call_list_message_suppresses_the_customer_by_phone():
    ana = customer("ana@example.ec")
    camp = campaign(channels=["call_list"])
    call = message(camp, ana, "", channel="call_list")
    Client().post(_path(links.unsubscribe_url(call.pk)), {"List-Unsubscribe": "One-Click"})
    row = Suppression.objects.get()
    assert (row.channel, row.customer_id, row.address) == ("phone", ana, "")
    assert Consent.objects.get(customer_id=ana, channel="phone").granted is False


def test_click_counts_and_redirects_to_the_signed_target_only():
    ana = customer("ana@example.ec")
    sent = message(campaign(), ana, "ana@example.ec")
    client = Client()
    url = _path(links.click_url(sent.pk, "https://tienda.ec/navidad?utm=x"))
    first = client.get(url)
    again = client.get(url)
    assert first.status_code == 302 and again.status_code == 302
    assert first["Location"] == "https://tienda.ec/navidad?utm=x"
    clicks = list(Click.objects.order_by("id"))
    assert [c.first for c in clicks] == [True, False]
    assert clicks[0].campaign_id == sent.campaign_id and clicks[0].customer_id == ana


def test_click_refuses_a_forged_target():
    ana = customer("ana@example.ec")
    sent = message(campaign(), ana, "ana@example.ec")
    token = links.click_token(sent.pk, "https://tienda.ec/")
    payload, signature = token.rsplit(":", 1)[0], token.rsplit(":", 1)[1]
    forged = signing.dumps([sent.pk, "https://evil.example/"], compress=True, salt="other")
    for bad in (forged, payload + ":" + signature[::-1], token + "x"):
        response = Client().get(f"/m/c/{bad}/")
        assert response.status_code == 404
        assert "Location" not in response
    assert Click.objects.count() == 0


def test_click_refuses_a_signed_target_that_is_not_a_web_page():
    ana = customer("ana@example.ec")
    sent = message(campaign(), ana, "ana@example.ec")
    response = Client().get(_path(links.click_url(sent.pk, "javascript:alert(1)")))
    assert response.status_code == 400
    assert Click.objects.count() == 0
