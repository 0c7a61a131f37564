"""The HTTP gateway backend against a real HTTP server on 127.0.0.1 (random port, own thread)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bangban.core import crypto
from bangban.notifications.backends import GatewayError, HttpGatewayBackend, PermanentGatewayError
from bangban.notifications.models import Message
from bangban.notifications.tasks import send_message

TOKEN = "test-token-0123"


class Gateway:
    """A scripted gateway: answers each POST with the next (status, body, delay) and records it."""

    def __init__(self):
        self.script: list[tuple[int, str, float]] = []
        self.requests: list[dict] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                gateway.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "json": json.loads(body)}
                )
                status, reply, delay = gateway.script.pop(0) if gateway.script else (200, "{}", 0)
                if delay:
                    time.sleep(delay)
                data = reply.encode()
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    gw = Gateway()
    settings.BANGBAN_SMS_BACKEND = "bangban.notifications.backends.HttpGatewayBackend"
    settings.BANGBAN_SMS_GATEWAY_URL = gw.url
    settings.BANGBAN_SMS_GATEWAY_TOKEN = TOKEN
    settings.BANGBAN_SMS_GATEWAY_TIMEOUT = 2
    settings.CELERY_TASK_EAGER_PROPAGATES = False  # let Celery run the retries in-process, at once
    yield gw
    gw.close()


def _message(**fields):
    values = {
        **crypto.phone_columns("13800138000"),
        "text": "【帮办代办】您的办件已受理。",
        "event": "accepted",
        "dedupe_key": "h:1",
    }
    values.update(fields)
    return Message.objects.create(**values)


@pytest.mark.django_db
def test_sends_json_with_bearer_token_and_idempotency_key(gateway):
    gateway.script = [(200, '{"id": "GW-0001", "status": "queued"}', 0)]
    message = _message()
    assert send_message.apply(args=[message.pk]).get() == "sent"
    [request] = gateway.requests
    key = str(message.idempotency_key)
    assert request["path"] == "/sms/send"
    assert request["json"] == {"phone": "13800138000", "text": "【帮办代办】您的办件已受理。", "id": key}
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["headers"]["Idempotency-Key"] == key
    assert request["headers"]["Content-Type"].startswith("application/json")
    message.refresh_from_db()
    assert (message.status, message.provider_id, message.attempts) == (Message.Status.SENT, "GW-0001", 1)


@pytest.mark.django_db
def test_server_error_is_retried_with_the_same_idempotency_key(gateway):
    gateway.script = [(500, '{"error": "busy"}', 0), (503, "", 0), (200, '{"message_id": 42}', 0)]
    message = _message()
    assert send_message.apply(args=[message.pk]).get() == "sent"
    assert len(gateway.requests) == 3
    keys = {r["headers"]["Idempotency-Key"] for r in gateway.requests}
    assert keys == {str(message.idempotency_key)}
    message.refresh_from_db()
    assert (message.status, message.provider_id, message.attempts) == (Message.Status.SENT, "42", 3)


@pytest.mark.django_db
def test_client_error_is_a_permanent_failure(gateway):
    gateway.script = [(400, '{"error": "invalid phone"}', 0)]
    message = _message()
    assert send_message.apply(args=[message.pk]).get() == "failed"
    assert len(gateway.requests) == 1  # no retry
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.last_error == '短信网关返回 HTTP 400：{"error": "invalid phone"}'


@pytest.mark.django_db
def test_rate_limit_and_timeout_are_retried(gateway, settings):
    settings.BANGBAN_SMS_GATEWAY_TIMEOUT = 0.3
    gateway.script = [(429, "", 0), (200, "{}", 1.0), (200, "not json", 0)]
    message = _message()
    assert send_message.apply(args=[message.pk]).get() == "sent"
    assert len(gateway.requests) == 3
    message.refresh_from_db()
    assert (message.status, message.provider_id) == (Message.Status.SENT, "")


@pytest.mark.django_db
def test_unreachable_gateway_and_redirects(gateway):
    gateway.script = [(302, "", 0)]
    with pytest.raises(PermanentGatewayError, match="HTTP 302"):
        HttpGatewayBackend().send(_message())
    closed = Gateway()
    url = closed.url
    closed.close()
    with pytest.raises(GatewayError, match="无法连接短信网关"):
        HttpGatewayBackend(url=url).send(_message(dedupe_key="h:2"))
    with pytest.raises(PermanentGatewayError, match="未配置"):
        HttpGatewayBackend(url="").send(_message(dedupe_key="h:3"))
