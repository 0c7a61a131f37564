"""Pages and the live endpoints of remote help. Thin: forms → services; waits → live.wait_for.

Staff (login): the duty page (windows, on duty, waiting calls, figures), a clerk's call, the session
page of both the answering agent and the calling clerk. Public (declared in portal/public.py): the
citizen's call with an SMS code and their session page, reached by the call's secret token.
Live endpoints answer JSON: `events?after=<seq>` waits up to BANGBAN_REMOTE_WAIT_SECONDS for events
after `seq` (each wait is the caller's heartbeat); `post` takes {"kind": …, "body": {…}}.
"""

from __future__ import annotations

import json
import random

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.core.context import client_ip
from bangban.core.errors import ServiceError
from bangban.core.forms import call_service
from bangban.core.navigation import requires
from bangban.core.routing import parse_id
from bangban.org.selectors import get_in_scope, institutions_in_scope
from bangban.remote import forms as f
from bangban.remote import live, selectors, services
from bangban.remote.models import CallStatus, CloudWindow, HelpCall, SessionEvent

MEDIA_POLICY = "geolocation=(), camera=(self), microphone=(self)"
MAX_BODY = 64 * 1024
QUEUED_WAIT = 5.0  # seconds a queued caller's poll waits at most (its place and estimate refresh)


def _json_error(exc: ServiceError, status: int = 400) -> JsonResponse:
    return JsonResponse({"code": exc.code, "message": exc.message, "field": exc.field}, status=status)


def _after(request) -> int | None:
    """The poll's `after` (0 when absent), None when it is not a non-negative integer."""
    after = parse_id(request.GET.get("after", "0") or "0")
    if after is None and request.GET.get("after", "0") != "0":
        return None
    return after or 0


AFTER_INVALID = ServiceError("invalid", "after 应为非负整数", field="after")


def _wait(request, call: HelpCall, side: str, after: int) -> JsonResponse:
    try:
        return _wait_for_events(request, call, side, after)
    except HelpCall.DoesNotExist:  # deleted while waiting (only ever in a test's teardown)
        raise Http404("没有找到该求助") from None


def _wait_for_events(request, call: HelpCall, side: str, after: int) -> JsonResponse:
    # The call came with its events after `after` (call.live_events: one statement).
    first = [services.event_json(e) for e in call.live_events]
    services.heartbeat(call, side)
    if services.check_stale(call):
        call, first = _reload(call), None  # closed or returned just now: read its events again
    wait = settings.BANGBAN_REMOTE_WAIT_SECONDS
    if request.GET.get("wait") == "0":
        wait = 0
    if call.status == CallStatus.QUEUED:
        # The place in the queue moves without an event: refresh it within QUEUED_WAIT seconds, at
        # a random moment of its second half, so callers who queued together (a burst, the bench's
        # start) do not go on re-polling together (200 at once every 5 s set the signals' p99).
        wait = min(wait, random.uniform(QUEUED_WAIT / 2, QUEUED_WAIT))
    elif call.status in (CallStatus.ENDED, CallStatus.ABANDONED):
        wait = 0
    if wait and not live.take_slot():
        wait = 0
        busy = True
    else:
        busy = False
    try:
        # The call and its events were read in one statement: its last_seq is what this wait has seen.
        # Woken by events that came with their publication, it answers them without reading them.
        events = live.wait_for(
            call.pk,
            lambda: [services.event_json(e) for e in services.events_after(call, side, after)],
            wait,
            seen=call.last_seq,
            side=side,
            told=lambda heard: [e for e in heard if e["seq"] > after],
            first=first,
        )
    finally:
        if wait and not busy:
            live.give_slot()
    if any(e["kind"] == SessionEvent.Kind.STATE for e in events):
        # Every change of status, agent or case comes with a state event: without one (chat,
        # signalling, the form), the call read at the start of this request is still current.
        call = _reload(call)
    return JsonResponse(
        {
            "events": events,
            "status": selectors.queue_status(call),
            "retry_after": 1 if busy else 0,
        }
    )


def _reload(call: HelpCall) -> HelpCall:
    return HelpCall.objects.select_related("window", "agent", "case").get(pk=call.pk)


