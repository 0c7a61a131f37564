"""Request ids in responses, logs and tasks; /metrics for the scraper only; /healthz degrades on Redis."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from bangban.celery import app as celery_app
from bangban.ops import observability as obs


def _json_logger():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(obs.RequestIdFilter())
    handler.setFormatter(obs.JsonFormatter())
    logger = logging.getLogger("bangban.tests.observability")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_every_log_line_of_a_request_carries_the_id_the_response_names():
    logger, stream = _json_logger()

    def view(request):
        logger.info("登记办件")
        return HttpResponse("ok")

    response = obs.RequestIdMiddleware(view)(RequestFactory().get("/staff/"))
    line = json.loads(stream.getvalue())
    assert line["message"] == "登记办件" and line["level"] == "INFO"
    assert line["request_id"] == response["X-Request-ID"] and len(response["X-Request-ID"]) == 32
    assert obs.current_request_id() == "-"  # nothing leaks into the next request


@pytest.mark.parametrize(
    "given, kept",
    [("proxy-0123456789abcdef", True), ("a\r\nSet-Cookie: x=1", False), ("短", False), ("x" * 65, False)],
)
def test_a_well_formed_proxy_id_is_kept_and_anything_else_replaced(given, kept):
    response = obs.RequestIdMiddleware(lambda r: HttpResponse())(
        RequestFactory().get("/", HTTP_X_REQUEST_ID=given)
    )
    assert (response["X-Request-ID"] == given) is kept


@celery_app.task(name="bangban.tests.observability.echo_request_id")
def echo_request_id():
    return obs.current_request_id()


def test_the_request_id_crosses_into_a_task():
    headers = {}
    token = obs.request_id_var.set("req-0123456789")
    try:
        obs._on_publish(headers=headers)  # what a worker-bound task carries in its headers
        assert headers["request_id"] == "req-0123456789"
        # eager (the embedded default): the task runs inside the request and sees its id
        assert echo_request_id.delay().get() == "req-0123456789"
    finally:
        obs.request_id_var.reset(token)
    # in a worker the id comes from the headers
    echo_request_id.push_request(request_id="req-from-headers")
    try:
        obs._on_prerun(task=echo_request_id)
        assert obs.current_request_id() == "req-from-headers"
        obs._on_postrun(task=echo_request_id)
    finally:
        echo_request_id.pop_request()
    assert obs.current_request_id() == "-"


@pytest.mark.django_db
def test_metrics_answer_the_scraper_with_the_figures_and_nobody_else(client, settings):
    settings.METRICS_TOKEN = "s3cret-token-for-the-scraper"
    client.get("/healthz")
    obs._on_failure(sender=echo_request_id)
    body = client.get("/metrics").content.decode()
    assert 'bangban_request_seconds_count{method="GET",route="healthz",status="2xx"}' in body
    assert 'bangban_sms_outbox_backlog{status="pending"} 0.0' in body
    assert 'bangban_task_failures{task="bangban.tests.observability.echo_request_id"}' in body

    outsider = client.get("/metrics", REMOTE_ADDR="10.1.2.3")
    assert outsider.status_code == 404 and b"bangban_" not in outsider.content
    wrong = client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer guess")
    assert wrong.status_code == 404
    scraper = client.get(
        "/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer s3cret-token-for-the-scraper"
    )
    assert scraper.status_code == 200 and b"bangban_request_seconds" in scraper.content


@pytest.mark.django_db
def test_healthz_stays_in_the_pool_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    body = client.get("/healthz").json()
    assert body["status"] == "degraded" and body["redis"] == "unreachable"
