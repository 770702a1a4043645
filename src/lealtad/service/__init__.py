"""The service desk (seeds 002 and 004): cases worked within the SLA a customer is owed, the
knowledge base, contracts, RMA, field service and spare parts, surveys and the customer portal.
The SLA clock and mail threading are plain Python in ``lealtad.service_engine``."""
