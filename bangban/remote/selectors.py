"""Reads of remote help: who may see which call, queue position and estimated wait, the duty page's
queue, and the figures (time to answer, session length, abandoned calls) per window and agent."""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from bangban.core.db.rows import selection
from bangban.core.errors import NotInScope
from bangban.core.routing import parse_id
from bangban.org.selectors import scope_q
from bangban.remote.models import AgentDuty, CallStatus, CloudWindow, HelpCall, SessionEvent

DEFAULT_SESSION_SECONDS = 300  # the estimate's handling time until a window has history


def windows_in_scope(user) -> QuerySet[CloudWindow]:
    return (
        CloudWindow.objects.filter(scope_q(user)).select_related("institution").order_by("institution__path")
    )


def windows_for_api(user) -> QuerySet[CloudWindow]:
    """Windows in the user's scope, with the agents on duty and whether the user is one of them."""
    open_duty = Q(duties__ended_at__isnull=True)
    return (
        windows_in_scope(user)
        .annotate(
            agents_on_duty=Count("duties", filter=open_duty),
            me_on_duty=Exists(
                AgentDuty.objects.filter(window=OuterRef("pk"), agent_id=user.pk, ended_at__isnull=True)
            ),
        )
        .order_by("institution__path", "pk")
    )


def calls_for_api(user, *, status: str | None = None) -> QuerySet[HelpCall]:
    """Calls routed to windows in the user's scope, and those the user made (clerk) or answered."""
    qs = HelpCall.objects.filter(scope_q(user, "window__institution") | Q(clerk=user) | Q(agent=user))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("window", "station", "item", "agent", "case").order_by("-created_at", "-pk")


def windows_of(user) -> QuerySet[CloudWindow]:
    """The windows whose agents are this user's colleagues (staff of the window's institution)."""
    if not getattr(user, "institution_id", None):
        return CloudWindow.objects.none()
    return CloudWindow.objects.filter(institution_id=user.institution_id, is_active=True).select_related(
        "institution"
    )


# What a page or an API answer about a call shows, read with it. The live endpoints read less:
# posting an event needs the call's id (the service reads the rest under its own lock), a poll its
# status line (LIVE_RELATED: queue_status names the agent and the case). They run several times a
# second per session, and joining six tables (the case's encrypted columns decrypted) was most of
# their CPU.
FULL_RELATED = ("window__institution", "station", "clerk", "agent", "item", "case")
LIVE_RELATED = ("agent", "case")


def _reading(related: tuple[str, ...]):
    # select_related() with no names would follow every non-null foreign key: not "nothing".
    return HelpCall.objects.select_related(*related) if related else HelpCall.objects.all()


EVENTS_LIMIT = 200  # events a poll answers at most (the client asks again from the last)


def _live_read(
    related: tuple[str, ...], where: str, params: list, events: tuple[str, list] | None = None
) -> HelpCall | None:
    """The live endpoints' read of a call (`where` on alias c), hand-written (core.db.rows): the
    ORM compiled the statement anew on every poll and post, most of their CPU (the bench's 450
    requests a second). LIVE_RELATED joins the agent's name and the case's number, all the status
    line shows of them (the rest of those rows is deferred, read if ever touched).

    `events`: (condition on alias e, its parameters) also reads, in the same statement, the call's
    events meeting it in order (EVENTS_LIMIT at most) into `call.live_events` (a poll: one statement,
    the call and its events from one snapshot)."""
    from bangban.cases.models import Case

    quote = connection.ops.quote_name
    call_sel = selection(HelpCall, "c")
    columns, joins, parts = [call_sel.sql], [], []
    for name in related:
        model, sel_alias, attnames = {
            "agent": (get_user_model(), "a", ("full_name", "username")),
            "case": (Case, "k", ("number",)),
        }[name]
        part = selection(model, sel_alias, attnames)
        field = HelpCall._meta.get_field(name)
        columns.append(part.sql)
        joins.append(
            f" LEFT JOIN {quote(model._meta.db_table)} {sel_alias} "
            f"ON {sel_alias}.{quote(model._meta.pk.column)} = c.{quote(field.column)}"
        )
        parts.append((field, part))
    tail, tail_params = "", []
    if events is not None:
        event_sel = selection(SessionEvent, "e")
        columns.append(event_sel.sql)
        joins.append(
            f" LEFT JOIN {quote(SessionEvent._meta.db_table)} e "
            f"ON e.{quote(SessionEvent.call.field.column)} = c.{quote(HelpCall._meta.pk.column)} "
            f"AND {events[0]}"
        )
        tail, tail_params = f" ORDER BY e.{quote('seq')} LIMIT %s", [EVENTS_LIMIT]
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(HelpCall._meta.db_table)} c{''.join(joins)} "
        f"WHERE {where}{tail}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ([*events[1]] if events is not None else []) + params + tail_params)
        rows = cursor.fetchall() if events is not None else [cursor.fetchone()]
    if not rows or rows[0] is None:
        return None
    row = rows[0]
    width = len(call_sel.names)
    call = call_sel.instance(row[:width])
    for field, part in parts:
        value = part.instance(row[width : width + len(part.names)])
        width += len(part.names)
        field.set_cached_value(call, value)
    if events is not None:
        call.live_events = []
        for row in rows:
            event = event_sel.instance(row[width:])
            if event is not None:  # no event: the outer join's NULLs
                SessionEvent.call.field.set_cached_value(event, call)
                call.live_events.append(event)
    return call


