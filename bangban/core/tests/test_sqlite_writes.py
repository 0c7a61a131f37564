"""SQLite: a process's write transactions queue on one lock, held from BEGIN to COMMIT or ROLLBACK."""

import statistics
import threading
import time

import pytest
from django.db import connection, transaction

from bangban.core.db.sqlite3 import base
from bangban.remote.models import HelpCall

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write lock")


@pytest.mark.django_db(transaction=True)
def test_the_process_write_lock_is_held_by_a_transaction_only():
    assert not base._write_lock.locked()
    with transaction.atomic():
        assert base._write_lock.locked()
        with transaction.atomic():  # a savepoint takes nothing more
            HelpCall.objects.count()
    assert not base._write_lock.locked()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        raise ZeroDivisionError
    assert not base._write_lock.locked()


@pytest.mark.django_db(transaction=True)
def test_a_writer_waiting_in_this_process_gets_the_database_as_soon_as_it_is_free():
    """Queued on the process's lock, not polling in SQLite's busy handler (whose sleeps grow to 100 ms)."""
    handoffs = []
    for _ in range(5):
        released = []

        def second(released=released):
            with transaction.atomic():
                handoffs.append(time.monotonic() - released[0])
            connection.close()

        with transaction.atomic():
            HelpCall.objects.count()
            t = threading.Thread(target=second)
            t.start()
            time.sleep(0.4)  # long enough for a busy handler to reach its long sleeps
            released.append(time.monotonic())
        t.join()
    assert statistics.median(handoffs) < 0.02, handoffs
