"""A copy a process keeps for a moment (core.kept): read once per TTL, dropped on a save here,
never kept across a transaction that changed what it copies."""

from __future__ import annotations

import itertools
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connections, transaction

from lealtad.core.kept import Kept

pytestmark = pytest.mark.django_db(transaction=True)


def counting(ttl: float = 60.0, **options) -> tuple[Kept[int], itertools.count]:
    reads = itertools.count(1)
    return Kept(lambda: next(reads), ttl, **options), reads


def test_it_reads_once_per_ttl_and_again_when_forgotten():
    kept, _reads = counting()
    assert [kept.get(), kept.get()] == [1, 1]
    kept.forget()
    assert kept.get() == 2
    kept.ttl = 0.0
    assert kept.get() == 3


def test_a_save_of_a_watched_model_forgets_it():
    kept, _reads = counting()
    kept.forget_on_changes(Group)
    assert kept.get() == 1
    Group.objects.create(name="cajeros")
    assert kept.get() == 2
    Group.objects.filter(name="cajeros").first().delete()
    assert kept.get() == 3


def test_after_a_save_in_a_transaction_nothing_is_kept_until_it_ends():
    kept, _reads = counting()
    kept.forget_on_changes(Group)
    assert kept.get() == 1
    with transaction.atomic():
        assert kept.get() == 1  # nothing changed yet: the copy serves
        Group.objects.create(name="cajeros")
        assert [kept.get(), kept.get()] == [2, 3]  # uncommitted rows: never kept
    assert [kept.get(), kept.get()] == [4, 4]


def test_a_rollback_leaves_no_copy_of_what_it_undid():
    kept, _reads = counting()
    kept.forget_on_changes(Group)
    with pytest.raises(RuntimeError), transaction.atomic():
        Group.objects.create(name="cajeros")
        assert kept.get() == 1
        raise RuntimeError
    assert [kept.get(), kept.get()] == [2, 2]


def test_a_fresh_in_transactions_copy_is_read_afresh_inside_one():
    kept, _reads = counting(fresh_in_transactions=True)
    assert kept.get() == 1
    with transaction.atomic():
        assert [kept.get(), kept.get()] == [2, 3]
    assert kept.get() == 1


def test_another_threads_read_does_not_end_this_threads_transaction_mark():
    kept, _reads = counting()
    kept.forget_on_changes(Group)
    elsewhere: list[int] = []

    def read_outside_any_transaction() -> None:
        elsewhere.extend([kept.get(), kept.get()])
        connections.close_all()

    with transaction.atomic():
        Group.objects.create(name="cajeros")
        reader = threading.Thread(target=read_outside_any_transaction)
        reader.start()
        reader.join()
        assert elsewhere == [1, 1]  # kept there: nothing changed in its view
        assert [kept.get(), kept.get()] == [2, 3]  # still fresh here
