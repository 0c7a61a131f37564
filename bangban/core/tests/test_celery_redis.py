"""A task really travels through Redis to a separate worker process and back (production wiring).

The worker is started exactly as production starts it (`celery -A bangban worker` with REDIS_URL
set); the test sends the task by name through the broker and waits for the result on Redis.
"""

import pytest

from bangban.core.testing import CeleryWorker, redis_url_or_skip


@pytest.mark.redis
def test_task_runs_through_redis_worker(tmp_path):
    url = redis_url_or_skip()
    with CeleryWorker(url, env={"BANGBAN_VAR_DIR": str(tmp_path), "DATABASE_URL": None}) as worker:
        reply = worker.send("bangban.core.tasks.ping", "你好").get(timeout=60)
    assert reply["echo"] == "你好", worker.output
    assert reply["worker"]
