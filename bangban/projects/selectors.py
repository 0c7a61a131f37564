"""Reads of key projects, scoped once here.

Center staff (PROJECT_MANAGE) and supervisors see every project of their institution tree
(org.selectors.scope_q). A department's liaison (PROJECT_LIAISON) sees only their department's
items and requests (and the action items they own), never a whole project.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Avg, Count, DurationField, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap, Role
from bangban.core.cache import refreshed
from bangban.core.errors import NotInScope
from bangban.core.routing import parse_id
from bangban.org.models import Department
from bangban.org.selectors import (
    DEPARTMENT_NAMES_KEY,
    department_names_version,
    get_in_scope,
    institution_in_scope,
    scope_q,
    scope_root_path,
)
from bangban.projects import rules, services
from bangban.projects.models import (
    ActionItem,
    Blocker,
    ItemStatus,
    ItemSuspension,
    LiaisonRequest,
    Project,
    ProjectItem,
    ProjectStage,
    ProjectStatus,
)
from bangban.workdays.deadlines import Suspension, compute_deadline
from bangban.workdays.selectors import calendar_with_version, get_calendar, yellow_within

PROJECT_READERS = (Cap.PROJECT_MANAGE, Cap.SUPERVISION_VIEW)
OPEN_ITEM = (ItemStatus.RUNNING, ItemStatus.SUSPENDED)
DONE_STAGE = "已完成"


def may_read_projects(user) -> bool:
    return any(has_cap(user, c) for c in PROJECT_READERS)


def _projects(user) -> QuerySet[Project]:
    if not may_read_projects(user):
        return Project.objects.none()
    return Project.objects.select_related("institution", "division", "lead_agent", "coordinator").filter(
        scope_q(user)
    )


def project_list(*, user, search: str = "", level: str = "") -> QuerySet[Project]:
    qs = _projects(user)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(number=search) | Q(investor_name__icontains=search))
    if level:
        qs = qs.filter(level=level)
    return qs


def project_get(*, user, pk) -> Project:
    if not may_read_projects(user):
        raise NotInScope()
    return get_in_scope(
        Project.objects.select_related("institution", "division", "lead_agent", "coordinator", "case"),
        user,
        pk,
    )


def project_get_for_gantt(*, user, pk) -> Project:
    """project_get with only what gantt_data reads (its id, number, name and revision): the chart's
    endpoints are polled, and the five joins of the full read cost more than a cached chart."""
    if not may_read_projects(user):
        raise NotInScope()
    return get_in_scope(
        Project.objects.only("id", "number", "name", "revision", "institution_id").order_by(), user, pk
    )


def item_get(*, user, pk) -> ProjectItem:
    """An item the user may see: in a readable project in scope, or of the liaison's department."""
    if parse_id(str(pk)) is None:
        raise NotInScope()
    item = (
        ProjectItem.objects.select_related("project__institution", "department", "stage")
        .filter(pk=pk)
        .first()
    )
    if item is not None and (
        (may_read_projects(user) and institution_in_scope(user, item.project.institution))
        or services.is_department_liaison(user, item.department_id)
    ):
        return item
    raise NotInScope(target=item)


def request_get(*, user, pk) -> LiaisonRequest:
    if parse_id(str(pk)) is None:
        raise NotInScope()
    req = (
        LiaisonRequest.objects.select_related("project__institution", "department", "item")
        .filter(pk=pk)
        .first()
    )
    if req is not None and (
        (may_read_projects(user) and institution_in_scope(user, req.project.institution))
        or services.is_department_liaison(user, req.department_id)
    ):
        return req
    raise NotInScope(target=req)


def action_get(*, user, pk) -> ActionItem:
    if parse_id(str(pk)) is None:
        raise NotInScope()
    action = ActionItem.objects.select_related("project__institution", "owner").filter(pk=pk).first()
    if action is not None and (
        action.owner_id == user.pk
        or (may_read_projects(user) and institution_in_scope(user, action.project.institution))
    ):
        return action
    raise NotInScope(target=action)


def blocker_get(*, user, pk) -> Blocker:
    if parse_id(str(pk)) is None:
        raise NotInScope()
    b = Blocker.objects.select_related("project__institution", "item").filter(pk=pk).first()
    if b is not None and (
        (may_read_projects(user) and institution_in_scope(user, b.project.institution))
        or services.is_department_liaison(user, b.item.department_id)
    ):
        return b
    raise NotInScope(target=b)


