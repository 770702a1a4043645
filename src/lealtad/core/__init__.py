"""Platform core: the event hub (outbox, dispatcher), audit trail, roles and API tokens."""