def _staff_where(user, pk) -> tuple[str, list]:
    quote = connection.ops.quote_name
    return (
        f"c.{quote(HelpCall._meta.pk.column)} = %s AND (c.{quote(HelpCall.agent.field.column)} = %s "
        f"OR c.{quote(HelpCall.clerk.field.column)} = %s)",
        [parse_id(str(pk)), user.pk, user.pk],
    )


def _token_where(token: str) -> tuple[str, list]:
    quote = connection.ops.quote_name
    return f"c.{quote('caller_token')} = %s AND c.{quote('origin')} = %s", [
        token,
        HelpCall.Origin.PUBLIC.value,
    ]


def _side_of(call: HelpCall, user) -> str:
    return SessionEvent.Side.AGENT if call.agent_id == user.pk else SessionEvent.Side.CALLER


def call_for_staff(user, pk, *, related: tuple[str, ...] = FULL_RELATED) -> tuple[HelpCall, str]:
    """A call and the side `user` is on: its answering agent, or the clerk who called. Anyone else:
    NotInScope (a 404 that reveals nothing). `related`: what is read with it (FULL_RELATED)."""
    if parse_id(str(pk)) is None:
        raise NotInScope()
    if related in ((), LIVE_RELATED):
        call = _live_read(related, *_staff_where(user, pk))
    else:
        call = _reading(related).filter(pk=pk).filter(Q(agent=user) | Q(clerk=user)).first()
    if call is None:
        raise NotInScope(target=HelpCall.objects.filter(pk=pk).first())
    return call, _side_of(call, user)


def call_for_token(token: str, *, related: tuple[str, ...] = FULL_RELATED) -> HelpCall | None:
    token = str(token or "")
    if not token or len(token) > 64:
        return None
    if related in ((), LIVE_RELATED):
        return _live_read(related, *_token_where(token))
    return _reading(related).filter(caller_token=token, origin=HelpCall.Origin.PUBLIC).first()


def _events_for(other_sql: str, other_params: list, after: int) -> tuple[str, list]:
    """The events after `after` that are not for `other` (SQL on alias c: the side not reading),
    as services.events_after reads them."""
    quote = connection.ops.quote_name
    return f"e.{quote('seq')} > %s AND e.{quote('to')} <> {other_sql}", [after, *other_params]


def live_call_for_staff(user, pk, after: int) -> tuple[HelpCall, str]:
    """A poll's read for staff: call_for_staff with LIVE_RELATED and, in the same statement, the
    events the user's side reads after `after` (`call.live_events`)."""
    if parse_id(str(pk)) is None:
        raise NotInScope()
    quote = connection.ops.quote_name
    # The agent reads what is not for the caller, the clerk what is not for the agent.
    other = f"CASE WHEN c.{quote(HelpCall.agent.field.column)} = %s THEN %s ELSE %s END"
    events = _events_for(
        other, [user.pk, SessionEvent.Side.CALLER.value, SessionEvent.Side.AGENT.value], after
    )
    call = _live_read(LIVE_RELATED, *_staff_where(user, pk), events=events)
    if call is None:
        raise NotInScope(target=HelpCall.objects.filter(pk=pk).first())
    return call, _side_of(call, user)


def live_call_for_token(token: str, after: int) -> HelpCall | None:
    """A citizen's poll: call_for_token with LIVE_RELATED and the caller's events after `after`."""
    token = str(token or "")
    if not token or len(token) > 64:
        return None
    events = _events_for("%s", [SessionEvent.Side.AGENT.value], after)
    return _live_read(LIVE_RELATED, *_token_where(token), events=events)


def agents_on_duty(window: CloudWindow) -> int:
    return AgentDuty.objects.filter(window=window, ended_at__isnull=True).count()


def average_session_seconds(window: CloudWindow) -> int:
    recent = list(
        HelpCall.objects.filter(window=window, status=CallStatus.ENDED, answered_at__isnull=False)
        .order_by("-ended_at")
        .values_list("answered_at", "ended_at")[:20]
    )
    if not recent:
        return DEFAULT_SESSION_SECONDS
    return int(sum((e - a).total_seconds() for a, e in recent) / len(recent))


QUEUE_KEY = "remote:queue:{}"
QUEUE_SECONDS = 2  # a window's queue snapshot is shared this long, unless a change drops it sooner


