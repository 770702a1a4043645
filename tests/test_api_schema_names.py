"""Two request bodies with one class name share one OpenAPI component, so one route's
documented body silently becomes the other's (the contact center's ``TransferIn`` once
replaced commerce's). Every body and answer model reachable from a route has its own name."""

from __future__ import annotations

import inspect
import typing

from pydantic import BaseModel

from lealtad.api import api


def _models(annotation: typing.Any) -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        found.add(annotation)
    for arg in typing.get_args(annotation):
        found |= _models(arg)
    return found


def test_every_schema_reachable_from_a_route_has_its_own_name() -> None:
    owners: dict[str, set[str]] = {}
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for op in path_view.operations:
                hints = typing.get_type_hints(op.view_func)
                for annotation in hints.values():
                    for model in _models(annotation):
                        owners.setdefault(model.__name__, set()).add(
                            f"{model.__module__}.{model.__qualname__}"
                        )
    clashes = {name: sorted(where) for name, where in owners.items() if len(where) > 1}
    assert clashes == {}
