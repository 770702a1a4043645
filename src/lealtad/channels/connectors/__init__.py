"""Connectors between the hub's canonical events and external systems' formats.

A connector is declared in YAML (``docs/connectors.md``): the external ``system`` it speaks
for, ``inbound`` streams (files dropped in a folder, or webhook posts) whose records are mapped
to canonical events and ingested, and ``outbound`` entries (signed webhooks or files) that
receive hub events mapped to the system's format.

Modules: :mod:`.spec` (the YAML), :mod:`.mapping` (the transformation engine), :mod:`.inbound`
(files, webhooks, rejects and replay), :mod:`.outbound` (delivery), :mod:`.safehttp` (the SSRF
guard), :mod:`.registry` (loading connectors and syncing subscribers into the hub),
:mod:`.owned_events` (event types channels owns until commerce takes them over).
"""
