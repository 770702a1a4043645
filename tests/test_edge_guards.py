"""The guards at the edge: body size (413 before the body is read), JSON depth (400, not a
500), NUL characters in any content type (multipart included) and safe event ids.

Sizes are checked through real HTTP too, against uvicorn serving ``lealtad.asgi`` (a body
without ``Content-Length`` is capped there while it streams in).
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.channels.models import ReceivedEvent
from lealtad.core import tokens
from lealtad.core.middleware import MAX_JSON_DEPTH, json_depth
from lealtad.customers.models import Customer
from tests.api_fixtures import make_event, post_events

MAPPING = "columns:\n  nombre: customer.name\n  correo: customer.email\n"


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# Body size ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_declared_length_over_the_limit_is_refused_with_413(api: Any, settings: Any) -> None:
    settings.LEALTAD_MAX_BODY_BYTES = 2_000
    body = {"identifiers": {"email": "ana@example.com"}, "profile": {"given_names": "A" * 3_000}}
    answer = api.post("/api/v1/customers", body, content_type="application/json")
    assert answer.status_code == 413
    assert "2000 bytes" in answer.json()["detail"]
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_the_batch_paths_take_a_thousand_realistic_events(api: Any) -> None:
    """A 1,000-event batch of rich orders is about 1.2 MB: under the batch limit (8 MiB), over
    the ordinary one (1 MiB), so the events endpoint has the larger limit."""
    event = make_event(
        "pos_tiendas_sur-000000123456",
        customer={
            "email": "maria.jose.quishpe@example.com",
            "phone": "+593 99 375 7370",
            "name": "María José Quishpe Guamán",
            "external_ids": {"sap": "0001234567"},
        },
        payload={
            "subject": "Compra en tienda",
            "summary": "; ".join(f"SKU-{i:06d}-M-AZUL x2 24.99 Camisa algodón" for i in range(20)),
        },
    )
    batch = [{**event, "id": f"pos-{n:06d}"} for n in range(1000)]
    size = len(json.dumps(batch, ensure_ascii=False).encode())
    assert 1024 * 1024 < size < 8 * 1024 * 1024
    answer = post_events(api, batch)
    assert answer.status_code == 200, answer.content[:300]
    assert answer.json()["created"] == 1000


def _token() -> str:
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("edge-admin")
    user.groups.add(Group.objects.get_or_create(name="admin")[0])
    return tokens.create_token(user, "edge", ["customers:read", "customers:write", "events:write"])


@pytest.mark.django_db(transaction=True)
def test_over_real_http_a_huge_declared_length_is_answered_before_any_body(
    asgi_server: str,
) -> None:
    """The client announces 10 GB and sends nothing: the answer comes at once."""
    where = urlsplit(asgi_server)
    with socket.create_connection((where.hostname, where.port), timeout=5) as conn:
        conn.sendall(
            b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 10000000000\r\n\r\n"
        )
        started = time.monotonic()
        head = conn.recv(4096)
    assert head.startswith(b"HTTP/1.1 413"), head[:200]
    assert time.monotonic() - started < 3
    assert b"the most this path accepts" in head or b"413" in head


@pytest.mark.django_db(transaction=True)
def test_over_real_http_a_chunked_body_is_cut_off_at_the_limit(
    asgi_server: str, settings: Any
) -> None:
    settings.LEALTAD_MAX_BODY_BYTES = 50_000
    sent = 0

    def chunks() -> Any:
        nonlocal sent
        for _ in range(1_000):  # 1 MB in all, if the server read it
            sent += 1_000
            yield b" " * 1_000

    headers = {"Authorization": f"Bearer {_token()}", "Content-Type": "application/json"}
    try:
        answer = httpx.post(
            f"{asgi_server}/api/v1/customers", content=chunks(), headers=headers, timeout=10
        )
    except httpx.TransportError:
        pass  # the server may close before the client finished sending: also a refusal
    else:
        assert answer.status_code == 413, answer.text
        assert "50000 bytes" in answer.json()["detail"]
    assert Customer.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_over_real_http_small_and_batch_bodies_pass(asgi_server: str) -> None:
    headers = {"Authorization": f"Bearer {_token()}"}
    batch = [make_event(f"http-{n}") for n in range(300)]
    answer = httpx.post(f"{asgi_server}/api/v1/events", json=batch, headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == 300


# JSON depth --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 100_000])
def test_deeply_nested_json_answers_400_not_500(api: Any, depth: int) -> None:
    event = make_event("deep-1")
    event["payload"] = {"subject": "x", "extra": json.loads("0")}
    raw = json.dumps(event).replace('"extra": 0', f'"extra": {_nested(depth)}')
    answer = api.post("/api/v1/events", raw, content_type="application/json")
    assert answer.status_code == 400
    assert "nests deeper than 32 levels" in answer.json()["detail"]
    for path in ("/api/v1/customers", "/api/v1/connectors/subscriptions"):
        assert api.post(path, _nested(depth), content_type="application/json").status_code == 400
    assert ReceivedEvent.objects.count() == 0


@pytest.mark.django_db
def test_ordinary_nesting_and_brackets_inside_text_pass(api: Any) -> None:
    event = make_event("brackets-1", payload={"subject": "[[[[" * 20 + '\\"{{{{' * 20})
    answer = post_events(api, event)
    assert answer.status_code == 200 and answer.json()["created"] == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab[]{}"\\ ,:'),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=30,
)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(value=json_values)
def test_json_depth_counts_nesting_not_brackets_in_text(value: Any) -> None:
    assert json_depth(json.dumps(value).encode()) == _depth(value)


# NUL characters ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_csv_upload_with_a_nul_byte_is_refused_naming_the_part_and_line(api: Any) -> None:
    data = b"nombre,correo\nAna,ana@example.com\nLuis\x00,luis@example.com\n"
    answer = api.post(
        "/api/v1/customers/import",
        {"mapping": MAPPING, "file": SimpleUploadedFile("clientes.csv", data, "text/csv")},
    )
    assert answer.status_code == 400
    assert answer.json()["detail"] == (
        "NUL characters are not accepted (in file 'file' (clientes.csv), line 3)"
    )
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_a_multipart_form_field_with_nul_is_refused(api: Any) -> None:
    data = b"nombre,correo\nAna,ana@example.com\n"
    answer = api.post(
        "/api/v1/customers/import",
        {"mapping": MAPPING + "\x00", "file": SimpleUploadedFile("c.csv", data, "text/csv")},
    )
    assert answer.status_code == 400
    assert answer.json()["detail"] == "NUL characters are not accepted (in form field 'mapping')"


@pytest.mark.django_db
def test_a_clean_multipart_upload_still_imports(token_client: Any) -> None:
    api = token_client("admin", ("customers:export",))
    data = b"id,nombre,correo\n7,Ana,ana@example.com\n"
    mapping = (
        "channel: web\nsource_system: tienda\nid_column: id\ncolumns:\n"
        "  id: customer.external_id\n  nombre: customer.name\n  correo: customer.email\n"
    )
    answer = api.post(
        "/api/v1/customers/import",
        {"mapping": mapping, "file": SimpleUploadedFile("c.csv", data, "text/csv")},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["created"] == 1


# Event ids ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "event_id", ["pos-1\r\nX-Injected: 1", "pos 1", "pos-1\x1b", 'pos"1', "pedido-ñ", "a<b>"]
)
def test_an_event_id_outside_the_safe_characters_is_rejected_alone(api: Any, event_id: str) -> None:
    results = post_events(api, [make_event(event_id), make_event("ok-1")]).json()["results"]
    assert results[0]["status"] == "rejected"
    assert results[0]["errors"][0]["field"] == "id"
    message = results[0]["errors"][0]["message"]
    assert "ASCII letters, digits" in message or "control character" in message
    assert results[1]["status"] == "created"
    assert list(ReceivedEvent.objects.values_list("event_id", flat=True)) == ["ok-1"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "event_id", ["pos-0001", "sap:ventas:FAC|001", "b64+/x=", "user@shop.example/1#2", "a~b_c.d"]
)
def test_ordinary_event_ids_are_accepted(api: Any, event_id: str) -> None:
    assert post_events(api, make_event(event_id)).json()["created"] == 1
