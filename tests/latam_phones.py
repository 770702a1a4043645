"""Hypothesis strategies for phone numbers as people in Ecuador, Colombia, Peru and Mexico type
them (see ../shared/LOCALE.md "Phones"): each draws ``(typed, region, e164)``.

The digits are random, so many numbers fall outside the ranges libphonenumber lists as
assigned: exactly the numbers a CRM must not refuse.
"""

from __future__ import annotations

from hypothesis import strategies as st

SEPARATORS = st.sampled_from([" ", " ", "-", ".", "", "  "])


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


@st.composite
def grouped(draw: st.DrawFn, text: str, parenthesize_first: bool = False) -> str:
    """``text`` cut into groups of 2 to 4 digits joined by spaces, dashes, dots or nothing."""
    groups, rest = [], text
    while rest:
        size = draw(st.integers(2, 4))
        groups.append(rest[:size])
        rest = rest[size:]
    if len(groups) > 1 and len(groups[-1]) < 2:
        groups[-2:] = [groups[-2] + groups[-1]]
    sep = draw(SEPARATORS)
    if parenthesize_first and draw(st.booleans()):
        return f"({groups[0]}) " + sep.join(groups[1:])
    return sep.join(groups)


@st.composite
def typed(draw: st.DrawFn, cc: str, national: str, trunk: str, area: str) -> str:
    """One way of typing the number whose national significant part is ``area + national``."""
    forms = ["national", "plus", "bare_cc", "plus_zero", "double_zero"]
    if cc == "57":  # Colombia dials abroad through a carrier (005, 007, 009): 0057 is not home
        forms.remove("double_zero")
    form = draw(st.sampled_from(forms))
    if form == "national" or (form == "plus_zero" and not trunk):
        head = f"({trunk}{area})" if area and draw(st.booleans()) else f"{trunk}{area}"
        return f"{head}{draw(SEPARATORS)}{draw(grouped(national))}".strip()
    prefix = {"plus": f"+{cc}", "bare_cc": cc, "double_zero": f"00{cc}"}.get(form, f"+{cc}(0)")
    body = draw(grouped(area + national, parenthesize_first=bool(area)))
    return f"{prefix}{draw(st.sampled_from([' ', '', '-']))}{body}"


@st.composite
def ecuador(draw: st.DrawFn) -> tuple[str, str, str]:
    if draw(st.booleans()):  # mobile 09X XXX XXXX
        area, national = "9" + draw(digits(1)), draw(digits(7))
    else:  # landline 0A XXX XXXX: 2 Quito, 4 Guayaquil, 7 Cuenca …
        area, national = draw(st.sampled_from("234567")), draw(st.sampled_from("23456789"))
        national += draw(digits(6))
    return draw(typed("593", national, "0", area)), "EC", f"+593{area}{national}"


@st.composite
def colombia(draw: st.DrawFn) -> tuple[str, str, str]:
    if draw(st.booleans()):  # mobile 3XX XXX XXXX
        area, national = "3" + draw(digits(2)), draw(digits(7))
    else:  # landline 60A XXX XXXX since 2021
        area = "60" + draw(st.sampled_from("1245678"))
        national = draw(st.sampled_from("2345678")) + draw(digits(6))
    return draw(typed("57", national, "", area)), "CO", f"+57{area}{national}"


@st.composite
def peru(draw: st.DrawFn) -> tuple[str, str, str]:
    kind = draw(st.sampled_from(["mobile", "lima", "province"]))
    if kind == "mobile":  # 9XX XXX XXX
        area, national, trunk = "", "9" + draw(digits(8)), ""
    elif kind == "lima":  # (01) XXX-XXXX
        area, national, trunk = "1", draw(st.sampled_from("2345679")) + draw(digits(6)), "0"
    else:  # (0AA) XXX-XXX
        area = draw(st.sampled_from(["41", "44", "54", "56", "64", "74", "76", "84"]))
        national, trunk = draw(st.sampled_from("2345678")) + draw(digits(5)), "0"
    return draw(typed("51", national, trunk, area)), "PE", f"+51{area}{national}"


@st.composite
def mexico(draw: st.DrawFn) -> tuple[str, str, str]:
    area = draw(st.sampled_from(["55", "33", "81", "222", "442", "998", "999", "664"]))
    national = draw(st.sampled_from("2345678")) + draw(digits(9 - len(area)))
    return draw(typed("52", national, "", area)), "MX", f"+52{area}{national}"


ANY_COUNTRY = st.one_of(ecuador(), colombia(), peru(), mexico())
