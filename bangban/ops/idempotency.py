"""`Idempotency-Key` for the API's writes: a client (or a proxy) may send the same POST again after a
lost answer, a timeout or a killed app server, and the write happens once.

For a POST/PUT/PATCH/DELETE under /api/ that carries the header, the whole request runs in one
transaction that also inserts (principal, key). The first request to commit wins; a concurrent
duplicate waits on the unique index (PostgreSQL) or the write lock (SQLite) and then finds the key.
Whoever finds the key gets the first answer replayed (same status and body, header
`Idempotent-Replayed: true`), provided it asks the same thing (method, path and body); reusing a key
for something else is refused (422). Answers 4xx and 5xx keep nothing, and a 5xx rolls back the
whole request, so a corrected or later retry with the same key runs normally. Keys are scoped to the
credentials that sent them and kept for BANGBAN_IDEMPOTENCY_HOURS (default 24).
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from bangban.ops.models import IdempotentRequest

HEADER = "Idempotency-Key"
_VALID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
MAX_KEPT_BODY = 256 * 1024


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"code": code, "message": message, "errors": [{"field": HEADER, "code": code, "message": message}]},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _principal(request) -> str:
    """Whose key this is: the credentials sent (token or session), never shared between callers."""
    credential = request.headers.get("Authorization", "") or request.COOKIES.get(
        settings.SESSION_COOKIE_NAME, ""
    )
    if not credential:
        credential = "anonymous:" + request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(credential.encode()).hexdigest()


def _replay(row: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(bytes(row.body), status=row.status, content_type=row.content_type or None)
    if row.location:
        response["Location"] = row.location
    response["Idempotent-Replayed"] = "true"
    return response


def _existing(request, principal, key, body_hash):
    row = IdempotentRequest.objects.filter(principal=principal, key=key).first()
    if row is None:  # pragma: no cover - the winner rolled back between our conflict and this read
        return _error(409, "idempotency_conflict", f"请求头 {HEADER} 的同一请求正在处理，请稍后重试")
    if (row.method, row.path, row.body_hash) != (request.method, request.path[:255], body_hash):
        return _error(
            422, "idempotency_key_reused", f"请求头 {HEADER} 已用于另一个请求：每个新请求须使用新的幂等键"
        )
    if row.body is None:
        return _error(409, "idempotency_not_replayable", f"请求头 {HEADER} 的请求已完成，但其响应过大未保留")
    return _replay(row)


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method not in _WRITES or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not _VALID.match(key):
            return _error(
                400, "invalid_idempotency_key", f"请求头 {HEADER} 须为 1–64 个字母、数字或 _ . : - 字符"
            )
        if request.content_type == "multipart/form-data":
            # hashing an upload would mean holding up to 30 MB in memory per request
            return _error(
                400, "idempotency_upload", f"上传文件的请求不支持请求头 {HEADER}，请去掉该请求头后重试"
            )
        principal = _principal(request)
        body_hash = hashlib.sha256(request.body).hexdigest()
        with transaction.atomic():
            try:
                with transaction.atomic():
                    row = IdempotentRequest.objects.create(
                        principal=principal,
                        key=key,
                        method=request.method,
                        path=request.path[:255],
                        body_hash=body_hash,
                        status=0,
                    )
            except IntegrityError:
                return _existing(request, principal, key, body_hash)
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)  # nothing of a failed request stays
                return response
            if response.status_code >= 400 or getattr(response, "streaming", False):
                row.delete()  # a refused request changed nothing; the key stays free for the retry
                return response
            content = response.content
            row.status = response.status_code
            row.content_type = response.get("Content-Type", "")[:100]
            row.location = response.get("Location", "")[:255]
            row.body = content if len(content) <= MAX_KEPT_BODY else None
            row.save(update_fields=["status", "content_type", "location", "body"])
            return response


def purge(*, now=None) -> int:
    """Delete keys older than the retention (a retry after that is a new request)."""
    hours = getattr(settings, "BANGBAN_IDEMPOTENCY_HOURS", 24)
    cutoff = (now or timezone.now()) - timezone.timedelta(hours=hours)
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
