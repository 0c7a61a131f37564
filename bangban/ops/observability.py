"""Observability: a request id in every log line (and carried into Celery tasks), JSON logs, and the
figures an operator scrapes from /metrics.

- `RequestIdMiddleware` (first in MIDDLEWARE) takes a well-formed `X-Request-ID` from the proxy or
  makes one, puts it in a context variable for the request's log lines, answers it in the response
  header, and times the request into a histogram by route name (never by raw path: ids in paths
  would make unbounded series).
- `before_task_publish` puts the id into the task's headers; `task_prerun` sets it again in the
  worker, so one id follows a registration from the window into the SMS task.
- `/metrics` (Prometheus text format): request latency, Celery queue lengths (Redis), the SMS outbox
  backlog, task failures (counted in the shared cache, so every worker's failures are seen by every
  app server). Several worker processes: set PROMETHEUS_MULTIPROC_DIR to an empty directory per
  server (prometheus-client's multiprocess mode). It answers only to METRICS_ALLOWED_IPS or a
  request with the METRICS_TOKEN bearer token; anyone else gets the site's 404.
"""

from __future__ import annotations

import contextvars
import hmac
import ipaddress
import json
import logging
import os
import re
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

REQUEST_SECONDS = Histogram(
    "bangban_request_seconds",
    "Time to answer a request, by route and status class",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10),
)
TASK_FAILURE_KEY = "ops:task_failures"


def current_request_id() -> str:
    return request_id_var.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        rid = given if _VALID_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        match = getattr(request, "resolver_match", None)
        route = (match.view_name or "unnamed") if match is not None else "unmatched"
        REQUEST_SECONDS.labels(
            request.method if request.method in _METHODS else "other",
            route,
            f"{response.status_code // 100}xx",
        ).observe(time.perf_counter() - started)
        response["X-Request-ID"] = rid
        return response


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (the request's, the task's, or "-")."""

    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and the traceback."""

    def format(self, record):
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "process": record.process,
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


# ---- Celery: the id crosses into tasks; failures are counted -----------------------------------


def _on_publish(headers=None, **kwargs):
    if headers is not None and request_id_var.get() != "-":
        headers.setdefault("request_id", request_id_var.get())


def _on_prerun(task=None, **kwargs):
    if task is None:
        return
    headers = getattr(task.request, "headers", None) or {}
    rid = getattr(task.request, "request_id", None) or headers.get("request_id")
    if not rid and request_id_var.get() != "-":  # an eager task inside the request that queued it
        rid = request_id_var.get()
    task._bangban_rid_token = request_id_var.set(rid or uuid.uuid4().hex)


def _on_postrun(task=None, **kwargs):
    token = getattr(task, "_bangban_rid_token", None)
    if token is not None:
        try:
            request_id_var.reset(token)
        except ValueError:  # set in another context (eager tasks inside a request)
            request_id_var.set("-")
        task._bangban_rid_token = None


def _on_failure(sender=None, **kwargs):
    name = getattr(sender, "name", "unknown")
    try:
        failures = cache.get(TASK_FAILURE_KEY) or {}
        failures[name] = failures.get(name, 0) + 1
        cache.set(TASK_FAILURE_KEY, failures, None)
    except Exception:  # the count must never make a failure worse (Redis down)
        logging.getLogger(__name__).warning("could not count a task failure of %s", name)


def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(_on_publish, weak=False)
    signals.task_prerun.connect(_on_prerun, weak=False)
    signals.task_postrun.connect(_on_postrun, weak=False)
    signals.task_failure.connect(_on_failure, weak=False)


# ---- /metrics -------------------------------------------------------------------------------------


def _allowed(request) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS)


def _gauges(registry) -> None:
    """Figures read at scrape time from the shared stores, the same whichever server is asked."""
    from bangban.notifications.models import Message

    backlog = Gauge(
        "bangban_sms_outbox_backlog", "SMS waiting to be sent, by status", ["status"], registry=registry
    )
    for status in (Message.Status.PENDING, Message.Status.SENDING, Message.Status.FAILED):
        backlog.labels(status.value).set(Message.objects.filter(status=status).count())
    failures = Gauge(
        "bangban_task_failures",
        "Celery task failures since the cache was last emptied",
        ["task"],
        registry=registry,
    )
    try:
        counted = cache.get(TASK_FAILURE_KEY) or {}
    except Exception:  # Redis down: the other figures still answer
        counted = {}
    for name, count in counted.items():
        failures.labels(name).set(count)
    queue = Gauge(
        "bangban_celery_queue_length", "Tasks waiting in a Celery queue", ["queue"], registry=registry
    )
    broker = settings.CELERY_BROKER_URL
    if broker.startswith("redis"):
        import redis

        from bangban.core.redis_client import quick_client

        try:
            queue.labels("celery").set(quick_client(broker).llen("celery"))
        except redis.RedisError:
            queue.labels("celery").set(float("nan"))


def metrics(request):
    if not _allowed(request):
        raise Http404
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_SECONDS)
    _gauges(registry)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