def _queue_snapshot(window_id: int) -> dict:
    """One window's queue as every caller's poll needs it: the waiting calls in order (position by
    id), agents on duty, calls in session, the recent average session. Computed once for all its
    callers and kept in the cache (shared by the app servers) for QUEUE_SECONDS; `queue_changed`
    drops it when a call joins, leaves or is answered there, or an agent comes or goes."""
    key = QUEUE_KEY.format(window_id)
    snap = cache.get(key)
    if snap is None:
        ids = HelpCall.objects.filter(window_id=window_id, status=CallStatus.QUEUED).order_by(
            "queued_at", "pk"
        )
        window = CloudWindow(pk=window_id)
        snap = {
            "place": {pk: n for n, pk in enumerate(ids.values_list("pk", flat=True), 1)},
            "agents": agents_on_duty(window),
            "busy": HelpCall.objects.filter(window_id=window_id, status=CallStatus.ANSWERED).count(),
            "average": average_session_seconds(window),
        }
        cache.set(key, snap, QUEUE_SECONDS)
    return snap


def queue_changed(window_id: int) -> None:
    """Drop the window's queue snapshot now and again after commit (a poll in between may have
    stored the state before the change)."""
    from django.db import transaction

    key = QUEUE_KEY.format(window_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def queue_status(call: HelpCall) -> dict:
    """What the caller sees: status, place in the queue and an estimated wait (places ahead shared
    among the agents on duty, times the window's recent average session). O(1) per poll: the
    window's snapshot is shared by all its callers."""
    out = {"status": call.status, "status_label": call.get_status_display()}
    if call.status == CallStatus.QUEUED:
        snap = _queue_snapshot(call.window_id)
        position = snap["place"].get(call.pk)
        if position is None:  # joined after the snapshot was taken: count for this one
            position = 1 + (
                HelpCall.objects.filter(window_id=call.window_id, status=CallStatus.QUEUED)
                .filter(Q(queued_at__lt=call.queued_at) | Q(queued_at=call.queued_at, pk__lt=call.pk))
                .count()
            )
        ahead, agents, busy = position - 1, snap["agents"], snap["busy"]
        out["position"] = position
        out["agents"] = agents
        if agents:
            free = max(0, agents - busy)
            rounds = 0 if ahead < free else math.ceil((ahead + 1 - free) / agents)
            out["estimate_seconds"] = rounds * snap["average"]
        else:
            out["estimate_seconds"] = None
    elif call.status == CallStatus.ANSWERED:
        out["agent"] = call.agent.display_name if call.agent_id else ""
    if call.case_id:
        out["case"] = call.case.number
    out["end_reason"] = call.end_reason
    return out


def waiting_calls(user) -> list[HelpCall]:
    """Calls waiting at the windows the user is on duty for, longest wait first."""
    ids = AgentDuty.objects.filter(agent=user, ended_at__isnull=True).values_list("window_id", flat=True)
    return list(
        HelpCall.objects.filter(window_id__in=list(ids), status=CallStatus.QUEUED)
        .select_related("window", "station", "item")
        .order_by("queued_at", "pk")[:100]
    )


def my_open_calls(user) -> list[HelpCall]:
    return list(
        HelpCall.objects.filter(
            Q(agent=user) | Q(clerk=user), status__in=[CallStatus.QUEUED, CallStatus.ANSWERED]
        )
        .select_related("window__institution", "station")
        .order_by("-created_at")[:20]
    )


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def figures(*, windows, since=None) -> dict:
    """Per window and per agent: calls, answered, abandoned, answered within the target, median and
    average time to answer, average session length."""
    since = since or timezone.now() - timedelta(days=30)
    target = settings.BANGBAN_REMOTE_TARGET_SECONDS
    rows = list(
        HelpCall.objects.filter(window__in=windows, created_at__gte=since)
        .select_related("window__institution", "agent")
        .only(
            "status",
            "created_at",
            "answered_at",
            "ended_at",
            "window__name",
            "window__institution__name",
            "agent__full_name",
            "agent__username",
        )
    )

    def summarise(calls):
        answered = [c for c in calls if c.answered_at]
        waits = [c.wait_seconds for c in answered]
        sessions = [c.session_seconds for c in answered if c.ended_at]
        return {
            "calls": len(calls),
            "answered": len(answered),
            "abandoned": sum(1 for c in calls if c.status == CallStatus.ABANDONED),
            "within_target": sum(1 for w in waits if w <= target),
            "within_target_rate": round(100 * sum(1 for w in waits if w <= target) / len(waits))
            if waits
            else None,
            "median_wait": _median(waits),
            "average_wait": round(sum(waits) / len(waits)) if waits else None,
            "average_session": round(sum(sessions) / len(sessions)) if sessions else None,
        }

    by_window: dict = {}
    by_agent: dict = {}
    for c in rows:
        by_window.setdefault(c.window, []).append(c)
        if c.agent_id:
            by_agent.setdefault(c.agent, []).append(c)
    return {
        "target": target,
        "windows": [(w, summarise(cs)) for w, cs in sorted(by_window.items(), key=lambda kv: kv[0].pk)],
        "agents": [(a, summarise(cs)) for a, cs in sorted(by_agent.items(), key=lambda kv: kv[0].pk)],
    }
