"""SMS gateway backends, chosen by the dotted path in `settings.BANGBAN_SMS_BACKEND`.

A backend has one method, `send(message) -> provider message id`. It raises `GatewayError` for a
failure worth retrying (network trouble, timeouts, 5xx, 408/429) and `PermanentGatewayError` for a
refusal that retrying cannot fix (other 4xx: bad number, bad credentials, bad request).

- `RecordingBackend` (the default; development and tests): sends nothing. The outbox row is the
  record; it also keeps the messages in `RecordingBackend.sent` (this process only) for tests.
- `HttpGatewayBackend`: POSTs JSON {"phone", "text", "id"} to BANGBAN_SMS_GATEWAY_URL with
  `Authorization: Bearer <BANGBAN_SMS_GATEWAY_TOKEN>` and `Idempotency-Key: <id>`, where id is the
  message's idempotency key (a UUID that stays the same across every retry of the message).
"""

from __future__ import annotations

import http.client
import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_BACKEND = "bangban.notifications.backends.RecordingBackend"


class GatewayError(Exception):
    """A failure worth retrying later."""


class PermanentGatewayError(Exception):
    """The gateway refused the message; retrying the same request will not help."""


class SmsBackend:
    def send(self, message) -> str:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class RecordedSms:
    message_id: int
    phone: str
    text: str
    idempotency_key: str


class RecordingBackend(SmsBackend):
    sent: list[RecordedSms] = []
    _lock = threading.Lock()

    def send(self, message) -> str:
        with self._lock:
            self.sent.append(
                RecordedSms(message.pk, message.recipient(), message.text, str(message.idempotency_key))
            )
        return f"recorded-{message.pk}"

    @classmethod
    def clear(cls) -> None:
        with cls._lock:
            cls.sent.clear()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirected POST would be replayed as GET (or not at all): treat 3xx as a refusal instead.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class HttpGatewayBackend(SmsBackend):
    def __init__(self, url: str | None = None, token: str | None = None, timeout: float | None = None):
        self.url = url if url is not None else getattr(settings, "BANGBAN_SMS_GATEWAY_URL", "")
        self.token = token if token is not None else getattr(settings, "BANGBAN_SMS_GATEWAY_TOKEN", "")
        self.timeout = (
            timeout if timeout is not None else float(getattr(settings, "BANGBAN_SMS_GATEWAY_TIMEOUT", 10))
        )
        # No proxy from the environment: applicants' numbers go straight to the configured gateway.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)

    def send(self, message) -> str:
        if not self.url:
            raise PermanentGatewayError("未配置短信网关地址（BANGBAN_SMS_GATEWAY_URL）")
        key = str(message.idempotency_key)
        phone = message.recipient()  # decrypted here, when it is sent, and nowhere else
        body = json.dumps({"phone": phone, "text": message.text, "id": key}, ensure_ascii=False)
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body.encode(), headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                payload = response.read(65536)
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode(errors="replace").strip()
            text = f"短信网关返回 HTTP {exc.code}{('：' + detail) if detail else ''}"
            if exc.code >= 500 or exc.code in (408, 429):
                raise GatewayError(text) from exc
            raise PermanentGatewayError(text) from exc
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, resets, bad replies
            reason = getattr(exc, "reason", exc)
            raise GatewayError(f"无法连接短信网关：{reason}") from exc
        return _provider_id(payload)


def _provider_id(payload: bytes) -> str:
    try:
        data = json.loads(payload or b"{}")
    except ValueError:
        return ""
    if isinstance(data, dict):
        for key in ("id", "message_id", "messageId", "provider_id"):
            if data.get(key) not in (None, ""):
                return str(data[key])[:100]
    return ""


def get_backend() -> SmsBackend:
    return import_string(getattr(settings, "BANGBAN_SMS_BACKEND", DEFAULT_BACKEND))()
