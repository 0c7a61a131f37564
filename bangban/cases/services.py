"""Every change to a case (办件).

Each service is one transaction that locks the case row, checks the actor's capability and
scope and the allowed transition, writes the change, one timeline event (CaseEvent) and one
audit row, and schedules the applicant's SMS after commit. Two people acting on the same
case at once are serialised by the row lock (PostgreSQL) or the write lock (SQLite): the
second sees the first's result and is refused with a clear message. Callers may also pass
`expected_version` (the version the user was looking at) to refuse a stale action.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from bangban.accounts.permissions import has_cap, require_cap
from bangban.accounts.roles import Cap, Role
from bangban.audit.models import AuditEvent
from bangban.audit.services import audit_build, audit_record
from bangban.cases import clock, indicators, workflow
from bangban.cases.models import (
    HELP_MODES,
    ApplicantType,
    Case,
    CaseEvent,
    CaseItem,
    Channel,
    DeadlineChange,
    Entrustment,
    Extension,
    JointTask,
    Kind,
    Material,
    Mode,
    PriorityGroup,
    Status,
    Suspension,
    Transfer,
    listing_mode,
)
from bangban.catalog.models import Item
from bangban.catalog.selectors import item_version_in_force, offered_versions, versions_in_force
from bangban.core import crypto
from bangban.core.db.rows import insert_groups, next_id, prepare_insert
from bangban.core.errors import NotInScope, ServiceError
from bangban.core.ids import credit_code_problem, mask_id, mobile_problem, resident_id_problem
from bangban.evaluations.services import review_invite_on_completion
from bangban.notifications.models import Message
from bangban.notifications.services import build_message, notify_message, schedule_after_commit
from bangban.notifications.texts import sms_text
from bangban.org.models import Department, Institution
from bangban.org.selectors import institution_in_scope
from bangban.supervision import facts

RESPONSE_WORKDAYS = 1  # online and door-to-door requests are first acted on within 1 working day
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
MODE_FOR_KIND = {Kind.HELP: set(HELP_MODES), Kind.AGENCY: {Mode.AGENCY}}
TIER_OF = {1: "政务服务中心", 2: "便民服务中心", 3: "便民服务站"}


# --- helpers -------------------------------------------------------------------------------------


def _require_handler(by, case: Case) -> None:
    require_cap(by, Cap.CASE_HANDLE, "您的角色不能办理办件")
    if not institution_in_scope(by, case.institution):
        raise NotInScope(target=case)


def _lock(case: Case, expected_version: int | None = None, *, count: bool = False) -> Case:
    """The case row, locked. With `count`, the service changes what the case counts in the quality
    indicators: its facts now are kept, and `_save` (or `_count`) applies the difference."""
    locked = Case.objects.select_for_update().select_related("institution").get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ServiceError("stale", "该办件已被他人更新，请刷新页面后再操作", field="version")
    if count:
        _counting(locked)
    return locked


def _counting(case: Case) -> None:
    case._facts_before = indicators.case_facts_now(case)


def _count(case: Case) -> None:
    """Add the change of the (locked) case's indicator facts since `_counting` to the daily
    counters, in the service's transaction (supervision.facts)."""
    before = case.__dict__.pop("_facts_before", None)
    if before is not None:
        facts.apply(before, indicators.case_facts_now(case))


# The public helper for writes that change what a locked case counts without touching its row (an
# evaluation invitation, a review of it): `with case_counting(case): ...` (cases.indicators.counting).
case_counting = indicators.counting


def _responded(case: Case) -> None:
    """Staff act on the case: the first time is its response (响应率)."""
    if case.first_response_at is None:
        case.first_response_at = timezone.now()


_batch: ContextVar[list | None] = ContextVar("cases_write_batch", default=None)


@contextmanager
def _batched_writes():
    """Collect the rows a multi-step service appends (timeline events, audit rows, deadline changes)
    and insert each kind with one statement at the end, in order, inside the service's transaction."""
    rows: list = []
    token = _batch.set(rows)
    try:
        yield
    finally:
        _batch.reset(token)
    insert_groups(list(_by_model(rows).values()))


def _by_model(rows: list, first: dict | None = None) -> dict:
    """The batch's rows (callables built now) grouped by model in order, after `first`'s groups."""
    groups = dict(first or {})
    for row in rows:
        row = row() if callable(row) else row
        groups.setdefault(type(row), []).append(row)
    return groups


def _write(obj):
    """Insert now, or with the batch when a service collects its rows (_batched_writes).
    `obj` may be a callable building the row, for rows that need the primary key of an object
    the batch's service has not inserted yet."""
    rows = _batch.get()
    if rows is None:
        obj = obj() if callable(obj) else obj
        obj.save()
    else:
        rows.append(obj)
    return obj


def _event(case: Case, by, type_: str, text: str, *, from_status="", to_status="", data=None) -> CaseEvent:
    return _write(
        CaseEvent(
            case=case,
            type=type_,
            actor=by,
            actor_name=by.display_name if by else "系统",
            institution=getattr(by, "institution", None),
            from_status=from_status,
            to_status=to_status,
            text=text,
            data=data or {},
        )
    )


def _audit(by, action: str, case: Case, changes: dict | None = None, note: str = "") -> None:
    _write(
        partial(
            audit_build,
            actor=by,
            action=action,
            target=case,
            institution=case.institution,
            changes=changes or {},
            note=note,
        )
    )


@dataclass(frozen=True)
class CaseFacts:
    """What `action_refusal` reads besides the case row: a transfer waiting, the departments of open
    joint tasks, the originals not yet returned. `case_facts` loads them for many cases at once;
    `facts_from_rows` draws them from rows already loaded (the case page's lists)."""

    transfer_pending: bool
    open_tasks: tuple[str, ...]
    originals_out: tuple[str, ...]


# The rows each fact is made of, as field values: statements filter on them (`.filter(**OPEN_TASK)`)
# and pages pick them out of rows they hold (`row_is(task, OPEN_TASK)`). None means no value (IS NULL).
PENDING_TRANSFER = {"state": Transfer.State.PENDING}
OPEN_TASK = {"state": JointTask.State.OPEN}
ORIGINAL_OUT = {"form": Material.Form.ORIGINAL, "returned_at": None}


def row_is(row, values: dict) -> bool:
    """Whether a loaded row has `values` (PENDING_TRANSFER, OPEN_TASK, ORIGINAL_OUT)."""
    return all(getattr(row, field) == value for field, value in values.items())


