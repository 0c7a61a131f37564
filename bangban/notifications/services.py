"""Writes to the SMS outbox: `notify` (called by other apps' services) and a staff retry.

`notify` runs inside the caller's transaction: the outbox row commits with the change it reports,
or not at all, and the send is scheduled only after that commit (`transaction.on_commit`). A
dedupe key makes it idempotent, so a repeated call (a retried request, a replayed transition)
returns the first row and schedules nothing.
"""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.db import transaction

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.audit.services import audit_record, diff, snapshot
from bangban.core import crypto
from bangban.core.db.rows import insert_unless_exists
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.core.ids import mobile_problem
from bangban.notifications.models import Message
from bangban.notifications.tasks import schedule_send
from bangban.org.selectors import institution_in_scope, scope_root_path

log = logging.getLogger(__name__)

VIEW_CAPS = (Cap.SUPERVISION_VIEW, Cap.CASE_HANDLE)


def _schedule_on_commit(message_id: int) -> None:
    # robust: the change being reported has committed; a broker outage must not turn it into an
    # error page. The row stays pending and tasks.send_pending picks it up later.
    transaction.on_commit(partial(schedule_send, message_id), robust=True)


def build_message(
    *,
    phone: str,
    text: str,
    event: str,
    dedupe_key: str,
    object_type: str = "",
    object_id: str = "",
    institution=None,
) -> Message:
    """The unsaved outbox row `notify` writes (for a caller that inserts it with its own rows and
    then calls `schedule_after_commit`). Programming errors raise ValueError; an invalid mobile
    number gives a row already marked failed, with the reason."""
    if event not in Message.Event.values:
        raise ValueError(f"unknown event {event!r}")
    dedupe_key = (dedupe_key or "").strip()
    if not dedupe_key or len(dedupe_key) > 200:
        raise ValueError("dedupe_key must be 1–200 characters")
    text = (text or "").strip()
    if not text:
        raise ValueError("text must not be empty")
    phone = "".join((phone or "").split())[:20]
    message = Message(
        dedupe_key=dedupe_key,
        **crypto.phone_columns(phone),
        text=text,
        event=event,
        object_type=(object_type or "")[:64],
        object_id=str(object_id or "")[:64],
        institution=institution,
    )
    if problem := mobile_problem(phone):
        message.status, message.last_error = Message.Status.FAILED, f"未发送：{problem}"
    return message


def schedule_after_commit(message: Message) -> None:
    """Send a freshly inserted outbox row once the caller's transaction commits (pending rows only).

    BANGBAN_SMS_DISPATCH="immediate" queues its delivery task right after the commit (the embedded
    default: eager Celery, no beat); "relay" (the default with Redis) leaves the committed row to
    tasks.relay_new, so a request never waits on the broker (a few seconds' delay for the SMS).
    """
    if message.status == Message.Status.PENDING and settings.BANGBAN_SMS_DISPATCH == "immediate":
        _schedule_on_commit(message.pk)


def notify(**fields) -> Message:
    """Put one SMS in the outbox and send it after the caller's transaction commits
    (the arguments are build_message's).

    Guarantees: nothing is sent if the caller's transaction rolls back; a second call with the same
    `dedupe_key` returns the existing row and schedules nothing (whatever its other arguments);
    an invalid mobile number does not fail the caller — the row is stored as failed with the reason,
    for staff to see. Programming errors (unknown event, empty text or key) raise ValueError.
    """
    return notify_message(build_message(**fields))


def notify_message(message: Message) -> Message:
    """notify for a message already built with build_message."""
    if not insert_unless_exists(message, "dedupe_key"):
        existing = Message.objects.get(dedupe_key=message.dedupe_key)
        if (existing.phone_hash, existing.text) != (message.phone_hash, message.text):
            log.info(
                "notify: dedupe key %s already used for another text; kept the first", message.dedupe_key
            )
        return existing
    schedule_after_commit(message)
    return message


def can_view_messages(user) -> bool:
    return any(has_cap(user, cap) for cap in VIEW_CAPS)


def message_in_scope(user, message: Message) -> bool:
    if message.institution_id is None:
        return scope_root_path(user) == ""
    return institution_in_scope(user, message.institution)


@transaction.atomic
def message_retry(*, by, message: Message) -> Message:
    """Send a failed message again (a staff decision, audited); the gateway still gets the same
    idempotency key, so a message it had in fact accepted is not delivered twice."""
    if not can_view_messages(by):
        raise AccessRefused("capability_required", "您的角色无权重发短信")
    # of=("self",): the institution is a nullable (outer) join, which PostgreSQL cannot lock.
    message = Message.objects.select_for_update(of=("self",)).select_related("institution").get(pk=message.pk)
    if not message_in_scope(by, message):
        raise NotInScope(target=message)
    if message.status != Message.Status.FAILED:
        raise ServiceError(
            "not_failed", f"只有发送失败的短信可以重发（当前：{message.get_status_display()}）"
        )
    if problem := mobile_problem(message.recipient()):
        raise ServiceError("invalid_phone", f"号码无效，无法重发：{problem}", field="phone")
    before = snapshot(message, ["status", "last_error"])
    message.status, message.last_error = Message.Status.PENDING, ""
    message.save(update_fields=["status", "last_error", "updated_at"])
    audit_record(
        actor=by,
        action="notifications.message.retry",
        target=message,
        institution=message.institution,
        changes=diff(before, snapshot(message, ["status", "last_error"])),
    )
    _schedule_on_commit(message.pk)
    return message
