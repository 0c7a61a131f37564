"""Every change to a key project.

Each service is one transaction: it checks the actor's capability and scope (a refusal outside the
scope is NotInScope, shown as not found), validates its input (a ServiceError in Chinese naming the
field; nothing written), writes the change, one timeline row (ProjectEvent) and one audit row. An
item's step is written with a conditional UPDATE on the status and version read under the row lock,
so two people starting the same item at once start it once; the second gets a clear refusal.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from bangban.accounts.models import User
from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap, Role
from bangban.audit.services import audit_record
from bangban.cases import services as case_services
from bangban.cases.models import (
    ApplicantType,
    Case,
    Channel,
    Entrustment,
    JointTask,
    Kind,
    Mode,
    PriorityGroup,
    listing_mode,
)
from bangban.cases.models import Status as CaseStatus
from bangban.cases.models import Suspension as CaseSuspension
from bangban.catalog.models import Item, ItemVersion
from bangban.catalog.selectors import offered_versions
from bangban.core import crypto
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.core.ids import credit_code_problem, mobile_problem
from bangban.divisions.models import Division
from bangban.notifications.models import Message
from bangban.notifications.services import notify
from bangban.notifications.texts import signature as sms_signature
from bangban.org.models import Department, Institution
from bangban.org.selectors import institution_in_scope
from bangban.projects import rules
from bangban.projects.models import (
    LONG_TEXT_MAX,
    NAME_MAX,
    TEXT_MAX,
    ActionItem,
    Blocker,
    ItemStatus,
    ItemSuspension,
    Level,
    LiaisonRequest,
    Meeting,
    MeetingKind,
    Project,
    ProjectEvent,
    ProjectItem,
    ProjectStage,
    ProjectType,
    RequestKind,
    StageTemplate,
    new_revision,
)
from bangban.workdays.deadlines import Suspension, compute_deadline
from bangban.workdays.selectors import get_calendar

INVESTMENT_MAX = Decimal("9999999999.99")  # 万元
LAND_MAX = Decimal("99999999.99")  # 亩
LIMIT_MAX = 365  # working days, any limit
REQUEST_LIMIT_MAX = 30
MAX_DECISIONS = 30


def today() -> dt.date:
    return timezone.localdate()


def escalation_limits() -> dict[str, int]:
    """Working days each rung may hold a request or blocker (settings.BANGBAN_PROJECT_ESCALATION)."""
    return {"chief": 1, "blocker_liaison": 2, "blocker_chief": 2, "blocker_coordinator": 3} | getattr(
        settings, "BANGBAN_PROJECT_ESCALATION", {}
    )


def request_limits(req: LiaisonRequest) -> list[int]:
    return [req.limit_workdays, escalation_limits()["chief"]]


def blocker_limits() -> list[int]:
    lim = escalation_limits()
    return [lim["blocker_liaison"], lim["blocker_chief"], lim["blocker_coordinator"]]


# --- who may do what ------------------------------------------------------------------------------


def can_manage(user, project: Project) -> bool:
    return has_cap(user, Cap.PROJECT_MANAGE) and institution_in_scope(user, project.institution)


def is_department_liaison(user, department_id) -> bool:
    return (
        has_cap(user, Cap.PROJECT_LIAISON)
        and department_id is not None
        and getattr(user, "department_id", None) == department_id
    )


def can_run_item(user, item: ProjectItem) -> bool:
    """The project's center staff, or the liaison of the item's department."""
    return can_manage(user, item.project) or is_department_liaison(user, item.department_id)


def _require_manage(by, project: Project) -> None:
    if not institution_in_scope(by, project.institution):
        raise NotInScope(target=project)
    if not has_cap(by, Cap.PROJECT_MANAGE):
        raise AccessRefused("capability_required", "您的角色无权管理重点项目")


# --- shared checks ---------------------------------------------------------------------------------


def _text(value, *, field: str, label: str, limit: int = TEXT_MAX, required: bool = True) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        raise ServiceError("required", f"「{label}」为必填项", field=field)
    if len(value) > limit:
        raise ServiceError("too_long", f"「{label}」不能超过 {limit} 个字符", field=field)
    return value


def _int(value, *, field: str, label: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except (TypeError, ValueError):
            raise ServiceError("invalid", f"「{label}」应为整数", field=field) from None
    if not low <= value <= high:
        raise ServiceError("out_of_range", f"「{label}」应在 {low} 到 {high} 之间", field=field)
    return value


def _decimal(value, *, field: str, label: str, high: Decimal, required: bool = True) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ServiceError("required", f"「{label}」为必填项", field=field)
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ServiceError("invalid", f"「{label}」应为数字", field=field) from None
    if not number.is_finite() or number <= 0 or number > high or number.as_tuple().exponent < -2:
        raise ServiceError(
            "out_of_range", f"「{label}」应为大于 0、不超过 {high} 的数，最多两位小数", field=field
        )
    return number


def _date(value, *, field: str, label: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise ServiceError("invalid", f"「{label}」应为日期（YYYY-MM-DD）", field=field) from None


def _choice(value, choices, *, field: str, label: str) -> str:
    if value not in choices.values:
        raise ServiceError("invalid", f"「{label}」不在可选范围内", field=field)
    return value


def _user_in_scope(by, user, *, field: str, label: str, cap: str | None = None) -> User:
    pk = user.pk if isinstance(user, User) else user
    found = User.objects.select_related("institution").filter(pk=pk, is_active=True).first() if pk else None
    if found is None or not institution_in_scope(by, found.institution):
        raise ServiceError("not_in_scope", f"「{label}」不存在或不在您的数据范围内", field=field)
    if cap and not has_cap(found, cap):
        raise ServiceError("invalid", f"「{label}」没有相应的角色", field=field)
    return found


def _department(by, department, *, field: str = "department", label: str = "责任部门") -> Department:
    pk = department.pk if isinstance(department, Department) else department
    found = (
        Department.objects.select_related("institution").filter(pk=pk, is_active=True).first()
        if isinstance(pk, int)
        else None
    )
    if found is None or not institution_in_scope(by, found.institution):
        raise ServiceError("not_in_scope", f"「{label}」不存在或不在您的数据范围内", field=field)
    return found


def _event(project: Project, by, action: str, text: str, *, item=None, public: bool = False) -> ProjectEvent:
    return ProjectEvent.objects.create(
        project=project,
        item=item,
        actor=by if getattr(by, "is_authenticated", False) else None,
        actor_name=getattr(by, "display_name", "") if by else "系统",
        action=action,
        text=text,
        public=public,
    )


def _audit(by, action: str, target, project: Project, changes: dict | None = None, note: str = "") -> None:
    audit_record(
        actor=by,
        action=f"projects.{action}",
        target=target,
        institution=project.institution,
        changes=changes or {},
        note=note,
        actor_name="" if by else "系统",
    )


# --- registration ----------------------------------------------------------------------------------


def _next_number(institution: Institution, on: dt.date) -> str:
    prefix = institution.division.code[:6].ljust(6, "0")
    table = connection.ops.quote_name("projects_projectcounter")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prefix, year, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (prefix, year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [prefix, on.year],
        )
        (seq,) = cursor.fetchone()
    return f"XM{prefix}{on.year}{seq:04d}"


def _pin_version(name: str, on: dt.date) -> ItemVersion | None:
    """The catalog version in force on `on` of the active item of that exact name (None if none)."""
    item = Item.objects.filter(name=name, status=Item.Status.ACTIVE).order_by("id").first()
    if item is None:
        return None
    return (
        ItemVersion.objects.filter(item=item, state=ItemVersion.State.PUBLISHED, valid_from__lte=on)
        .order_by("-number")
        .first()
    )


@transaction.atomic
def project_register(
    *,
    by,
    name,
    project_type,
    level,
    investor_name,
    investor_credit_code,
    investment,
    division,
    lead_agent,
    coordinator,
    contact_name,
    phone,
    entrustment_scope,
    entrustment_start,
    entrustment_end,
    land_area=None,
    institution=None,
    start_on=None,
) -> Project:
    """Register a project and copy its type's stage and item templates (departments matched by
    name in the center's departments, catalog versions pinned, planned dates from the plan)."""
    if not has_cap(by, Cap.PROJECT_MANAGE):
        raise AccessRefused("capability_required", "您的角色无权登记重点项目")
    if institution is None:
        institution = by.institution
    elif not isinstance(institution, Institution):
        institution = (
            Institution.objects.filter(pk=institution).first() if isinstance(institution, int) else None
        )
    if institution is None or not institution_in_scope(by, institution):
        raise ServiceError("not_in_scope", "「承办中心」不存在或不在您的数据范围内", field="institution")
    name = _text(name, field="name", label="项目名称", limit=NAME_MAX)
    project_type = _choice(project_type, ProjectType, field="project_type", label="项目类型")
    level = _choice(level, Level, field="level", label="项目级别")
    investor_name = _text(investor_name, field="investor_name", label="投资主体", limit=NAME_MAX)
    code = (investor_credit_code or "").strip().upper() if isinstance(investor_credit_code, str) else ""
    if problem := credit_code_problem(code):
        raise ServiceError("invalid", f"「统一社会信用代码」{problem}", field="investor_credit_code")
    investment = _decimal(investment, field="investment", label="总投资（万元）", high=INVESTMENT_MAX)
    land_area = _decimal(land_area, field="land_area", label="用地面积（亩）", high=LAND_MAX, required=False)
    division_obj = Division.objects.filter(pk=str(division)).first() if division not in (None, "") else None
    if division_obj is None:
        raise ServiceError("invalid", "「建设地点」应为有效的行政区划代码", field="division")
    lead = _user_in_scope(by, lead_agent, field="lead_agent", label="代办员", cap=Cap.PROJECT_MANAGE)
    coord = _user_in_scope(by, coordinator, field="coordinator", label="协调员")
    if Role.COORDINATOR not in coord.role_codes and Role.CENTER_ADMIN not in coord.role_codes:
        raise ServiceError("invalid", "「协调员」应为具有协调员角色的工作人员", field="coordinator")
    contact_name = _text(contact_name, field="contact_name", label="投资方联系人", limit=50)
    phone = "".join(phone.split()) if isinstance(phone, str) else ""
    if problem := mobile_problem(phone):
        raise ServiceError("invalid", f"「联系电话」{problem}", field="phone")
    scope = _text(entrustment_scope, field="entrustment_scope", label="委托代办范围")
    e_start = _date(entrustment_start, field="entrustment_start", label="委托期限自")
    e_end = _date(entrustment_end, field="entrustment_end", label="委托期限至")
    if e_end < e_start:
        raise ServiceError("invalid", "「委托期限至」不能早于「委托期限自」", field="entrustment_end")
    on = today()
    start = _date(start_on, field="start_on", label="计划开工日期") if start_on not in (None, "") else on
    templates = list(
        StageTemplate.objects.filter(project_type=project_type).prefetch_related("items__depends_on")
    )
    if not templates:
        raise ServiceError("invalid", "该项目类型没有阶段模板", field="project_type")

    project = Project.objects.create(
        number=_next_number(institution, on),
        name=name,
        project_type=project_type,
        level=level,
        investor_name=investor_name,
        investor_credit_code=code,
        investment=investment,
        land_area=land_area,
        division=division_obj,
        institution=institution,
        lead_agent=lead,
        coordinator=coord,
        contact_name=contact_name,
        entrustment_scope=scope,
        entrustment_start=e_start,
        entrustment_end=e_end,
        created_by=by,
        **crypto.phone_columns(phone),
    )
    departments = list(Department.objects.filter(institution=institution, is_active=True).order_by("id"))
    by_template: dict[int, ProjectItem] = {}
    for st in templates:
        stage = ProjectStage.objects.create(project=project, order=st.order, name=st.name)
        for it in st.items.all():
            dept = next((d for d in departments if it.department_hint and it.department_hint in d.name), None)
            by_template[it.pk] = ProjectItem.objects.create(
                project=project,
                stage=stage,
                order=it.order,
                name=it.name,
                item_version=_pin_version(it.name, on),
                department=dept,
                liaison=_liaison_of(dept),
                limit_workdays=it.limit_workdays,
            )
    for st in templates:
        for it in st.items.all():
            needs = [by_template[d.pk] for d in it.depends_on.all() if d.pk in by_template]
            if needs:
                by_template[it.pk].depends_on.set(needs)
    _replan(project, start)
    _event(
        project,
        by,
        "register",
        f"登记项目，按{project.get_project_type_display()}模板生成 {len(templates)} 个阶段",
        public=True,
    )
    _audit(by, "project.create", project, project, {"number": project.number, "name": name})
    return project


