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


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_outbox_message_is_sent_once_by_a_worker_through_redis(tmp_path):
    url = redis_url_or_skip()
    database_url = _database_url()
    if database_url is None:
        pytest.skip("the worker process cannot see an in-memory SQLite test database")
    message = Message.objects.create(
        **crypto.phone_columns("13800138000"),
        text="【帮办代办】测试",
        event="accepted",
        dedupe_key=f"redis:{uuid.uuid4().hex}",
    )
    # The worker uses the recording backend (BANGBAN_SMS_BACKEND emptied → default).
    env = {"DATABASE_URL": database_url, "CONN_MAX_AGE": "0", "BANGBAN_VAR_DIR": str(tmp_path)}
    with CeleryWorker(url, env=env) as worker:
        name = "bangban.notifications.tasks.send_message"
        first = worker.send(name, message.pk)
        second = worker.send(name, message.pk)  # a duplicate delivery
        try:
            replies = [first.get(timeout=120), second.get(timeout=120)]
        except Exception as exc:  # a timeout: fail with what the worker printed (the process has ended)
            replies = repr(exc)
    assert replies == ["sent", "skipped"], worker.output
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENT, 1)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_relays_chunk_is_delivered_by_a_worker_through_redis(tmp_path):
    import time

    url = redis_url_or_skip()
    database_url = _database_url()
    if database_url is None:
        pytest.skip("the worker process cannot see an in-memory SQLite test database")
    token = uuid.uuid4().hex
    ids = [
        Message.objects.create(
            **crypto.phone_columns(f"1380013800{n}"),
            text=f"【帮办代办】测试 {n}",
            event="accepted",
            dedupe_key=f"redis:{token}:{n}",
        ).pk
        for n in range(3)
    ]
    env = {"DATABASE_URL": database_url, "CONN_MAX_AGE": "0", "BANGBAN_VAR_DIR": str(tmp_path)}
    with CeleryWorker(url, env=env) as worker:
        worker.send("bangban.notifications.tasks.send_batch", ids)  # its result is not kept: watch the rows
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if Message.objects.filter(pk__in=ids, status=Message.Status.SENT).count() == len(ids):
                break
            time.sleep(0.2)
    rows = set(Message.objects.filter(pk__in=ids).values_list("status", "attempts"))
    assert rows == {(Message.Status.SENT, 1)}, worker.output
