"""core.kept.Kept: a process's copy is answered for `seconds`, then read again (with the previous
copy); forget() drops it at once and again when the writing transaction commits."""

import pytest
from django.db import transaction

from bangban.core import kept as kept_module
from bangban.core.kept import Kept


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(kept_module.time, "monotonic", lambda: now[0])
    return now


def test_the_copy_is_answered_for_its_seconds_then_read_again_with_the_previous(clock):
    reads = []

    def read(previous):
        reads.append(previous)
        return len(reads)

    kept = Kept(read, seconds=2.0)
    assert kept.get() == 1 and kept.get() == 1
    clock[0] += 1.9
    assert kept.get() == 1
    clock[0] += 0.2
    assert kept.get() == 2
    assert reads == [None, 1]  # the reader sees the copy it replaces


@pytest.mark.django_db(transaction=True)
def test_forget_drops_the_copy_now_and_again_at_commit(clock):
    value = ["old"]
    kept = Kept(lambda _previous: value[0], seconds=60.0)
    assert kept.get() == "old"
    with transaction.atomic():
        value[0] = "new"
        kept.forget()
        assert kept.get() == "new"  # this thread, at once
        value[0] = "newer"
        assert kept.get() == "new"  # another read before the commit kept a copy...
    assert kept.get() == "newer"  # ...which the commit drops
