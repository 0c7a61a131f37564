"""The daily push against a local HTTP server: retries with backoff, idempotent batches, the log."""

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bangban.audit.models import AuditEvent
from bangban.exchange import mapping, services, tasks
from bangban.exchange.models import Delivery

pytestmark = pytest.mark.django_db


class Receiver:
    """A national platform on 127.0.0.1: answers `fail` requests with 503, then 200; keeps every body."""

    def __init__(self, fail=0):
        self.fail = fail
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.requests.append((dict(self.headers), body))
                status = 503 if receiver.fail > 0 else 200
                receiver.fail -= 1
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/gb39046"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings, monkeypatch):
    # Eager tasks (no broker in tests) run Celery's retries inline only when they do not propagate
    # the Retry; the backoff's countdown is skipped there, the attempts are the real ones.
    # Through Django's settings, as the notifications tests do: Celery reads them at each use, while an
    # override on app.conf would outlive the test and shadow them for every later test in the worker.
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    made = []

    def start(fail=0):
        r = Receiver(fail)
        made.append(r)
        settings.BANGBAN_EXCHANGE_URL = r.url
        settings.BANGBAN_EXCHANGE_TOKEN = "t0ken"
        return r

    yield start
    for r in made:
        r.close()


def test_the_daily_push_retries_then_delivers_each_batch_once(org, month, receiver):
    server = receiver(fail=2)
    assert tasks.push_daily.apply(kwargs={"day": "2025-09-17"}).get() == len(mapping.KINDS)
    deliveries = {d.kind: d for d in Delivery.objects.all()}
    assert set(deliveries) == set(mapping.BY_CODE)
    assert all(d.status == Delivery.Status.DELIVERED for d in deliveries.values())
    first = deliveries[mapping.KINDS[0].code]
    assert first.attempts == 3 and first.last_error == "" and first.delivered_at is not None
    app = deliveries["application"]
    assert app.batch_id == "GB39046-20250917-application" and app.count == 1 and app.attempts == 1
    headers, body = next((h, b) for h, b in server.requests if b["kind"] == "application")
    assert headers["Authorization"] == "Bearer t0ken"
    assert headers["Idempotency-Key"] == "GB39046-20250917-application-1"
    assert body["standard"] == "GB/T 39046-2020" and body["last"] is True
    [record] = body["records"]
    assert record["case_number"] == month.terminated.number and mapping.validate("application", record) == []
    assert AuditEvent.objects.filter(action="exchange.push").count() == len(mapping.KINDS) + 2
    # Run again (beat twice, an operator): delivered batches are not sent again.
    sent = len(server.requests)
    tasks.push_daily.apply(kwargs={"day": "2025-09-17"})
    assert len(server.requests) == sent


def test_a_batch_that_keeps_failing_is_logged_as_failed(org, receiver):
    server = receiver(fail=100)
    assert tasks.push_kind.apply(args=("2025-09-17", "complaint")).get() == Delivery.Status.FAILED
    delivery = Delivery.objects.get()
    assert delivery.attempts == tasks.MAX_RETRIES + 1 == len(server.requests)
    assert delivery.status == Delivery.Status.FAILED and delivery.last_error == "HTTP 503"
    server.fail = 0  # the platform is back: the next run delivers the batch
    assert tasks.push_kind.apply(args=("2025-09-17", "complaint")).get() == Delivery.Status.DELIVERED


def test_the_endpoint_must_be_https(settings):
    assert services.endpoint_problem("https://gov.example.cn/x", production=True) is None
    assert services.endpoint_problem("http://127.0.0.1:8000/x", production=False) is None
    assert (
        services.endpoint_problem("http://127.0.0.1:8000/x", production=True)
        == "BANGBAN_EXCHANGE_URL 必须使用 HTTPS"
    )
    assert (
        services.endpoint_problem("http://gov.example.cn/x", production=False)
        == "BANGBAN_EXCHANGE_URL 必须使用 HTTPS"
    )
    assert services.endpoint_problem("", production=False) == "未配置 BANGBAN_EXCHANGE_URL"
    settings.BANGBAN_EXCHANGE_URL = ""
    assert tasks.push_daily.apply().get() == 0 and not Delivery.objects.exists()


def test_the_delivery_log_page(org, web, settings):
    settings.BANGBAN_EXCHANGE_URL = "https://gov.example.cn/gb39046"
    Delivery.objects.create(
        batch_id="GB39046-20250911-step", day=datetime.date(2025, 9, 11), kind="step", attempts=2,
        status=Delivery.Status.RETRYING, last_error="HTTP 503",
    )  # fmt: skip
    r = web(org.user("supervisor")).get("/exchange/deliveries/")
    assert r.status_code == 200
    page = r.content.decode()
    assert "数据交换推送记录" in page and "办理环节" in page and "重试中" in page and "gov.example.cn" in page
    assert web(org.user("town_agent")).get("/exchange/deliveries/").status_code == 403
