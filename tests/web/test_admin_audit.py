"""Every change made in the Django admin lands in the append-only audit trail.

Saving (fields, inlines, many-to-many), deleting one or many, bulk actions and a user's
password change all leave entries with who, when, and the values before and after; the audit
trail itself cannot be changed or removed, neither in the admin nor through the models.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.forms import MultiWidget
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from lealtad.commerce.models import Location
from lealtad.core.admin_audit import AuditedAdmin
from lealtad.core.models import AuditEntry, AuditTrailIsAppendOnly, Delivery, OutboxMessage
from lealtad.customers.models import Customer
from tests.api_fixtures import make_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user) -> User:
    user = make_user("root-admin", "admin")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def browser(staff: User) -> Client:
    """The staff member's admin session, verified by a second factor as the admin requires."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=staff, name="test", confirmed=True)
    client = Client()
    client.force_login(staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _bound(form: Any, data: dict[str, Any]) -> None:
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        key = form.add_prefix(name)
        if isinstance(field.widget, MultiWidget):
            parts = value if isinstance(value, list) else field.widget.decompress(value)
            for i, part in enumerate(parts):
                if part is not None:
                    data[f"{key}_{i}"] = part
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(v) for v in value]
        elif value is not None:
            data[key] = value


def change_form_data(client: Client, url: str) -> dict[str, Any]:
    """What the admin's change page would post back unchanged (main form and inlines)."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data: dict[str, Any] = {}
    _bound(page.context["adminform"].form, data)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        _bound(formset.management_form, data)
        for form in formset.forms:
            _bound(form, data)
    return data


def test_every_model_admin_is_audited() -> None:
    site = resolve("/admin/").func.admin_site  # the site actually served
    assert site._registry, "no model admin registered"
    for model, model_admin in site._registry.items():
        assert isinstance(model_admin, AuditedAdmin), model._meta.label
    assert User in site._registry and Group in site._registry
    assert admin.site is site or site._registry


@pytest.fixture
def ana(db: Any) -> int:
    from lealtad.channels.services import ingest
    from lealtad.core.audit import Actor

    event = make_event(
        "pos-1",
        type="customer.upserted",
        channel="pos",
        customer={"phone": "0991112233", "name": "Ana Quishpe Tipán"},
        payload={"given_names": "Ana", "first_surname": "Quishpe"},
    )
    assert ingest([event], Actor.system("test"))[0].status == "created"
    return Customer.objects.get(phones__e164="+593991112233").pk


def test_a_customer_edited_in_the_admin_is_audited_with_before_and_after(browser, staff, ana):
    url = f"/admin/customers/customer/{ana}/change/"
    data = change_form_data(browser, url)
    data["given_names"] = "Ana María"
    data["phones-0-kind"] = "work"
    response = browser.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    entries = AuditEntry.objects.filter(channel="admin", action="admin_change")
    customer = entries.get(entity_type="customers.customer")
    assert customer.changes == {"given_names": ["Ana", "Ana María"]}
    assert customer.customer_id == ana and customer.actor_id == staff.pk
    assert customer.actor_label == staff.username
    phone = entries.get(entity_type="customers.phone")
    assert phone.changes == {"kind": ["mobile", "work"]} and phone.customer_id == ana
    assert Customer.objects.get(pk=ana).given_names == "Ana María"


def test_a_users_groups_and_password_changed_in_the_admin_are_audited(browser, make_user):
    clerk = make_user("carlos", "store_clerk")
    agent_group = Group.objects.get_or_create(name="agent")[0]
    url = f"/admin/auth/user/{clerk.pk}/change/"
    data = change_form_data(browser, url)
    data["groups"] = [str(g.pk) for g in clerk.groups.all()] + [str(agent_group.pk)]
    assert browser.post(url, data).status_code == 302
    entry = AuditEntry.objects.get(entity_type="auth.user", action="admin_change")
    before, after = entry.changes["groups"]
    assert str(agent_group.pk) not in before and str(agent_group.pk) in after
    password = browser.post(
        f"/admin/auth/user/{clerk.pk}/password/",
        {"password1": "Otra-Clave-Larga-2026", "password2": "Otra-Clave-Larga-2026"},
    )
    assert password.status_code == 302
    changed = AuditEntry.objects.filter(entity_type="auth.user").latest("id")
    assert changed.changes == {"password": ["(hidden)", "(hidden)"]}
    clerk.refresh_from_db()
    assert clerk.password[:20] not in str(list(AuditEntry.objects.values_list("changes")))


def test_adding_and_deleting_in_the_admin_is_audited(browser):
    added = browser.post("/admin/auth/group/add/", {"name": "auditores"})
    assert added.status_code == 302
    group = Group.objects.get(name="auditores")
    entry = AuditEntry.objects.get(entity_type="auth.group", action="admin_add")
    assert entry.changes == {"name": [None, "auditores"]} and entry.entity_id == str(group.pk)
    store = Location.objects.create(code="CUE-CENTRO", name="Tienda Cuenca", kind="store")
    deleted = browser.post(f"/admin/commerce/location/{store.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302 and not Location.objects.filter(pk=store.pk).exists()
    gone = AuditEntry.objects.get(entity_type="commerce.location", action="admin_delete")
    assert gone.changes["code"] == ["CUE-CENTRO", None] and gone.entity_id == str(store.pk)


def test_bulk_actions_in_the_admin_are_audited(browser):
    groups = [Group.objects.create(name=f"g{i}") for i in range(3)]
    response = browser.post(
        "/admin/auth/group/",
        {"action": "delete_selected", "_selected_action": [g.pk for g in groups], "post": "yes"},
    )
    assert response.status_code == 302 and not Group.objects.filter(name__startswith="g").exists()
    removed = AuditEntry.objects.filter(entity_type="auth.group", action="admin_delete")
    assert sorted(e.changes["name"][0] for e in removed) == ["g0", "g1", "g2"]
    message = OutboxMessage.objects.create(
        event_id="e-1", event_type="demo.happened", created_at=timezone.now()
    )
    dead = Delivery.objects.create(message=message, subscriber="x", status="dead", attempts=5)
    browser.post("/admin/core/delivery/", {"action": "replay", "_selected_action": [dead.pk]})
    ran = AuditEntry.objects.get(entity_type="core.delivery", action="admin_action")
    assert ran.changes == {"action": [None, "replay"]} and ran.entity_id == str(dead.pk)


def test_the_audit_trail_is_append_only(browser, ana):
    entry = AuditEntry.objects.filter(customer_id=ana).first()
    assert entry is not None
    entry.action = "tampered"
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.filter(customer_id=ana).delete()
    assert browser.get(f"/admin/core/auditentry/{entry.pk}/delete/").status_code == 403
    before = AuditEntry.objects.count()
    browser.post(
        "/admin/core/auditentry/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert AuditEntry.objects.count() == before
    assert AuditEntry.objects.get(pk=entry.pk).action != "tampered"