def _liaison_of(department: Department | None) -> User | None:
    if department is None:
        return None
    return (
        User.objects.filter(department=department, is_active=True, role_assignments__role=Role.LIAISON)
        .order_by("id")
        .first()
    )


def _replan(project: Project, start: dt.date) -> None:
    """Planned dates of the pending items and of every stage from the plan (rules.plan)."""
    cal = get_calendar()
    items = list(project.items.all())
    deps = _deps(project)
    limits = {i.pk: i.limit_workdays for i in items}
    planned = rules.plan(start, limits, deps, cal.add_workdays)
    for i in items:
        if i.status == ItemStatus.PENDING or i.planned_start is None:
            i.planned_start, i.planned_end = planned[i.pk]
    ProjectItem.objects.bulk_update(items, ["planned_start", "planned_end"])
    for stage in project.stages.all():
        mine = [i for i in items if i.stage_id == stage.pk]
        stage.planned_start = min((i.planned_start for i in mine), default=None)
        stage.planned_end = max((i.planned_end for i in mine), default=None)
        stage.save(update_fields=["planned_start", "planned_end"])


def _deps(project: Project) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    through = ProjectItem.depends_on.through
    for src, dst in through.objects.filter(from_projectitem__project=project).values_list(
        "from_projectitem_id", "to_projectitem_id"
    ):
        out.setdefault(src, set()).add(dst)
    return out


