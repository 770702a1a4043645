"""Hub subscribers of the channels context (outbound connectors and webhooks)."""