def facts_from_rows(*, transfers, tasks, materials) -> CaseFacts:
    """One case's CaseFacts from its rows, in their order (rows that are not facts are passed over):
    the one rule for both `case_facts` and a page holding the case's lists. `tasks` carry their
    department."""
    return CaseFacts(
        any(row_is(t, PENDING_TRANSFER) for t in transfers),
        tuple(t.department.name for t in tasks if row_is(t, OPEN_TASK)),
        tuple(m.name for m in materials if row_is(m, ORIGINAL_OUT)),
    )


def case_facts(cases) -> dict[int, CaseFacts]:
    """{case id: CaseFacts} for `cases` in three statements (a list page asks the guard per row)."""
    ids = [c.pk for c in cases]
    rows: dict[int, tuple[list, list, list]] = {pk: ([], [], []) for pk in ids}
    for t in Transfer.objects.filter(case_id__in=ids, **PENDING_TRANSFER).only("case_id", "state"):
        rows[t.case_id][0].append(t)
    for t in (
        JointTask.objects.filter(case_id__in=ids, **OPEN_TASK)
        .select_related("department")
        .only("case_id", "state", "department__name")
    ):
        rows[t.case_id][1].append(t)
    for m in Material.objects.filter(case_id__in=ids, **ORIGINAL_OUT).only("case_id", "name", *ORIGINAL_OUT):
        rows[m.case_id][2].append(m)
    return {
        pk: facts_from_rows(transfers=transfers, tasks=tasks, materials=materials)
        for pk, (transfers, tasks, materials) in rows.items()
    }


def action_refusal(
    case: Case, action: str, *, new_case: bool = False, facts: CaseFacts | None = None
) -> ServiceError | None:
    """Why `action` cannot be taken on `case` as it stands (its state, not the input); None if it can.

    The one guard: services raise what it returns, and the actions offered (page buttons, the API's
    `actions`) are the ones it lets through, so an offered action never fails on the case's state.
    `facts` (from `case_facts`) saves its queries when a page asks for many cases; without them it
    reads what it needs of this case.
    """
    new = workflow.target(action, case.kind, case.status)
    if new is None:
        return ServiceError(
            "invalid_transition",
            f"办件当前状态为“{case.get_status_display()}”，不能{workflow.ACTION_LABELS[action]}",
            field="status",
        )
    if not new_case and (
        facts.transfer_pending if facts else case.transfers.filter(**PENDING_TRANSFER).exists()
    ):
        return ServiceError("transfer_pending", "办件正在转办、等待对方接收，暂不能办理", field="status")
    if action == "complete":
        open_tasks = (
            facts.open_tasks
            if facts
            else list(case.tasks.filter(**OPEN_TASK).values_list("department__name", flat=True))
        )
        if open_tasks:
            return ServiceError("tasks_open", f"联办任务尚未全部完成：{'、'.join(open_tasks)}", field="tasks")
    if action in ("complete", "terminate") and (
        originals := (facts.originals_out if facts else _originals_out(case))
    ):
        return ServiceError(
            "materials_out", f"尚有原件未退还申请人：{'、'.join(originals)}", field="materials"
        )
    return None


def case_allowed_actions(*, case: Case, by, facts: CaseFacts | None = None) -> list[str]:
    """The workflow actions `by` may take on `case` now: exactly those the services will accept
    (given valid input). `facts`: the case's, when the caller has them (the case page)."""
    if not (has_cap(by, Cap.CASE_HANDLE) and institution_in_scope(by, case.institution)):
        return []
    candidates = [a for a in workflow.TRANSITIONS if workflow.target(a, case.kind, case.status)]
    if not candidates:
        return []
    # Three statements when not given, not three per candidate action.
    known = facts if facts is not None else case_facts([case])[case.pk]
    return [a for a in candidates if action_refusal(case, a, facts=known) is None]


def _check_allowed(case: Case, action: str, *, new_case: bool = False) -> str:
    if (refusal := action_refusal(case, action, new_case=new_case)) is not None:
        raise refusal
    return workflow.target(action, case.kind, case.status)


def _transition(case: Case, by, action: str, text: str, *, data=None, new_case: bool = False) -> str:
    """Move the (locked) case along `action`; write its event and audit row. Returns the old status."""
    new = _check_allowed(case, action, new_case=new_case)
    old = case.status
    case.status = new
    case.version += 1
    if not new_case:
        _responded(case)
    _event(case, by, CaseEvent.Type.TRANSITION, text, from_status=old, to_status=new, data=data)
    _audit(by, f"cases.case.{action}", case, {"status": {"before": old, "after": new}} | (data or {}))
    return old


def _save(case: Case, *fields: str) -> None:
    case.save(update_fields=["status", "version", "updated_at", "first_response_at", *fields])
    _count(case)


def _set_due(case: Case, by, new_due: date | None, reason: str) -> None:
    if case.due_date == new_due:
        return
    reason = reason[:200]  # the column's width: a reason quotes free text (an extension's justification)
    _write(DeadlineChange(case=case, before=case.due_date, after=new_due, reason=reason, by=by))
    _event(
        case,
        by,
        CaseEvent.Type.DEADLINE,
        f"办结期限{'由 ' + str(case.due_date) + ' ' if case.due_date else ''}调整为 {new_due}（{reason}）"
        if new_due
        else f"办结期限暂停计算（{reason}）",
        data={"before": str(case.due_date or ""), "after": str(new_due or "")},
    )
    case.due_date = new_due


def tracking_url(case: Case) -> str:
    from django.urls import reverse

    return settings.BANGBAN_PUBLIC_URL.rstrip("/") + reverse("cases:track", args=[case.tracking_token])


def _case_message(
    case: Case, event: str, key: str, *, reason: str = "", item_names: list[str] | None = None
) -> Message | None:
    """The applicant's SMS for an event (unsaved); None for a landline, which cannot receive SMS."""
    phone = crypto.decrypt(case.phone_encrypted)
    if mobile_problem(phone):
        return None
    text = sms_text(
        event,
        case_no=case.number,
        item=_item_title(case, item_names),
        institution=case.institution.name,
        due=case.due_date,
        reason=reason,
        url=tracking_url(case),
    )
    return build_message(
        phone=phone,
        text=text,
        event=event,
        dedupe_key=f"case:{case.pk}:{key}",
        object_type="cases.case",
        object_id=str(case.pk),
        institution=case.institution,
    )


def _notify(
    case: Case, event: str, key: str, *, reason: str = "", item_names: list[str] | None = None
) -> None:
    """Queue the applicant's SMS (sent after commit, once per key); texts from notifications.texts.
    A landline gets none; the event is still on the timeline."""
    message = _case_message(case, event, key, reason=reason, item_names=item_names)
    if message is not None:
        notify_message(message)


def _item_title(case: Case, names: list[str] | None = None) -> str:
    names = names if names is not None else [ci.name for ci in case.items.all()]
    return names[0] + (f"等{len(names)}项" if len(names) > 1 else "") if names else "帮办代办"


