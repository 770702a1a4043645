"""Waiting for htmx in Chromium tests."""

from __future__ import annotations

from playwright.sync_api import Page


def settled(page: Page, target: str) -> None:
    """Wait for htmx to finish swapping ``target`` in: it wires the new content's own htmx
    attributes as it settles, a few milliseconds after the swap (a person is never that
    fast, a test is)."""
    page.wait_for_function(
        "s => !document.querySelector(`${s}.htmx-settling, ${s} .htmx-added`)", arg=target
    )
