"""An outbox message delivered by a real Celery worker process through Redis (production wiring).

The worker is started as production starts it (`celery -A bangban worker`, REDIS_URL set) and reads
the test database through DATABASE_URL: the PostgreSQL test database, or the SQLite test file (an
in-memory SQLite test database is invisible to other processes: skipped). The test is
transactional so the message row is committed before the worker looks for it.
"""

import os
import uuid
from urllib.parse import quote

import pytest
from django.db import connection

from bangban.core import crypto
from bangban.core.testing import CeleryWorker, redis_url_or_skip
from bangban.notifications.models import Message


def _database_url() -> str | None:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(s["NAME"])
        return None if "memory" in name or not name else f"sqlite:///{os.path.abspath(name)}"
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _sent(ids: list[int], *, within: float = 120) -> bool:
    """Whether every message of `ids` is sent within `within` seconds. The worker's own writes are
    watched, not task results: a result read through the Redis backend can hang although the task
    has finished (celery/celery#5353, #4470), which once failed this test in CI."""
    import time

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if Message.objects.filter(pk__in=ids, status=Message.Status.SENT).count() == len(ids):
            return True
        time.sleep(0.2)
    return False


def _message(n: int, token: str) -> Message:
    return Message.objects.create(
        **crypto.phone_columns(f"1380013800{n}"),
        text=f"【帮办代办】测试 {n}",
        event="accepted",
        dedupe_key=f"redis:{token}:{n}",
    )


def _worker(tmp_path) -> CeleryWorker:
    """A real worker on TEST_REDIS_URL reading the test database (skips where it cannot see it); it
    uses the recording SMS backend (BANGBAN_SMS_BACKEND emptied → default)."""
    url = redis_url_or_skip()
    database_url = _database_url()
    if database_url is None:
        pytest.skip("the worker process cannot see an in-memory SQLite test database")
    return CeleryWorker(
        url, env={"DATABASE_URL": database_url, "CONN_MAX_AGE": "0", "BANGBAN_VAR_DIR": str(tmp_path)}
    )


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_outbox_message_is_sent_once_by_a_worker_through_redis(tmp_path):
    token = uuid.uuid4().hex
    message, marker = _message(0, token), _message(1, token)
    with _worker(tmp_path) as worker:
        name = "bangban.notifications.tasks.send_message"
        worker.send(name, message.pk)
        worker.send(name, message.pk)  # a duplicate delivery
        # The solo worker takes its queue in order: once the marker is sent, the duplicate has run.
        worker.send(name, marker.pk)
        done = _sent([message.pk, marker.pk])
    assert done, worker.output
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENT, 1)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_relays_chunk_is_delivered_by_a_worker_through_redis(tmp_path):
    ids = [_message(n, uuid.uuid4().hex).pk for n in range(3)]
    with _worker(tmp_path) as worker:
        worker.send("bangban.notifications.tasks.send_batch", ids)  # its result is not kept
        done = _sent(ids)
    assert done, worker.output
    assert set(Message.objects.filter(pk__in=ids).values_list("status", "attempts")) == {
        (Message.Status.SENT, 1)
    }