def _next_number(institution: Institution, on: date) -> str:
    """Allocate the next case number of the county and year: one atomic upsert, gap-free on rollback."""
    prefix = institution.division.code[:6].ljust(6, "0")
    table = connection.ops.quote_name("cases_casecounter")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prefix, year, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (prefix, year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [prefix, on.year],
        )
        (seq,) = cursor.fetchone()
    return f"{prefix}-{on.year}-{seq:06d}"


def _clean_applicant(
    *, applicant_type, applicant_name, id_number, credit_code, contact_name, phone, id_required=True
) -> dict:
    name = (applicant_name or "").strip()
    if applicant_type not in ApplicantType.values:
        raise ServiceError("invalid", "申请人类型只能是个人或企业", field="applicant_type")
    if not name:
        raise ServiceError("required", "申请人姓名或企业名称不能为空", field="applicant_name")
    if len(name) > 100:
        raise ServiceError("invalid", "申请人名称不能超过 100 个字符", field="applicant_name")
    phone = (phone or "").strip()
    if not phone:
        raise ServiceError("required", "联系电话不能为空", field="phone")
    if mobile_problem(phone) and not LANDLINE_RE.match(phone):
        raise ServiceError("invalid", "联系电话应为 11 位手机号码或带区号的固定电话", field="phone")
    data = {
        "applicant_name": name,
        "contact_name": (contact_name or "").strip(),
        **crypto.phone_columns(phone),
    }
    if applicant_type == ApplicantType.PERSON:
        id_number = (id_number or "").strip().upper()
        if not id_number and not id_required:
            return data  # an online request: the ID number is checked at the window
        if not id_number:
            raise ServiceError("required", "个人申请须填写身份证号", field="id_number")
        if problem := resident_id_problem(id_number):
            raise ServiceError("invalid", problem, field="id_number")
        data |= {
            "applicant_id_encrypted": crypto.encrypt(id_number),
            "applicant_id_hash": crypto.lookup_hash(id_number),
            "applicant_id_masked": mask_id(id_number),
        }
    else:
        credit_code = (credit_code or "").strip().upper()
        if not credit_code:
            raise ServiceError("required", "企业申请须填写统一社会信用代码", field="credit_code")
        if problem := credit_code_problem(credit_code):
            raise ServiceError("invalid", problem, field="credit_code")
        if not data["contact_name"]:
            raise ServiceError("required", "企业申请须填写联系人", field="contact_name")
        data["credit_code"] = credit_code
    return data


def _versions_for(ids: list[int], *, kind: str, institution: Institution, on: date) -> list:
    """The version in force of each item, which this institution's 清单 must offer in this kind."""
    if not ids:
        raise ServiceError("required", "请至少选择一个事项", field="items")
    # Only what a case keeps of a version: the catalog's selector joins wide rows for its own pages.
    offered = offered_versions(
        institution=institution, on=on, mode=listing_mode(kind), item_ids=ids, columns=VERSION_COLUMNS
    )
    versions = []
    for item_id in ids:
        version = offered.get(item_id)
        if version is None:
            item = Item.objects.filter(pk=item_id).first()
            if item is None:
                raise ServiceError("invalid", "所选事项不存在", field="items")
            in_force = item_version_in_force(item=item, on=on)
            if in_force is None:
                raise ServiceError(
                    "item_not_in_force", f"事项“{item.name}”在 {on} 没有有效版本，不能办理", field="items"
                )
            raise ServiceError(
                "item_not_offered",
                f"事项“{in_force.name}”不在{institution.name}的帮办代办清单中，或不允许在{TIER_OF[institution.tier]}"
                f"{Kind(kind).label}",
                field="items",
            )
        versions.append(version)
    return versions


# --- creation ------------------------------------------------------------------------------------


@transaction.atomic
def case_create(
    *,
    by,
    kind: str,
    mode: str,
    applicant_type: str,
    applicant_name: str,
    phone: str,
    items: list[Item | int],
    id_number: str = "",
    credit_code: str = "",
    contact_name: str = "",
    priority_group: str = "",
    channel: str = Channel.WINDOW,
    summary: str = "",
    institution: Institution | None = None,
    accept_now: bool = False,
) -> Case:
    """Register a request (咨询). With accept_now (帮办 at the window) it is applied and accepted at once.

    Validates the applicant's identifiers (GB 11643 / GB 32100) and that every item has a version
    in force today that this tier may help with / act for; nothing is saved when anything is wrong.
    """
    require_cap(by, Cap.CASE_HANDLE, "您的角色不能登记办件")
    institution = institution or by.institution
    if institution is None or not institution_in_scope(by, institution):
        raise NotInScope(target=institution)
    return _case_new(
        by=by,
        agent=by,
        kind=kind,
        mode=mode,
        applicant_type=applicant_type,
        applicant_name=applicant_name,
        phone=phone,
        items=items,
        id_number=id_number,
        credit_code=credit_code,
        contact_name=contact_name,
        priority_group=priority_group,
        channel=channel,
        summary=summary,
        institution=institution,
        accept_now=accept_now,
    )


@transaction.atomic
def case_receive_online(
    *,
    registrar,
    institution: Institution,
    kind: str,
    applicant_name: str,
    phone: str,
    items: list[Item | int],
    channel: str = Channel.ONLINE,
    priority_group: str = "",
    summary: str = "",
) -> Case:
    """A request from the public (bookings: the applicant proved their mobile number by SMS code).

    No staff actor: `registrar` is the inactive account the public side records as 登记人
    (bookings.services.online_registrar); the case has no agent until one takes it, and the
    applicant's ID number is asked at the window. Items may be empty (the need is in `summary`).
    Callers are public services that have verified the phone; nothing here checks a capability.
    """
    if channel not in (Channel.ONLINE, Channel.DOOR):
        raise ServiceError("invalid", "网上申请的渠道只能是网上或上门", field="channel")
    if not items and not (summary or "").strip():
        raise ServiceError("required", "请选择事项或简要描述您要办的事", field="items")
    return _case_new(
        by=registrar,
        agent=None,
        kind=kind,
        mode=Mode.AGENCY if kind == Kind.AGENCY else Mode.GUIDE,
        applicant_type=ApplicantType.PERSON,
        applicant_name=applicant_name,
        phone=phone,
        items=items,
        priority_group=priority_group,
        channel=channel,
        summary=summary,
        institution=institution,
        id_required=False,
        items_required=False,
    )


