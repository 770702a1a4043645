"""The events the ingest benchmark sends: new Ecuadorian customers and their interactions.

Pure Python, no Django: a seeded draw of people with the keys an integration sends (a mobile
phone, an e-mail, a cédula with a valid check digit, one Quito-style address), and the
canonical events built from them. Whether a drawn key is already in the base is the caller's
question (``benchmarks/ingest.py`` asks the database and draws again).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

GIVEN_NAMES = (
    "María José",
    "Juan Carlos",
    "Ana Lucía",
    "Luis Alberto",
    "Rosa Elena",
    "Diego Fernando",
    "Mónica Patricia",
    "José Miguel",
    "Carmen Isabel",
    "Andrés Sebastián",
    "Gabriela",
    "Wilson",
    "Nancy Beatriz",
    "Segundo Manuel",
    "Daniela Alejandra",
    "Fausto",
)
SURNAMES = (
    "Juárez",
    "Ortega",
    "Quishpe",
    "Guamán",
    "Chicaiza",
    "Tipán",
    "Núñez",
    "de la Cruz",
    "del Pozo",
    "Villacís",
    "Andrade",
    "Pazmiño",
    "Cevallos",
    "Toapanta",
    "Morales",
    "Zambrano",
    "Benítez",
    "Yánez",
)
STREETS = (
    ("Av. 12 de Octubre", "Luis Cordero"),
    ("Av. Amazonas", "Juan Pablo Sanz"),
    ("Av. 6 de Diciembre", "Colón"),
    ("Calle García Moreno", "Sucre"),
    ("Av. de los Shyris", "Naciones Unidas"),
    ("Av. Eloy Alfaro", "Portugal"),
)
CITIES = (
    ("Quito", "Pichincha"),
    ("Guayaquil", "Guayas"),
    ("Cuenca", "Azuay"),
    ("Ambato", "Tungurahua"),
    ("Loja", "Loja"),
)
CHANNELS = ("web", "pos", "call_center", "mobile")
DOMAINS = ("gmail.com", "hotmail.com", "outlook.com", "yahoo.es")
ASCII = str.maketrans("áéíóúñÁÉÍÓÚÑ ", "aeiounAEIOUN.")


def cedula_check_digit(first_nine: str) -> int:
    """Ecuador's modulo-10 check digit: coefficients 2,1,2,…; a product over 9 loses 9.

    Examples:
        >>> cedula_check_digit("171003406")
        5
    """
    total = 0
    for position, digit in enumerate(first_nine):
        product = int(digit) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def draw_cedula(rng: random.Random) -> str:
    """A natural person's cédula: province 01-24, third digit below 6, valid check digit."""
    first_nine = f"{rng.randint(1, 24):02d}{rng.randint(0, 5)}{rng.randrange(10**6):06d}"
    return first_nine + str(cedula_check_digit(first_nine))


@dataclass(frozen=True)
class Person:
    """A new customer as the sending channel knows them."""

    given_names: str
    first_surname: str
    second_surname: str
    phone: str  # E.164 +5939XXXXXXXX, in the 098/099 ranges libphonenumber knows as assigned
    email: str
    cedula: str
    line1: str
    city: str
    region: str

    @property
    def national_phone(self) -> str:
        """The mobile as people type it in Ecuador: ``099 375 7370``."""
        digits = "0" + self.phone[4:]
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"

    @property
    def name(self) -> str:
        return f"{self.given_names} {self.first_surname} {self.second_surname}"


def draw_person(rng: random.Random) -> Person:
    given = rng.choice(GIVEN_NAMES)
    first, second = rng.sample(SURNAMES, 2)
    street, cross = rng.choice(STREETS)
    city, region = rng.choice(CITIES)
    local = f"{given.split()[0]}.{first}".translate(ASCII).lower()
    return Person(
        given_names=given,
        first_surname=first,
        second_surname=second,
        phone=f"+5939{rng.choice('89')}{rng.randrange(10**7):07d}",
        email=f"{local}.{rng.randrange(16**8):08x}@{rng.choice(DOMAINS)}",
        cedula=draw_cedula(rng),
        line1=f"{street} N{rng.randint(10, 80)}-{rng.randint(1, 999)} y {cross}",
        city=city,
        region=region,
    )


def upsert_event(person: Person, event_id: str, n: int) -> dict[str, object]:
    """``customer.upserted`` with the keys in the envelope and the profile in the payload."""
    return {
        "id": event_id,
        "type": "customer.upserted",
        "channel": CHANNELS[n % len(CHANNELS)],
        "occurred_at": datetime.now(UTC).isoformat(),
        "customer": {
            "phone": person.phone,
            "email": person.email,
            "national_id": person.cedula,
            "national_id_type": "cedula_ec",
            "name": person.name,
        },
        "payload": {
            "kind": "person",
            "given_names": person.given_names,
            "first_surname": person.first_surname,
            "second_surname": person.second_surname,
            "phones": [{"number": person.national_phone, "kind": "mobile"}],
            "emails": [person.email],
            "addresses": [
                {
                    "kind": "home",
                    "line1": person.line1,
                    "city": person.city,
                    "region": person.region,
                    "country": "EC",
                }
            ],
        },
    }


def interaction_event(phone: str, event_id: str, n: int) -> dict[str, object]:
    """``interaction.recorded`` of a customer the base knows by phone."""
    return {
        "id": event_id,
        "type": "interaction.recorded",
        "channel": CHANNELS[n % len(CHANNELS)],
        "occurred_at": datetime.now(UTC).isoformat(),
        "customer": {"phone": phone},
        "payload": {
            "kind": "inquiry",
            "direction": "inbound",
            "subject": "Consulta de saldo",
            "summary": "Cliente consulta saldo disponible (benchmark).",
            "agent": "Andrea Villacís",
        },
    }
