"""Writes of the exchange: an audited export (API and command) and one push attempt of a day's
records of one kind to the national platform (the Celery task retries it with backoff).

Every export decrypts personal data (records.py), so every export writes one audit row naming the
kind, the range, the subtree and the count. The push is idempotent: the batch id is the day and the
kind, each part carries `Idempotency-Key: <batch id>-<part>`, and a delivered batch is never sent again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bangban.audit.paging import Cursor, InvalidCursor
from bangban.audit.services import audit_record
from bangban.core.errors import ServiceError
from bangban.exchange import mapping, selectors
from bangban.exchange.models import Delivery
from bangban.exchange.records import SOURCES

log = logging.getLogger(__name__)

STANDARD = "GB/T 39046-2020"
PUSH_PAGE = 500
PUSH_TIMEOUT = 30
ACTION_LABELS = {
    "exchange.export": "导出政务服务数据（GB/T 39046）",
    "exchange.push": "推送政务服务数据（GB/T 39046）",
}
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class DeliveryError(Exception):
    """A push attempt that failed and may succeed later (network, 5xx, 429, refusal)."""


def parse_cursor(text: str | None) -> Cursor | None:
    if not text:
        return None
    try:
        cursor = Cursor.decode(text)
    except InvalidCursor:
        cursor = None
    if cursor is None or cursor.direction != "a":
        raise ServiceError(
            "invalid", "「翻页位置」(cursor) 无效：请使用上一次响应返回的 cursor", field="cursor"
        )
    return cursor


def check_range(since: dt.date | None, until: dt.date | None) -> None:
    if since and until and since > until:
        raise ServiceError("invalid", "「起始日期」(since) 不能晚于「截止日期」(until)", field="since")


def exchange_export(
    *,
    by,
    kind: str,
    since: dt.date | None = None,
    until: dt.date | None = None,
    institution=None,
    cursor: Cursor | None = None,
    limit: int = selectors.PAGE_DEFAULT,
    via: str = "api",
) -> tuple[selectors.ExportPage, list[dict]]:
    """One page of `kind` records (personal data decrypted) in `by`'s scope (by=None: the platform,
    for the command line), and the audit row of this export."""
    if kind not in mapping.BY_CODE:
        raise ServiceError("invalid", f"「数据类别」无效：只能是 {', '.join(mapping.BY_CODE)}", field="kind")
    check_range(since, until)
    if not 1 <= limit <= selectors.PAGE_MAX:
        raise ServiceError(
            "invalid", f"「每页条数」(limit) 应在 1 至 {selectors.PAGE_MAX} 之间", field="limit"
        )
    qs = selectors.export_queryset(kind=kind, user=by, institution=institution, since=since, until=until)
    page = selectors.export_page(qs, kind=kind, cursor=cursor, limit=limit)
    build = SOURCES[kind].build
    records = [build(row) for row in page.rows]
    _audit_export(by, kind, len(records), since, until, institution, via)
    return page, records


def exchange_export_all(
    *,
    by,
    kind: str,
    sink: Callable[[list[dict]], None],
    since: dt.date | None = None,
    until: dt.date | None = None,
    institution=None,
    cursor: Cursor | None = None,
    via: str = "命令行",
) -> tuple[int, str | None]:
    """Every `kind` record after `cursor`, handed to `sink` a page (PAGE_MAX) at a time; one audit row
    for the whole export. Returns the count and the cursor to continue from next time."""
    if kind not in mapping.BY_CODE:
        raise ServiceError("invalid", f"「数据类别」无效：只能是 {', '.join(mapping.BY_CODE)}", field="kind")
    check_range(since, until)
    qs = selectors.export_queryset(kind=kind, user=by, institution=institution, since=since, until=until)
    build = SOURCES[kind].build
    count, position = 0, cursor
    while True:
        page = selectors.export_page(qs, kind=kind, cursor=position, limit=selectors.PAGE_MAX)
        if page.rows:
            sink([build(row) for row in page.rows])
            count += len(page.rows)
        position = Cursor.decode(page.cursor) if page.cursor else None
        if not page.has_more:
            break
    _audit_export(by, kind, count, since, until, institution, via)
    return count, position.encode() if position else None


def _audit_export(by, kind, count, since, until, institution, via) -> None:
    spec = mapping.BY_CODE[kind]
    audit_record(
        actor=by,
        actor_name="" if by is not None else "命令行导出",
        action="exchange.export",
        object_type=f"exchange.{kind}",
        object_repr=f"{spec.name} {count} 条",
        institution=institution if institution is not None else None,
        changes={
            "kind": kind,
            "count": count,
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "institution": institution.pk if institution is not None else None,
        },
        note=f"{STANDARD} 导出（{via}），含解密的证件号码、电话号码",
    )


# --- the daily push ------------------------------------------------------------------------------


def endpoint_problem(url: str, *, production: bool) -> str | None:
    """Why `url` may not receive the push (None: it may). HTTPS always; plain HTTP only to this
    machine outside production (tests and a local relay)."""
    if not url:
        return "未配置 BANGBAN_EXCHANGE_URL"
    parts = urlsplit(url)
    if not parts.hostname:
        return "BANGBAN_EXCHANGE_URL 不是有效的网址"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and parts.hostname in LOCAL_HOSTS and not production:
        return None
    return "BANGBAN_EXCHANGE_URL 必须使用 HTTPS"


def batch_id(day: dt.date, kind: str) -> str:
    return f"GB39046-{day:%Y%m%d}-{kind}"


def _post(url: str, token: str, body: dict, key: str) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/json; charset=utf-8")
    request.add_header("Idempotency-Key", key)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=PUSH_TIMEOUT) as response:  # noqa: S310 - scheme checked
            response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"连接失败：{getattr(exc, 'reason', exc)}") from exc


def _parts(kind: str, day: dt.date):
    """The day's records of `kind` (platform-wide), PUSH_PAGE at a time."""
    qs = selectors.export_queryset(kind=kind, since=day, until=day)
    build = SOURCES[kind].build
    cursor = None
    while True:
        page = selectors.export_page(
            qs, kind=kind, cursor=Cursor.decode(cursor) if cursor else None, limit=PUSH_PAGE
        )
        yield [build(row) for row in page.rows], not page.has_more
        if not page.has_more:
            return
        cursor = page.cursor