def _case_new(
    *,
    by,
    agent,
    kind: str,
    mode: str,
    applicant_type: str,
    applicant_name: str,
    phone: str,
    items: list[Item | int],
    institution: Institution,
    id_number: str = "",
    credit_code: str = "",
    contact_name: str = "",
    priority_group: str = "",
    channel: str = Channel.WINDOW,
    summary: str = "",
    accept_now: bool = False,
    id_required: bool = True,
    items_required: bool = True,
) -> Case:
    if kind not in Kind.values:
        raise ServiceError("invalid", "办件类型只能是帮办或代办", field="kind")
    if mode not in MODE_FOR_KIND[kind]:
        allowed = "、".join(Mode(m).label for m in MODE_FOR_KIND[kind])
        raise ServiceError("invalid", f"{Kind(kind).label}的服务方式只能是：{allowed}", field="mode")
    if priority_group not in PriorityGroup.values:
        raise ServiceError("invalid", "重点群体不在可选范围内", field="priority_group")
    if channel not in Channel.values:
        raise ServiceError("invalid", "渠道只能是窗口、电话、网上或上门", field="channel")
    if accept_now and kind != Kind.HELP:
        raise ServiceError("invalid", "代办须先做需求分析并签订委托书，不能直接受理", field="accept_now")
    applicant = _clean_applicant(
        applicant_type=applicant_type,
        applicant_name=applicant_name,
        id_number=id_number,
        credit_code=credit_code,
        contact_name=contact_name,
        phone=phone,
        id_required=id_required,
    )
    on = clock.today()
    item_ids = list(dict.fromkeys(item.pk if isinstance(item, Item) else item for item in items))
    versions = (
        _versions_for(item_ids, kind=kind, institution=institution, on=on)
        if item_ids or items_required
        else []
    )
    with _batched_writes():
        # The case is written once, in its final state: registration and, with accept_now, the
        # application and acceptance happen in memory first; their timeline events, audit rows
        # (built once the case has its id), deadline change and the case's items wait in the batch,
        # which inserts them after the case.
        case = Case(
            number="",  # allocated last, see below
            kind=kind,
            mode=mode,
            status=workflow.INITIAL[kind],
            channel=channel,
            priority_group=priority_group,
            summary=(summary or "").strip()[:300],
            applicant_type=applicant_type,
            institution=institution,
            agent=agent,
            created_by=by,
            **applicant,
        )
        if channel in indicators.ANSWERED_AT_REGISTRATION or accept_now:
            case.first_response_at, case.response_due = case.created_at, on
        else:
            case.response_due = clock.due_after(on, RESPONSE_WORKDAYS)
        _event(
            case,
            by,
            CaseEvent.Type.TRANSITION,
            f"登记{case.get_kind_display()}诉求（{case.get_mode_display()}）",
            to_status=case.status,
        )
        _audit(
            by,
            "cases.case.create",
            case,
            {
                "kind": {"before": None, "after": kind},
                "mode": {"before": None, "after": mode},
                "applicant_name": {"before": None, "after": case.applicant_name},
                "items": {"before": None, "after": [v.name for v in versions]},
            },
        )
        if accept_now:
            # A new case: no other request can hold it, no transfer can be pending, no suspension
            # exists and the versions just chosen are today's.
            _transition(case, by, "apply", "提交申请", new_case=True)
            _transition(case, by, "accept", "受理（可打印受理单）", new_case=True)
            _start_clock(case, by, on, pinned=versions)
        created_items = [_write(CaseItem(case=case, item_version=v, name=v.name)) for v in versions]
        case._first_item_id = versions[0].item_id if versions else 0
        facts.apply([], indicators.case_facts_now(case))
        # The county's counter row stays locked until commit (that is what keeps numbers gap-free),
        # and every registration in the county waits for it: it is taken after all the work that
        # needs no number, and on PostgreSQL the case and all its rows follow in one statement.
        if connection.vendor == "postgresql":
            _insert_new_case(case, institution, on, accept_now=accept_now, versions=versions)
        else:
            case.number = _next_number(institution, on)
            case.save(force_insert=True)
            if accept_now:
                _notify(case, "accepted", "accepted", item_names=[v.name for v in versions])
        case.created_items = created_items  # what the API answers with, without reading them back
    return case


NUMBER_SLOT = "\x01" * 18  # stands for the case number until it is allocated (same length)


def _insert_new_case(case: Case, institution: Institution, on: date, *, accept_now: bool, versions) -> None:
    """PostgreSQL: everything is prepared before the county's number is taken: the case id comes
    from its sequence, the rows (case, the batch's rows, the acceptance SMS) and their one INSERT
    statement are built with a placeholder for the number. Then the number, the statement, the
    commit: the counter row is locked for two statements. The batch is left empty."""
    rows = _batch.get()
    case.pk = next_id(Case)
    case.number = NUMBER_SLOT
    groups = _by_model(rows, {Case: [case]})  # audit rows are built now: they need the id and number
    rows.clear()
    message = None
    if accept_now:
        message = _case_message(case, "accepted", "accepted", item_names=[v.name for v in versions])
    prepared = prepare_insert(
        [*groups.values(), *([[message]] if message else [])], returning_pk=bool(message)
    )
    number = _next_number(institution, on)
    prepared.substitute(NUMBER_SLOT, number)
    message_pk = prepared.execute()
    case.number = number
    for row in groups.get(AuditEvent, []):
        row.object_repr = row.object_repr.replace(NUMBER_SLOT, number)
    case._state.adding = False
    if message is not None:
        message.text = message.text.replace(NUMBER_SLOT, number)
        message.pk, message._state.adding = message_pk, False
        schedule_after_commit(message)


# --- the process ------------------------------------------------------------------------------


def _apply_deadline(case: Case, by, reason: str, *, suspensions=None):
    """Recompute the deadline from the recorded facts; store and record a changed due date."""
    computed = clock.deadline(case, suspensions=suspensions)
    case.clock_stopped = computed.stopped
    _set_due(case, by, computed.due, reason)
    return computed


VERSION_COLUMNS = ("id", "item_id", "name", "promised_days", "is_immediate", "state")


