"""A generated, realistic set of Ecuadorian customers as four channels send them (issue 10).

Names with accents, in upper case or without accents as older systems keep them, the maternal
surname often dropped; cédulas with their check digit, typed with a dash now and then; mobile
numbers in every local format (most in ranges libphonenumber does not list as assigned, like
the real ``0944255366``); a few odd optional fields per hundred: a birth date in the future,
an extra email that fails, a gender code nobody mapped, an address without its street.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from lealtad.core.normalize import cedula_check_digit

GIVEN = [
    "María José", "Juan Carlos", "Rosa Elena", "Luis Alberto", "Ana Lucía", "José Andrés",
    "Verónica", "Martín", "Dayana", "Ángel", "Nancy", "Segundo", "Inés", "Efraín", "Sofía",
]  # fmt: skip
SURNAMES = [
    "Juárez", "Ortega", "Quishpe", "Guamán", "Chicaiza", "Tipán", "Núñez", "Pérez", "de la Cruz",
    "del Pozo", "Andrade", "Cevallos", "Yánez", "Toapanta", "Caiza", "Mejía", "Ponce", "Loor",
]  # fmt: skip
STREETS = ["Av. 12 de Octubre N24-593 y Luis Cordero", "Av. Amazonas N34-12", "Gran Colombia 10-20"]
CHANNELS = ("pos", "web", "call_center", "mobile")
ODD_KINDS = ("future_birth", "bad_email", "odd_gender", "no_street", "impossible_phone")


@dataclass
class Person:
    given: str
    first: str
    second: str
    cedula: str
    mobile: str  # national digits, 0 + 9 digits
    email: str
    odd: set[str] = field(default_factory=set)

    @property
    def e164(self) -> str:
        return "+593" + self.mobile[1:]


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _typed_mobile(rng: random.Random, national: str) -> str:
    d = national
    forms = [
        f"{d[:3]} {d[3:6]} {d[6:]}",
        f"{d[:3]}-{d[3:6]}-{d[6:]}",
        f"({d[:3]}) {d[3:6]}-{d[6:]}",
        f"{d[:3]}.{d[3:6]}.{d[6:]}",
        d,
        f"+593 {d[1:3]} {d[3:6]} {d[6:]}",
        f"593 {d[1:3]} {d[3:6]} {d[6:]}",
        f"+593(0){d[1:3]}{d[3:]}",
        f"+593{d[1:]}",
    ]
    return rng.choice(forms)


def _name(rng: random.Random, p: Person) -> str:
    second = p.second if rng.random() < 0.6 else ""  # the maternal surname is often dropped
    full = " ".join(x for x in (p.given, p.first, second) if x)
    style = rng.random()
    if style < 0.25:
        return _plain(full).upper()
    if style < 0.4:
        return _plain(full)
    return full


def people(count: int, seed: int = 2026) -> list[Person]:
    rng = random.Random(seed)
    out, seen = [], set()
    while len(out) < count:
        prefix = f"{rng.randint(1, 24):02d}{rng.randint(0, 5)}{rng.randint(0, 999999):06d}"
        mobile = "09" + str(rng.randint(2, 9)) + f"{rng.randint(0, 9999999):07d}"
        if prefix in seen or mobile in seen:
            continue
        seen |= {prefix, mobile}
        first, second = rng.sample(SURNAMES, 2)
        given = rng.choice(GIVEN)
        user = _plain(f"{given.split()[0]}.{first.replace(' ', '')}").lower()
        email = f"{user}{len(out)}@{rng.choice(['gmail.com', 'hotmail.com', 'andinanet.net'])}"
        person = Person(given, first, second, prefix + cedula_check_digit(prefix), mobile, email)
        if rng.random() < 0.15:
            person.odd.add(rng.choice(ODD_KINDS))
        out.append(person)
    return out


def events(persons: list[Person], seed: int = 2026) -> list[dict[str, Any]]:
    """One to four events per person, each channel in its own shape, shuffled in time."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for i, p in enumerate(persons):
        for channel in rng.sample(CHANNELS, rng.randint(1, 4)):
            out.append(_event(rng, p, channel, f"{channel}-{i}"))
    rng.shuffle(out)
    return out


def _event(rng: random.Random, p: Person, channel: str, event_id: str) -> dict[str, Any]:
    base = {"id": event_id, "channel": channel, "occurred_at": "2026-11-02T10:00:00-05:00"}
    if channel == "call_center":
        return {
            **base,
            "type": "interaction.recorded",
            "customer": {"phone": _typed_mobile(rng, p.mobile), "name": _name(rng, p)},
            "payload": {"subject": "Consulta de saldo", "direction": "inbound"},
        }
    customer: dict[str, Any] = {"name": _name(rng, p)}
    payload: dict[str, Any] = {}
    if channel == "pos":
        cedula = p.cedula if rng.random() < 0.7 else f"{p.cedula[:9]}-{p.cedula[9]}"
        customer |= {"national_id": cedula, "phone": _typed_mobile(rng, p.mobile)}
        payload["given_names"] = p.given
        payload["first_surname"] = p.first
    elif channel == "web":
        customer |= {"email": p.email.upper() if rng.random() < 0.2 else p.email}
        payload["gender"] = rng.choice(["female", "male", ""])
    else:  # mobile app
        customer |= {"phone": _typed_mobile(rng, p.mobile), "email": p.email}
        payload["addresses"] = [{"line1": rng.choice(STREETS), "city": "Quito"}]
    _odd(p, channel, payload)
    return {**base, "type": "customer.upserted", "customer": customer, "payload": payload}


ODD_CHANNEL = {
    "future_birth": "pos",
    "bad_email": "web",
    "odd_gender": "web",
    "no_street": "mobile",
    "impossible_phone": "pos",
}


def _odd(p: Person, channel: str, payload: dict[str, Any]) -> None:
    """The person's odd optional field, on the channel that sends that field."""
    for kind in p.odd:
        if ODD_CHANNEL[kind] != channel:
            continue
        if kind == "future_birth":
            payload["birth_date"] = "2099-01-01"
        elif kind == "bad_email":
            payload["emails"] = [p.email, p.email.replace("@", "@@")]
        elif kind == "odd_gender":
            payload["gender"] = "F"
        elif kind == "no_street":
            payload["addresses"] = [{"line1": "", "city": "Quito"}]
        elif kind == "impossible_phone":
            payload["phones"] = [{"number": "099 375", "kind": "mobile"}]


def expected_set_aside(persons: list[Person], sent: list[dict[str, Any]]) -> int:
    """How many fields the hub must set aside: one per odd field actually sent."""
    channels = {(e["id"].split("-")[1], e["channel"]) for e in sent}
    return sum(
        1
        for i, p in enumerate(persons)
        for kind in p.odd
        if (str(i), ODD_CHANNEL[kind]) in channels
    )