# --- the department queue -----------------------------------------------------------------------------


def department_queue(*, user) -> dict:
    """The liaison's department: its open project items and its liaison requests (open first)."""
    dept_id = getattr(user, "department_id", None)
    if not has_cap(user, Cap.PROJECT_LIAISON) or dept_id is None:
        return {"items": ProjectItem.objects.none(), "requests": LiaisonRequest.objects.none(), "actions": []}
    items = (
        ProjectItem.objects.filter(department_id=dept_id)
        .exclude(status=ItemStatus.DONE)
        .select_related("project", "stage")
        .order_by("due", "planned_start", "id")
    )
    requests = (
        LiaisonRequest.objects.filter(department_id=dept_id)
        .select_related("project", "item")
        .order_by(F("answered_on").asc(nulls_first=True), "due", "id")
    )
    actions = ActionItem.objects.filter(owner=user, closed_on__isnull=True).select_related(
        "project", "meeting"
    )
    return {"items": items, "requests": requests, "actions": actions}


# --- one project ------------------------------------------------------------------------------------


@dataclass
class ItemRow:
    item: ProjectItem
    light: str
    critical: bool
    left_workdays: int | None
    due: dt.date | None
    needs: list[int]


def item_rows(project: Project, on: dt.date | None = None, *, detail: bool = True) -> list[ItemRow]:
    """Every item of the project with its light (rules.item_light, the deadline from the working-day
    calendar with suspensions) and whether it is on the critical path. `detail`: also load what the
    project page shows beside each item (liaison, case, catalog version); the Gantt needs less."""
    on = on or services.today()
    related = (
        ("stage", "department", "liaison", "case", "item_version", "task__case")
        if detail
        else ("stage", "department")
    )
    items = list(project.items.select_related(*related))
    suspensions: dict[int, list[ItemSuspension]] = defaultdict(list)
    for s in ItemSuspension.objects.filter(item__project=project).order_by("suspended_on", "id"):
        suspensions[s.item_id].append(s)
    deps: dict[int, set[int]] = defaultdict(set)
    through = ProjectItem.depends_on.through
    for src, dst in through.objects.filter(from_projectitem__project=project).values_list(
        "from_projectitem_id", "to_projectitem_id"
    ):
        deps[src].add(dst)
    critical = rules.critical_path({i.pk: max(i.limit_workdays, 1) for i in items}, deps)
    within = yellow_within()
    rows = []
    for i in items:
        deadline = services.item_deadline(i, on, suspensions=suspensions.get(i.pk, []))
        left = deadline.left_workdays if deadline else None
        due = deadline.due if deadline else None
        light = rules.item_light(
            status=i.status,
            today=on,
            due=due if i.status != ItemStatus.DONE else i.due,
            left_workdays=left,
            planned_start=i.planned_start,
            planned_end=i.planned_end,
            actual_end=i.actual_end,
            yellow_within=within,
        )
        rows.append(ItemRow(i, light, i.pk in critical, left, due, sorted(deps.get(i.pk, ()))))
    return rows


def project_light(rows: list[ItemRow]) -> str:
    """A project's light: the worst light of its items not yet done."""
    return rules.worst(r.light for r in rows if r.item.status != ItemStatus.DONE)


GANTT_KEEP_SECONDS = 24 * 3600


def gantt_data(project: Project, on: dt.date | None = None) -> dict:
    """What the Gantt chart draws: one row per item, planned and actual bars, today's line.

    The computed chart (deadlines with suspensions, lights, critical path) is kept in the cache
    under everything it is computed from: the project's revision (replaced in the transaction of
    every change to its items, suspensions, dependencies and stages: services._lock_project_items),
    the working-day calendar's version token, the day and the yellow threshold; with it the
    departments' names token it was named under (org.selectors.department_names_version, replaced
    when a department is renamed). So a kept chart is exactly the chart computed now
    (tests/test_gantt_cache.py compares them after each kind of write). The project's own number
    and name come from `project`, read by the request."""
    from django.core.cache import cache

    on = on or services.today()
    calendar, calendar_version = calendar_with_version()
    within = yellow_within()
    key = names_version = None
    if calendar_version is not None and getattr(project, "revision", None) is not None:
        key = (
            f"bangban:projects:gantt-chart:{project.pk}:{project.revision}:{calendar_version}"
            f":{on.isoformat()}:{within}"
        )
        found = cache.get_many([key, DEPARTMENT_NAMES_KEY])  # one round trip
        names_version = found.get(DEPARTMENT_NAMES_KEY) or department_names_version()
        entry = found.get(key)
        if entry is not None and names_version is not None and entry[0] == names_version:
            return _gantt_of(project, entry[1])
    chart = _gantt_named(_gantt_compute(project.pk, on, calendar, within))
    # Kept only if no change committed while it was computed (it would be part old, part new).
    if (
        key is not None
        and names_version is not None
        and Project.objects.filter(pk=project.pk, revision=project.revision).exists()
    ):
        cache.set(key, (names_version, chart), GANTT_KEEP_SECONDS)
    return _gantt_of(project, chart)