def _start_clock(case: Case, by, on: date, *, pinned: list | None = None) -> None:
    """Pin each item to the version in force on acceptance and set the due date.

    `pinned`: the versions chosen today for a case created in the same transaction (nothing to re-pin).
    Acceptance comes before any suspension is possible, so the clock starts with none.
    """
    if pinned is None:
        case_items = list(
            case.items.select_related("item_version").only(
                "id", "name", "item_version_id", "item_version__item_id"
            )
        )
        in_force = {
            v.item_id: v
            for v in versions_in_force(on=on)
            .filter(item_id__in=[ci.item_version.item_id for ci in case_items])
            .select_related(None)
            .only(*VERSION_COLUMNS)
        }
        if not case_items:  # an online request that described its need without an item
            raise ServiceError(
                "no_items", "办件没有选择事项，不能受理；请终止后按事项重新登记", field="items"
            )
        pinned = []
        for case_item in case_items:
            version = in_force.get(case_item.item_version.item_id)
            if version is None:
                raise ServiceError(
                    "item_not_in_force",
                    f"事项“{case_item.name}”在 {on} 没有有效版本，不能受理",
                    field="items",
                )
            if version.pk != case_item.item_version_id:
                case_item.item_version, case_item.name = version, version.name
                case_item.save(update_fields=["item_version", "name"])
            pinned.append(version)
    case.accepted_on = on
    case.is_immediate = all(v.is_immediate for v in pinned)
    case.promised_days = 0 if case.is_immediate else max(v.promised_days or 0 for v in pinned)
    _apply_deadline(case, by, "受理后按承诺时限计算", suspensions=[])


@transaction.atomic
def case_apply(*, case: Case, by, expected_version: int | None = None) -> Case:
    """帮办: the applicant decides to apply (申请)."""
    case = _lock(case, expected_version, count=True)
    _require_handler(by, case)
    _transition(case, by, "apply", "提交申请")
    _save(case)
    return case


@transaction.atomic
def case_accept(*, case: Case, by, expected_version: int | None = None) -> Case:
    """帮办 受理: pins the catalog versions, starts the clock, notifies the applicant (form A)."""
    case = _lock(case, expected_version, count=True)
    _require_handler(by, case)
    return _accept(case, by)


def _accept(case: Case, by) -> Case:
    _transition(case, by, "accept", "受理（可打印受理单）")
    _start_clock(case, by, clock.today())
    _save(case, "accepted_on", "promised_days", "is_immediate", "due_date", "clock_stopped")
    _notify(case, "accepted", "accepted")
    return case


@transaction.atomic
def case_analyse(*, case: Case, by, analysis: str, expected_version: int | None = None) -> Case:
    """代办 需求分析: what the applicant needs, recorded on the timeline."""
    case = _lock(case, expected_version, count=True)
    _require_handler(by, case)
    analysis = (analysis or "").strip()
    if not analysis:
        raise ServiceError("required", "请填写需求分析结论", field="analysis")
    _transition(case, by, "analyse", f"需求分析：{analysis}", data={"analysis": analysis})
    _save(case)
    return case


def _clean_entrustment(scope, stages, period_start, period_end, materials_text) -> None:
    if scope not in Entrustment.Scope.values:
        raise ServiceError("invalid", "代办范围只能是全程代办或部分环节代办", field="scope")
    if scope == Entrustment.Scope.PARTIAL and not (stages or "").strip():
        raise ServiceError("required", "部分环节代办须写明代办环节", field="stages")
    if not period_start or not period_end:
        raise ServiceError("required", "请填写委托期限", field="period_end")
    if period_end < period_start:
        raise ServiceError("invalid", "委托期限的结束日期不能早于开始日期", field="period_end")


@transaction.atomic
def case_entrust(
    *,
    case: Case,
    by,
    scope: str,
    period_start: date,
    period_end: date,
    stages: str = "",
    materials_text: str = "",
    expected_version: int | None = None,
) -> Case:
    """代办 委托: the signed entrustment (form C) is the acceptance; the clock starts, the applicant is told."""
    case = _lock(case, expected_version, count=True)
    _require_handler(by, case)
    _check_allowed(case, "entrust")
    _clean_entrustment(scope, stages, period_start, period_end, materials_text)
    entrustment = Entrustment.objects.create(
        case=case,
        scope=scope,
        stages=(stages or "").strip(),
        period_start=period_start,
        period_end=period_end,
        materials_text=(materials_text or "").strip(),
        recorded_by=by,
    )
    _transition(
        case,
        by,
        "entrust",
        f"签订代办服务委托书（{entrustment.get_scope_display()}，{period_start} 至 {period_end}）",
        data={"entrustment": entrustment.pk},
    )
    _start_clock(case, by, clock.today())
    _save(case, "accepted_on", "promised_days", "is_immediate", "due_date", "clock_stopped")
    _notify(case, "accepted", "accepted")
    return case


@transaction.atomic
def case_start(*, case: Case, by, expected_version: int | None = None) -> Case:
    """承办: the agent starts handling."""
    case = _lock(case, expected_version, count=True)
    _require_handler(by, case)
    _transition(case, by, "start", "开始承办")
    _save(case)
    return case


@transaction.atomic
def case_suspend(
    *, case: Case, by, reason: str, detail: str = "", expected_version: int | None = None
) -> Case:
    """代办 中止 (form D): stops the clock, keeps the working days left, tells the applicant why."""
    case = _lock(case, expected_version, count=True)
    _require_handler(by, case)
    _check_allowed(case, "suspend")  # before the suspension row: a second open one breaks the clock
    if reason not in Suspension.Reason.values:
        raise ServiceError("invalid", "请选择中止原因", field="reason")
    if reason == Suspension.Reason.OTHER and not (detail or "").strip():
        raise ServiceError("required", "中止原因为“其他”时须写明情况", field="detail")
    on = clock.today()
    suspension = Suspension.objects.create(
        case=case, reason=reason, detail=(detail or "").strip(), suspended_on=on, suspended_by=by
    )
    left = max(clock.deadline(case).left_workdays, 0)
    suspension.workdays_left = left
    suspension.save(update_fields=["workdays_left"])
    label = suspension.get_reason_display()
    _transition(
        case,
        by,
        "suspend",
        f"中止：{label}{'，' + suspension.detail if suspension.detail else ''}",
        data={"suspension": suspension.pk, "workdays_left": left},
    )
    _apply_deadline(case, by, f"中止，剩余 {left} 个工作日")
    _save(case, "clock_stopped", "due_date")
    _notify(case, "suspended", f"suspended:{suspension.pk}", reason=label)
    return case


