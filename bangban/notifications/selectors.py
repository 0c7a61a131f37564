"""Reads of the SMS outbox, scoped to the user's institutions."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from bangban.core import crypto
from bangban.core.errors import AccessRefused
from bangban.notifications.models import Message
from bangban.notifications.services import can_view_messages
from bangban.org.selectors import get_in_scope, scope_q


def _require_view(user) -> None:
    if not can_view_messages(user):
        raise AccessRefused("capability_required", "您的角色无权查看短信记录")


def message_list(
    *,
    user,
    status: str = "",
    event: str = "",
    search: str = "",
    object_type: str = "",
    object_id: str = "",
) -> QuerySet[Message]:
    """Messages of institutions in the user's scope (messages without an institution: superusers)."""
    _require_view(user)
    qs = Message.objects.select_related("institution").filter(scope_q(user))
    if status:
        qs = qs.filter(status=status)
    if event:
        qs = qs.filter(event=event)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if search:
        # A phone number is found whole, through its lookup hash (it is stored encrypted).
        qs = qs.filter(
            Q(phone_hash=crypto.lookup_hash(search)) | Q(text__icontains=search) | Q(object_id=search)
        )
    return qs.order_by("-created_at", "-id")


def message_get(*, user, pk) -> Message:
    _require_view(user)
    return get_in_scope(Message.objects.select_related("institution"), user, pk)
