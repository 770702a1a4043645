"""The customer-box panel registry: every provider asked, a failing one left out."""

from __future__ import annotations

from lealtad.core import panels


def test_panels_come_in_order_and_a_failing_provider_is_left_out(monkeypatch, caplog):
    monkeypatch.setattr(panels, "_PROVIDERS", {})

    @panels.provide("first")
    def first(customer_id, channel, caps):
        return {"template": "x.html", "who": customer_id, "where": channel}

    @panels.provide("broken")
    def broken(customer_id, channel, caps):
        raise RuntimeError("down")

    @panels.provide("silent")
    def silent(customer_id, channel, caps):
        return None

    found = panels.collect(5, "pos", frozenset())
    assert found == [{"name": "first", "template": "x.html", "who": 5, "where": "pos"}]
    assert "customer panel broken failed" in caplog.text