@transaction.atomic
def case_resume(
    *,
    case: Case,
    by,
    period_end: date,
    materials_text: str = "",
    expected_version: int | None = None,
) -> Case:
    """代办 续办 (form E): a renewed entrustment; the working days left continue from today."""
    case = _lock(case, expected_version, count=True)
    _require_handler(by, case)
    suspension = case.suspensions.filter(resumed_on__isnull=True).order_by("-suspended_on", "-id").first()
    if suspension is None or case.status != Status.SUSPENDED:
        raise ServiceError("invalid_transition", "办件未处于中止状态，不能续办", field="status")
    on = clock.today()
    _clean_entrustment(Entrustment.Scope.WHOLE, "", on, period_end, materials_text)
    last = case.entrustments.order_by("-signed_at", "-id").first()
    renewal = Entrustment.objects.create(
        case=case,
        is_renewal=True,
        scope=last.scope if last else Entrustment.Scope.WHOLE,
        stages=last.stages if last else "",
        period_start=on,
        period_end=period_end,
        materials_text=(materials_text or "").strip(),
        recorded_by=by,
    )
    suspension.resumed_on, suspension.resumed_by = on, by
    suspension.save(update_fields=["resumed_on", "resumed_by"])
    _transition(
        case,
        by,
        "resume",
        f"续办（签订续办委托书，委托期限至 {period_end}）",
        data={"suspension": suspension.pk, "entrustment": renewal.pk},
    )
    _apply_deadline(case, by, f"续办，剩余 {suspension.workdays_left} 个工作日")
    _save(case, "clock_stopped", "due_date")
    _notify(case, "resumed", f"resumed:{suspension.pk}")
    return case


def extension_refusal(case: Case) -> ServiceError | None:
    """Why no extension can be approved on `case` as it stands; None if one can."""
    if not case.is_open or case.accepted_on is None:
        return ServiceError("invalid_transition", "只有已受理且未办结的办件可以延期", field="status")
    return None


def case_may_extend(*, case: Case, by) -> bool:
    """Whether the page offers 批准延期 to `by`: the checks case_extend runs on the actor and the case."""
    return (
        has_cap(by, Cap.CASE_COORDINATE)
        and institution_in_scope(by, case.institution)
        and extension_refusal(case) is None
    )


@transaction.atomic
def case_extend(*, case: Case, by, days: int, reason: str, expected_version: int | None = None) -> Case:
    """Approve an extension: adds working days to the deadline (or to the days left while suspended)."""
    case = _lock(case, expected_version)
    require_cap(by, Cap.CASE_COORDINATE, "只有协调员或中心管理员可以批准延期")
    if not institution_in_scope(by, case.institution):
        raise NotInScope(target=case)
    if (refusal := extension_refusal(case)) is not None:
        raise refusal
    if not isinstance(days, int) or not 1 <= days <= 60:
        raise ServiceError("invalid", "延长的工作日数应在 1 到 60 之间", field="days")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("required", "请填写延期理由", field="reason")
    Extension.objects.create(case=case, days=days, reason=reason, approved_by=by)
    case.extension_days += days
    case.version += 1
    computed = _apply_deadline(case, by, f"批准延期 {days} 个工作日：{reason}")
    if computed.stopped:
        suspension = case.suspensions.filter(resumed_on__isnull=True).order_by("-id").first()
        suspension.workdays_left = max(computed.left_workdays, 0)
        suspension.save(update_fields=["workdays_left"])
        _event(case, by, CaseEvent.Type.DEADLINE, f"批准延期 {days} 个工作日（{reason}），续办后生效")
    _audit(
        by,
        "cases.case.extend",
        case,
        {"extension_days": {"before": case.extension_days - days, "after": case.extension_days}},
        note=reason,
    )
    case.save(update_fields=["extension_days", "due_date", "version", "updated_at"])
    return case


def _originals_out(case: Case) -> list[str]:
    return list(case.materials.filter(**ORIGINAL_OUT).values_list("name", flat=True))


@transaction.atomic
def case_complete(*, case: Case, by, result: str, expected_version: int | None = None) -> Case:
    """办结 (form B): only when every joint task is done and every original has been returned."""
    case = _lock(case, expected_version, count=True)
    _require_handler(by, case)
    result = (result or "").strip()
    if not result:
        raise ServiceError("required", "请填写办理结果", field="result")
    _transition(case, by, "complete", f"办结：{result}", data={"result": result})
    case.result, case.finished_at, case.clock_stopped = result, timezone.now(), True
    _save(case, "result", "finished_at", "clock_stopped")
    _notify(case, "completed", "completed", reason=result)
    with case_counting(case):  # the invitation completes the record (记录完整率)
        review_invite_on_completion(case=case)  # 智能邀评: the one-time review link by SMS
    return case


@transaction.atomic
def case_terminate(*, case: Case, by, reason: str, expected_version: int | None = None) -> Case:
    """终止 (form B): ends an open case early with a reason; originals must have been returned."""
    case = _lock(case, expected_version, count=True)
    _require_handler(by, case)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("required", "请填写终止原因", field="reason")
    _check_allowed(case, "terminate")
    was_accepted = case.accepted_on is not None
    _transition(case, by, "terminate", f"终止：{reason}", data={"reason": reason})
    case.termination_reason, case.finished_at, case.clock_stopped = reason, timezone.now(), True
    _save(case, "termination_reason", "finished_at", "clock_stopped")
    if was_accepted:
        _notify(case, "terminated", "terminated", reason=reason)
    return case


@transaction.atomic
def case_archive(*, case: Case, by, expected_version: int | None = None) -> Case:
    """资料归档."""
    case = _lock(case, expected_version, count=True)
    _require_handler(by, case)
    _transition(case, by, "archive", "资料归档")
    _save(case)
    return case


# --- 转办 -----------------------------------------------------------------------------------------


def _same_tree(a: Institution, b: Institution) -> bool:
    return a.path.split("/")[1] == b.path.split("/")[1]


@transaction.atomic
def transfer_send(
    *, case: Case, by, to_institution: Institution, reason: str, to_department: Department | None = None
) -> Transfer:
    """Hand the case to another institution of the same tree (up or down) or to a department there.

    The sender keeps seeing the case; the receiver accepts or returns it.
    """
    case = _lock(case)
    _require_handler(by, case)
    if not case.is_open:
        raise ServiceError("invalid_transition", "已办结或终止的办件不能转办", field="status")
    if case.transfers.filter(state=Transfer.State.PENDING).exists():
        raise ServiceError("transfer_pending", "该办件已有一笔转办等待接收", field="to_institution")
    if to_institution is None or not to_institution.is_active:
        raise ServiceError("required", "请选择接收机构", field="to_institution")
    if to_institution.pk == case.institution_id and to_department is None:
        raise ServiceError("invalid", "不能转办给本机构", field="to_institution")
    if not _same_tree(to_institution, case.institution):
        raise ServiceError("invalid", "只能转办给本辖区上下级机构", field="to_institution")
    if to_department is not None and to_department.institution_id != to_institution.pk:
        raise ServiceError("invalid", "接收部门须是接收机构的进驻部门", field="to_department")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("required", "请填写转办原因", field="reason")
    transfer = Transfer.objects.create(
        case=case,
        from_institution=case.institution,
        to_institution=to_institution,
        to_department=to_department,
        reason=reason,
        sent_by=by,
    )
    target = to_institution.name + (f"·{to_department.name}" if to_department else "")
    case.version += 1
    case.save(update_fields=["version", "updated_at"])
    _event(case, by, CaseEvent.Type.TRANSFER, f"转办至{target}：{reason}", data={"transfer": transfer.pk})
    _audit(by, "cases.transfer.send", case, {"transfer_to": {"before": None, "after": target}}, note=reason)
    return transfer