def _post(request, call: HelpCall, side: str) -> JsonResponse:
    if len(request.body) > MAX_BODY:
        return _json_error(ServiceError("invalid", "消息过长", field="body"), 413)
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return _json_error(ServiceError("invalid", "请求内容不是有效的 JSON", field="body"))
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        return _json_error(ServiceError("invalid", "请求应包含消息类别 kind", field="kind"))
    try:
        event = services.event_post(call=call, side=side, kind=data["kind"], body=data.get("body") or {})
    except ServiceError as exc:
        return _json_error(exc)
    return JsonResponse({"seq": event.seq})


def _session_context(call: HelpCall, side: str, *, events_url: str, post_url: str, hangup_url: str) -> dict:
    from bangban.catalog.models import Item

    return {
        "call": call,
        "side": side,
        "is_agent": side == SessionEvent.Side.AGENT,
        "events_url": events_url,
        "post_url": post_url,
        "hangup_url": hangup_url,
        "ice_servers": json.dumps(settings.BANGBAN_REMOTE_ICE_SERVERS),
        "items": Item.objects.filter(status=Item.Status.ACTIVE).order_by("name")[:500]
        if side == SessionEvent.Side.AGENT
        else [],
        "status": selectors.queue_status(call),
        "form_fields": services.FORM_FIELDS,
    }


# --- staff ----------------------------------------------------------------------------------------


@login_required
@requires(Cap.CASE_HANDLE)
def duty_view(request):
    """远程帮办: my windows and duty, the waiting calls, my open calls, a call from my station, figures."""
    windows = list(selectors.windows_of(request.user))
    for w in windows:
        services.sweep_stale(window=w)
        w.me_on_duty = services.on_duty(request.user, w)
        w.agents = selectors.agents_on_duty(w)
    serving = services.windows_serving(request.user.institution) if request.user.institution_id else []
    return render(
        request,
        "remote/duty.html",
        {
            "windows": windows,
            "waiting": selectors.waiting_calls(request.user),
            "open_calls": selectors.my_open_calls(request.user),
            "serving": serving,
            "call_form": f.StationCallForm(),
            "figures": selectors.figures(windows=windows) if windows else None,
            "target": settings.BANGBAN_REMOTE_TARGET_SECONDS,
            "may_manage": has_cap(request.user, Cap.ORG_MANAGE),
        },
    )


@login_required
@requires(Cap.CASE_HANDLE)
@require_GET
def queue_json_view(request):
    for w in selectors.windows_of(request.user):
        services.sweep_stale(window=w)
    calls = selectors.waiting_calls(request.user)
    return JsonResponse(
        {
            "calls": [
                {
                    "id": c.pk,
                    "from": c.station.name if c.station_id else "群众在线",
                    "caller": c.caller_name,
                    "item": c.item.name if c.item_id else "",
                    "need": c.need,
                    "window": c.window.name,
                    "queued_at": c.queued_at.isoformat(),
                    "answer_url": reverse("remote:answer", args=[c.pk]),
                }
                for c in calls
            ]
        }
    )


@login_required
@requires(Cap.CASE_HANDLE)
@require_POST
def duty_toggle_view(request, pk):
    window = get_in_scope(CloudWindow.objects.select_related("institution"), request.user, pk)
    try:
        if request.POST.get("on") == "1":
            services.duty_start(by=request.user, window=window)
            messages.success(request, f"已在{window}上岗")
        else:
            services.duty_stop(by=request.user, window=window)
            messages.success(request, f"已在{window}离岗")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("remote:duty")


@login_required
@requires(Cap.CASE_HANDLE)
@require_POST
def answer_view(request, pk):
    call = get_in_scope(
        HelpCall.objects.select_related("window__institution"), request.user, pk, field="window__institution"
    )
    try:
        services.call_answer(by=request.user, call=call)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("remote:duty")
    return redirect("remote:session", pk=call.pk)


