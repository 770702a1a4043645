"""How the database and the hub follow the connectors: systems, subscriptions, subscribers.

:func:`sync` brings the database and the hub's in-process registry in line with the connector
files (:mod:`.registry`):

* each connector's ``system`` is registered as an :class:`ExternalSystem` (so its events may
  name it as their channel);
* each ``outbound`` entry is kept as a :class:`Subscription` row (``source=yaml``), leaving
  ``active`` to the admin; rows whose entry left the YAML are deleted;
* every active subscription gets its own hub subscriber (``channels.out.<name>``), hence its own
  delivery state, retries and dead letters; inactive or deleted ones are unsubscribed.

:func:`sync_hub` alone is cheap when nothing changed (one aggregate query), so it can run at the
start of every dispatcher pass in a multi-process deployment.
"""

from __future__ import annotations

import threading

from django.db import transaction
from django.db.models import Count, Max

from lealtad.channels import services
from lealtad.channels.connectors import outbound, registry
from lealtad.channels.connectors.spec import Connector
from lealtad.channels.models import Subscription
from lealtad.core import hub

HUB_PREFIX = "channels.out."
_lock = threading.RLock()

_synced_yaml: tuple = ()
_hub_state: tuple = ()


def sync() -> None:
    """Systems and YAML subscriptions into the database, then the hub registry."""
    global _synced_yaml
    loaded = registry.loaded()
    changed = loaded.key != _synced_yaml
    if changed:
        with transaction.atomic():
            for connector in loaded.connectors.values():
                services.register_system(connector.system, connector.description)
                _sync_yaml_subscriptions(connector)
            declared = {
                f"{c.name}-{o.name}" for c in loaded.connectors.values() for o in c.outbound
            }
            Subscription.objects.filter(source=Subscription.Source.YAML).exclude(
                name__in=declared
            ).delete()
        _synced_yaml = loaded.key
    sync_hub(force=changed)


def _sync_yaml_subscriptions(connector: Connector) -> None:
    for out in connector.outbound:
        Subscription.objects.update_or_create(
            name=f"{connector.name}-{out.name}",
            defaults={
                "connector": connector.name,
                "mapping": out.name,
                "kind": out.kind,
                "url": out.url,
                "folder": out.folder,
                "secret": out.secret,
                "event_types": list(out.event_types),
                "allow_private": out.allow_private,
                "max_attempts": out.max_attempts,
                "timeout_seconds": out.timeout_seconds,
                "source": Subscription.Source.YAML,
            },
        )


def sync_hub(force: bool = False) -> None:
    """Register a hub subscriber per active subscription; drop the others."""
    global _hub_state
    state = tuple(Subscription.objects.aggregate(n=Count("id"), last=Max("updated_at")).values())
    with _lock:
        if state == _hub_state and not force:
            return
        wanted = {s.hub_name: s for s in Subscription.objects.filter(active=True)}
        for sub in hub.all_subscriptions():
            if sub.name.startswith(HUB_PREFIX) and sub.name not in wanted:
                hub.unsubscribe(sub.name)
        for name, row in wanted.items():
            current = hub.subscription(name)
            types = tuple(row.event_types) or ("*",)
            if current is None or (current.event_types, current.max_attempts) != (
                types,
                row.max_attempts,
            ):
                hub.subscriber(
                    *types, name=name, max_attempts=row.max_attempts, transactional=False
                )(_handler(row.name))
        _hub_state = state


def _handler(name: str) -> hub.Handler:
    def deliver(message: hub.Message) -> None:
        row = Subscription.objects.filter(name=name, active=True).first()
        if row is None:  # removed or paused since the registry was synced
            hub.unsubscribe(f"{HUB_PREFIX}{name}")
            return
        outbound.deliver(row, message)

    deliver.__qualname__ = f"deliver_to_{name}"
    return deliver


def forget() -> None:
    """Drop every cached state (tests change the directory and the database under us)."""
    global _synced_yaml, _hub_state
    with _lock:
        registry.forget()
        _synced_yaml = ()
        _hub_state = ()
        for sub in hub.all_subscriptions():
            if sub.name.startswith(HUB_PREFIX):
                hub.unsubscribe(sub.name)