def _lock_pending_transfer(transfer: Transfer, by) -> tuple[Transfer, Case]:
    case = _lock(transfer.case)
    transfer = Transfer.objects.select_related("to_institution", "from_institution").get(pk=transfer.pk)
    require_cap(by, Cap.CASE_HANDLE, "您的角色不能接收转办")
    if not institution_in_scope(by, transfer.to_institution):
        raise NotInScope(target=case)
    if transfer.state != Transfer.State.PENDING:
        raise ServiceError("invalid_transition", f"该转办已{transfer.get_state_display()}", field="state")
    return transfer, case


@transaction.atomic
def transfer_accept(*, transfer: Transfer, by) -> Case:
    """The receiver takes the case over; the applicant is told who handles it now."""
    transfer, case = _lock_pending_transfer(transfer, by)
    _counting(case)  # the figures move to the receiving institution and agent
    transfer.state, transfer.answered_by, transfer.answered_at = Transfer.State.ACCEPTED, by, timezone.now()
    transfer.save(update_fields=["state", "answered_by", "answered_at"])
    before = case.institution.name
    case.institution, case.agent = transfer.to_institution, by
    if case.mode != Mode.AGENCY:
        case.mode = Mode.TRANSFER
    case.version += 1
    case.save(update_fields=["institution", "agent", "mode", "version", "updated_at"])
    _count(case)
    _event(
        case,
        by,
        CaseEvent.Type.TRANSFER,
        f"{transfer.to_institution.name}接收转办，由{by.display_name}承办",
        data={"transfer": transfer.pk},
    )
    _audit(
        by,
        "cases.transfer.accept",
        case,
        {"institution": {"before": before, "after": transfer.to_institution.name}},
    )
    _notify(case, "transferred", f"transferred:{transfer.pk}")
    return case


@transaction.atomic
def transfer_return(*, transfer: Transfer, by, reason: str) -> Transfer:
    """The receiver returns the transfer with a reason; the case stays with the sender."""
    transfer, case = _lock_pending_transfer(transfer, by)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("required", "退回转办须填写理由", field="reason")
    transfer.state, transfer.answered_by, transfer.answered_at = Transfer.State.RETURNED, by, timezone.now()
    transfer.answer = reason
    transfer.save(update_fields=["state", "answered_by", "answered_at", "answer"])
    case.version += 1
    case.save(update_fields=["version", "updated_at"])
    _event(
        case,
        by,
        CaseEvent.Type.TRANSFER,
        f"{transfer.to_institution.name}退回转办：{reason}",
        data={"transfer": transfer.pk},
    )
    _audit(by, "cases.transfer.return", case, note=reason)
    return transfer


# --- 联办 -----------------------------------------------------------------------------------------


@transaction.atomic
def task_create(
    *,
    case: Case,
    by,
    department: Department,
    description: str,
    due_date: date,
    assignee=None,
    repeat: bool = False,
) -> JointTask:
    """One department's part of a joint case, with its own deadline and liaison.

    One task per department, unless `repeat`: a case that carries several pieces of work of one
    department (a key project's umbrella case: one task per project item) may hold several."""
    from bangban.accounts.models import User

    case = _lock(case)
    _require_handler(by, case)
    if not case.is_open or case.status == Status.SUSPENDED:
        raise ServiceError("invalid_transition", "只有办理中的办件可以发起联办", field="status")
    if department is None or not department.is_active:
        raise ServiceError("required", "请选择联办部门", field="department")
    if not _same_tree(department.institution, case.institution):
        raise ServiceError("invalid", "联办部门须属于本辖区", field="department")
    if not repeat and case.tasks.filter(department=department).exists():
        raise ServiceError("duplicate", f"已向{department.name}发起联办任务", field="department")
    description = (description or "").strip()
    if not description:
        raise ServiceError("required", "请填写任务内容", field="description")
    if due_date is None or due_date < clock.today():
        raise ServiceError("invalid", "任务期限不能早于今天", field="due_date")
    if assignee is None:
        liaisons = User.objects.filter(department=department, is_active=True)
        assignee = (
            liaisons.filter(role_assignments__role=Role.LIAISON).first()
            or liaisons.filter(role_assignments__role=Role.CHIEF_LIAISON).first()
        )
    elif assignee.department_id != department.pk:
        raise ServiceError("invalid", "任务承办人须是该部门的协办员", field="assignee")
    task = JointTask.objects.create(
        case=case, department=department, assignee=assignee, description=description, due_date=due_date
    )
    if case.mode not in (Mode.AGENCY, Mode.JOINT):
        case.mode = Mode.JOINT
    case.version += 1
    case.save(update_fields=["mode", "version", "updated_at"])
    who = f"，由{assignee.display_name}承办" if assignee else ""
    _event(
        case,
        by,
        CaseEvent.Type.TASK,
        f"向{department.name}发起联办任务（期限 {due_date}{who}）：{description}",
        data={"task": task.pk},
    )
    _audit(by, "cases.task.create", case, {"task": {"before": None, "after": department.name}})
    return task


@transaction.atomic
def task_complete(*, task: JointTask, by, result: str) -> JointTask:
    """The department's liaison records its result."""
    case = _lock(task.case)
    task = JointTask.objects.select_related("department").get(pk=task.pk)
    is_liaison = has_cap(by, Cap.CASE_LIAISON) and by.department_id == task.department_id
    if not is_liaison:
        _require_handler(by, case)
    if task.state == JointTask.State.DONE:
        raise ServiceError("invalid_transition", "该联办任务已完成", field="state")
    result = (result or "").strip()
    if not result:
        raise ServiceError("required", "请填写部门办理结果", field="result")
    task.state, task.result, task.done_at, task.done_by = JointTask.State.DONE, result, timezone.now(), by
    task.save(update_fields=["state", "result", "done_at", "done_by"])
    case.version += 1
    case.save(update_fields=["version", "updated_at"])
    _event(
        case, by, CaseEvent.Type.TASK, f"{task.department.name}完成联办任务：{result}", data={"task": task.pk}
    )
    audit_record(
        actor=by,
        action="cases.task.complete",
        target=case,
        institution=case.institution,
        changes={"task": {"before": "办理中", "after": "已完成"}},
        note=task.department.name,
    )
    return task


# --- materials and log ------------------------------------------------------------------------


