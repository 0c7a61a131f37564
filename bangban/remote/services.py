"""Every change in remote help: windows, duty, calls (queue → answer → end), session events, remote
acceptance. Each state change is one transaction with one audit row and one STATE event on the call's
own timeline; waking waiters (live.publish) runs after commit.

Every change of a call's status or answer time keeps the counters of 远程帮办及时响应率 in the same
transaction (indicators.facts_of_call before and after, supervision.facts.apply).

Exactly one agent gets a call: answering is a conditional UPDATE (status = queued) and only the
agent whose UPDATE changed the row proceeds. Session events are numbered under the call's row lock
(UPDATE … last_seq = last_seq + 1), so their numbers commit in order and `after=<seq>` never skips one.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap
from bangban.audit.services import audit_record
from bangban.catalog.models import Item
from bangban.core import crypto
from bangban.core.db.rows import insert_groups, insert_parts, placeholders, selection
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.core.ids import mask_phone
from bangban.core.routing import parse_id
from bangban.org.models import Institution
from bangban.org.selectors import institution_in_scope
from bangban.remote import indicators, live, selectors
from bangban.remote.models import AgentDuty, CallStatus, CloudWindow, HelpCall, SessionEvent
from bangban.supervision import facts

Side = SessionEvent.Side
Kind = SessionEvent.Kind

MAX_EVENTS_PER_CALL = 5000
CHAT_MAX = 1000
SDP_MAX = 20000
ICE_MAX = 2000
FORM_FIELDS = {
    "applicant_type": ("申请人类型", 12),
    "applicant_name": ("申请人", 100),
    "id_number": ("证件号码", 18),
    "credit_code": ("统一社会信用代码", 18),
    "phone": ("联系电话", 20),
    "item": ("事项", 20),
    "mode": ("服务方式", 10),
    "summary": ("诉求摘要", 300),
}
SEEN_EVERY = timedelta(seconds=5)  # a heartbeat writes at most this often


def _wake(call_id: int, to: str = "", seq: int | None = None, event: dict | None = None) -> None:
    transaction.on_commit(partial(live.publish, call_id, to, seq, event))


def _text(value, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    value = " ".join(str(value or "").split()) if max_length <= 300 else str(value or "").strip()
    if required and not value:
        raise ServiceError("required", f"请填写{label}", field=field)
    if len(value) > max_length:
        raise ServiceError("invalid", f"{label}不能超过 {max_length} 个字", field=field)
    return value


def _audit(
    by, action: str, call: HelpCall, changes: dict | None = None, note: str = "", actor_name: str = ""
):
    audit_record(
        actor=by,
        action=action,
        target=call,
        institution=call.window.institution,
        changes=changes or {},
        note=note,
        actor_name=actor_name,
    )


# --- windows and duty ---------------------------------------------------------------------------


@transaction.atomic
def window_save(
    *,
    by,
    institution: Institution,
    name: str,
    items=(),
    tiers: str = "",
    accepts_public: bool = True,
    is_active: bool = True,
    window: CloudWindow | None = None,
) -> CloudWindow:
    """Create or change a cloud window of a town or county centre in the manager's scope."""
    require_cap(by, Cap.ORG_MANAGE, "您的角色不能设置云窗口")
    if not institution_in_scope(by, institution):
        raise NotInScope(target=institution)
    if window is not None and not institution_in_scope(by, window.institution):
        raise NotInScope(target=window)
    if institution.tier not in (1, 2):
        raise ServiceError("invalid", "云窗口只能设在政务服务中心或便民服务中心", field="institution")
    name = _text(name, field="name", label="窗口名称", max_length=100, required=True)
    tiers = "".join(sorted(set(str(tiers or ""))))
    if any(t not in "123" for t in tiers):
        raise ServiceError("invalid", "服务层级只能是 1、2、3 的组合", field="tiers")
    before = {}
    if window is None:
        window = CloudWindow(institution=institution)
    else:
        before = {"name": window.name, "tiers": window.tiers, "is_active": window.is_active}
        window.institution = institution
    window.name, window.tiers = name, tiers
    window.accepts_public, window.is_active = bool(accepts_public), bool(is_active)
    window.save()
    window.items.set(list(items))
    audit_record(
        actor=by,
        action="remote.window.save",
        target=window,
        institution=institution,
        changes={
            "before": before,
            "after": {"name": name, "tiers": tiers, "is_active": window.is_active},
            "items": [i.pk if isinstance(i, Item) else i for i in items],
        },
    )
    return window


