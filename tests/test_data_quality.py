"""No customer lost because one contact point looks odd (issue 10, section 1).

A possible phone outside the assigned ranges is written and flagged; a bad optional profile
field is set aside as a data-quality issue and returned as a warning; a person fixes or
dismisses it through the API (the page has its own tests in tests/web/test_data_quality_page.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from lealtad.channels.models import ReceivedEvent
from lealtad.core.models import AuditEntry
from lealtad.customers.models import Customer, DataQualityIssue, Email, Phone
from tests.api_fixtures import make_event, post_events
from tests.latam_phones import ecuador

pytestmark = pytest.mark.django_db


def profile_event(event_id: str | None, customer: dict[str, Any], **payload: Any) -> dict[str, Any]:
    return make_event(
        event_id,
        type="customer.upserted",
        channel="web",
        customer=customer,
        payload=payload,
    )


def only_result(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    return response.json()["results"][0]


def test_a_phone_in_an_unassigned_range_is_kept_flagged_and_found(api):
    event = make_event("odd-1", customer={"phone": "0944255366", "name": "Rosa Tipán"})
    result = only_result(post_events(api, event))

    assert result["status"] == "created"
    assert result["warnings"] == [
        {
            "field": "customer.phone",
            "message": "a possible number in a range not known as assigned "
            "(kept, flagged for review)",
        }
    ]
    phone = Phone.objects.get(customer_id=result["customer_id"])
    assert (phone.e164, phone.validity) == ("+593944255366", "unassigned_range")
    issue = DataQualityIssue.objects.get(customer_id=result["customer_id"])
    assert (issue.field, issue.kind, issue.status) == ("phone", "flagged", "open")
    # the same number, typed another way, names the same customer
    again = only_result(post_events(api, make_event("odd-2", customer={"phone": "094 425 5366"})))
    assert again["customer_id"] == result["customer_id"]
    found = api.get("/api/v1/customers/lookup", {"phone": "(094) 425-5366"}).json()
    assert [m["id"] for m in found["matches"]] == [result["customer_id"]]
    view = api.get(f"/api/v1/customers/{result['customer_id']}/360").json()
    assert view["phones"][0]["validity"] == "unassigned_range"


def test_lookup_of_a_well_formed_number_nobody_has_is_200_with_no_match(api):
    for number in ("(092) 2636145", "0944255366", "+57 357 123 4567"):
        response = api.get("/api/v1/customers/lookup", {"phone": number})
        assert (response.status_code, response.json()) == (200, {"matches": []})
    impossible = api.get("/api/v1/customers/lookup", {"phone": "099 ABC"})
    assert impossible.status_code == 422
    assert impossible.json()["detail"].startswith("phone: ")


def test_bad_optional_fields_are_set_aside_and_the_customer_is_written(api):
    event = profile_event(
        "web-1",
        {"email": "rosa@example.ec", "name": "Rosa Quishpe"},
        emails=["rosa.q@example.ec", "rosa@@example", "rq@example.ec"],
        birth_date="2999-01-01",
        gender="F",
        phones=[{"number": "099 ABC 7370"}, {"number": "02 263 6145", "kind": "home"}],
        addresses=[{"line1": "", "city": "Quito"}],
    )
    result = only_result(post_events(api, event))

    assert result["status"] == "created"
    fields = {w["field"] for w in result["warnings"]}
    assert fields == {
        "payload.emails.1",
        "payload.birth_date",
        "payload.gender",
        "payload.phones.0",
        "payload.addresses.0",
    }
    assert all("(set aside for review)" in w["message"] for w in result["warnings"])
    customer = Customer.objects.get(pk=result["customer_id"])
    assert customer.birth_date is None and customer.gender == ""
    emails = set(Email.objects.filter(customer=customer).values_list("address", flat=True))
    assert emails == {"rosa@example.ec", "rosa.q@example.ec", "rq@example.ec"}
    assert list(customer.phones.values_list("e164", flat=True)) == ["+59322636145"]
    issues = {i.field: i for i in DataQualityIssue.objects.filter(customer=customer)}
    assert set(issues) == {"email", "birth_date", "gender", "phone", "address"}
    assert issues["email"].raw_value == "rosa@@example"
    assert issues["phone"].raw_value == "099 ABC 7370"
    assert (issues["birth_date"].source_channel, issues["birth_date"].event_id) == ("web", "web-1")


def test_required_identity_still_refuses_and_writes_nothing(api):
    bad_key = profile_event("web-2", {"email": "not-an-email", "name": "Ana"}, gender="female")
    bad_name = profile_event("web-3", {"phone": "0991234567"}, given_names="Ana\u202e")
    bad_consent = profile_event(
        "web-4",
        {"phone": "0991234567"},
        consents=[{"channel": "pigeon", "purpose": "marketing", "granted": False}],
    )
    response = post_events(api, [bad_key, bad_name, bad_consent])
    results = response.json()["results"]

    assert [r["status"] for r in results] == ["rejected"] * 3
    assert results[0]["errors"][0]["field"] == "customer.email"
    assert results[1]["errors"][0] == {
        "field": "payload.given_names",
        "message": "holds the control character U+202E",
    }
    assert results[2]["errors"][0]["field"].startswith("payload.consents.0")
    assert not ReceivedEvent.objects.exists() and not Customer.objects.exists()
    assert not DataQualityIssue.objects.exists()


def test_fullwidth_and_arabic_indic_digits_name_the_same_customer(api):
    first = only_result(
        post_events(api, make_event("n-1", customer={"national_id": "1710034065", "name": "Ana"}))
    )
    fullwidth = "".join(chr(0xFF10 + int(d)) for d in "1710034065")
    arabic = "".join(chr(0x0660 + int(d)) for d in "1710034065")
    for i, typed in enumerate((fullwidth, arabic)):
        event = make_event(f"n-{i + 2}", customer={"national_id": typed})
        assert only_result(post_events(api, event))["customer_id"] == first["customer_id"]
    phone = "".join(chr(0x0660 + int(d)) if d.isdigit() else d for d in "099 375 7370")
    second = only_result(post_events(api, make_event("n-9", customer={"phone": phone})))
    assert Customer.objects.count() == 2  # the phone is someone else, but one customer only
    assert Phone.objects.get(customer_id=second["customer_id"]).e164 == "+593993757370"
    found = api.get("/api/v1/customers/lookup", {"national_id": arabic}).json()
    assert [m["id"] for m in found["matches"]] == [first["customer_id"]]


def test_control_characters_are_refused_with_their_path(api):
    bell = make_event("c-1", payload={"subject": "Hola\x07", "direction": "inbound"})
    escape = make_event("c-2", customer={"phone": "0991234567", "name": "Ana\x1b[31m"})
    results = post_events(api, [bell, escape]).json()["results"]
    assert results[0]["errors"] == [
        {"field": "payload.subject", "message": "holds the control character U+0007"}
    ]
    assert results[1]["errors"][0]["field"] == "customer.name"
    assert not Customer.objects.exists()


def _issue(api: Any, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    customer_id = only_result(post_events(api, event))["customer_id"]
    listing = api.get("/api/v1/data-quality/issues").json()
    return customer_id, listing


def test_issues_are_listed_with_counts_and_filters(api):
    post_events(
        api,
        [
            profile_event("l-1", {"phone": "0991111111"}, emails=["bad@"], birth_date="1800-01-01"),
            profile_event("l-2", {"phone": "0992222222"}, emails=["also@bad"]),
        ],
    )
    listing = api.get("/api/v1/data-quality/issues").json()
    assert listing["count"] == 3
    assert listing["by_field"] == {"email": 2, "birth_date": 1}
    only = api.get("/api/v1/data-quality/issues", {"field": "email", "channel": "web"}).json()
    assert {i["raw_value"] for i in only["issues"]} == {"bad@", "also@bad"}
    assert api.get("/api/v1/data-quality/issues", {"channel": "pos"}).json()["count"] == 0


def test_fix_applies_the_corrected_value_through_the_services_and_audits(api):
    customer_id, listing = _issue(
        api, profile_event("f-1", {"phone": "0993333333"}, birth_date="31/02/1980")
    )
    issue_id = listing["issues"][0]["id"]

    refused = api.post(
        f"/api/v1/data-quality/issues/{issue_id}/fix",
        {"value": "31/02/1980"},
        content_type="application/json",
    )
    assert refused.status_code == 422 and "birth_date" in refused.json()["detail"]
    assert Customer.objects.get(pk=customer_id).birth_date is None

    fixed = api.post(
        f"/api/v1/data-quality/issues/{issue_id}/fix",
        {"value": "28/02/1980"},
        content_type="application/json",
    )
    assert fixed.status_code == 200
    assert (fixed.json()["status"], fixed.json()["corrected_value"]) == ("fixed", "1980-02-28")
    assert str(Customer.objects.get(pk=customer_id).birth_date) == "1980-02-28"
    entry = AuditEntry.objects.get(action="fix_data_quality")
    assert entry.changes == {"birth_date": ["31/02/1980", "1980-02-28"]}
    assert AuditEntry.objects.filter(customer_id=customer_id, action="update").exists()
    again = api.post(
        f"/api/v1/data-quality/issues/{issue_id}/fix",
        {"value": "28/02/1980"},
        content_type="application/json",
    )
    assert again.status_code == 409


def test_fixing_a_flagged_phone_replaces_it_and_dismissing_keeps_it(api):
    first = only_result(post_events(api, make_event("p-1", customer={"phone": "0944255366"})))
    second = only_result(post_events(api, make_event("p-2", customer={"phone": "0944255377"})))
    by_customer = {
        i["customer_id"]: i["id"] for i in api.get("/api/v1/data-quality/issues").json()["issues"]
    }

    fixed = api.post(
        f"/api/v1/data-quality/issues/{by_customer[first['customer_id']]}/fix",
        {"value": "099 375 7370"},
        content_type="application/json",
    )
    assert fixed.status_code == 200
    phones = Phone.objects.filter(customer_id=first["customer_id"])
    assert list(phones.values_list("e164", "validity")) == [("+593993757370", "valid")]
    lookup = api.get("/api/v1/customers/lookup", {"phone": "0944255366"}).json()
    assert lookup == {"matches": []}

    dismissed = api.post(
        f"/api/v1/data-quality/issues/{by_customer[second['customer_id']]}/dismiss"
    )
    assert dismissed.json()["status"] == "dismissed"
    assert Phone.objects.get(customer_id=second["customer_id"]).e164 == "+593944255377"
    assert AuditEntry.objects.filter(action="dismiss_data_quality").count() == 1
    assert api.get("/api/v1/data-quality/issues").json()["count"] == 0


def test_fix_an_address_and_an_email(api):
    customer_id, listing = _issue(
        api,
        profile_event(
            "a-1",
            {"phone": "0994444444"},
            emails=["ana@gmail"],
            addresses=[{"line1": "Av. 12 de Octubre N24-593", "country": "Ecuador"}],
        ),
    )
    by_field = {i["field"]: i["id"] for i in listing["issues"]}
    address = api.post(
        f"/api/v1/data-quality/issues/{by_field['address']}/fix",
        {"value": {"line1": "Av. 12 de Octubre N24-593 y Luis Cordero", "city": "Quito"}},
        content_type="application/json",
    )
    email = api.post(
        f"/api/v1/data-quality/issues/{by_field['email']}/fix",
        {"value": "ana@gmail.com"},
        content_type="application/json",
    )
    assert (address.status_code, email.status_code) == (200, 200)
    customer = Customer.objects.get(pk=customer_id)
    assert customer.addresses.get().city == "Quito"
    assert customer.emails.get().address == "ana@gmail.com"


def test_roles_that_may_not_edit_customers_cannot_see_the_list(token_client):
    marketer = token_client("marketer", ("customers:read",))
    assert marketer.get("/api/v1/data-quality/issues").status_code == 403


def test_cli_lists_open_issues_with_counts_by_field(api):
    from typer.testing import CliRunner

    from lealtad.cli import app

    post_events(
        api,
        [
            profile_event("q-1", {"phone": "0944255366"}, emails=["bad@"], gender="x"),
            profile_event("q-2", {"phone": "0995555555"}, emails=["worse@", "ok@example.ec"]),
        ],
    )
    result = CliRunner().invoke(app, ["customers", "quality"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "4 open issues"
    assert lines[1].split() == ["email", "2"]
    assert sorted(line.split()[0] for line in lines[2:4]) == ["gender", "phone"]
    assert any("'worse@' [web]" in line for line in lines)
    only = CliRunner().invoke(app, ["customers", "quality", "--field", "phone"])
    assert only.output.splitlines()[0] == "1 open issue"
    assert "+593944255366" in only.output
    assert CliRunner().invoke(app, ["customers", "quality", "--status", "nope"]).exit_code == 2


def test_issues_follow_a_merge_and_come_back_when_it_is_undone(api):
    from lealtad.core.audit import Actor
    from lealtad.customers import services

    post_events(
        api,
        [
            profile_event("m-1", {"phone": "0996666666"}, birth_date="2999-01-01"),
            profile_event("m-2", {"phone": "0997777777"}, emails=["x@@y"]),
        ],
    )
    kept, gone = Customer.objects.order_by("pk")
    ctx = services.ChangeContext(Actor.system("test"))
    merge = services.merge_customers(kept, gone, ctx, "same person")
    assert set(DataQualityIssue.objects.values_list("customer_id", flat=True)) == {kept.pk}
    services.unmerge(merge, ctx, "not the same")
    owners = dict(DataQualityIssue.objects.values_list("field", "customer_id"))
    assert owners == {"birth_date": kept.pk, "email": gone.pk}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(number=ecuador())
def test_any_ecuadorian_number_as_people_type_it_is_taken_by_the_api(api, number):
    raw, _, e164 = number
    event = profile_event(None, {"name": "Ana Caiza"}, phones=[{"number": raw, "kind": "home"}])
    result = only_result(post_events(api, event))
    assert result["status"] == "created", result
    assert Phone.objects.filter(customer_id=result["customer_id"], e164=e164).exists()