@transaction.atomic
def material_receive(*, case: Case, by, name: str, form: str, copies: int = 1, note: str = "") -> Material:
    case = _lock(case)
    _require_handler(by, case)
    name = (name or "").strip()
    if not name:
        raise ServiceError("required", "请填写材料名称", field="name")
    if form not in Material.Form.values:
        raise ServiceError("invalid", "材料形式只能是原件或复印件", field="form")
    if not isinstance(copies, int) or not 1 <= copies <= 99:
        raise ServiceError("invalid", "份数应在 1 到 99 之间", field="copies")
    material = Material.objects.create(
        case=case, name=name, form=form, copies=copies, note=(note or "").strip(), received_by=by
    )
    case.version += 1
    case.save(update_fields=["version", "updated_at"])
    _event(
        case,
        by,
        CaseEvent.Type.MATERIAL,
        f"接收材料：{name}（{material.get_form_display()} {copies} 份）",
        data={"material": material.pk},
    )
    _audit(by, "cases.material.receive", case, {"material": {"before": None, "after": name}})
    return material


# How a catalog material's form (codes.MATERIAL_KINDS) goes into the register: (form, note) rows.
_RECEIVED_AS = {
    "original": [(Material.Form.ORIGINAL, "")],
    "copy": [(Material.Form.COPY, "")],
    "both": [(Material.Form.ORIGINAL, ""), (Material.Form.COPY, "")],
    "electronic": [(Material.Form.COPY, "电子件")],
}
MAX_RECEIVED = 100  # ticked materials in one registration


@transaction.atomic
def case_register(*, by, received: list[int] | tuple[int, ...] = (), **fields) -> Case:
    """Registration at the window: `case_create` with `fields`, then each catalog material ticked as
    received (`received`: catalog Material ids, of the versions the case was just registered under)
    goes into the case's materials register through `material_receive` (audited, on the timeline),
    so form A lists them. All or nothing: a material that is not of the chosen items, or one the
    applicant need not bring (数据共享), refuses the whole registration."""
    from bangban.catalog.models import Material as CatalogMaterial

    ids = list(dict.fromkeys(received))
    if len(ids) > MAX_RECEIVED:
        raise ServiceError("invalid", f"收取材料最多勾选 {MAX_RECEIVED} 项", field="received")
    if any(not isinstance(i, int) for i in ids):
        raise ServiceError("invalid", "收取材料的选项无效", field="received")
    case = case_create(by=by, **fields)
    from bangban.cases.selectors import forget_frequent_items

    transaction.on_commit(partial(forget_frequent_items, by))
    if not ids:
        return case
    versions = [ci.item_version_id for ci in case.created_items]
    found = {
        m.pk: m
        for m in CatalogMaterial.objects.filter(pk__in=ids, version_id__in=versions).select_related("version")
    }
    if len(found) != len(ids):
        raise ServiceError("invalid", "勾选的收取材料不属于所选事项，请重新勾选", field="received")
    for pk in ids:
        m = found[pk]
        if m.source == "shared":
            raise ServiceError("invalid", f"材料“{m.name}”经数据共享获取，申请人无需提交", field="received")
        for form, note in _RECEIVED_AS.get(m.kind, _RECEIVED_AS["original"]):
            material_receive(
                case=case, by=by, name=m.name[:200], form=form, copies=min(max(1, m.copies), 99), note=note
            )
    case.refresh_from_db()
    return case


@transaction.atomic
def material_return(*, material: Material, by) -> Material:
    case = _lock(material.case)
    _require_handler(by, case)
    material = Material.objects.get(pk=material.pk)
    if material.returned_at:
        raise ServiceError(
            "invalid_transition",
            f"材料“{material.name}”已于 {material.returned_at:%Y-%m-%d} 退还",
            field="returned_at",
        )
    material.returned_at, material.returned_by = timezone.now(), by
    material.save(update_fields=["returned_at", "returned_by"])
    case.version += 1
    case.save(update_fields=["version", "updated_at"])
    _event(case, by, CaseEvent.Type.MATERIAL, f"退还材料：{material.name}", data={"material": material.pk})
    _audit(by, "cases.material.return", case, {"material_returned": {"before": None, "after": material.name}})
    return material


@transaction.atomic
def log_add(*, case: Case, by, text: str, on: date | None = None) -> CaseEvent:
    """帮办代办日志: a dated entry by the agent."""
    case = _lock(case, count=True)
    is_liaison = has_cap(by, Cap.CASE_LIAISON) and case.tasks.filter(department_id=by.department_id).exists()
    if not is_liaison:
        _require_handler(by, case)
    text = (text or "").strip()
    if not text:
        raise ServiceError("required", "日志内容不能为空", field="text")
    if len(text) > 2000:
        raise ServiceError("invalid", "日志内容不能超过 2000 字", field="text")
    on = on or clock.today()
    if on > clock.today():
        raise ServiceError("invalid", "日志日期不能晚于今天", field="on")
    event = _event(case, by, CaseEvent.Type.LOG, text, data={"on": str(on)})
    if case.first_response_at is None:
        _responded(case)
        case.save(update_fields=["first_response_at"])
    _count(case)  # after the entry: a closed case's record may now be complete
    _audit(by, "cases.log.add", case, note=text[:200])
    return event


def case_record_supervision(*, case: Case, by, text: str, order_id: int, step: str) -> CaseEvent:
    """A 督办 line on the case's timeline (staff only: the public tracking page never shows this
    type). Called by the oversight services inside their transaction when an order on the case is
    issued, answered, evaluated or escalated; `by` None means the system."""
    text = " ".join((text or "").split())
    if len(text) > 300:
        text = text[:299] + "…"
    return _event(case, by, CaseEvent.Type.SUPERVISION, text, data={"order": order_id, "step": step})


def _reveal(*, case: Case, by, action: str, note: str, ciphertext: str) -> str:
    """A personal value in clear, for the case's handlers only; every look is audited."""
    _require_handler(by, case)
    with transaction.atomic():
        audit_record(actor=by, action=action, target=case, institution=case.institution, note=note)
    return crypto.decrypt(ciphertext)


def case_reveal_id(*, case: Case, by) -> str:
    """The full identity number, for the case's handlers only; every look is audited."""
    return _reveal(
        case=case,
        by=by,
        action="cases.case.reveal_id",
        note="查看完整证件号码",
        ciphertext=case.applicant_id_encrypted,
    )


def case_reveal_phone(*, case: Case, by) -> str:
    """The full phone number, for the case's handlers only; every look is audited."""
    return _reveal(
        case=case,
        by=by,
        action="cases.case.reveal_phone",
        note="查看完整联系电话",
        ciphertext=case.phone_encrypted,
    )
