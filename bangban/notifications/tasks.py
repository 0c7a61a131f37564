"""Delivering the SMS outbox (idempotent tasks).

`send_message` may run any number of times for one message — a duplicate `delay`, a broker
redelivery (tasks are acked late), the periodic sweep, two workers at once — and the message is
still handed to the gateway by one of them at a time and never again once it is sent:

1. claim: one conditional UPDATE `pending → sending` (or a `sending` claim older than
   STALE_AFTER, left by a worker that died mid-send); the database applies it to at most one
   caller (row lock on PostgreSQL, database lock on SQLite), the others see 0 rows and stop;
2. send through the configured backend, with the message's idempotency key, so a resend after a
   crash between the gateway's acceptance and step 3 is dropped by the gateway;
3. finish: `sent` (with the provider's id), `pending` again for a retryable error (Celery retries
   with exponential backoff), or `failed` for a refusal or when the retries are used up. Only the
   claim's holder (its token) can finish it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from celery import shared_task
from celery.exceptions import Retry
from django.db.models import F, Q
from django.utils import timezone

from bangban.notifications.backends import GatewayError, PermanentGatewayError, get_backend
from bangban.notifications.models import Message

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)  # a claim this old belongs to a worker that died (default)


def _stale_after() -> timedelta:
    """BANGBAN_SMS_STALE_SECONDS: how old a claim (or a pending row) must be before the sweep takes it."""
    from django.conf import settings

    return timedelta(seconds=getattr(settings, "BANGBAN_SMS_STALE_SECONDS", STALE_AFTER.total_seconds()))


MAX_RETRIES = 5
SENT, SKIPPED, FAILED, RETRY = "sent", "skipped", "failed", "retry"


def _finish(message_id: int, token: str, **fields) -> None:
    Message.objects.filter(pk=message_id, status=Message.Status.SENDING, claim_token=token).update(
        updated_at=timezone.now(), **fields
    )


def claim(message_id: int) -> str | None:
    """Take the message for sending; the claim token, or None if someone else has it or it is done."""
    now = timezone.now()
    token = uuid.uuid4().hex
    claimable = Q(status=Message.Status.PENDING) | Q(
        status=Message.Status.SENDING, claimed_at__lt=now - _stale_after()
    )
    claimed = Message.objects.filter(claimable, pk=message_id).update(
        status=Message.Status.SENDING,
        claim_token=token,
        claimed_at=now,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    return token if claimed else None


def deliver(message_id: int, *, final_attempt: bool = True) -> str:
    """One delivery attempt. Returns "sent", "skipped" (not ours to send) or "failed"; raises
    GatewayError for a retryable failure unless this is the final attempt."""
    token = claim(message_id)
    if token is None:
        return SKIPPED
    message = Message.objects.get(pk=message_id)
    try:
        provider_id = get_backend().send(message)
    except PermanentGatewayError as exc:
        _finish(message_id, token, status=Message.Status.FAILED, last_error=str(exc)[:1000])
        return FAILED
    except GatewayError as exc:
        status = Message.Status.FAILED if final_attempt else Message.Status.PENDING
        _finish(message_id, token, status=status, last_error=str(exc)[:1000])
        if final_attempt:
            return FAILED
        raise
    except Exception as exc:  # a bug or a misconfigured backend: stop, show it to staff
        log.exception("SMS backend crashed on message %s", message_id)
        _finish(
            message_id, token, status=Message.Status.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:1000]
        )
        return FAILED
    _finish(
        message_id,
        token,
        status=Message.Status.SENT,
        provider_id=(provider_id or "")[:100],
        sent_at=timezone.now(),
        last_error="",
    )
    return SENT


@shared_task(
    bind=True,
    autoretry_for=(GatewayError,),
    retry_backoff=10,  # 10 s, 20 s, 40 s, 80 s, 160 s (with jitter)
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def send_message(self, message_id: int) -> str:
    """Deliver one outbox message (see the module docstring); safe to run any number of times."""
    return deliver(message_id, final_attempt=self.request.retries >= self.max_retries)


def schedule_send(message_id: int, **options) -> None:
    """Queue send_message for the message (`options`: apply_async's, e.g. a countdown). In eager mode
    (the embedded default, no worker) a failed attempt has no worker to wait for its backoff: the row
    is left pending, and send_pending (celery beat, or `bangban send_pending_sms` from cron) sends it
    later. A failure to reach the broker raises; the row stays pending for the sweep all the same."""
    try:
        send_message.apply_async((message_id,), **options)
    except Retry:
        log.warning("SMS %s not sent yet; left pending for the next sweep", message_id)


# How many messages one relay task delivers in turn: the task's own cost (broker round trip, ack,
# bookkeeping; more than a delivery's on this stack) is shared by them, and even at the gateway's
# timeout (BANGBAN_SMS_GATEWAY_TIMEOUT, 10 s) for each a chunk ends within the task time limit.
RELAY_CHUNK = 10


@shared_task(ignore_result=True)
def relay_new(limit: int = 500) -> int:
    """The outbox relay (BANGBAN_SMS_DISPATCH=relay): queue delivery for each committed message
    nobody has queued yet, RELAY_CHUNK messages a task (send_batch). Celery beat runs it every
    BANGBAN_SMS_RELAY_SECONDS. Each row is marked queued by one conditional UPDATE, so overlapping
    runs never queue it twice; a task lost on its way to the broker is found again by send_pending."""
    now = timezone.now()
    queued = []
    for pk in (
        Message.objects.filter(status=Message.Status.PENDING, queued_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    ):
        if Message.objects.filter(pk=pk, status=Message.Status.PENDING, queued_at__isnull=True).update(
            queued_at=now
        ):
            queued.append(pk)
    for start in range(0, len(queued), RELAY_CHUNK):
        send_batch.delay(queued[start : start + RELAY_CHUNK])
    return len(queued)


@shared_task(ignore_result=True)
def send_batch(message_ids: list[int]) -> None:
    """Deliver the relay's messages in turn, each as send_message's first attempt would (the same
    claim, so a duplicate or redelivered batch sends nothing twice). A retryable gateway error hands
    that message to send_message as its first retry, with the same backoff and attempt count; the
    others go on. A batch that dies midway (the worker killed, the database gone) leaves its rows
    pending or claimed, for send_pending."""
    for pk in message_ids:
        try:
            deliver(pk, final_attempt=False)
        except GatewayError:
            schedule_send(pk, countdown=send_message.retry_backoff, retries=1)


@shared_task(ignore_result=True)
def send_pending(older_than_seconds: int | None = None) -> int:
    """Re-queue messages whose task was lost: pending for a while (the broker was down at commit,
    or a retry was dropped) or claimed by a worker that died. Meant for celery beat, every few
    minutes; duplicates are harmless (see the claim)."""
    now = timezone.now()
    if older_than_seconds is None:
        older_than_seconds = int(_stale_after().total_seconds())
    ids = list(
        Message.objects.filter(
            Q(status=Message.Status.PENDING, updated_at__lt=now - timedelta(seconds=older_than_seconds))
            | Q(status=Message.Status.SENDING, claimed_at__lt=now - _stale_after())
        )
        .order_by("updated_at")
        .values_list("pk", flat=True)[:500]
    )
    for message_id in ids:
        send_message.delay(message_id)
    return len(ids)