# --- items -----------------------------------------------------------------------------------------


def _lock_project_items(project_id: int) -> None:
    """Replace the project's revision (what its cached Gantt is keyed by, selectors.gantt_data) in
    this transaction. Every item service calls it first, through _lock_item: the UPDATE also
    locks the project's row, so the services take their locks in one order (project, then item,
    then stage or the project's other items: _touch_stage, _replan) and two changes to one
    project's items cannot deadlock on each other."""
    Project.objects.filter(pk=project_id).update(revision=new_revision())


def _lock_item(item: ProjectItem, expected_version: int | None) -> ProjectItem:
    project_id = getattr(item, "project_id", None) or (
        ProjectItem.objects.filter(pk=item.pk).values_list("project_id", flat=True).first()
    )
    if project_id is not None:
        _lock_project_items(project_id)
    locked = ProjectItem.objects.select_for_update().select_related("project__institution").get(pk=item.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ServiceError("stale", "该事项已被他人更新，请刷新后重试", field="version")
    return locked


def _write_item(item: ProjectItem, before_status: str, before_version: int, **fields) -> None:
    """The conditional update: written only if nobody changed the item since it was read."""
    fields["version"] = before_version + 1
    done = ProjectItem.objects.filter(pk=item.pk, status=before_status, version=before_version).update(
        **fields
    )
    if not done:
        raise ServiceError("stale", "该事项已被他人更新，请刷新后重试", field="version")
    for k, v in fields.items():
        setattr(item, k, v)


def item_deadline(item: ProjectItem, on: dt.date | None = None, *, suspensions=None):
    """The item's workday deadline (workdays.deadlines), None before it started."""
    if item.actual_start is None:
        return None
    if suspensions is None:
        suspensions = list(item.suspensions.all())
    return compute_deadline(
        get_calendar(),
        accepted=item.actual_start,
        limit_workdays=item.limit_workdays,
        today=on or today(),
        suspensions=[Suspension(s.suspended_on, s.resumed_on) for s in suspensions],
    )


def _item_step(by, item: ProjectItem, action: str, expected_version, text: str) -> tuple[ProjectItem, str]:
    item = _lock_item(item, expected_version)
    if not can_run_item(by, item):
        if not institution_in_scope(by, item.project.institution) and not is_department_liaison(
            by, item.department_id
        ):
            raise NotInScope(target=item)
        raise AccessRefused("capability_required", "您无权办理该事项")
    new = rules.target(action, item.status)
    if new is None:
        raise ServiceError(
            "invalid_transition",
            f"事项当前为「{item.get_status_display()}」，不能{rules.ACTION_LABELS[action]}",
            field="status",
        )
    return item, new


def _touch_stage(item: ProjectItem, on: dt.date) -> None:
    stage = ProjectStage.objects.select_for_update().get(pk=item.stage_id)
    changed = []
    if item.status != ItemStatus.PENDING and (stage.actual_start is None or on < stage.actual_start):
        stage.actual_start = on
        changed.append("actual_start")
    open_left = ProjectItem.objects.filter(stage=stage).exclude(status=ItemStatus.DONE).exists()
    end = None if open_left else on
    if stage.actual_end != end:
        stage.actual_end = end
        changed.append("actual_end")
    if changed:
        stage.save(update_fields=changed)


@transaction.atomic
def item_start(*, by, item: ProjectItem, expected_version: int | None = None) -> ProjectItem:
    """Start an item whose dependencies are all done; its due date is its limit in working days.

    Through the cases services the item becomes work of the center: an item with a pinned catalog
    item that the project's center may act for becomes a 代办 case of the investor, entrusted and
    started at once and handled by the project's lead agent, with a joint task (联办) to the item's
    department; any other item becomes a joint task on the project's own 代办 case (opened at the
    first such item). All in this transaction: a refusal anywhere writes nothing."""
    item, new = _item_step(by, item, "start", expected_version, "")
    needed = list(item.depends_on.values_list("name", "status"))
    if refusal := rules.start_refusal(item.status, needed):
        raise ServiceError("dependency", refusal, field="status")
    if item.department_id is None:
        raise ServiceError("required", "请先指定「责任部门」", field="department")
    if not has_cap(by, Cap.CASE_HANDLE):
        raise AccessRefused(
            "capability_required", "启动事项将为其登记代办办件或联办任务，须由中心的帮办代办员或协调员启动"
        )
    on = today()
    due = get_calendar().add_workdays(on, item.limit_workdays)
    linked = item.case_id
    case, task = _item_work_open(by, item, due)
    before = (item.status, item.version)
    _write_item(item, *before, status=new, actual_start=on, due=due, case=case, task=task)
    _touch_stage(item, on)
    where = f"办件 {case.number}" if case is not None and case.pk == task.case_id else "项目代办办件"
    _event(
        item.project,
        by,
        "item.start",
        f"启动事项「{item.name}」，办理期限 {due:%Y-%m-%d}（{where}，{task.department.name}联办）",
        item=item,
        public=True,
    )
    _audit(
        by,
        "item.start",
        item,
        item.project,
        {
            "status": [before[0], new],
            "due": [None, due.isoformat()],
            "case": [linked, case.pk if case else None],
            "task": [None, task.pk],
        },
    )
    return item


def _investor(project: Project) -> dict:
    """The project's investor as the applicant of its 代办 cases."""
    return {
        "applicant_type": ApplicantType.ENTERPRISE,
        "applicant_name": project.investor_name,
        "credit_code": project.investor_credit_code,
        "contact_name": project.contact_name,
        "phone": crypto.decrypt(project.phone_encrypted),
    }


def _agency_case(by, project: Project, *, items: list[int], summary: str, analysis: str) -> Case:
    """A 代办 case of the investor at the project's center, handled by its lead agent, analysed."""
    case = case_services._case_new(  # the cases services' own registration, with the project's agent
        by=by,
        agent=project.lead_agent,
        kind=Kind.AGENCY,
        mode=Mode.AGENCY,
        items=items,
        institution=project.institution,
        priority_group=PriorityGroup.KEY_PROJECT,
        channel=Channel.WINDOW,
        summary=summary,
        items_required=bool(items),
        **_investor(project),
    )
    return case_services.case_analyse(case=case, by=by, analysis=analysis)


def _offered_item_id(item: ProjectItem) -> int | None:
    """The catalog item of the item's pinned version, if the project's center may act for it today."""
    if item.item_version_id is None:
        return None
    item_id = ItemVersion.objects.filter(pk=item.item_version_id).values_list("item_id", flat=True).first()
    offered = offered_versions(
        institution=item.project.institution,
        on=today(),
        mode=listing_mode(Kind.AGENCY),
        item_ids=[item_id],
        columns=("id", "item_id"),
    )
    return item_id if item_id in offered else None


def _project_case(by, project_id: int) -> Case:
    """The project's own 代办 case, opened once (under the project's row lock) at the first need."""
    project = Project.objects.select_for_update().get(pk=project_id)
    if project.case_id is not None:
        return project.case
    scope = (
        f"{project.entrustment_scope}（委托期限 {project.entrustment_start} 至 {project.entrustment_end}）"
    )
    case = _agency_case(
        by,
        project,
        items=[],
        summary=f"重点项目「{project.name}」全程代办",
        analysis=f"重点项目 {project.number}「{project.name}」委托代办：{scope}",
    )
    project.case = case
    project.version += 1
    project.save(update_fields=["case", "version", "updated_at"])
    _event(project, by, "project.case", f"登记项目代办办件 {case.number}")
    _audit(by, "project.case", project, project, {"case": [None, case.pk]})
    return case


def _item_work_open(by, item: ProjectItem, due: dt.date) -> tuple[Case | None, JointTask]:
    """(the item's case, its joint task): an own 代办 case when its catalog item may be acted for
    here (and no case is linked already), else a task on the project's case."""
    project = item.project
    description = f"重点项目「{project.name}」事项「{item.name}」"
    item_id = _offered_item_id(item) if item.case_id is None else None
    if item_id is not None:
        case = _agency_case(
            by,
            project,
            items=[item_id],
            summary=description,
            analysis=f"重点项目 {project.number} 的事项「{item.name}」，按项目委托代办",
        )
        case = case_services.case_entrust(
            case=case,
            by=by,
            scope=Entrustment.Scope.WHOLE,
            period_start=project.entrustment_start,
            period_end=project.entrustment_end,
            materials_text=project.entrustment_scope[:500],
        )
        case = case_services.case_start(case=case, by=by)
        repeat = False
    else:
        case = _project_case(by, project.pk)
        repeat = True
    task = case_services.task_create(
        case=case,
        by=by,
        department=item.department,
        description=description,
        due_date=due,
        assignee=item.liaison,
        repeat=repeat,
    )
    return (case if not repeat else item.case), task


def _own_case(item: ProjectItem) -> Case | None:
    """The case item_start opened for the item (its task is on it), not a case linked by hand."""
    if item.task_id is None or item.case_id is None:
        return None
    task_case = JointTask.objects.filter(pk=item.task_id).values_list("case_id", flat=True).first()
    return Case.objects.filter(pk=item.case_id).first() if task_case == item.case_id else None


def _require_case_handler(by, case: Case, action: str) -> None:
    if not (has_cap(by, Cap.CASE_HANDLE) and institution_in_scope(by, case.institution)):
        raise AccessRefused(
            "capability_required", f"该事项有代办办件 {case.number}，须由中心的帮办代办员{action}"
        )


@transaction.atomic
def item_suspend(*, by, item: ProjectItem, reason: str, expected_version: int | None = None) -> ProjectItem:
    """Stop an item's clock (the suspension day counts; the days after do not until resumption)."""
    reason = _text(reason, field="reason", label="中止原因", limit=200)
    item, new = _item_step(by, item, "suspend", expected_version, reason)
    on = today()
    if (case := _own_case(item)) is not None and case.status == CaseStatus.IN_PROGRESS:
        _require_case_handler(by, case, "中止")
        case_services.case_suspend(case=case, by=by, reason=CaseSuspension.Reason.OTHER, detail=reason)
    ItemSuspension.objects.create(item=item, reason=reason, suspended_on=on)
    deadline = item_deadline(item, on)
    before = (item.status, item.version)
    _write_item(item, *before, status=new, due=deadline.due)
    _event(item.project, by, "item.suspend", f"中止事项「{item.name}」：{reason}", item=item)
    _audit(by, "item.suspend", item, item.project, {"status": [before[0], new]}, note=reason)
    return item


@transaction.atomic
def item_resume(*, by, item: ProjectItem, expected_version: int | None = None) -> ProjectItem:
    """Resume: the days left run again from the day after resumption (workdays.deadlines)."""
    item, new = _item_step(by, item, "resume", expected_version, "")
    on = today()
    if (case := _own_case(item)) is not None and case.status == CaseStatus.SUSPENDED:
        _require_case_handler(by, case, "续办")
        if item.project.entrustment_end < on:
            raise ServiceError(
                "invalid", "项目的委托期限已届满，不能续办该事项的代办办件", field="entrustment_end"
            )
        # The renewed entrustment (form E) runs to the end of the project's written entrustment.
        case_services.case_resume(case=case, by=by, period_end=item.project.entrustment_end)
    open_one = item.suspensions.filter(resumed_on__isnull=True).order_by("-id").first()
    if open_one is not None:
        open_one.resumed_on = on
        open_one.save(update_fields=["resumed_on"])
    deadline = item_deadline(item, on)
    before = (item.status, item.version)
    _write_item(item, *before, status=new, due=deadline.due)
    _event(
        item.project,
        by,
        "item.resume",
        f"续办事项「{item.name}」，办理期限 {deadline.due:%Y-%m-%d}",
        item=item,
    )
    _audit(
        by, "item.resume", item, item.project, {"status": [before[0], new], "due": [None, str(deadline.due)]}
    )
    return item


@transaction.atomic
def item_complete(
    *, by, item: ProjectItem, result: str = "", expected_version: int | None = None
) -> ProjectItem:
    result = _text(result, field="result", label="办理结果", required=False)
    item, new = _item_step(by, item, "complete", expected_version, result)
    on = today()
    _item_work_close(by, item, result or f"事项「{item.name}」已办结")
    before = (item.status, item.version)
    _write_item(item, *before, status=new, actual_end=on, result=result)
    _touch_stage(item, on)
    late = item.due is not None and on > item.due
    _event(
        item.project,
        by,
        "item.complete",
        f"事项「{item.name}」办结" + ("（超期）" if late else ""),
        item=item,
        public=True,
    )
    _audit(by, "item.complete", item, item.project, {"status": [before[0], new]}, note=result)
    return item


def _item_work_close(by, item: ProjectItem, result: str) -> None:
    """Complete the item's joint task and its own case (the department's liaison completes the
    task; the case, which tells the investor, is completed by center staff who handle cases)."""
    if item.task_id is None:
        return  # started before items became cases and tasks
    task = JointTask.objects.get(pk=item.task_id)
    if task.state == JointTask.State.OPEN:
        case_services.task_complete(task=task, by=by, result=result)
    case = _own_case(item)
    if case is None or not case.is_open:
        return
    if has_cap(by, Cap.CASE_HANDLE) and institution_in_scope(by, case.institution):
        case_services.case_complete(case=case, by=by, result=result)
    else:
        _event(item.project, by, "item.case_open", f"办件 {case.number} 待代办员办结", item=item)


@transaction.atomic
def item_assign(
    *, by, item: ProjectItem, department=None, liaison=None, limit_workdays=None, expected_version=None
) -> ProjectItem:
    """Set an item's responsible department, liaison and limit (the limit only before it starts)."""
    item = _lock_item(item, expected_version)
    _require_manage(by, item.project)
    changes = {}
    fields = {}
    if department not in (None, ""):
        dept = _department(by, department)
        if dept.pk != item.department_id:
            changes["department"] = [item.department_id, dept.pk]
            fields["department"] = dept
            if liaison in (None, ""):
                fields["liaison"] = _liaison_of(dept)
    if liaison not in (None, ""):
        person = _user_in_scope(by, liaison, field="liaison", label="专职协办员", cap=Cap.PROJECT_LIAISON)
        dept_id = fields["department"].pk if "department" in fields else item.department_id
        if person.department_id != dept_id:
            raise ServiceError("invalid", "「专职协办员」应属于该事项的责任部门", field="liaison")
        fields["liaison"] = person
        changes["liaison"] = [item.liaison_id, person.pk]
    if limit_workdays not in (None, ""):
        limit = _int(
            limit_workdays, field="limit_workdays", label="办理时限（工作日）", low=0, high=LIMIT_MAX
        )
        if limit != item.limit_workdays:
            if item.status != ItemStatus.PENDING:
                raise ServiceError("invalid", "事项启动后不能修改「办理时限」", field="limit_workdays")
            fields["limit_workdays"] = limit
            changes["limit_workdays"] = [item.limit_workdays, limit]
    if not fields:
        return item
    _write_item(item, item.status, item.version, **fields)
    if "limit_workdays" in fields:
        _replan(
            item.project,
            item.project.items.order_by("planned_start").values_list("planned_start", flat=True).first()
            or today(),
        )
    _event(item.project, by, "item.assign", f"调整事项「{item.name}」的责任部门或时限", item=item)
    _audit(by, "item.assign", item, item.project, changes)
    return item


@transaction.atomic
def item_add_dependency(*, by, item: ProjectItem, needs) -> ProjectItem:
    """Declare that `item` needs `needs` (same project, no cycle, and not after it started)."""
    item = _lock_item(item, None)
    _require_manage(by, item.project)
    pk = needs.pk if isinstance(needs, ProjectItem) else needs
    other = ProjectItem.objects.filter(pk=pk, project=item.project).first() if isinstance(pk, int) else None
    if other is None:
        raise ServiceError("invalid", "「前置事项」应为本项目的事项", field="needs")
    if item.status != ItemStatus.PENDING:
        raise ServiceError("invalid", "事项启动后不能增加前置事项", field="needs")
    if rules.creates_cycle(_deps(item.project), item.pk, other.pk):
        raise ServiceError("cycle", f"「{other.name}」已直接或间接依赖本事项，不能互为前置", field="needs")
    item.depends_on.add(other)
    _write_item(item, item.status, item.version)
    _event(item.project, by, "item.depends", f"事项「{item.name}」的前置事项增加「{other.name}」", item=item)
    _audit(by, "item.depends", item, item.project, {"depends_on": [None, other.pk]})
    return item


@transaction.atomic
def item_link_case(*, by, item: ProjectItem, case_number: str) -> ProjectItem:
    """Link the item to the 代办 case that handles it (registered through the cases pages)."""
    item = _lock_item(item, None)
    _require_manage(by, item.project)
    number = _text(case_number, field="case_number", label="办件编号", limit=32)
    case = Case.objects.select_related("institution").filter(number=number).first()
    if case is None or not institution_in_scope(by, case.institution):
        raise ServiceError("not_in_scope", "「办件编号」不存在或不在您的数据范围内", field="case_number")
    _write_item(item, item.status, item.version, case=case)
    _event(item.project, by, "item.case", f"事项「{item.name}」关联办件 {case.number}", item=item)
    _audit(by, "item.link_case", item, item.project, {"case": [None, case.pk]})
    return item


# --- liaison requests -----------------------------------------------------------------------------


@transaction.atomic
def request_send(
    *, by, project: Project, department, kind: str, text: str, item=None, limit_workdays=1
) -> LiaisonRequest:
    """The center asks a department; due `limit` working days after today (default 1)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    _require_manage(by, project)
    dept = _department(by, department, label="部门")
    kind = _choice(kind, RequestKind, field="kind", label="类别")
    text = _text(text, field="text", label="请求内容")
    limit = _int(
        limit_workdays, field="limit_workdays", label="答复时限（工作日）", low=1, high=REQUEST_LIMIT_MAX
    )
    item_obj = None
    if item not in (None, ""):
        pk = item.pk if isinstance(item, ProjectItem) else item
        item_obj = ProjectItem.objects.filter(pk=pk, project=project).first() if isinstance(pk, int) else None
        if item_obj is None:
            raise ServiceError("invalid", "「事项」应为本项目的事项", field="item")
    on = today()
    req = LiaisonRequest.objects.create(
        project=project,
        item=item_obj,
        department=dept,
        kind=kind,
        text=text,
        limit_workdays=limit,
        sent_on=on,
        due=get_calendar().add_workdays(on, limit),
        created_by=by,
    )
    _event(
        project, by, "request.send", f"向{dept.name}发出{req.get_kind_display()}：{text[:60]}", item=item_obj
    )
    _audit(
        by, "request.send", req, project, {"department": [None, dept.pk], "due": [None, req.due.isoformat()]}
    )
    return req


def request_level(req: LiaisonRequest, on: dt.date | None = None) -> int:
    """The rung the request is at (computed from dates, so right without a worker)."""
    cal = get_calendar()
    return rules.escalation_level(
        req.sent_on, request_limits(req), on or today(), cal.add_workdays, closed_on=req.answered_on
    )


@transaction.atomic
def request_answer(*, by, request: LiaisonRequest, answer: str) -> LiaisonRequest:
    """The department's liaison (or 首席) answers; a late answer keeps the rung it had reached."""
    req = (
        LiaisonRequest.objects.select_for_update()
        .select_related("project__institution", "department")
        .get(pk=request.pk)
    )
    if not is_department_liaison(by, req.department_id) and not can_manage(by, req.project):
        raise NotInScope(target=req)
    answer = _text(answer, field="answer", label="答复")
    if req.answered_on is not None:
        raise ServiceError("invalid_transition", "该请求已答复", field="answer")
    on = today()
    req.answer, req.answered_at, req.answered_on, req.answered_by = answer, timezone.now(), on, by
    req.level = max(req.level, request_level(req, on))
    req.save(update_fields=["answer", "answered_at", "answered_on", "answered_by", "level"])
    late = on > req.due
    _event(
        req.project,
        by,
        "request.answer",
        f"{req.department.name}答复{req.get_kind_display()}" + ("（超期）" if late else ""),
        item=req.item,
    )
    _audit(by, "request.answer", req, req.project, {"answered_on": [None, on.isoformat()]}, note=answer[:200])
    return req


# --- meetings and action items ---------------------------------------------------------------------


@transaction.atomic
def meeting_record(
    *,
    by,
    project: Project,
    kind: str,
    held_on,
    attendees: str,
    agenda: str,
    minutes: str = "",
    departments=(),
    decisions=(),
) -> Meeting:
    """A coordination meeting with its decisions; each decision becomes an action item with an
    owner and a working-day deadline counted from the meeting day."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    _require_manage(by, project)
    kind = _choice(kind, MeetingKind, field="kind", label="会议类型")
    held = _date(held_on, field="held_on", label="会议日期")
    if held > today():
        raise ServiceError("invalid", "「会议日期」不能晚于今天", field="held_on")
    attendees = _text(attendees, field="attendees", label="参会人员")
    agenda = _text(agenda, field="agenda", label="议题")
    minutes = _text(minutes, field="minutes", label="会议纪要", limit=LONG_TEXT_MAX, required=False)
    depts = [_department(by, d, field="departments", label="参会部门") for d in departments or ()]
    decisions = list(decisions or ())
    if len(decisions) > MAX_DECISIONS:
        raise ServiceError("too_many", f"一次会议最多登记 {MAX_DECISIONS} 项决定", field="decisions")
    cleaned = []
    for n, d in enumerate(decisions, 1):
        if not isinstance(d, dict):
            raise ServiceError("invalid", f"第 {n} 项决定格式不正确", field="decisions")
        cleaned.append(
            {
                "decision": _text(d.get("decision"), field="decisions", label=f"第 {n} 项决定的内容"),
                "owner": _user_in_scope(
                    by, d.get("owner"), field="decisions", label=f"第 {n} 项决定的责任人"
                ),
                "department": _department(
                    by, d["department"], field="decisions", label=f"第 {n} 项决定的责任部门"
                )
                if d.get("department") not in (None, "")
                else None,
                "limit_workdays": _int(
                    d.get("limit_workdays", 5),
                    field="decisions",
                    label=f"第 {n} 项决定的落实时限（工作日）",
                    low=1,
                    high=LIMIT_MAX,
                ),
            }
        )
    meeting = Meeting.objects.create(
        project=project,
        kind=kind,
        held_on=held,
        convened_by=by,
        attendees=attendees,
        agenda=agenda,
        minutes=minutes,
    )
    meeting.departments.set(depts)
    cal = get_calendar()
    for d in cleaned:
        ActionItem.objects.create(
            meeting=meeting, project=project, due=cal.add_workdays(held, d["limit_workdays"]), **d
        )
    _event(
        project,
        by,
        "meeting.record",
        f"召开{meeting.get_kind_display()}，形成 {len(cleaned)} 项决定",
        public=True,
    )
    _audit(by, "meeting.create", meeting, project, {"decisions": [None, len(cleaned)]})
    return meeting


@transaction.atomic
def action_close(*, by, action: ActionItem, result: str) -> ActionItem:
    """Close a meeting's action item (its owner or the project's staff)."""
    action = ActionItem.objects.select_for_update().select_related("project__institution").get(pk=action.pk)
    if by.pk != action.owner_id and not can_manage(by, action.project):
        raise NotInScope(target=action)
    result = _text(result, field="result", label="落实情况")
    if action.closed_on is not None:
        raise ServiceError("invalid_transition", "该决定事项已办结", field="result")
    on = today()
    action.closed_on, action.closed_by, action.result = on, by, result
    action.save(update_fields=["closed_on", "closed_by", "result"])
    late = on > action.due
    _event(
        action.project,
        by,
        "action.close",
        f"会议决定事项办结：{action.decision[:60]}" + ("（超期）" if late else ""),
    )
    _audit(
        by, "action.close", action, action.project, {"closed_on": [None, on.isoformat()]}, note=result[:200]
    )
    return action


# --- blockers ----------------------------------------------------------------------------------------


@transaction.atomic
def blocker_raise(*, by, item: ProjectItem, text: str) -> Blocker:
    item = ProjectItem.objects.select_related("project__institution").get(pk=item.pk)
    if not can_run_item(by, item):
        raise NotInScope(target=item)
    text = _text(text, field="text", label="堵点描述")
    blocker = Blocker.objects.create(
        project=item.project, item=item, text=text, raised_on=today(), raised_by=by
    )
    _event(item.project, by, "blocker.raise", f"事项「{item.name}」提出堵点：{text[:60]}", item=item)
    _audit(by, "blocker.raise", blocker, item.project)
    return blocker


def blocker_level(blocker: Blocker, on: dt.date | None = None) -> int:
    cal = get_calendar()
    return rules.escalation_level(
        blocker.raised_on, blocker_limits(), on or today(), cal.add_workdays, closed_on=blocker.resolved_on
    )


@transaction.atomic
def blocker_resolve(*, by, blocker: Blocker, resolution: str) -> Blocker:
    blocker = (
        Blocker.objects.select_for_update().select_related("project__institution", "item").get(pk=blocker.pk)
    )
    if not can_run_item(by, blocker.item):
        raise NotInScope(target=blocker)
    resolution = _text(resolution, field="resolution", label="解决情况")
    if blocker.resolved_on is not None:
        raise ServiceError("invalid_transition", "该堵点已解决", field="resolution")
    on = today()
    blocker.resolved_on, blocker.resolution = on, resolution
    blocker.level = max(blocker.level, blocker_level(blocker, on))
    blocker.save(update_fields=["resolved_on", "resolution", "level"])
    _event(blocker.project, by, "blocker.resolve", f"堵点已解决：{resolution[:60]}", item=blocker.item)
    _audit(by, "blocker.resolve", blocker, blocker.project, note=resolution[:200])
    return blocker


# --- escalation (Celery and on read, idempotent) ----------------------------------------------------


def _rung_holder(project: Project, department_id: int | None, rung: str) -> User | None:
    """The person who answers for a rung of a ladder (rules.REQUEST_LADDER / BLOCKER_LADDER)."""
    if rung == "协调员":
        return project.coordinator
    people = User.objects.filter(is_active=True).order_by("id")
    if rung == "中心负责人":
        return people.filter(
            institution=project.institution, role_assignments__role=Role.CENTER_ADMIN
        ).first()
    role = Role.CHIEF_LIAISON if rung == "首席协办员" else Role.LIAISON
    if department_id is None:
        return None
    return people.filter(department_id=department_id, role_assignments__role=role).first()


def _escalation_sms(target, kind: str, level: int, holder: User | None, text: str) -> None:
    """The SMS to the person now responsible, once per rung (the outbox's dedupe key); none for
    someone without a mobile number on file."""
    if holder is None or not holder.phone:
        return
    notify(
        phone=holder.phone,
        text=f"{sms_signature()}{text}",
        event=Message.Event.ESCALATED,
        dedupe_key=f"projects:{kind}:{target.pk}:level:{level}",
        object_type=f"projects.{kind}",
        object_id=str(target.pk),
        institution=target.project.institution,
    )


def _request_climb(req: LiaisonRequest, level: int) -> bool:
    """Record the request's climb from its stored rung to `level`: a conditional update on the old
    rung, then one timeline row, one audit row and the SMS to the rung's holder (all or nothing)."""
    with transaction.atomic():
        if not LiaisonRequest.objects.filter(pk=req.pk, level=req.level, answered_on__isnull=True).update(
            level=level
        ):
            return False
        req = LiaisonRequest.objects.select_related(
            "project__institution", "project__coordinator", "department", "item"
        ).get(pk=req.pk)
        before, req.level = req.level, level
        who = rules.REQUEST_LADDER[min(level, len(rules.REQUEST_LADDER) - 1)]
        _event(
            req.project,
            None,
            "request.escalate",
            f"{req.department.name}的协办请求超期未答复，已升级至{who}",
            item=req.item,
        )
        _audit(None, "request.escalate", req, req.project, {"level": [before, level]})
        _escalation_sms(
            req,
            "request",
            level,
            _rung_holder(req.project, req.department_id, who),
            f"重点项目「{req.project.name[:16]}」{req.department.name}的协办请求超期未答复，"
            f"已升级由您（{who}）督促答复。",
        )
    return True


def _blocker_climb(blocker: Blocker, level: int) -> bool:
    """As _request_climb, for a blocker."""
    with transaction.atomic():
        if not Blocker.objects.filter(pk=blocker.pk, level=blocker.level, resolved_on__isnull=True).update(
            level=level
        ):
            return False
        b = Blocker.objects.select_related("project__institution", "project__coordinator", "item").get(
            pk=blocker.pk
        )
        before = blocker.level
        who = rules.BLOCKER_LADDER[min(level, len(rules.BLOCKER_LADDER) - 1)]
        _event(b.project, None, "blocker.escalate", f"堵点超期未解决，已升级至{who}", item=b.item)
        _audit(None, "blocker.escalate", b, b.project, {"level": [before, level]})
        _escalation_sms(
            b,
            "blocker",
            level,
            _rung_holder(b.project, b.item.department_id, who),
            f"重点项目「{b.project.name[:16]}」事项「{b.item.name[:16]}」的堵点超期未解决，"
            f"已升级由您（{who}）协调。",
        )
    return True


def request_current_level(req: LiaisonRequest, on: dt.date | None = None) -> int:
    """The rung the request is at now. A climb the beat has not recorded yet is recorded on this
    read (timeline, audit, SMS), once: pages never show a rung nobody was told about."""
    level = max(req.level, request_level(req, on))
    if level > req.level and req.answered_on is None:
        _request_climb(req, level)
    return level


def blocker_current_level(blocker: Blocker, on: dt.date | None = None) -> int:
    """As request_current_level, for a blocker."""
    level = max(blocker.level, blocker_level(blocker, on))
    if level > blocker.level and blocker.resolved_on is None:
        _blocker_climb(blocker, level)
    return level


def escalate_overdue(on: dt.date | None = None) -> int:
    """Raise the stored rung of every open request and blocker whose limit passed; one timeline and
    audit row and one SMS to the person now responsible per climb. Idempotent: a conditional update
    on the old rung (so two workers, a rerun or a page read never record the same climb twice) and
    the SMS outbox's dedupe key per rung."""
    on = on or today()
    climbed = 0
    for req in LiaisonRequest.objects.filter(answered_on__isnull=True, due__lt=on):
        level = request_level(req, on)
        if level > req.level and _request_climb(req, level):
            climbed += 1
    for b in Blocker.objects.filter(resolved_on__isnull=True):
        level = blocker_level(b, on)
        if level > b.level and _blocker_climb(b, level):
            climbed += 1
    return climbed