def _require_window_staff(by, window: CloudWindow) -> None:
    require_cap(by, Cap.CASE_HANDLE, "您的角色不能担任远程帮办坐席")
    if by.institution_id != window.institution_id:
        # Agents on duty are the staff of the window's institution; anything else is not theirs.
        raise NotInScope(target=window)


@transaction.atomic
def duty_start(*, by, window: CloudWindow, skills=()) -> AgentDuty:
    """Go on duty at a window (staff of its institution); already on duty: the skills are updated."""
    _require_window_staff(by, window)
    if not window.is_active:
        raise ServiceError("invalid", "该云窗口已停用", field="window")
    duty = AgentDuty.objects.filter(window=window, agent=by, ended_at__isnull=True).first()
    if duty is None:
        try:
            with transaction.atomic():
                duty = AgentDuty.objects.create(window=window, agent=by)
        except IntegrityError:  # a concurrent start won
            duty = AgentDuty.objects.get(window=window, agent=by, ended_at__isnull=True)
    duty.skills.set(list(skills))
    selectors.queue_changed(window.pk)
    audit_record(actor=by, action="remote.duty.start", target=window, institution=window.institution)
    return duty


@transaction.atomic
def duty_stop(*, by, window: CloudWindow) -> int:
    _require_window_staff(by, window)
    n = AgentDuty.objects.filter(window=window, agent=by, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
    if n:
        selectors.queue_changed(window.pk)
        audit_record(actor=by, action="remote.duty.stop", target=window, institution=window.institution)
    return n


def on_duty(user, window: CloudWindow) -> bool:
    return AgentDuty.objects.filter(window=window, agent=user, ended_at__isnull=True).exists()


# --- routing ------------------------------------------------------------------------------------


def _ancestor_paths(institution: Institution) -> list[str]:
    parts = [p for p in institution.path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def windows_serving(institution: Institution, item: Item | None = None) -> list[CloudWindow]:
    """Active windows answering calls from `institution` (and for `item`), nearest first: a window of
    the institution's own centre or one above it, serving its tier and the item (no items = all)."""
    windows = (
        CloudWindow.objects.filter(is_active=True, institution__path__in=_ancestor_paths(institution))
        .select_related("institution")
        .prefetch_related("items")
    )
    out = []
    for w in windows:
        if w.tiers and str(institution.tier) not in w.tiers:
            continue
        ids = {i.pk for i in w.items.all()}
        if item is not None and ids and item.pk not in ids:
            continue
        out.append(w)
    return sorted(out, key=lambda w: (-len(w.institution.path), w.pk))


def _check_item(item) -> Item | None:
    if item in (None, ""):
        return None
    if not isinstance(item, Item):
        item = Item.objects.filter(pk=item, status=Item.Status.ACTIVE).first()
        if item is None:
            raise ServiceError("invalid", "所选事项不存在或已停用", field="item")
    return item


# --- calls --------------------------------------------------------------------------------------


def _state(call: HelpCall, text: str, **data) -> SessionEvent:
    selectors.queue_changed(call.window_id)  # every change of a call's status comes through here
    return _append_or_refuse(call, Side.SYSTEM, Kind.STATE, {"text": text, "status": call.status, **data})


def event_json(e: SessionEvent) -> dict:
    """An event as the live endpoints answer it, and as its publication carries it to the waiting
    long-polls (live.publish), which then answer it without reading it back."""
    return {"seq": e.seq, "side": e.side, "kind": e.kind, "body": e.body, "at": e.at.isoformat()}


def _append(
    call: HelpCall,
    side: str,
    kind: str,
    body: dict,
    to: str = "",
    *,
    where: str = "",
    where_params: tuple = (),
    sets: str = "",
    set_params: tuple = (),
) -> SessionEvent | None:
    """Number and write one session event, if the call has room (MAX_EVENTS_PER_CALL) and its row meets
    `where` (" AND …" on its columns), setting `sets` (", … = …") on it as well. The number comes from
    the call's row (UPDATE … last_seq = last_seq + 1 RETURNING: its row lock, held until commit, keeps
    numbers committing in order); PostgreSQL does it and the INSERT in one statement (the UPDATE in a
    WITH clause, the event selected from it: one round trip, no transaction of its own), SQLite in two
    inside one. None when the row did not qualify (nothing written). Hand-written: a signal arrives
    several times a second per session."""
    quote = connection.ops.quote_name
    last = quote("last_seq")
    update = (
        f"UPDATE {quote(HelpCall._meta.db_table)} SET {last} = {last} + 1{sets} "
        f"WHERE {quote(HelpCall._meta.pk.column)} = %s AND {last} < %s{where} RETURNING {last}"
    )
    params = [*set_params, call.pk, MAX_EVENTS_PER_CALL, *where_params]
    event = SessionEvent(call=call, seq=0, side=side, kind=kind, to=to, body=body)
    if connection.vendor == "postgresql":
        table, columns, values = insert_parts(event)
        seq_at = columns.index(quote(SessionEvent._meta.get_field("seq").column))
        selected = ["%s"] * len(columns)
        selected[seq_at] = f"c.{last}"
        del values[seq_at]
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH c AS ({update}) INSERT INTO {table} ({', '.join(columns)}) "
                f"SELECT {', '.join(selected)} FROM c RETURNING {quote(SessionEvent._meta.pk.column)}, "
                f"{quote('seq')}",
                params + values,
            )
            row = cursor.fetchone()
        if row is None:
            return None
        event.pk, event.seq = row
    else:
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.execute(update, params)
            row = cursor.fetchone()
            if row is None:
                return None
            event.seq = row[0]
            event.pk = insert_groups([[event]], returning_pk=True)
    event._state.adding = False
    call.last_seq = event.seq
    _wake(call.pk, to, event.seq, event_json(event))
    return event


def _append_or_refuse(call: HelpCall, side: str, kind: str, body: dict, to: str = "") -> SessionEvent:
    """_append of the system's own events (the call's status already settled under its lock)."""
    event = _append(call, side, kind, body, to)
    if event is None:
        raise ServiceError("limit", "本次会话的消息已达上限，请结束后重新发起", field="kind")
    return event


@transaction.atomic
def call_create_station(
    *, by, caller_name: str, item=None, need: str = "", window: CloudWindow | None = None
) -> HelpCall:
    """A station clerk calls for help with an applicant in front of them (叫号求助)."""
    require_cap(by, Cap.CASE_HANDLE, "您的角色不能发起远程求助")
    station = by.institution
    if station is None:
        raise AccessRefused("no_institution", "您没有所属机构，不能发起远程求助")
    item = _check_item(item)
    need = _text(need, field="need", label="诉求", max_length=300)
    if item is None and not need:
        raise ServiceError("required", "请选择事项或简要描述要办的事", field="need")
    caller_name = _text(caller_name, field="caller_name", label="申请人姓名", max_length=100, required=True)
    serving = windows_serving(station, item)
    if window is None:
        if not serving:
            raise ServiceError("no_window", "没有为本机构和该事项提供远程帮办的云窗口", field="item")
        window = serving[0]
    elif window.pk not in {w.pk for w in serving}:
        raise ServiceError("invalid", "所选云窗口不受理本机构或该事项的求助", field="window")
    call = HelpCall.objects.create(
        window=window,
        origin=HelpCall.Origin.STATION,
        station=station,
        clerk=by,
        caller_name=caller_name,
        item=item,
        need=need,
    )
    _state(call, f"{station.name} {by.display_name} 发起远程求助")
    _audit(by, "remote.call.create", call, {"window": window.pk, "item": item.pk if item else None})
    return call


def call_create_public(
    *, window: CloudWindow, caller_name: str, phone: str, code: str, item=None, need: str = ""
) -> HelpCall:
    """A citizen at home calls a window from the portal; the SMS code proves the mobile number."""
    from bangban.bookings.models import PhoneCode
    from bangban.bookings.verification import clean_mobile, code_consuming

    if not window.is_active or not window.accepts_public:
        raise ServiceError("invalid", "该云窗口不接受群众在线求助", field="window")
    phone = clean_mobile(phone)
    item = _check_item(item)
    need = _text(need, field="need", label="诉求", max_length=300)
    if item is None and not need:
        raise ServiceError("required", "请选择事项或简要描述要办的事", field="need")
    if item is not None and window.items.exists() and not window.items.filter(pk=item.pk).exists():
        raise ServiceError("invalid", "该云窗口不受理所选事项", field="item")
    caller_name = _text(caller_name, field="caller_name", label="姓名", max_length=100, required=True)
    with code_consuming(phone=phone, purpose=PhoneCode.Purpose.REQUEST, subject="remote", code=code):
        call = HelpCall.objects.create(
            window=window,
            origin=HelpCall.Origin.PUBLIC,
            caller_name=caller_name,
            phone_encrypted=crypto.encrypt(phone),
            phone_masked=mask_phone(phone),
            item=item,
            need=need,
        )
        _state(call, f"{caller_name} 在线发起远程求助")
        _audit(None, "remote.call.create", call, {"window": window.pk}, actor_name="群众在线")
    return call


def _lock(call: HelpCall) -> HelpCall:
    return HelpCall.objects.select_for_update().select_related("window__institution").get(pk=call.pk)


def _may_answer(by, window: CloudWindow) -> None:
    _require_window_staff(by, window)
    if not on_duty(by, window):
        raise ServiceError("not_on_duty", "请先在该云窗口上岗，再接听求助", field="window")


@transaction.atomic
def call_answer(*, by, call: HelpCall) -> HelpCall:
    """Pick a waiting call. Of agents answering at once exactly one gets it (conditional UPDATE)."""
    _may_answer(by, call.window)
    now = timezone.now()
    taken = HelpCall.objects.filter(pk=call.pk, status=CallStatus.QUEUED).update(
        status=CallStatus.ANSWERED, agent=by, answered_at=now, agent_seen_at=now
    )
    if taken != 1:
        raise ServiceError("taken", "该求助已被其他坐席接听或已结束", field="call")
    call = HelpCall.objects.select_related("window__institution").get(pk=call.pk)
    facts.apply([], indicators.facts_of_call(call))  # a queued call counts nothing
    wait = call.wait_seconds
    _state(call, f"{by.display_name} 接听（等待 {wait} 秒）", agent=by.display_name, wait=wait)
    _audit(by, "remote.call.answer", call, {"status": {"before": "queued", "after": "answered"}})
    return call


def next_candidates(by, limit: int = 5) -> list[HelpCall]:
    """Waiting calls at the windows `by` is on duty for: first those for items the agent is skilled
    in, then by time waiting."""
    duties = list(AgentDuty.objects.filter(agent=by, ended_at__isnull=True).prefetch_related("skills"))
    if not duties:
        return []
    skills = {i.pk for d in duties for i in d.skills.all()}
    calls = list(
        HelpCall.objects.filter(window_id__in=[d.window_id for d in duties], status=CallStatus.QUEUED)
        .select_related("window__institution")
        .order_by("queued_at", "pk")[:200]
    )
    calls.sort(key=lambda c: (c.item_id not in skills, c.queued_at, c.pk))
    return calls[:limit]


def call_next(*, by) -> HelpCall:
    """Take the next call (skills first, then waiting time); a call taken by another agent meanwhile
    is skipped."""
    for _ in range(3):
        candidates = next_candidates(by)
        if not candidates:
            raise ServiceError("empty", "当前没有等待中的求助", field="call")
        for call in candidates:
            try:
                return call_answer(by=by, call=call)
            except ServiceError as exc:
                if exc.code != "taken":
                    raise
    raise ServiceError("empty", "当前没有等待中的求助", field="call")


@transaction.atomic
def call_hangup(*, call: HelpCall, side: str, by=None, reason: str = "") -> HelpCall:
    """The caller hangs up (queued: abandoned; answered: ended) or the agent ends the session."""
    call = _lock(call)
    if call.status in (CallStatus.ENDED, CallStatus.ABANDONED):
        return call
    before = indicators.facts_of_call(call)
    now = timezone.now()
    if call.status == CallStatus.QUEUED:
        if side != Side.CALLER and side != Side.SYSTEM:
            raise ServiceError("invalid", "求助尚未接听", field="call")
        call.status = CallStatus.ABANDONED
        text = reason or "求助方在排队时挂断"
        action = "remote.call.hangup"
    else:
        call.status = CallStatus.ENDED
        who = {Side.CALLER: "求助方", Side.AGENT: "坐席", Side.SYSTEM: "系统"}[side]
        text = reason or f"{who}结束会话"
        action = "remote.call.end"
    call.ended_at, call.end_reason = now, text[:200]
    call.save(update_fields=["status", "ended_at", "end_reason"])
    facts.apply(before, indicators.facts_of_call(call))
    _state(call, text)
    if call.case_id and call.status == CallStatus.ENDED:
        _session_on_case(call)
    actor = by if by is not None and getattr(by, "is_authenticated", False) else None
    _audit(
        actor,
        action,
        call,
        {"status": {"before": "answered" if action.endswith("end") else "queued", "after": call.status}},
        note=text,
        actor_name="" if actor else ("群众在线" if call.origin == HelpCall.Origin.PUBLIC else "系统"),
    )
    return call


@transaction.atomic
def call_return(*, call: HelpCall, reason: str = "坐席断线，求助退回队列") -> HelpCall:
    """The agent went silent mid-session: the call goes back to the front of its queue."""
    call = _lock(call)
    if call.status != CallStatus.ANSWERED:
        return call
    agent = call.agent
    before = indicators.facts_of_call(call)
    call.status, call.agent, call.answered_at = CallStatus.QUEUED, None, None
    call.returned_count += 1
    call.save(update_fields=["status", "agent", "answered_at", "returned_count"])
    facts.apply(before, indicators.facts_of_call(call))
    _state(call, reason, previous_agent=agent.display_name if agent else "")
    _audit(
        None,
        "remote.call.return",
        call,
        {"agent": {"before": agent.pk if agent else None, "after": None}},
        note=reason,
        actor_name="系统",
    )
    return call


def _stale_action(call: HelpCall, stale) -> str:
    if call.status == CallStatus.ANSWERED and call.agent_seen_at and call.agent_seen_at < stale:
        return "close_agent" if call.case_id else "return"
    if call.status in (CallStatus.QUEUED, CallStatus.ANSWERED) and call.caller_seen_at < stale:
        return "close_caller"
    return ""


def check_stale(call: HelpCall, now=None) -> str:
    """Act on one call whose other side went silent (see sweep_stale); "" when nothing was stale.
    Judged first on the row as read (no lock: this runs on every poll), then again under the lock."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.BANGBAN_REMOTE_STALE_SECONDS)
    if not _stale_action(call, stale):
        return ""
    with transaction.atomic():
        call = _lock(call)
        action = _stale_action(call, stale)
        if action == "close_agent":
            call_hangup(call=call, side=Side.SYSTEM, reason="坐席断线，会话结束（已受理办件）")
        elif action == "return":
            call_return(call=call)
        elif action == "close_caller":
            call_hangup(call=call, side=Side.SYSTEM, reason="求助方断线，求助结束")
    return {"close_agent": "closed", "close_caller": "closed", "return": "returned"}.get(action, "")


def sweep_stale(*, window: CloudWindow | None = None, now=None) -> dict:
    """Calls whose other side stopped polling (no heartbeat for BANGBAN_REMOTE_STALE_SECONDS): an
    answered call whose agent vanished returns to the queue (or is closed once it has a case), a
    caller who vanished abandons or ends their call. Run by beat and on reading a queue."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.BANGBAN_REMOTE_STALE_SECONDS)
    qs = HelpCall.objects.filter(status__in=[CallStatus.QUEUED, CallStatus.ANSWERED])
    if window is not None:
        qs = qs.filter(window=window)
    done = {"returned": 0, "closed": 0}
    candidates = qs.filter(
        Q(status=CallStatus.ANSWERED, agent_seen_at__lt=stale) | Q(caller_seen_at__lt=stale)
    )
    for call in candidates[:500]:
        what = check_stale(call, now)
        if what:
            done[what] += 1
    return done


def heartbeat(call: HelpCall, side: str) -> None:
    """The party is still there (called by every wait; writes at most every SEEN_EVERY)."""
    now = timezone.now()
    field = "caller_seen_at" if side == Side.CALLER else "agent_seen_at"
    seen = getattr(call, field)
    if seen is None or now - seen >= SEEN_EVERY:
        HelpCall.objects.filter(pk=call.pk).update(**{field: now})
        setattr(call, field, now)


# --- session events -----------------------------------------------------------------------------

SIGNAL_KINDS = {Kind.OFFER, Kind.ANSWER, Kind.ICE, Kind.MEDIA}
CALLER_KINDS = {Kind.CHAT, Kind.CONFIRM} | SIGNAL_KINDS
AGENT_KINDS = {Kind.CHAT, Kind.FORM, Kind.LINK} | SIGNAL_KINDS


def _clean_signal(kind: str, body) -> dict:
    if not isinstance(body, dict):
        raise ServiceError("invalid", "信令内容格式不正确", field="body")
    if kind in (Kind.OFFER, Kind.ANSWER):
        sdp = body.get("sdp")
        if not isinstance(sdp, str) or not sdp or len(sdp) > SDP_MAX:
            raise ServiceError("invalid", f"媒体协商内容应为不超过 {SDP_MAX} 个字符的文本", field="body")
        return {"type": kind, "sdp": sdp}
    if kind == Kind.ICE:
        cand = body.get("candidate")
        if cand is None:
            return {"candidate": None}
        if not isinstance(cand, dict) or len(str(cand)) > ICE_MAX:
            raise ServiceError("invalid", "网络候选格式不正确", field="body")
        out = {
            "candidate": str(cand.get("candidate") or "")[:ICE_MAX],
            "sdpMid": None if cand.get("sdpMid") is None else str(cand.get("sdpMid"))[:32],
            "sdpMLineIndex": cand.get("sdpMLineIndex")
            if isinstance(cand.get("sdpMLineIndex"), int)
            else None,
        }
        return {"candidate": out}
    # media: what this side can send
    return {"audio": bool(body.get("audio")), "video": bool(body.get("video"))}


def _clean_form(body) -> dict:
    if not isinstance(body, dict):
        raise ServiceError("invalid", "表单内容格式不正确", field="body")
    out = {}
    for key, (label, max_length) in FORM_FIELDS.items():
        value = body.get(key, "")
        if not isinstance(value, str | int):
            raise ServiceError("invalid", f"「{label}」格式不正确", field=key)
        value = " ".join(str(value).split())
        if len(value) > max_length:
            raise ServiceError("invalid", f"「{label}」不能超过 {max_length} 个字符", field=key)
        out[key] = value
    if out["item"]:
        item = Item.objects.filter(pk=parse_id(out["item"]) or 0, status=Item.Status.ACTIVE).first()
        if item is None:
            raise ServiceError("invalid", "「事项」不存在或已停用", field="item")
        out["item_name"] = item.name  # what the caller's screen shows
    return out


def event_post(*, call: HelpCall, side: str, kind: str, body) -> SessionEvent:
    """Chat, signalling, a form snapshot (agent), a confirmation (caller) or a pushed link (agent).
    The call's state is judged in the statement that numbers the event (its status, and for a form
    no case yet, for a confirmation the form version confirmed), not on a copy read before: one
    statement, and a call ended a moment ago takes nothing more. Only a refusal reads the call, to
    say why."""
    if side not in (Side.CALLER, Side.AGENT):
        raise ServiceError("invalid", "发送方不正确", field="side")
    allowed = CALLER_KINDS if side == Side.CALLER else AGENT_KINDS
    if kind not in allowed:
        raise ServiceError("invalid", "该类消息不能由此方发送", field="kind")
    quote = connection.ops.quote_name
    statuses = _open_for(side, kind)
    where = f" AND {quote('status')} IN ({placeholders(len(statuses))})"
    where_params, sets, set_params, to = statuses, "", (), ""
    if kind == Kind.CHAT:
        text = str((body or {}).get("text", "")) if isinstance(body, dict) else ""
        body = {"text": _text(text, field="text", label="消息", max_length=CHAT_MAX, required=True)}
    elif kind in SIGNAL_KINDS:
        body, to = _clean_signal(kind, body), Side.AGENT if side == Side.CALLER else Side.CALLER
    elif kind == Kind.FORM:
        body = _clean_form(body)
        where += f" AND {quote(HelpCall.case.field.column)} IS NULL"
        form = HelpCall._meta.get_field("form")
        sets = f", {quote('form')} = %s, {quote('form_seq')} = {quote('last_seq')} + 1"
        set_params = (form.get_db_prep_save(body, connection),)
    elif kind == Kind.CONFIRM:
        seq = body.get("seq") if isinstance(body, dict) else None
        if not isinstance(seq, int) or isinstance(seq, bool) or seq <= 0:
            raise ServiceError("stale", "表单已更新，请核对最新内容后再确认", field="seq")
        body = {"seq": seq}
        where += f" AND {quote('form_seq')} = %s"
        where_params += (seq,)
        sets, set_params = f", {quote('confirmed_seq')} = %s", (seq,)
    else:  # LINK: a 办事指南 or 一次性告知书 of a catalog item
        from django.urls import reverse

        item = _check_item(body.get("item") if isinstance(body, dict) else None)
        which = body.get("which") if isinstance(body, dict) else None
        if item is None or which not in ("guide", "notice"):
            raise ServiceError("invalid", "请选择要推送的事项和文书（办事指南或一次性告知书）", field="item")
        url = reverse("public_catalog:guide" if which == "guide" else "public_catalog:notice", args=[item.pk])
        body = {"url": url, "title": f"{item.name}·{'办事指南' if which == 'guide' else '一次性告知书'}"}
    event = _append(
        call, side, kind, body, to, where=where, where_params=where_params, sets=sets, set_params=set_params
    )
    if event is None:
        raise _refusal(_current(call.pk), side, kind, body)
    return event


def _open_for(side: str, kind: str) -> tuple[str, ...]:
    """The call statuses in which `side` may post `kind`: a session in progress; a queued caller may
    also chat while waiting."""
    if kind == Kind.CHAT and side == Side.CALLER:
        return (CallStatus.ANSWERED.value, CallStatus.QUEUED.value)
    return (CallStatus.ANSWERED.value,)


def _refusal(call: HelpCall, side: str, kind: str, body: dict) -> ServiceError:
    """Why event_post wrote nothing, judged on the call as it is now."""
    if call.status not in _open_for(side, kind):
        return ServiceError("closed", "会话未在进行中", field="call")
    if call.last_seq >= MAX_EVENTS_PER_CALL:
        return ServiceError("limit", "本次会话的消息已达上限，请结束后重新发起", field="kind")
    if kind == Kind.FORM and call.case_id:
        return ServiceError("invalid", "已受理办件，表单不能再修改", field="body")
    if kind == Kind.CONFIRM and body["seq"] != call.form_seq:
        return ServiceError("stale", "表单已更新，请核对最新内容后再确认", field="seq")
    return ServiceError("stale", "会话状态刚刚变化，请重试", field="call")  # changed in between


def _current(call_id: int) -> HelpCall:
    """The call as it is now (hand-written: read when a post is refused, to say why)."""
    quote = connection.ops.quote_name
    sel = selection(HelpCall, "c")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sel.sql} FROM {quote(HelpCall._meta.db_table)} c "
            f"WHERE c.{quote(HelpCall._meta.pk.column)} = %s",
            [call_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise HelpCall.DoesNotExist
    return sel.instance(row)


def events_after(call: HelpCall, side: str, after: int, limit: int = 200) -> list[SessionEvent]:
    """The events `side` reads after seq `after`, in order: what every long-poll runs (hand-written,
    see selectors._live_read); signalling meant for the other side is left out."""
    quote = connection.ops.quote_name
    sel = selection(SessionEvent, "e")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sel.sql} FROM {quote(SessionEvent._meta.db_table)} e "
            f"WHERE e.{quote(SessionEvent.call.field.column)} = %s AND e.{quote('seq')} > %s "
            f"AND e.{quote('to')} <> %s ORDER BY e.{quote('seq')} LIMIT %s",
            [call.pk, after, Side.AGENT.value if side == Side.CALLER else Side.CALLER.value, limit],
        )
        rows = cursor.fetchall()
    return [sel.instance(row) for row in rows]