def _gantt_of(project: Project, chart: dict) -> dict:
    return {
        "today": chart["today"],
        "project": {"id": project.pk, "number": project.number, "name": project.name},
        "stages": chart["stages"],
        "items": chart["items"],
    }


def _gantt_compute(project_id: int, on: dt.date, calendar, within: int) -> dict:
    """The chart without names others may change: value rows, not model instances (a chart reads
    60 items, their stages, suspensions and dependencies). Lights, deadlines and the critical
    path as item_rows computes them for the project page."""
    items = list(
        ProjectItem.objects.filter(project_id=project_id)
        .order_by("stage__order", "order", "id")
        .values_list(
            "id",
            "name",
            "stage__name",
            "department_id",
            "status",
            "limit_workdays",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "due",
        )
    )
    suspensions: dict[int, list[Suspension]] = defaultdict(list)
    for item_id, suspended, resumed in (
        ItemSuspension.objects.filter(item__project_id=project_id)
        .order_by("suspended_on", "id")
        .values_list("item_id", "suspended_on", "resumed_on")
    ):
        suspensions[item_id].append(Suspension(suspended, resumed))
    deps: dict[int, set[int]] = defaultdict(set)
    through = ProjectItem.depends_on.through
    for src, dst in through.objects.filter(from_projectitem__project_id=project_id).values_list(
        "from_projectitem_id", "to_projectitem_id"
    ):
        deps[src].add(dst)
    critical = rules.critical_path({row[0]: max(row[5], 1) for row in items}, deps)
    labels = {value: str(label) for value, label in ItemStatus.choices}
    rows = []
    for pk, name, stage, dept, status, limit, p_start, p_end, a_start, a_end, stored_due in items:
        due = left = None
        if a_start is not None:
            deadline = compute_deadline(
                calendar,
                accepted=a_start,
                limit_workdays=limit,
                today=on,
                suspensions=suspensions.get(pk, []),
            )
            due, left = deadline.due, deadline.left_workdays
        light = rules.item_light(
            status=status,
            today=on,
            due=due if status != ItemStatus.DONE else stored_due,
            left_workdays=left,
            planned_start=p_start,
            planned_end=p_end,
            actual_end=a_end,
            yellow_within=within,
        )
        rows.append(
            {
                "id": pk,
                "name": name,
                "stage": stage,
                "department": dept,  # its name: _gantt_named
                "status": status,
                "status_label": labels.get(status, status),
                "planned_start": _iso(p_start),
                "planned_end": _iso(p_end),
                "actual_start": _iso(a_start),
                # A running item's actual bar reaches today.
                "actual_end": _iso(a_end or (on if a_start else None)),
                "due": _iso(due),
                "light": light,
                "critical": pk in critical,
                "needs": sorted(deps.get(pk, ())),
            }
        )
    stages = [
        {
            "name": name,
            "planned_start": _iso(ps),
            "planned_end": _iso(pe),
            "actual_start": _iso(as_),
            "actual_end": _iso(ae),
        }
        for name, ps, pe, as_, ae in ProjectStage.objects.filter(project_id=project_id)
        .order_by("order", "id")
        .values_list("name", "planned_start", "planned_end", "actual_start", "actual_end")
    ]
    return {"today": on.isoformat(), "stages": stages, "items": rows}


def _gantt_named(chart: dict) -> dict:
    """The chart with its departments' names (one statement)."""
    ids = {row["department"] for row in chart["items"] if row["department"] is not None}
    names = dict(Department.objects.filter(pk__in=ids).values_list("id", "name")) if ids else {}
    return chart | {
        "items": [row | {"department": names.get(row["department"], "")} for row in chart["items"]]
    }


def _iso(d):
    return d.isoformat() if d else None


