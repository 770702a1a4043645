"""Rows of every demo table for a chunk of customers: a pure function of its arguments.

Plain Python (no Django), so chunks are generated in worker processes while the main process
writes. One random stream per chunk decides everything but uniqueness: phones, emails and
national ids come from the customer's id (see :mod:`.identifiers`). The draws are made in a
fixed order, so a seed gives the same customers on every run and every machine.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from lealtad.core.normalize import fold
from lealtad.customers.demo.identifiers import (
    ascii_word,
    cedula_for,
    curp_for,
    landline,
    mobile,
    perm,
    validity,
)
from lealtad.customers.demo.names import (
    FEMALE,
    FEMALE_SECOND,
    INDIGENOUS,
    MALE,
    MALE_SECOND,
    SURNAMES,
)
from lealtad.customers.demo.places import CITIES, REFERENCES, street
from lealtad.customers.demo.precomputed import Precomputed, precomputed
from lealtad.customers.demo.profile_values import (
    CHANNELS,
    CONSENT_METHODS,
    CONSENT_RECORDERS,
    EMAIL_DOMAINS,
    INCOME,
    INSURANCE,
    LIFECYCLE,
    MARITAL,
)
from lealtad.customers.demo.shoppers import Shopper, contacts_for, draw_shopper
from lealtad.customers.demo.tables import TABLE_ORDER

CHUNK = 10_000  # customers per generated chunk and per transaction
CREATED_BY = "demo"
Rows = dict[str, list[tuple[Any, ...]]]

_fold = cache(fold)


def generate_chunk(
    seed: int,
    chunk_index: int,
    count: int,
    customer_base: int,
    household_base: int,
    per_customer: int,
    today: date,
    created_at: str,
) -> Rows:
    """Rows of every table for ``count`` customers, a pure function of its arguments.

    Customer ``i`` of the chunk gets id ``customer_base + chunk_index * CHUNK + i + 1``; the
    ids, not the random stream, make phones, emails and national ids unique.
    """
    chunk = _Chunk(seed, chunk_index, customer_base, household_base, per_customer, created_at)
    chunk.t = precomputed(today)
    i = 0
    while i < count:
        i += chunk.household(i, count)
    return chunk.out


@dataclass
class _Home:
    """What the members of one household share."""

    city: int
    first: str  # the head's family names, which children inherit
    second: str
    spouse_first: str
    household_id: int | None
    line1: str
    reference: str
    postcode: str
    landline: tuple[str, str] | None
    moved_in: int  # days ago

    @property
    def country(self) -> str:
        return str(CITIES[self.city][2])


@dataclass
class _Person:
    """One member as drawn: who they are, before their rows are written."""

    cid: int
    role: str
    female: bool
    first: str
    second: str
    names: str
    birth: str
    first_days: int = 0  # days ago of the first contact
    first_at: str = ""
    channels: list[int] = field(default_factory=list)
    preferred: str = ""
    has_email: bool = False
    shopper: Shopper | None = None

    @property
    def ordinal(self) -> int:
        return self.cid - 1


class _Chunk:
    """One chunk's random stream and its rows; each method draws in a fixed order."""

    t: Precomputed

    def __init__(
        self,
        seed: int,
        chunk_index: int,
        customer_base: int,
        household_base: int,
        per_customer: int,
        created_at: str,
    ) -> None:
        self.r = random.Random(seed * 1_000_003 + chunk_index).random
        self.first_index = chunk_index * CHUNK
        self.customer_base = customer_base
        self.household_base = household_base
        self.per_customer = per_customer
        self.created_at = created_at
        self.out: Rows = {name: [] for name in TABLE_ORDER}
        self.out["Shopper"] = []  # not a table: who buys how, for commerce's demo orders
        # Closures, not methods: a million customers make some 30 million draws.
        r = self.r

        def pick(seq: Sequence[Any]) -> Any:
            return seq[int(r() * len(seq))]

        def weighted(cum: list[float]) -> int:
            x = r()
            for i, c in enumerate(cum):
                if x < c:
                    return i
            return len(cum) - 1

        self.pick, self.weighted = pick, weighted

    def surname(self, country: str) -> str:
        x = self.r()
        if x < 0.16 and country != "MX":
            return str(self.pick(INDIGENOUS))
        if x < 0.06 and country == "MX":
            return "Hernández"
        return str(self.pick(SURNAMES))

    def given(self, female: bool, country: str) -> str:
        r, pick = self.r, self.pick
        if female:
            first = pick(FEMALE)
            if country == "MX" and r() < 0.1:
                first = pick(("Xóchitl", "Itzel", "Guadalupe", "Citlali"))
            if r() < 0.5:
                second = pick(FEMALE_SECOND) if first == "María" or r() < 0.5 else pick(FEMALE)
                return str(first if second == first else f"{first} {second}")
            return str(first)
        first = pick(MALE)
        if r() < 0.45:
            second = pick(MALE_SECOND)
            return str(first if second == first else f"{first} {second}")
        return str(first)

    # Households ------------------------------------------------------------------------------

    def household(self, i: int, count: int) -> int:
        """A household starting at the chunk's ``i``-th customer; returns its size. 45 % of
        people live alone in the data, the rest in homes of 2-5."""
        r = self.r
        size = 1 if r() < 0.45 else min(count - i, 2 + int(r() * r() * 4))
        home = self._home(i, size)
        if home.household_id is not None:
            declared = size + int(r() * 3) if r() < 0.8 else None
            name = f"Familia {home.first} {home.spouse_first}"
            self.out["Household"].append((home.household_id, name, declared, self.created_at))
        home.moved_in = int(r() * 2000) + 200
        for member in range(size):
            self.member(home, member, self.customer_base + self.first_index + i + member + 1)
        return size

    def _home(self, i: int, size: int) -> _Home:
        r, pick = self.r, self.pick
        city = self.weighted(self.t.cum_cities)
        _, _, country, _, area, postcodes = CITIES[city]
        first, second = self.surname(country), self.surname(country)
        spouse_first = self.surname(country)
        household_id = self.household_base + self.first_index + i + 1 if size > 1 else None
        line1 = street(r, city, int(r() * 990) + 10)
        reference = pick(REFERENCES) if r() < 0.35 else ""
        postcode = pick(postcodes) if (country != "EC" or r() < 0.4) else ""
        phone = (
            landline(self.first_index + i + self.customer_base, area, str(2 + int(r() * 5)))
            if country == "EC" and size > 1 and r() < 0.7
            else None
        )
        return _Home(
            city, first, second, spouse_first, household_id, line1, reference, postcode, phone, 0
        )

    def member(self, home: _Home, member: int, cid: int) -> None:
        person = self._person(home, member, cid)
        self._customer_row(home, person)
        if home.household_id is not None:
            self.out["HouseholdMember"].append((home.household_id, cid, person.role))
        self._contact_points(home, person)
        self._addresses(home, person)
        self._consents(person)
        self._history(home, person)

    # People ----------------------------------------------------------------------------------

    def _person(self, home: _Home, member: int, cid: int) -> _Person:
        r, country = self.r, home.country
        if member == 0:
            role, female, first, second = "head", r() < 0.5, home.first, home.second
            age = 25 + int(r() * 50)
        elif member == 1:
            role, female, first = "spouse", r() < 0.5, home.spouse_first
            second, age = self.surname(country), 25 + int(r() * 45)
        else:
            role, female, first, second = "child", r() < 0.5, home.first, home.spouse_first
            age = 18 + int(r() * 12)
        names = self.given(female, country)
        year = int(self.t.days[0][:4]) - age
        birth = f"{year:04d}-{1 + int(r() * 12):02d}-{1 + int(r() * 28):02d}"
        return _Person(cid, role, female, first, second, names, birth)

    def _national_id(self, home: _Home, p: _Person) -> tuple[str, str, bool | None]:
        """(value, type, valid): a cédula in Ecuador (2 % with a typo kept and flagged), a DNI
        in Peru, a CURP in Mexico; 3 % of people gave none."""
        r, country = self.r, home.country
        valid: bool | None = True
        if country == "EC":
            province = CITIES[home.city][3]
            prov = province if r() < 0.7 else 1 + int(r() * 24)
            nid, nid_type = cedula_for(p.ordinal, int(prov)), "cedula_ec"
            if r() < 0.02:  # a typo kept as entered, flagged invalid
                nid, valid = nid[:9] + str((int(nid[9]) + 1 + int(r() * 9)) % 10), False
        elif country == "PE":
            nid = f"{10_000_000 + perm(p.ordinal, 70_000_000, 48_271, 9_999_991):08d}"
            nid_type = "dni_pe"
        else:
            nid = curp_for(p.names, p.first, p.second, p.birth, p.female, p.ordinal)
            nid_type = "curp_mx"
        if r() < 0.03:
            nid, nid_type, valid = "", "", None
        return nid, nid_type, valid

    def _customer_row(self, home: _Home, p: _Person) -> None:
        r, pick, t, country = self.r, self.pick, self.t, home.country
        nid, nid_type, valid = self._national_id(home, p)
        p.first_days = min(home.moved_in, int(r() * 2100) + 30)
        p.first_at = t.days[p.first_days] + t.times[int(r() * len(t.times))]
        p.channels = [self.weighted(t.cum_channels) for _ in range(1 + int(r() * 3))]
        p.preferred = CHANNELS[p.channels[0]]
        p.shopper = shopper = draw_shopper(r, p.cid, p.preferred, CITIES[home.city][0], country)
        self.out["Shopper"].append(shopper)
        if shopper.acquired_days >= p.first_days:  # known before the first purchase
            p.first_days = shopper.acquired_days + 1 + int(r() * 60)
            p.first_at = t.days[p.first_days] + t.times[int(r() * len(t.times))]
        gender = ("female" if p.female else "male") if r() < 0.97 else ""
        language = "es"
        if r() < 0.03:
            language = "qu" if p.first in INDIGENOUS else "en"
        display = f"{p.names} {p.first} {p.second}"
        search = f"{_fold(p.names)} {_fold(p.first)} {_fold(p.second)}"
        marital = pick(MARITAL) if p.role != "spouse" else pick(("married", "union"))
        income, payments = pick(INCOME), pick(t.payments)
        motives = pick(t.motives) if r() < 0.7 else "[]"
        insurance, lifecycle = pick(INSURANCE[country]), pick(LIFECYCLE)
        if shopper.persona in ("prospect", "lapsed"):  # as a clerk would have marked them
            lifecycle = "prospect" if shopper.persona == "prospect" else "former"
        created_at = self.created_at
        who = (p.cid, "person", p.names, p.first, p.second, "", display, search)
        profile = (nid, nid_type, valid, gender, language, marital, p.birth, income, payments)
        contact = (motives, insurance, p.preferred, lifecycle, p.first_at, p.preferred)
        stamps = (created_at, CREATED_BY, created_at)
        self.out["Customer"].append((*who, *profile, *contact, *stamps))
        if nid:
            self.out["Identifier"].append((p.cid, "national_id", "", nid, created_at))

    # Contact points --------------------------------------------------------------------------

    def _contact_points(self, home: _Home, p: _Person) -> None:
        r, cid, created_at = self.r, p.cid, self.created_at
        phones, identifiers = self.out["Phone"], self.out["Identifier"]
        e164, typed = mobile(p.ordinal, home.country)
        phones.append(
            (cid, e164, typed, "mobile", True, True, p.preferred, created_at, validity(e164))
        )
        identifiers.append((cid, "phone", "", e164, created_at))
        if home.landline is not None:
            shared = (*home.landline, "home", False, False, "pos", created_at)
            phones.append((cid, *shared, validity(home.landline[0])))
        elif home.country == "EC" and r() < 0.08:
            area = CITIES[home.city][4]
            work = landline(p.ordinal + 500_000, area, str(2 + int(r() * 5)))
            rest = ("work", False, False, "call_center", created_at, validity(work[0]))
            phones.append((cid, *work, *rest))
        self._email(home, p)
        if r() < 0.4:
            identifiers.append(
                (cid, "card", "", f"LEAL{6_000_000_000 + p.ordinal:010d}", created_at)
            )
        if r() < 0.3:
            external = ("external", "facturacion_legacy", f"FAC-{p.ordinal:08d}", created_at)
            identifiers.append((cid, *external))

    def _email(self, home: _Home, p: _Person) -> None:
        """88 % have one, written in one of the four ways people make theirs."""
        r, ordinal = self.r, p.ordinal
        p.has_email = r() < 0.88
        if not p.has_email:
            return
        g1, s1 = ascii_word(p.names.split()[0]), ascii_word(p.first)
        style = int(r() * 4)
        if style == 0:
            local = f"{g1}.{s1}{ordinal}"
        elif style == 1:
            local = f"{g1[0]}{s1}{ascii_word(p.second)[:1]}{ordinal}"
        elif style == 2:
            local = f"{ascii_word(p.names)}.{s1}.{ordinal}"
        else:
            local = f"{s1}.{g1}{ordinal}"
        address = f"{local}@{self.pick(EMAIL_DOMAINS[home.country])}"
        self.out["Email"].append((p.cid, address, True, p.preferred, self.created_at))
        self.out["Identifier"].append((p.cid, "email", "", address, self.created_at))

    def _addresses(self, home: _Home, p: _Person) -> None:
        """The shared home, sometimes an ended earlier home and a workplace."""
        r, pick, days, created_at = self.r, self.pick, self.t.days, self.created_at
        city_name, region, country, _, _, postcodes = CITIES[home.city]
        place = (city_name, region)
        addresses = self.out["Address"]
        home_line = (p.cid, "home", home.line1, home.reference, *place, home.postcode, country)
        addresses.append((*home_line, days[home.moved_in], None, "pos", created_at))
        if r() < 0.2:
            line1 = street(r, home.city, int(r() * 990) + 10)
            since = days[min(2399, home.moved_in + 300 + int(r() * 1500))]
            ended = (since, days[home.moved_in + 1], "call_center", created_at)
            addresses.append((p.cid, "home", line1, "", *place, "", country, *ended))
        if r() < 0.3:
            line1 = street(r, home.city, int(r() * 990) + 10)
            reference = pick(REFERENCES[6:])
            postcode = pick(postcodes) if r() < 0.3 else ""
            since = days[int(r() * p.first_days) + 1]
            work = (p.cid, "work", line1, reference, *place, postcode, country)
            addresses.append((*work, since, None, "web", created_at))

    # Consents and history --------------------------------------------------------------------

    def _consents(self, p: _Person) -> None:
        """Consents with their proof and history: 20 % changed their mind later, and the
        old choice stays in the history."""
        r, pick, t = self.r, self.pick, self.t
        method_channel, method, proof = pick(CONSENT_METHODS)
        proof_ref = f"{proof}-{p.ordinal:07d}"
        recorder = CONSENT_RECORDERS.get(method_channel, pick(("agente", "cajero", "vendedor")))
        provenance = (recorder, method, method_channel, "", proof, proof_ref, "in_force")
        seen: set[tuple[str, str]] = set()
        for channel, purpose, granted in self._wanted_consents(p):
            if (channel, purpose) in seen:
                continue
            seen.add((channel, purpose))
            at = p.first_at
            if r() < 0.2:
                confirmed = at if proof == "double_opt_in" else None
                earlier = (p.cid, channel, purpose, not granted, at, *provenance, confirmed)
                self.out["ConsentChange"].append(earlier)
                at = t.days[1 + int(r() * p.first_days)] + t.times[int(r() * len(t.times))]
            confirmed = at if proof == "double_opt_in" else None
            change = (p.cid, channel, purpose, granted, at, *provenance, confirmed)
            self.out["ConsentChange"].append(change)
            self.out["Consent"].append((p.cid, channel, purpose, granted, at))

    def _wanted_consents(self, p: _Person) -> list[tuple[str, str, bool]]:
        r, pick = self.r, self.pick
        wanted = [("sms", "service", True)]
        if p.has_email:
            wanted.append(("email", "service", True))
        wanted.append((pick(("email", "sms", "whatsapp", "phone")), "marketing", r() < 0.6))
        if r() < 0.25:
            channel = pick(("email", "whatsapp"))
            purpose = pick(("surveys", "profiling", "third_party"))
            wanted.append((channel, purpose, r() < 0.5))
        return wanted

    def _history(self, home: _Home, p: _Person) -> None:
        """Contact history over the customer's channels, and its per-channel counts. The
        hot loop of a load (ten rows a customer): locals, no attribute look-ups."""
        r, pick, t = self.r, self.pick, self.t
        days, times, pools, cum_channels = t.days, t.times, t.pools, t.cum_channels
        n_times, first_days, channels = len(times), p.first_days, p.channels
        cid, ordinal, city, created_at = p.cid, p.ordinal, home.city, self.created_at
        interactions = self.out["Interaction"]
        seen_channels: dict[str, list[Any]] = {}
        shopper = p.shopper
        assert shopper is not None
        # How often a person contacts the company goes with their persona; those who cost more
        # than they bring complain (returns, claims, calls) through their buying years.
        usual, complaints = self.per_customer, t.complaints[city]
        contacts = contacts_for(usual, shopper.persona)
        if shopper.persona == "prospect":  # nothing bought: nothing of a sale on the timeline
            pools = t.unbought
        buying_days = max(1, shopper.acquired_days)
        complaining = shopper.persona == "costly"
        for n in range(contacts):
            if n < usual or not complaining:
                channel_index = pick(channels) if r() < 0.85 else self.weighted(cum_channels)
                tpl = pick(pools[(CHANNELS[channel_index], city)])
                occurred = days[1 + int(r() * first_days)] + times[int(r() * n_times)]
            else:
                tpl = pick(complaints)
                occurred = days[1 + int(r() * buying_days)] + times[int(r() * n_times)]
            related = ""
            if tpl[7] == "invoice":
                related = f"001-{city + 1:03d}-{ordinal * 10 + n % 10:09d}"
            elif tpl[7]:
                related = f"{tpl[7][0].upper()}-{ordinal}-{n}"
            interactions.append((cid, occurred, *tpl[:7], tpl[7], related, "", created_at))
            stat = seen_channels.get(tpl[0])
            if stat is None:
                seen_channels[tpl[0]] = [1, occurred]
            else:
                stat[0] += 1
                if occurred > stat[1]:
                    stat[1] = occurred
        for channel, (contacts, last) in seen_channels.items():
            self.out["ChannelActivity"].append((cid, channel, contacts, last))
