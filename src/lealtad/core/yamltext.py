"""Configuration YAML read as text: mapping files must not turn codes into numbers or dates."""

from __future__ import annotations

import re

import yaml


class TextLoader(yaml.SafeLoader):
    """YAML where only ``true``/``false`` are booleans and everything else stays text.

    Plain YAML 1.1 turns ``no`` into False, ``01`` into 1 and ``2024-01-31`` into a date,
    which would silently break value maps like ``{"01": quito-norte}`` or ``{No: no}``.
    Shared by the customer importer's mapping files and the connectors.
    """


TextLoader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag
        not in (
            "tag:yaml.org,2002:bool",
            "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float",
            "tag:yaml.org,2002:timestamp",
        )
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
TextLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