def open_requests(project: Project) -> list[tuple[LiaisonRequest, int]]:
    on = services.today()
    return [
        (r, services.request_current_level(r, on))
        for r in project.liaison_requests.select_related("department", "item").order_by("answered_on", "due")[
            :100
        ]
    ]


def open_blockers(project: Project) -> list[tuple[Blocker, int]]:
    on = services.today()
    return [
        (b, services.blocker_current_level(b, on))
        for b in project.blockers.select_related("item").order_by("resolved_on", "-raised_on")[:100]
    ]


# --- 挂图作战 -------------------------------------------------------------------------------------------


def _late_q(today: dt.date, prefix: str = "") -> Q:
    p = prefix
    return Q(**{f"{p}status__in": OPEN_ITEM, f"{p}due__lt": today}) | Q(
        **{f"{p}status": ItemStatus.PENDING, f"{p}planned_end__lt": today}
    )


def _warn_q(today: dt.date, soon: dt.date, prefix: str = "") -> Q:
    p = prefix
    return Q(**{f"{p}status__in": OPEN_ITEM, f"{p}due__gte": today, f"{p}due__lte": soon}) | Q(
        **{f"{p}status": ItemStatus.PENDING, f"{p}planned_start__lt": today, f"{p}planned_end__gte": today}
    )


def _wall_cache(user, on: dt.date) -> tuple[str, float, float] | None:
    """(the wall's cache key for the user's scope and the day, seconds a copy is fresh, seconds it
    is kept), or None when the wall is not cached (BANGBAN_PROJECT_WALL_SECONDS = 0)."""
    from django.conf import settings

    seconds = getattr(settings, "BANGBAN_PROJECT_WALL_SECONDS", 10)
    root = scope_root_path(user)
    if not seconds or root is None or not may_read_projects(user):
        return None
    return f"{root}:{on.isoformat()}", seconds, max(6 * seconds, 60)


def wall_data(*, user, on: dt.date | None = None) -> dict:
    """wall_board, rebuilt at most every BANGBAN_PROJECT_WALL_SECONDS (default 10) per scope and
    day: a hall screen and every coordinator's wall poll the same board (every 30 s by default),
    and one board over 2,000 projects × 60 items costs a few hundred milliseconds of database
    time (the benchmark's in-process figure). One request rebuilds an expired board while the
    others are served the board it replaces (core.cache.refreshed: no stampede of rebuilds), so a
    board is at most that many seconds old plus one rebuild. 0 turns the cache off."""
    on = on or services.today()
    cached = _wall_cache(user, on)
    if cached is None:
        return wall_board(user=user, on=on)
    key, fresh, keep = cached
    return refreshed(
        f"bangban:projects:wall:{key}", lambda: wall_board(user=user, on=on), fresh=fresh, keep=keep
    )[0]


def wall_html(*, user, render, on: dt.date | None = None) -> str:
    """The wall's panel as `render(wall_data(...))` returns it, kept like the board: rendering a few
    hundred project cards costs more than reading the board (tens of milliseconds), so one request
    renders an expired panel while the others are served the one it replaces. The panel is then
    at most twice BANGBAN_PROJECT_WALL_SECONDS old, plus a rebuild and a rendering."""
    return _kept_from_board("wall-html", render, user=user, on=on)


def wall_summary(*, user, on: dt.date | None = None) -> dict:
    """The wall's counts without its project cards (the API's answer), kept like the panel
    (wall_html): a small copy to read instead of the whole board on every poll."""
    return _kept_from_board("wall-summary", _summary, user=user, on=on)


def _kept_from_board(name: str, derive, *, user, on: dt.date | None):
    """derive(the wall board), kept under `name` like the board itself (wall_data)."""
    on = on or services.today()
    cached = _wall_cache(user, on)
    if cached is None:
        return derive(wall_board(user=user, on=on))
    key, fresh, keep = cached
    return refreshed(
        f"bangban:projects:{name}:{key}", lambda: derive(wall_data(user=user, on=on)), fresh=fresh, keep=keep
    )[0]


def _summary(wall: dict) -> dict:
    return {
        "total": wall["total"],
        "by_light": wall["by_light"],
        "items_late": wall["items_late"],
        "days_to_permit": wall["days_to_permit"],
        "stages": {
            name: {light: sum(1 for p in rows if p["light"] == light) for light in wall["by_light"]}
            for name, rows in wall["columns"]
        },
        "avg_days": dict(wall["avg_days"]),
    }


