"""Dispatchers side by side: each takes its share of the outbox by customer, every message is
settled once by one of them, and each customer's events keep their published order."""

from __future__ import annotations

import pytest
from django.db import transaction
from typer.testing import CliRunner

from lealtad.cli import app
from lealtad.core import dispatcher, hub
from lealtad.core.dispatcher import Share
from lealtad.core.models import OutboxMessage

CUSTOMERS = [1, 2, 3, 4, 1, 2, None, 5, 3]


@pytest.fixture
def seen():
    found: list[tuple[int | None, str]] = []
    hub.subscriber("test.shared", name="test.shares")(
        lambda m: found.append((m.customer_id, m.event_id))
    )
    yield found
    hub.unsubscribe("test.shares")


def _publish() -> None:
    with transaction.atomic():
        hub.publish_many(
            [
                hub.Announcement("test.shared", {"n": n}, f"s-{n}", "", customer)
                for n, customer in enumerate(CUSTOMERS)
            ]
        )


@pytest.mark.django_db
def test_each_share_takes_its_customers_in_order_and_together_they_settle_all(seen):
    _publish()
    assert dispatcher.OutboxDispatcher(Share(1, 2)).run_once() == 5
    odd = list(seen)
    assert odd == [(1, "s-0"), (3, "s-2"), (1, "s-4"), (5, "s-7"), (3, "s-8")]
    assert OutboxMessage.objects.filter(event_type="test.shared", dispatched_at=None).count() == 4
    assert dispatcher.OutboxDispatcher(Share(0, 2)).run_once() == 4
    assert seen[len(odd) :] == [(2, "s-1"), (4, "s-3"), (2, "s-5"), (None, "s-6")]
    assert not OutboxMessage.objects.filter(event_type="test.shared", dispatched_at=None)
    assert dispatcher.OutboxDispatcher(Share(1, 2)).run_once() == 0  # nothing twice
    assert len(seen) == len(CUSTOMERS)


@pytest.mark.django_db
def test_one_share_of_one_is_the_whole_outbox(seen):
    _publish()
    assert dispatcher.OutboxDispatcher(Share(0, 1)).run_once() == len(CUSTOMERS)
    assert [event for _, event in seen] == [f"s-{n}" for n in range(len(CUSTOMERS))]


@pytest.mark.parametrize("text", ["2/2", "1/0", "x/2", "1-2", "-1/2", "", "1/2/3"])
def test_a_share_that_names_no_part_is_refused(text):
    with pytest.raises(ValueError, match="share"):
        Share.parse(text)


@pytest.mark.django_db(transaction=True)
def test_the_command_refuses_a_bad_share_and_dispatches_its_own(seen):
    refused = CliRunner().invoke(app, ["dispatch", "--once", "--share", "3/2"])
    assert refused.exit_code == 2 and "--share" in refused.output
    _publish()
    done = CliRunner().invoke(app, ["dispatch", "--once", "--share", "0/2"])
    assert done.exit_code == 0 and "settled 4 messages" in done.output
    assert sorted(event for _, event in seen) == ["s-1", "s-3", "s-5", "s-6"]