# --- remote acceptance --------------------------------------------------------------------------


@transaction.atomic
def call_accept_case(*, by, call: HelpCall):
    """远程受理: the answering agent registers and accepts the case the caller confirmed on screen, at
    the calling station (citizen calls: at the window's institution), as its handler; the clerk is
    named on the case timeline."""
    from bangban.cases import services as cases
    from bangban.cases.models import ApplicantType, Channel, Mode
    from bangban.cases.models import Kind as CaseKind

    call = _lock(call)
    if call.agent_id != by.pk or call.status != CallStatus.ANSWERED:
        raise ServiceError("invalid", "只有正在通话的接听坐席可以远程受理", field="call")
    if call.case_id:
        raise ServiceError("invalid", "本次会话已受理办件", field="call")
    if not call.form_seq:
        raise ServiceError("required", "请先填写登记表单并同步给求助方", field="form")
    if call.confirmed_seq != call.form_seq:
        raise ServiceError("unconfirmed", "求助方尚未确认最新的登记表单", field="form")
    form = call.form
    item_id = form.get("item") or (call.item_id and str(call.item_id)) or ""
    if not str(item_id).isdigit():
        raise ServiceError("required", "请在表单中选择事项", field="item")
    mode = form.get("mode") or Mode.GUIDE
    institution = call.station or call.window.institution
    case = cases.case_create(
        by=by,
        kind=CaseKind.HELP,
        mode=mode,
        applicant_type=form.get("applicant_type") or ApplicantType.PERSON,
        applicant_name=form.get("applicant_name", ""),
        id_number=form.get("id_number", ""),
        credit_code=form.get("credit_code", ""),
        phone=form.get("phone", ""),
        items=[int(item_id)],
        summary=form.get("summary", "") or call.need,
        channel=Channel.WINDOW if call.origin == HelpCall.Origin.STATION else Channel.ONLINE,
        institution=institution,
        accept_now=True,
    )
    clerk = f"，站点经办人 {call.clerk.display_name}（{institution.name}）" if call.clerk_id else ""
    cases.log_add(
        case=case,
        by=by,
        text=f"远程受理：远程帮办会话 #{call.pk}，{call.window} 坐席 {by.display_name} 受理{clerk}；"
        "申请人在站点提交的材料由站点登记。",
    )
    call.case = case
    call.save(update_fields=["case"])
    _state(call, f"已远程受理，办件编号 {case.number}", case=case.number)
    _audit(by, "remote.call.accept", call, {"case": {"before": None, "after": case.number}})
    return case


