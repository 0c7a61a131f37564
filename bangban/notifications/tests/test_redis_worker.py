"""An outbox message delivered by a real Celery worker process through Redis (production wiring).

The worker is started as production starts it (`celery -A bangban worker`, REDIS_URL set) and reads
the test database through DATABASE_URL: the PostgreSQL test database, or the SQLite test file (an
in-memory SQLite test database is invisible to other processes: skipped). The test is
transactional so the message row is committed before the worker looks for it.
"""

import os
import subprocess
import sys
import uuid
from urllib.parse import quote

import pytest
from celery import Celery
from django.db import connection

from bangban.notifications.models import Message

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


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
    if not REDIS_URL:
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail("TEST_REDIS_URL is required (REQUIRE_REDIS) but not set")
        pytest.skip("TEST_REDIS_URL not set")
    database_url = _database_url()
    if database_url is None:
        pytest.skip("the worker process cannot see an in-memory SQLite test database")
    message = Message.objects.create(
        phone="13800138000", text="【帮办代办】测试", event="accepted", dedupe_key=f"redis:{uuid.uuid4().hex}"
    )
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = os.environ | {
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "0",
        "BANGBAN_VAR_DIR": str(tmp_path),
    }
    env.pop("BANGBAN_SMS_BACKEND", None)  # the worker uses the recording backend
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bangban",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{queue}@%h",
            "-l",
            "warning",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    client = Celery(broker=REDIS_URL, backend=REDIS_URL)
    try:
        name = "bangban.notifications.tasks.send_message"
        first = client.send_task(name, args=[message.pk], queue=queue)
        second = client.send_task(name, args=[message.pk], queue=queue)  # a duplicate delivery
        replies = [first.get(timeout=60), second.get(timeout=60)]
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
    assert replies == ["sent", "skipped"], output
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENT, 1)
    assert message.provider_id == f"recorded-{message.pk}"
