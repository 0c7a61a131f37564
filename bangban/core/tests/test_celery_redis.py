"""A task really travels through Redis to a separate worker process and back (production wiring).

The worker is started exactly as production starts it (`celery -A bangban worker` with
REDIS_URL set); the test sends the task by name through the broker and waits for the
result on the Redis result backend.
"""

import os
import subprocess
import sys
import uuid

import pytest
from celery import Celery

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


@pytest.mark.redis
def test_task_runs_through_redis_worker(tmp_path):
    if not REDIS_URL:
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail("TEST_REDIS_URL is required (REQUIRE_REDIS) but not set")
        pytest.skip("TEST_REDIS_URL not set")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = os.environ | {"REDIS_URL": REDIS_URL, "BANGBAN_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
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
        result = client.send_task("bangban.core.tasks.ping", args=["你好"], queue=queue)
        reply = result.get(timeout=60)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
    assert reply["echo"] == "你好", output
    assert reply["worker"]