def delivery_push(*, day: dt.date, kind: str, final_attempt: bool = True) -> Delivery:
    """One attempt to push `day`'s records of `kind`. A delivered batch is left alone (idempotent);
    a failed attempt is logged on the delivery and raises DeliveryError unless it was the final one
    (then the delivery is `failed` and waits for an operator or the next run of the task)."""
    url = settings.BANGBAN_EXCHANGE_URL
    if problem := endpoint_problem(url, production=settings.PRODUCTION):
        raise ServiceError("not_configured", problem)
    with transaction.atomic():
        delivery, _ = Delivery.objects.get_or_create(
            batch_id=batch_id(day, kind), defaults={"day": day, "kind": kind}
        )
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.status == Delivery.Status.DELIVERED:
            return delivery
        count = parts = 0
        error = ""
        try:
            for part, (records, last) in enumerate(_parts(kind, day), start=1):
                body = {
                    "standard": STANDARD,
                    "batch_id": delivery.batch_id,
                    "kind": kind,
                    "day": day.isoformat(),
                    "part": part,
                    "last": last,
                    "records": records,
                }
                _post(url, settings.BANGBAN_EXCHANGE_TOKEN, body, f"{delivery.batch_id}-{part}")
                count += len(records)
                parts = part
        except DeliveryError as exc:
            error = str(exc)[:500]
        now = timezone.now()
        delivery.attempts += 1
        delivery.last_attempt_at = now
        if error:
            delivery.last_error = error
            delivery.status = Delivery.Status.FAILED if final_attempt else Delivery.Status.RETRYING
        else:
            delivery.status = Delivery.Status.DELIVERED
            delivery.delivered_at = now
            delivery.count, delivery.parts, delivery.last_error = count, parts, ""
        delivery.save()
        audit_record(
            actor=None,
            actor_name="数据交换推送",
            action="exchange.push",
            target=delivery,
            changes={"status": delivery.status, "count": count, "parts": parts, "attempt": delivery.attempts},
            note=error or f"{STANDARD} 推送，含解密的证件号码、电话号码",
        )
    if error and not final_attempt:
        log.warning("exchange push %s failed (attempt %s): %s", delivery.batch_id, delivery.attempts, error)
        raise DeliveryError(error)
    return delivery
