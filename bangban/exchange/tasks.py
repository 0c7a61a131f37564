"""The daily GB/T 39046 push (Celery beat, settings.CELERY_BEAT_SCHEDULE when BANGBAN_EXCHANGE_URL
is set): one task per record kind, retried with exponential backoff; idempotent by batch id."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from bangban.exchange import mapping, services

log = logging.getLogger(__name__)
MAX_RETRIES = 6


@shared_task(
    bind=True,
    autoretry_for=(services.DeliveryError,),
    retry_backoff=60,  # 1, 2, 4, 8, 16, 32 minutes (with jitter), then `failed`
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def push_kind(self, day: str, kind: str) -> str:
    delivery = services.delivery_push(
        day=dt.date.fromisoformat(day), kind=kind, final_attempt=self.request.retries >= self.max_retries
    )
    return delivery.status


@shared_task
def push_daily(day: str | None = None) -> int:
    """Queue the push of `day` (default: yesterday, Asia/Shanghai) for every record kind."""
    if problem := services.endpoint_problem(settings.BANGBAN_EXCHANGE_URL, production=settings.PRODUCTION):
        log.warning("exchange push skipped: %s", problem)
        return 0
    day = day or (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    for kind in mapping.BY_CODE:
        push_kind.delay(day, kind)
    return len(mapping.BY_CODE)