@login_required
@requires(Cap.CASE_HANDLE)
@require_POST
def next_view(request):
    try:
        call = services.call_next(by=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("remote:duty")
    return redirect("remote:session", pk=call.pk)


@login_required
@requires(Cap.CASE_HANDLE)
def call_new_view(request):
    form = f.StationCallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, call = call_service(
            form,
            lambda: services.call_create_station(
                by=request.user, caller_name=d["caller_name"], item=d["item"], need=d["need"]
            ),
        )
        if ok:
            return redirect("remote:session", pk=call.pk)
    return render(request, "remote/call_new.html", {"form": form})


@login_required
@requires(Cap.ORG_MANAGE)
def windows_view(request):
    institutions = institutions_in_scope(request.user).filter(tier__in=[1, 2])
    form = f.WindowForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, _ = call_service(
            form,
            lambda: services.window_save(
                by=request.user,
                institution=d["institution"],
                name=d["name"],
                items=list(d["items"]),
                tiers=d["tiers"],
                accepts_public=d["accepts_public"],
            ),
        )
        if ok:
            messages.success(request, "云窗口已保存")
            return redirect("remote:windows")
    return render(
        request, "remote/windows.html", {"windows": selectors.windows_in_scope(request.user), "form": form}
    )


@login_required
def session_view(request, pk):
    call, side = selectors.call_for_staff(request.user, pk)
    context = _session_context(
        call,
        side,
        events_url=reverse("remote:events", args=[call.pk]),
        post_url=reverse("remote:post", args=[call.pk]),
        hangup_url=reverse("remote:hangup", args=[call.pk]),
    )
    context["accept_url"] = reverse("remote:accept", args=[call.pk])
    response = render(request, "remote/session.html", context)
    response["Permissions-Policy"] = MEDIA_POLICY
    return response


@login_required
@require_GET
def events_view(request, pk):
    after = _after(request)
    if after is None:
        return _json_error(AFTER_INVALID)
    call, side = selectors.live_call_for_staff(request.user, pk, after)
    return _wait(request, call, side, after)


@login_required
@require_POST
def post_view(request, pk):
    call, side = selectors.call_for_staff(request.user, pk, related=())
    return _post(request, call, side)


@login_required
@require_POST
def hangup_view(request, pk):
    call, side = selectors.call_for_staff(request.user, pk)
    services.call_hangup(call=call, side=side, by=request.user)
    return redirect("remote:duty")


@login_required
@require_POST
def accept_view(request, pk):
    call, side = selectors.call_for_staff(request.user, pk)
    try:
        case = services.call_accept_case(by=request.user, call=call)
    except ServiceError as exc:
        return _json_error(exc)
    return JsonResponse({"case": case.number, "url": reverse("cases:detail", args=[case.pk])})


# --- public ---------------------------------------------------------------------------------------

CODE_SENT = "验证码已发送，请查看短信（5 分钟内有效）"


def public_help_view(request):
    """群众在线求助: choose the window, name, phone + SMS code, the item or the need."""
    from bangban.bookings.models import PhoneCode
    from bangban.bookings.verification import code_issue

    form = f.PublicCallForm(request.POST or None)
    if request.method == "POST" and "send_code" in request.POST:
        form = f.PublicCallForm(initial=request.POST.dict())
        try:
            code_issue(
                phone=request.POST.get("phone", ""),
                purpose=PhoneCode.Purpose.REQUEST,
                subject="remote",
                client=client_ip(request) or "",
            )
            messages.success(request, CODE_SENT)
        except ServiceError as exc:
            messages.error(request, f"「手机号码」：{exc.message}")
        return render(request, "remote/public_help.html", {"form": form})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, call = call_service(
            form,
            lambda: services.call_create_public(
                window=d["window"],
                caller_name=d["caller_name"],
                phone=d["phone"],
                code=d["code"],
                item=d["item"],
                need=d["need"],
            ),
        )
        if ok:
            return redirect("remote:public_session", token=call.caller_token)
    return render(request, "remote/public_help.html", {"form": form})


def _public_call(token, related=selectors.FULL_RELATED) -> HelpCall:
    call = selectors.call_for_token(token, related=related)
    if call is None:
        raise Http404("没有找到该求助")
    return call


def public_session_view(request, token):
    call = _public_call(token)
    context = _session_context(
        call,
        SessionEvent.Side.CALLER,
        events_url=reverse("remote:public_events", args=[token]),
        post_url=reverse("remote:public_post", args=[token]),
        hangup_url=reverse("remote:public_hangup", args=[token]),
    )
    response = render(request, "remote/public_session.html", context)
    response["Permissions-Policy"] = MEDIA_POLICY
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def public_events_view(request, token):
    after = _after(request)
    if after is None:
        return _json_error(AFTER_INVALID)
    call = selectors.live_call_for_token(token, after)
    if call is None:
        raise Http404("没有找到该求助")
    return _wait(request, call, SessionEvent.Side.CALLER, after)


@require_POST
def public_post_view(request, token):
    return _post(request, _public_call(token, ()), SessionEvent.Side.CALLER)


@require_POST
def public_hangup_view(request, token):
    call = _public_call(token)
    services.call_hangup(call=call, side=SessionEvent.Side.CALLER)
    messages.success(request, "已挂断")
    return redirect("remote:public_session", token=token)
