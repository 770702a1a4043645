"""Where connectors come from and how the hub learns about their subscribers.

Connectors are YAML files (``*.yaml``/``*.yml``) in ``LEALTAD_CONNECTORS_DIR`` (default
``$LEALTAD_HOME/connectors``), re-read when a file changes. :func:`sync` brings the database
and the hub's in-process registry in line with them:

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

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max

from lealtad.channels import services
from lealtad.channels.connectors import folders
from lealtad.channels.connectors.spec import Connector, ConnectorError, load_connector
from lealtad.channels.models import Subscription
from lealtad.core import hub

log = logging.getLogger(__name__)
HUB_PREFIX = "channels.out."
SUBSCRIPTIONS_DIR = "_subscriptions"
_lock = threading.RLock()


def connectors_dir() -> Path:
    configured = getattr(settings, "LEALTAD_CONNECTORS_DIR", None)
    return Path(configured) if configured else Path(settings.LEALTAD_HOME) / "connectors"


def data_dir(connector: Connector) -> Path:
    """Where a connector's relative folders live."""
    return folders.data_root() / connector.name


def folder(connector: Connector, path: str) -> Path:
    """The real folder a connector's ``path`` names, checked each time it is used: a link
    planted since the connector was loaded is refused too (:class:`FolderRefused`)."""
    return folders.confine(path, data_dir(connector))


def describe_folder(connector: Connector, path: str) -> str:
    """The folder for display: where it is, or why it is refused."""
    try:
        return str(folder(connector, path))
    except folders.FolderRefused as exc:
        return f"refused: {exc}"


def _folder_problems(connector: Connector, source: str) -> list[str]:
    """Every file folder of a connector that leads out of the data directory."""
    named = [(f"inbound {s.name}", s.folder) for s in connector.inbound if s.kind == "file"]
    named += [(f"outbound {o.name}", o.folder) for o in connector.outbound if o.kind == "file"]
    problems = []
    for where, path in named:
        try:
            folder(connector, path)
        except folders.FolderRefused as exc:
            problems.append(f"{source}: {where}: folder {exc}")
    return problems


# Loading -----------------------------------------------------------------------------------------


@dataclass
class _Loaded:
    key: tuple
    connectors: dict[str, Connector]
    problems: list[str]


_loaded = _Loaded(key=(), connectors={}, problems=[])


def _files() -> list[Path]:
    where = connectors_dir()
    if not where.is_dir():
        return []
    return sorted(p for p in where.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _load() -> _Loaded:
    global _loaded
    files = _files()
    key = (str(connectors_dir()), *((str(p), p.stat().st_mtime_ns) for p in files))
    with _lock:
        if key == _loaded.key:
            return _loaded
        found: dict[str, Connector] = {}
        problems: list[str] = []
        for path in files:
            try:
                connector = load_connector(path.read_text(encoding="utf-8"), str(path))
            except (ConnectorError, OSError, UnicodeDecodeError) as exc:
                problems.extend(getattr(exc, "problems", [f"{path}: {exc}"]))
                continue
            if refused := _folder_problems(connector, str(path)):
                problems.extend(refused)
                continue
            if connector.name in found:
                problems.append(f"{path}: name {connector.name!r} is used by another file")
                continue
            found[connector.name] = connector
        for problem in problems:
            log.warning("connector not loaded: %s", problem)
        _loaded = _Loaded(key, found, problems)
        return _loaded


def all_connectors() -> dict[str, Connector]:
    return dict(_load().connectors)


def get(name: str) -> Connector | None:
    return _load().connectors.get(name)


def problems() -> list[str]:
    return list(_load().problems)


# Syncing -----------------------------------------------------------------------------------------

_synced_yaml: tuple = ()
_hub_state: tuple = ()


def sync() -> None:
    """Systems and YAML subscriptions into the database, then the hub registry."""
    global _synced_yaml
    loaded = _load()
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
    from lealtad.channels.connectors import outbound

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
    global _loaded, _synced_yaml, _hub_state
    with _lock:
        _loaded = _Loaded(key=(), connectors={}, problems=[])
        _synced_yaml = ()
        _hub_state = ()
        for sub in hub.all_subscriptions():
            if sub.name.startswith(HUB_PREFIX):
                hub.unsubscribe(sub.name)


def folder_for_subscription(path: str) -> Path:
    """A file subscription with no connector writes under ``connector-data/_subscriptions``
    (checked as :func:`folder` is)."""
    return folders.confine(path, folders.data_root() / SUBSCRIPTIONS_DIR)
