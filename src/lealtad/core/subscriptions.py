"""Import every context's ``events`` module so its subscribers register at start-up."""

from importlib import import_module

CONTEXT_EVENT_MODULES = (
    "lealtad.customers.events",
    "lealtad.commerce.events",
    "lealtad.channels.events",
    "lealtad.privacy.events",
)


def load_all() -> None:
    for module in CONTEXT_EVENT_MODULES:
        import_module(module)
