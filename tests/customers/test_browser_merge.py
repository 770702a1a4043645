"""In Chromium, as a supervisor works: from the review queue to the merge page, keep record B,
change a value the rules chose, confirm; then, on the customer page, undo the merge. In Spanish
(the browser's language), then in English, and at the handheld's 360 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from lealtad.customers.models import Customer, Merge
from tests.customers import merge_people
from tests.web.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", merge_people.PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).not_to_have_url(re.compile(r"/login/"))


def test_a_supervisor_merges_with_a_choice_and_undoes_it(page: Page, live_server) -> None:
    merge_people.person("supervisor", "sara.supervisora")
    review = merge_people.pair()
    a, b = review.customer_a_id, review.customer_b_id
    _sign_in(page, live_server.url, "sara.supervisora")
    page.goto(f"{live_server.url}/customers/reviews/")
    page.get_by_role("link", name="Fusionar…").click()
    expect(page).to_have_url(re.compile(rf"/customers/reviews/{review.pk}/merge/$"))
    expect(page.get_by_role("heading", name="Fusionar dos registros")).to_be_visible()
    marital = page.locator("tr[data-field=marital_status]")
    expect(marital).to_contain_text("Casado/a")
    expect(marital.locator("input[value=b]")).to_be_checked()  # the contact center's value
    assert Merge.objects.count() == 0  # looking merges nothing

    # Keep record B, by keyboard: the choices are set again for B (htmx).
    page.locator("input[name=keep][value=a]").focus()
    with page.expect_response(re.compile(r"/merge/\?keep=b")):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#merge-fields thead")).to_contain_text("Registro B se queda")
    # The person knows better: she is single (record A's value).
    page.locator("tr[data-field=marital_status] input[value=a]").check()
    page.fill("#merge-reason", "Misma cédula, confirmado por teléfono")
    page.get_by_role("button", name="Fusionar estos registros").click()

    expect(page).to_have_url(re.compile(rf"/customers/{b}/\?merged=\d+#merges$"))
    expect(page.locator(".msg.success")).to_contain_text("Registros fusionados")
    golden = Customer.objects.get(pk=b)
    assert golden.marital_status == "single" and golden.income_band == "middle"
    assert Customer.objects.get(pk=a).merged_into_id == b

    card = page.locator("#merges")
    expect(card).to_contain_text("Misma cédula, confirmado por teléfono")
    expect(card.locator("details.undo")).to_have_attribute("open", "")  # undo at hand
    card.get_by_label("¿Por qué se deshace?").fill("Son hermanas")
    card.get_by_role("button", name="Confirmar: deshacer esta fusión").click()
    expect(page.locator(".msg.success")).to_contain_text("Fusión deshecha")
    expect(page.locator("#merges")).to_contain_text("Deshecha")
    assert Customer.objects.get(pk=a).merged_into_id is None
    assert Customer.objects.get(pk=b).marital_status == "married"  # B's own value again


def test_in_english_a_refused_undo_is_a_message(page: Page, live_server) -> None:
    from lealtad.core.audit import Actor
    from lealtad.customers import services
    from lealtad.customers.services import ChangeContext

    merge_people.person("manager", "mario.gerente")
    review = merge_people.pair()
    ctx = ChangeContext(Actor.system("test"))
    first = services.merge_customers(review.customer_a, review.customer_b, ctx, "first")
    other = merge_people.pair("other", phone="0987000002")  # someone else
    survivor = Customer.objects.get(pk=review.customer_a_id)
    services.merge_customers(survivor, other.customer_a, ctx, "second")  # a later merge
    _sign_in(page, live_server.url, "mario.gerente")
    page.get_by_role("button", name="EN").click()
    page.goto(f"{live_server.url}/customers/{survivor.pk}/")
    row = page.locator(f"#merge-{first.pk}")
    row.get_by_text("Undo merge").click()
    row.get_by_label("Why undo it?").fill("wrong person")
    row.get_by_role("button", name="Confirm: undo this merge").click()
    expect(page.locator(".msg.error")).to_have_text(
        "The merge was not undone: undo the later merges of this customer first"
    )
    assert Merge.objects.get(pk=first.pk).undone_at is None


@pytest.mark.parametrize("width", [1280, 360])
def test_the_pages_pass_axe_and_fit_the_handheld(browser: Browser, live_server, width) -> None:
    """axe-core finds no serious or critical problem on the merge page nor on the Merges card,
    and at 360 px neither scrolls sideways."""
    merge_people.person("supervisor", "sara.supervisora")
    review = merge_people.pair()
    # axe is injected as a script of its own, which the pages' CSP would refuse.
    context = browser.new_context(
        locale="es-EC", viewport={"width": width, "height": 800}, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    _sign_in(page, live_server.url, "sara.supervisora")
    found = {}
    page.goto(f"{live_server.url}/customers/reviews/{review.pk}/merge/")
    expect(page.get_by_role("button", name="Fusionar estos registros")).to_be_visible()
    found["merge"] = violations(page) + _sideways(page)
    page.fill("#merge-reason", "misma persona")
    page.get_by_role("button", name="Fusionar estos registros").click()
    expect(page.locator("#merges details.undo")).to_be_visible()
    # The card, not the whole customer page: other cards' tables are not this test's business.
    right = page.evaluate("document.querySelector('#merges').getBoundingClientRect().right")
    inner = page.evaluate("(e => e.scrollWidth - e.clientWidth)(document.querySelector('#merges'))")
    found["card"] = violations(page) + ([f"card overflows: {right} px"] if right > width else [])
    found["card"] += [f"card scrolls sideways by {inner} px"] if inner > 0 else []
    context.close()
    assert found == {"merge": [], "card": []}


def _sideways(page: Page) -> list[str]:
    width = page.evaluate("document.documentElement.scrollWidth")
    shown = page.evaluate("document.documentElement.clientWidth")
    return [f"scrolls sideways: {width} > {shown} px"] if width > shown else []
