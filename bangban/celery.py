"""Celery application.

Production sets REDIS_URL: Redis is the broker and result backend and workers run as
separate processes (`bangban-worker`, see README). The embedded default has no
REDIS_URL; tasks then run eagerly, in the web process, right after the transaction
that scheduled them commits — so a newcomer needs no extra service, and the code path
(`transaction.on_commit(lambda: task.delay(...))`) is the same in both modes.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangban.settings")

app = Celery("bangban")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