def _days(value) -> float:
    """An average duration from the database (a timedelta; SQLite may give microseconds) in days."""
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else float(value) / 1e6
    return round(seconds / 86400, 1)


def wall_board(*, user, on: dt.date | None = None) -> dict:
    """All projects in scope by current stage and light, and the counts leaders ask for.

    Lights here come from the stored due dates (an item's due date is stored at each step); a
    suspended item's clock is stopped and counts as late only if it was already late when
    suspended (workdays.deadlines), as on the project page."""
    on = on or services.today()
    soon = get_calendar().add_workdays(on, yellow_within())
    current_stage = (
        ProjectStage.objects.filter(project=OuterRef("pk"), actual_end__isnull=True)
        .order_by("order")
        .values("name")[:1]
    )
    projects = list(
        _projects(user)
        .filter(status="active")
        .annotate(
            late=Count("items", filter=_late_q(on, "items__")),
            warn=Count("items", filter=_warn_q(on, soon, "items__")),
            stage_name=Subquery(current_stage),
        )
        .values("id", "number", "name", "level", "late", "warn", "stage_name")
        .order_by("-late", "-warn", "number")
    )
    stage_names = list(
        ProjectStage.objects.filter(project__in=_projects(user))
        .values_list("order", "name")
        .distinct()
        .order_by("order")
    )
    columns: dict[str, list] = {}
    for _order, name in stage_names:
        columns.setdefault(name, [])
    columns.setdefault(DONE_STAGE, [])
    for p in projects:
        p["light"] = rules.RED if p["late"] else rules.YELLOW if p["warn"] else rules.GREEN
        columns.setdefault(p["stage_name"] or DONE_STAGE, []).append(p)
    items_late = (
        ProjectItem.objects.filter(project__in=_projects(user).filter(status="active"))
        .filter(_late_q(on))
        .count()
    )
    # Averages in the database: days per finished stage, and 立项 (start) to 施工许可 (end) per project.
    stages = ProjectStage.objects.filter(project__in=_projects(user), actual_start__isnull=False)
    avg_stage = dict(
        stages.filter(actual_end__isnull=False)
        .values("name")
        .annotate(avg=Avg(F("actual_end") - F("actual_start"), output_field=DurationField()))
        .values_list("name", "avg")
    )
    permit = (
        stages.values("project_id")
        .annotate(
            start=Min("actual_start", filter=Q(name="立项")),
            end=Max("actual_end", filter=Q(name="施工许可")),
        )
        .filter(start__isnull=False, end__isnull=False)
        .aggregate(n=Count("project_id"), avg=Avg(F("end") - F("start"), output_field=DurationField()))
    )
    return {
        "today": on,
        "columns": [(name, rows) for name, rows in columns.items()],
        "total": len(projects),
        "by_light": {
            light: sum(1 for p in projects if p["light"] == light)
            for light in (rules.RED, rules.YELLOW, rules.GREEN)
        },
        "items_late": items_late,
        "avg_days": [
            (name, _days(avg_stage[name])) for _o, name in stage_names if avg_stage.get(name) is not None
        ],
        "days_to_permit": _days(permit["avg"]) if permit["n"] else None,
        "permit_count": permit["n"],
    }


# --- the investor's tracking page (public) ---------------------------------------------------------------

# Citizen wording for each public step of the timeline; staff notes and names never appear.
PUBLIC_LINES = {
    "register": "项目已登记，政务服务中心开始为您全程代办",
    "item.start": "「{item}」已开始办理",
    "item.complete": "「{item}」已办结",
    "meeting.record": "政务服务中心已召集相关部门开会协调推进",
}
STAGE_WORDS = {"done": "已完成", "running": "正在办理", "pending": "尚未开始"}


def project_by_token(token: str) -> Project | None:
    if not isinstance(token, str) or not 20 <= len(token) <= 40:
        return None
    return Project.objects.select_related("institution").filter(tracking_token=token).first()


def public_progress(project: Project) -> dict:
    """The stages in citizen words and the public steps of the timeline."""
    items = list(project.items.select_related("stage").order_by("stage__order", "order", "id"))
    stages = []
    for stage in project.stages.all():
        mine = [i for i in items if i.stage_id == stage.pk]
        done = sum(1 for i in mine if i.status == ItemStatus.DONE)
        state = "done" if mine and done == len(mine) else "running" if stage.actual_start else "pending"
        stages.append(
            {
                "name": stage.name,
                "state": STAGE_WORDS[state],
                "done": done,
                "total": len(mine),
                "items": [
                    (
                        i.name,
                        "已办结" if i.status == ItemStatus.DONE else "办理中" if i.actual_start else "待办理",
                    )
                    for i in mine
                ],
            }
        )
    lines = []
    for e in project.events.filter(public=True).select_related("item")[:100]:
        template = PUBLIC_LINES.get(e.action)
        if template:
            lines.append({"at": e.at, "text": template.format(item=e.item.name if e.item else "")})
    return {"stages": stages, "lines": lines}


