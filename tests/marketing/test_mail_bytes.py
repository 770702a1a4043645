"""A campaign message as it goes over SMTP: 8-bit lines when the server takes them, base64
otherwise, and the same text either way."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.marketing.channels import rendering

TEMPLATE = rendering.compile_template(
    "email",
    "es",
    "Hola {{ first_name }}",
    "Hola {{ first_name }},\nsu pedido en {{ city }} está listo.\n",
    '<p>Hola {{ first_name }}</p><a href="https://tienda.ec/pedido">Ver</a>',
)


def parsed(data: bytes):
    return BytesParser(policy=policy.default).parsebytes(data)


def message(values: dict[str, str], eight_bit: bool, template=TEMPLATE) -> bytes:
    recipient = rendering.Recipient(41, 7, "ana@correo.ec", "es", values)
    return rendering.mail_bytes(template, 3, "tienda@lealtad.ec", recipient, eight_bit=eight_bit)


def encodings(data: bytes) -> list[str]:
    return [part["Content-Transfer-Encoding"] for part in parsed(data).iter_parts()]


def test_eight_bit_parts_are_utf8_lines_and_read_back_the_same():
    values = {"first_name": "Begoña", "city": "Quito"}
    eight, base64 = message(values, True), message(values, False)
    assert encodings(eight) == ["8bit", "8bit"] and encodings(base64) == ["base64", "base64"]
    assert "Begoña".encode() in eight and "Begoña".encode() not in base64
    for kind in ("plain", "html"):
        assert (
            parsed(eight).get_body((kind,)).get_content().splitlines()
            == parsed(base64).get_body((kind,)).get_content().splitlines()
        )
    assert len(eight) < len(base64)


def test_a_line_over_998_bytes_goes_as_base64_and_an_ascii_part_says_7bit():
    long_line = rendering.compile_template("email", "es", "Hola", "x" * 1200, "<p>corto</p>")
    assert encodings(message({}, True, long_line)) == ["base64", "8bit"]  # the footer's "·"
    ascii_only = rendering.compile_template("email", "es", "Hola", "Hola {{ first_name }}", "")
    assert (
        parsed(message({"first_name": "Ana"}, True, ascii_only))["Content-Transfer-Encoding"]
        == "7bit"
    )


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(blacklist_categories=["Cs"]), max_size=300))
def test_any_text_arrives_in_crlf_lines_whatever_its_line_ends(name):
    with patch("django.core.signing.time.time", return_value=1_796_000_000.0):
        # One second for both: the links' signatures carry a timestamp.
        data = message({"first_name": name, "city": "Quito"}, True)
        expected = parsed(message({"first_name": name, "city": "Quito"}, False))
    assert b"\n" not in data.replace(b"\r\n", b"") and b"\r" not in data.replace(b"\r\n", b"")
    plain = parsed(data).get_body(("plain",)).get_content()
    assert plain.splitlines() == expected.get_body(("plain",)).get_content().splitlines()
