"""Synthetic Latin-American customers with known duplicates, for tests and benchmarks.

People carry Spanish given names (often two), two family names with realistic frequencies
(García is common, Quishpe rare), Ecuadorian cédulas with valid check digits, Peruvian DNIs
or Mexican-style ids, EC/MX/PE mobiles and landlines, emails and Quito-style addresses.
A duplicate is the same person as another system captured them: accents dropped, "Ma."
for María, a nickname, the second given name or surname dropped, surnames swapped, a typo
in a name, the national id, the birth date (or day and month swapped), the phone in national
format, another email provider, "Av." for "Avenida".
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from lealtad.matching.records import Person

GIVEN_F = [
    "María",
    "José",
    "Ana",
    "Lucía",
    "Gabriela",
    "Daniela",
    "Fernanda",
    "Carolina",
    "Valeria",
    "Andrea",
    "Patricia",
    "Rosa",
    "Sofía",
    "Camila",
    "Verónica",
    "Mónica",
    "Paola",
    "Jessica",
    "Diana",
    "Alejandra",
    "Guadalupe",
    "Teresa",
    "Pilar",
    "Mercedes",
    "Alicia",
    "Victoria",
    "Elena",
    "Isabel",
    "Cristina",
    "Natalia",
    "Lorena",
    "Silvia",
    "Gloria",
    "Martha",
]
GIVEN_M = [
    "José",
    "Juan",
    "Carlos",
    "Luis",
    "Jorge",
    "Miguel",
    "Ángel",
    "Francisco",
    "Pedro",
    "Diego",
    "Andrés",
    "David",
    "Santiago",
    "Fernando",
    "Ricardo",
    "Javier",
    "Manuel",
    "Antonio",
    "Eduardo",
    "Roberto",
    "Rafael",
    "Sebastián",
    "Mateo",
    "Daniel",
    "Pablo",
    "Enrique",
    "Guillermo",
    "Ignacio",
    "Alejandro",
    "Gabriel",
    "Marcelo",
    "Patricio",
    "Nicolás",
    "Héctor",
    "Raúl",
]
SURNAMES = [
    "García",
    "Rodríguez",
    "Martínez",
    "López",
    "González",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Flores",
    "Rivera",
    "Gómez",
    "Díaz",
    "Morales",
    "Herrera",
    "Jiménez",
    "Vargas",
    "Castro",
    "Ortiz",
    "Ruiz",
    "Mendoza",
    "Álvarez",
    "Romero",
    "Suárez",
    "Chávez",
    "Ramos",
    "Vásquez",
    "Guerrero",
    "Muñoz",
    "Rojas",
    "Núñez",
    "Salazar",
    "Cedeño",
    "Zambrano",
    "Andrade",
    "Vera",
    "Mora",
    "Espinoza",
    "Cevallos",
    "Villacís",
    "Aguirre",
    "Benítez",
    "Carrillo",
    "Montenegro",
    "Paredes",
    "Palacios",
    "Quishpe",
    "Guamán",
    "Chicaiza",
    "Tipán",
    "Mamani",
    "Condori",
    "Huamán",
    "Quispe",
    "Pilataxi",
    "Tituaña",
    "Yupanqui",
    "Calle",
    "Ortega",
    "Juárez",
    "Ponce",
    "Navarrete",
    "Cisneros",
    "Arévalo",
    "Bermeo",
    "Jaramillo",
    "Maldonado",
    "Ochoa",
    "Acosta",
    "Barrera",
    "Cordero",
    "Córdova",
    "Durán",
    "Escobar",
    "Estrada",
    "Fajardo",
    "Granda",
    "Hidalgo",
    "Iñiguez",
]
PARTICLE_SURNAMES = ("de la Cruz", "del Pozo", "de la Torre", "de los Santos")
STREETS = (
    "Av. 12 de Octubre",
    "Av. Amazonas",
    "Av. 10 de Agosto",
    "Calle Juan León Mera",
    "Av. 6 de Diciembre",
    "Calle Reina Victoria",
    "Av. Naciones Unidas",
    "Calle Guayaquil",
    "Av. Francisco de Orellana",
    "Calle Olmedo",
    "Av. de los Shyris",
    "Calle Venezuela",
    "Av. Insurgentes Sur",
    "Calle Madero",
    "Jr. de la Unión",
    "Av. Arequipa",
)
CITIES = (
    ("Quito", "Pichincha", "EC"),
    ("Guayaquil", "Guayas", "EC"),
    ("Cuenca", "Azuay", "EC"),
    ("Ciudad de México", "CDMX", "MX"),
    ("Lima", "Lima", "PE"),
)
DOMAINS = ("gmail.com", "hotmail.com", "yahoo.es", "outlook.com", "andinanet.net")
NICK_OF = {
    "Francisco": "Pancho",
    "José": "Pepe",
    "Luis": "Lucho",
    "Guadalupe": "Lupe",
    "Ignacio": "Nacho",
    "Guillermo": "Memo",
    "Enrique": "Quique",
    "Rafael": "Rafa",
}
ACCENTS = str.maketrans("áéíóúÁÉÍÓÚñÑ", "aeiouAEIOUnN")


def cedula(rng: random.Random) -> str:
    """A valid Ecuadorian cédula (province 01-24, third digit < 6, modulo-10 check)."""
    first9 = f"{rng.randint(1, 24):02d}{rng.randint(0, 5)}{rng.randint(0, 999999):06d}"
    total = 0
    for k, ch in enumerate(first9):
        product = int(ch) * (2 if k % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return first9 + str((10 - total % 10) % 10)


def _weighted(rng: random.Random, items: tuple[str, ...] | list[str]) -> str:
    """Zipf-like: the first items of the list are far more common than the last."""
    k = min(int(rng.paretovariate(1.1)) - 1, len(items) - 1)
    return items[k] if rng.random() < 0.6 else rng.choice(items)


@dataclass
class Truth:
    """Generated people and, for each, the entity it belongs to."""

    people: list[Person]
    entity: dict[int, int]


def _phone(rng: random.Random, country: str) -> tuple[str, bool]:
    if country == "EC":
        if rng.random() < 0.8:
            return f"+5939{rng.choice('98')}{rng.randint(0, 9_999_999):07d}", True
        return f"+5932{rng.randint(2_000_000, 3_999_999)}", False
    if country == "PE":
        return f"+519{rng.randint(10_000_000, 99_999_999)}", True
    return f"+5255{rng.randint(10_000_000, 99_999_999)}", True


def _national(number: str, country: str) -> str:
    if number.startswith("+593"):
        return "0" + number[4:]
    if number.startswith("+51"):
        return number[3:]
    return number[3:]


def person(rng: random.Random, key: int) -> Person:
    female = rng.random() < 0.5
    names = GIVEN_F if female else GIVEN_M
    given = _weighted(rng, names)
    if rng.random() < 0.6:
        given += " " + rng.choice(names)
    first = rng.choice(PARTICLE_SURNAMES) if rng.random() < 0.02 else _weighted(rng, SURNAMES)
    second = _weighted(rng, SURNAMES)
    city, region, country = CITIES[0] if rng.random() < 0.5 else rng.choice(CITIES)
    born = date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 65))
    phones = [_phone(rng, country)] if rng.random() < 0.85 else []
    local = f"{given.split()[0]}.{first}".lower().translate(ACCENTS).replace(" ", "")
    emails = [f"{local}{rng.randint(1, 999)}@{rng.choice(DOMAINS)}"] if rng.random() < 0.6 else []
    number = f"N{rng.randint(10, 80)}-{rng.randint(10, 999)}"
    line = f"{rng.choice(STREETS)} {number}"
    national = cedula(rng) if country == "EC" else f"{rng.randint(10_000_000, 99_999_999)}"
    return Person(
        key,
        given,
        first,
        second,
        born,
        national_id=national if rng.random() < 0.7 else "",
        phones=phones,
        emails=emails,
        addresses=[(line, city, region, "")],
        region=country,
    )


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    k = rng.randrange(1, len(word) - 1)
    op = rng.random()
    if op < 0.4:
        return word[:k] + rng.choice("aeioulnrs") + word[k + 1 :]
    if op < 0.7:
        return word[:k] + word[k + 1] + word[k] + word[k + 2 :]
    return word[:k] + word[k + 1 :]


def duplicate(rng: random.Random, p: Person, key: int) -> Person:
    """The same person as another channel captured them (one to three changes)."""
    d = replace(p, key=key)
    changes = rng.sample(range(12), rng.randint(1, 3))
    for change in changes:
        if change == 0:
            d = _shouted(d)
        elif change == 1:
            d = replace(d, given_names=_shortened_given_names(d.given_names))
        elif change == 2:
            d = replace(d, second_surname="")
        elif change == 3:
            d = replace(d, given_names=_typo(rng, d.given_names))
        elif change == 4:
            d = replace(d, first_surname=_typo(rng, d.first_surname))
        elif change == 5 and any(ch.isdigit() for ch in d.national_id):
            d = replace(d, national_id=_mistyped_id(rng, d.national_id))
        elif change == 6 and isinstance(d.birth_date, date):
            d = replace(d, birth_date=_misread_birth_date(rng, d.birth_date))
        elif change == 7 and d.phones:
            number, mobile = d.phones[0]
            d = replace(d, phones=[(_national(number, d.region), mobile)])
        elif change == 8 and d.emails:
            local = d.emails[0].split("@")[0]
            d = replace(d, emails=[f"{local}@{rng.choice(DOMAINS)}"])
        elif change == 9 and d.addresses:
            d = replace(d, addresses=[_respelled_address(d.addresses[0])])
        elif change == 10:
            d = replace(d, national_id="", emails=[])
        elif change == 11:
            d = replace(d, phones=[], addresses=[])
    return d


def _shouted(d: Person) -> Person:
    """Names in capitals without accents, as old systems keep them."""
    return replace(
        d,
        given_names=d.given_names.translate(ACCENTS).upper(),
        first_surname=d.first_surname.translate(ACCENTS).upper(),
        second_surname=d.second_surname.translate(ACCENTS).upper(),
    )


def _shortened_given_names(given_names: str) -> str:
    """A shorter form: "Ma." for María, the second given name as an initial, a nickname."""
    words = given_names.split()
    if words[0] == "María":
        words[0] = "Ma."
    elif len(words) > 1:
        words = [words[0], words[1][0] + "."]
    elif words[0] in NICK_OF:
        words[0] = NICK_OF[words[0]]
    return " ".join(words)


def _mistyped_id(rng: random.Random, national_id: str) -> str:
    """One digit of the id changed."""
    k = rng.choice([n for n, ch in enumerate(national_id) if ch.isdigit()])
    digit = str((int(national_id[k]) + rng.randint(1, 9)) % 10)
    return national_id[:k] + digit + national_id[k + 1 :]


def _misread_birth_date(rng: random.Random, born: date) -> date:
    """Day and month swapped (when that is a date), else the next day of the month."""
    if born.day <= 12 and born.day != born.month and rng.random() < 0.5:
        return date(born.year, born.day, born.month)
    return born.replace(day=min(28, born.day % 28 + 1))


def _respelled_address(address: tuple[str, str, str, str]) -> tuple[str, str, str, str]:
    """The street with "Av." written out (or added) and accents dropped."""
    line, city, region, code = address
    line = line.replace("Av.", "Avenida") if "Av." in line else "Av. " + line
    return (line.translate(ACCENTS), city.translate(ACCENTS), region, code)


def population(n: int, duplicate_share: float = 0.2, seed: int = 7, start_key: int = 1) -> Truth:
    """``n`` people of whom about ``duplicate_share`` are duplicates of another."""
    rng = random.Random(seed)
    people: list[Person] = []
    entity: dict[int, int] = {}
    originals: list[Person] = []
    for k in range(n):
        key = start_key + k
        if originals and rng.random() < duplicate_share:
            source = rng.choice(originals)
            people.append(duplicate(rng, source, key))
            entity[key] = entity[source.key]
        else:
            p = person(rng, key)
            originals.append(p)
            people.append(p)
            entity[key] = key
    return Truth(people, entity)


def _household(rng: random.Random, key: int, size: int) -> list[Person]:
    """People of one home, named the Spanish way: the children carry the father's first
    surname and the mother's; all share the address and, often, a landline. Each has their
    own given names, birth date, national id, mobile and email."""
    city, region, country = CITIES[0] if rng.random() < 0.5 else rng.choice(CITIES)
    father = (_weighted(rng, SURNAMES), _weighted(rng, SURNAMES))
    mother = (_weighted(rng, SURNAMES), _weighted(rng, SURNAMES))
    line = f"{rng.choice(STREETS)} N{rng.randint(10, 80)}-{rng.randint(10, 999)}"
    landline = _phone(rng, "EC") if country == "EC" and rng.random() < 0.7 else None
    landline = (f"+5932{rng.randint(2_000_000, 3_999_999)}", False) if landline else None
    parents_born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 30))
    members = []
    for k in range(size):
        surnames = father if k == 0 else mother if k == 1 else (father[0], mother[0])
        born = parents_born + timedelta(days=rng.randint(-1500, 1500))
        if k >= 2:
            born = parents_born + timedelta(days=rng.randint(365 * 20, 365 * 35))
        p = person(rng, key + k)
        members.append(
            replace(
                p,
                first_surname=surnames[0],
                second_surname=surnames[1],
                birth_date=born,
                phones=[*p.phones, landline] if landline else p.phones,
                addresses=[(line, city, region, "")],
                region=country,
            )
        )
    return members


def households(n: int, duplicates: int = 0, seed: int = 11, start_key: int = 1) -> Truth:
    """``n`` people living in households of one to five (no one twice), then
    ``duplicates`` more: records of some of them as another channel captured them.

    The base a company actually has: many people who share family names, a home and its
    landline, few true duplicates. A matcher that takes housemates for one person fails here.
    """
    rng = random.Random(seed)
    people: list[Person] = []
    while len(people) < n:
        size = 1 if rng.random() < 0.45 else min(n - len(people), rng.randint(2, 5))
        people.extend(_household(rng, start_key + len(people), size))
    entity = {p.key: p.key for p in people}
    key = start_key + len(people)
    for source in rng.sample(people, duplicates):
        people.append(duplicate(rng, source, key))
        entity[key] = source.key
        key += 1
    return Truth(people, entity)
