"""Check digits on what callers key in: Luhn, modulo 11 and the Ecuadorian cédula."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lealtad.contact_engine.ivr import cedula_ec, luhn, mod11


def test_luhn_known_numbers():
    assert luhn("4111111111111111") and luhn("79927398713") and luhn("5500005555555559")
    assert not luhn("4111111111111112") and not luhn("79927398710")
    assert not luhn("") and not luhn("7") and not luhn("4111-1111") and not luhn("٤١١١١١")


def test_mod11_known_numbers():
    assert mod11("123456785")
    assert [d for d in range(10) if mod11(f"12345678{d}")] == [5]
    assert mod11("0000000000")  # 11 counts as 0
    assert not mod11("1") and not mod11("12a4")


def test_cedula_known_numbers_and_rules():
    assert cedula_ec("1710034065") and cedula_ec("0926687856")
    assert not cedula_ec("1710034066")  # check digit
    assert not cedula_ec("2510034065")  # province 25 does not exist
    assert not cedula_ec("1770034065")  # third digit 7 is not a person
    assert not cedula_ec("171003406") and not cedula_ec("17100340655")


@given(st.text(alphabet="0123456789", min_size=1, max_size=30), st.integers(0, 29))
def test_luhn_catches_every_single_digit_mistake(body, where):
    """The point of a check digit: one mistyped key is always caught."""
    for check in "0123456789":
        if luhn(body + check):
            break
    number = body + check
    position = where % len(number)
    for wrong in "0123456789":
        if wrong != number[position]:
            typo = number[:position] + wrong + number[position + 1 :]
            assert not luhn(typo)


@given(
    st.integers(1, 24), st.integers(0, 5), st.text(alphabet="0123456789", min_size=6, max_size=6)
)
def test_cedula_one_valid_check_digit_per_body(province, third, rest):
    body = f"{province:02d}{third}{rest}"
    assert sum(cedula_ec(body + d) for d in "0123456789") == 1
