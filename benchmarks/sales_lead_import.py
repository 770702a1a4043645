"""A lead file of 100,000 rows imported with matching against the customer base (issue 16).

The file is what a fair or a bought list gives: Spanish names, Ecuadorian mobiles, e-mails;
a share of its rows belong to customers Lealtad already knows (by e-mail, mobile or cédula)
and must link to them, never duplicate them. Timed: reading the CSV, checking every row and
capturing the leads through ``lead_import.import_leads`` (the path the CLI and API take);
then the same file again, which must create nothing. Target: ≤ 60 s for the first import.

    LEALTAD_HOME=/tmp/bench-leads [LEALTAD_DATABASE_URL=postgres://…] \\
        .venv/bin/python benchmarks/sales_lead_import.py [--rows 100000] [--customers 20000]

Prints a table; not part of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import time

from harness import django_setup, report

TARGET_S = 60.0
FIRST = ("Andrea", "Carlos", "Daniela", "Esteban", "Fernanda", "Gustavo", "Lucia", "Mateo")
LAST = ("Andrade", "Cevallos", "Guaman", "Jaramillo", "Morales", "Quishpe", "Tipan", "Zambrano")


def _base(customers: int) -> list[tuple[str, str]]:
    """The demo customers (loaded once per home) and their e-mails and mobiles."""
    from lealtad.customers.demo import loading
    from lealtad.customers.models import Email, Phone

    if not loading.has_customers():
        started = time.perf_counter()
        loading.load(customers=customers, seed=11, interactions_per_customer=0)
        print(f"loaded {customers:,} customers in {time.perf_counter() - started:.0f} s")
    emails = dict(Email.objects.values_list("customer_id", "address")[:customers])
    phones = dict(Phone.objects.filter(kind="mobile").values_list("customer_id", "e164"))
    return [(emails.get(c, ""), phones.get(c, "")) for c in emails]


def _file(rows: int, known: list[tuple[str, str]], rnd: random.Random) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")  # as a spreadsheet in Spanish saves it
    writer.writerow(["external_id", "person_name", "company_name", "email", "phone", "region"])
    for n in range(rows):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        email, phone = f"{first}.{last}.{n}@feria.example.ec".lower(), f"09{n:08d}"
        if rnd.random() < 0.2:  # a customer we know, by e-mail or by mobile
            email, phone = rnd.choice(known)
        writer.writerow([f"feria-{n}", f"{first} {last}", "", email, phone, "Pichincha"])
    return out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=20_000)
    args = parser.parse_args()
    django_setup()
    from django.conf import settings
    from django.core.management import call_command

    from lealtad.core.audit import Actor
    from lealtad.sales.models import Lead
    from lealtad.sales.services import lead_import

    call_command("migrate", verbosity=0)
    known = _base(args.customers)
    data = _file(args.rows, known, random.Random(5))
    Lead.objects.filter(external_id__startswith="feria-").delete()
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"{engine}, {args.rows:,} rows, {len(known):,} customers to match against")
    actor = Actor.system("benchmark")
    for label in ("first import", "the same file again"):
        started = time.perf_counter()
        found = lead_import.import_leads(lead_import.read_csv(data), actor)
        seconds = time.perf_counter() - started
        assert found.ok, found.problems[:3]
        print(f"  {label}: {found.created:,} created, {found.linked:,} linked to customers")
        report(f"{label} ({args.rows / seconds:,.0f} rows/s)", seconds, "s", TARGET_S)


if __name__ == "__main__":
    main()