@dataclass
class CaseLink:
    project: Project
    item: ProjectItem | None


def case_links(case) -> list[CaseLink]:
    """The key projects a case carries: as a project's own case, and for each item it handles (its
    own case, a case linked by hand, or the case holding the item's joint task). Two statements."""
    shown = ("id", "number", "name")  # of the project: the case page links it by number and name
    links = [CaseLink(p, None) for p in Project.objects.filter(case=case).only(*shown).order_by("id")[:20]]
    items = (
        ProjectItem.objects.filter(Q(case=case) | Q(task__case=case))
        .select_related("project")
        .only("id", "name", *(f"project__{f}" for f in shown))
        .order_by("project_id", "id")[:100]
    )
    return links + [CaseLink(i.project, i) for i in items]


# --- the 工作台 ---------------------------------------------------------------------------------------

WORKBENCH_ROWS = 10


def _my_projects(user) -> QuerySet[Project]:
    """The projects a center user runs: those they lead or coordinate; all in scope for a center head."""
    qs = Project.objects.filter(scope_q(user), status=ProjectStatus.ACTIVE)
    if Role.CENTER_ADMIN in getattr(user, "role_codes", ()):
        return qs
    return qs.filter(Q(lead_agent=user) | Q(coordinator=user))


def workbench(user, on: dt.date | None = None) -> dict | None:
    """What the 工作台 shows a user with project capabilities (None without): `late` items (running
    past their due date, or pending past their planned end) of their projects, or of their
    department for a liaison; their department's open liaison `requests`; open `blockers` on those
    items. Querysets ordered most urgent first: the caller slices and counts (a few statements)."""
    manages, liaison = has_cap(user, Cap.PROJECT_MANAGE), has_cap(user, Cap.PROJECT_LIAISON)
    dept_id = getattr(user, "department_id", None)
    if not (manages or (liaison and dept_id)):
        return None
    on = on or services.today()
    requests = (
        LiaisonRequest.objects.filter(department_id=dept_id, answered_on__isnull=True)
        .select_related("project", "item")
        .order_by("due", "id")
        if liaison and dept_id
        else LiaisonRequest.objects.none()
    )
    if manages:
        # Their projects' ids first (one small statement): most agents run none, and then the two
        # lists are empty without a statement, or even a queryset, of their own.
        projects = list(_my_projects(user).order_by().values_list("pk", flat=True))
        mine = blocker_scope = Q(project_id__in=projects) if projects else None
    else:
        mine = Q(department_id=dept_id, project__status=ProjectStatus.ACTIVE)
        blocker_scope = Q(item__department_id=dept_id, project__status=ProjectStatus.ACTIVE)
    if mine is None:
        late, blockers = ProjectItem.objects.none(), Blocker.objects.none()
    else:
        late, blockers = _late_items(mine, on), _open_blockers(blocker_scope)
    return {
        "late": late,
        "requests": requests,
        "blockers": blockers,
        "manages": manages,
        "liaison": bool(liaison and dept_id),
    }


def _late_items(mine: Q, on: dt.date) -> QuerySet[ProjectItem]:
    """workbench's late items among `mine`, most overdue first, with what the 工作台 shows."""
    return (
        ProjectItem.objects.filter(mine)
        .filter(
            Q(status__in=OPEN_ITEM, due__lt=on) | Q(status=ItemStatus.PENDING, planned_end__lt=on),
        )
        .select_related("project", "department")
        .only("project_id", "name", "due", "planned_end", "project__name", "department__name")
        .order_by(Coalesce("due", "planned_end"), "id")
    )


def _open_blockers(scope: Q) -> QuerySet[Blocker]:
    """workbench's open blockers within `scope`, oldest first, with what the 工作台 shows."""
    return (
        Blocker.objects.filter(scope, resolved_on__isnull=True)
        .select_related("project", "item")
        .only("project_id", "text", "raised_on", "project__name", "item__name")
        .order_by("raised_on", "id")
    )