def _session_on_case(call: HelpCall) -> None:
    """The session on the case timeline: times, participants, chat transcript (media never recorded)."""
    from bangban.cases import services as cases

    chats = SessionEvent.objects.filter(call=call, kind=Kind.CHAT).order_by("seq")
    names = {
        Side.AGENT: f"坐席 {call.agent.display_name}" if call.agent_id else "坐席",
        Side.CALLER: f"站点 {call.clerk.display_name}" if call.clerk_id else f"求助人 {call.caller_name}",
    }
    local = timezone.localtime
    head = (
        f"远程帮办会话 #{call.pk}：接听 {local(call.answered_at):%H:%M:%S}，结束 {local(call.ended_at):%H:%M:%S}，"
        f"时长 {call.session_seconds} 秒；参与：{names[Side.AGENT]}（{call.window}）、{names[Side.CALLER]}"
        f"{'（' + call.station.name + '）' if call.station_id else ''}。聊天记录："
    )
    lines = [f"[{local(e.at):%H:%M:%S}] {names.get(e.side, '系统')}：{e.body.get('text', '')}" for e in chats]
    text = head + ("\n" + "\n".join(lines) if lines else "无")
    if len(text) > 2000:
        text = text[:1990] + "…（已截断）"
    cases.log_add(case=call.case, by=call.agent, text=text)
