"""One domain error type, mapped in one place per channel (docs/decisions/0011).

A service's refusal (:class:`lealtad.core.errors.DomainError`) reaches the person the same way
from every door: the API answers its code, message and field with the status its kind says;
the ``lealtad`` command prints it in red and exits 1; a page shows it as a message, or as a
refusal page with its status. Without the mapping each of these is a server error (500) or a
traceback.
"""

from __future__ import annotations

import json

import pytest
import typer
from django.test import Client, RequestFactory
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from lealtad.api import refused
from lealtad.cli import app as lealtad_app
from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.errors import HTTP_STATUS, KINDS, DomainError
from lealtad.customers.models import IdentityReview
from lealtad.customers.services import MergeRefused

from .conftest import build_review_pair, build_rodrigo

pytestmark = pytest.mark.django_db
runner = CliRunner()


def signed_in(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


# HTTP: one handler, the status from the kind ---------------------------------------------------


def test_invalid_input_is_422_with_code_message_and_field(supervisor) -> None:
    answer = signed_in(supervisor).get("/api/v1/customers/lookup", {"phone": "12"})
    assert answer.status_code == 422
    body = answer.json()
    assert (body["code"], body["field"]) == ("lookup_key_invalid", "phone")
    assert body["message"] and body["detail"] == f"phone: {body['message']}"


def test_a_state_that_forbids_it_is_409_in_the_callers_language(supervisor) -> None:
    customer = build_rodrigo()
    path = f"/api/v1/customers/{customer}/merge"
    body = {"absorbed_id": customer, "reason": "the same person"}
    english = signed_in(supervisor).post(path, body, content_type="application/json")
    assert english.status_code == 409
    assert english.json() == {
        "detail": "a customer cannot be merged into itself",
        "code": "merge_refused",
        "message": "a customer cannot be merged into itself",
    }
    spanish = signed_in(supervisor, "es").post(path, body, content_type="application/json")
    assert spanish.status_code == 409
    assert spanish.json()["message"] == "un cliente no puede fusionarse consigo mismo"
    assert spanish.json()["detail"] == "a customer cannot be merged into itself"  # stable
    assert spanish.json()["code"] == "merge_refused"  # the code never changes with the language


def test_a_record_that_is_not_there_is_404() -> None:
    answer = Client().post(
        "/api/v1/consents/confirm", {"token": "not-a-link"}, content_type="application/json"
    )
    assert answer.status_code == 404
    assert answer.json()["code"] == "consent_link_invalid"
    assert answer.json()["field"] == "token"


@pytest.mark.parametrize(("kind", "status"), [("forbidden", 403), ("unauthenticated", 401)])
def test_the_handler_answers_every_kind_with_its_status(kind, status) -> None:
    request = RequestFactory().get("/api/v1/anything")
    answer = refused(request, DomainError("not for you", kind=kind, code="example_refused"))
    assert answer.status_code == status
    assert json.loads(answer.content) == {
        "detail": "not for you",
        "code": "example_refused",
        "message": "not for you",
    }


@given(
    kind=st.sampled_from(KINDS),
    field=st.sampled_from(["", "phone", "profile.consents.proof"]),
    value=st.text(min_size=1, max_size=30),
)
def test_str_is_field_then_message_and_the_status_follows_the_kind(kind, field, value) -> None:
    error = DomainError("value %(value)s refused", field=field, kind=kind, value=value)
    assert error.message == f"value {value} refused"
    assert str(error) == (f"{field}: {error.message}" if field else error.message)
    assert error.status == HTTP_STATUS[kind]
    assert isinstance(error, ValueError)  # callers that caught ValueError still do


def test_an_unknown_kind_is_refused_at_the_raise() -> None:
    with pytest.raises(TypeError):
        DomainError("x", kind="teapot")  # type: ignore[arg-type]


# CLI: one group class, exit 1 ------------------------------------------------------------------


def test_the_command_prints_the_refusal_and_exits_1() -> None:
    runner.invoke(lealtad_app, ["init"])
    bad = runner.invoke(lealtad_app, ["token", "create", "--user", "admin", "--scope", "root:all"])
    assert bad.exit_code == 1
    # The command speaks the installation's language (LANGUAGE_CODE, Spanish by default).
    assert "scope: alcance(s) desconocido(s): root:all" in bad.output
    assert "Traceback" not in bad.output


def test_any_group_shows_a_refusal_and_lets_other_errors_through() -> None:
    app = typer.Typer(cls=RefusalsShown)

    @app.command()
    def merge() -> None:
        raise MergeRefused("this merge was already undone")

    @app.command()
    def broken() -> None:
        raise ValueError("a bug, not a refusal")

    shown = runner.invoke(app, ["merge"])
    assert (shown.exit_code, shown.exception.__class__) == (1, SystemExit)
    assert "this merge was already undone" in shown.output
    bug = runner.invoke(app, ["broken"])
    assert isinstance(bug.exception, ValueError)  # a traceback for the developer


# Pages: a message, a form error, or the refusal page with its status -----------------------------


def test_a_page_shows_the_refusal_as_a_message(supervisor) -> None:
    build_review_pair()
    review = IdentityReview.objects.get()
    client = signed_in(supervisor)
    url = reverse("customers:decide_review", args=[review.pk])
    assert client.post(url, {"decision": "merged"}).status_code == 302
    again = client.post(url, {"decision": "distinct"}, follow=True)
    assert "this review was already decided" in again.content.decode()
    review.refresh_from_db()
    assert review.status == "merged"


@pytest.mark.urls("tests.web.refusal_urls")
def test_a_refusal_no_view_handled_is_a_page_with_its_status(supervisor) -> None:
    english = signed_in(supervisor).get("/test/refuse/")
    assert english.status_code == 409
    assert "this merge was already undone" in english.content.decode()
    spanish = signed_in(supervisor, "es").get("/test/refuse/")
    assert spanish.status_code == 409
    assert "esta fusión ya fue deshecha" in spanish.content.decode()
