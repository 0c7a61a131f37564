"""Reads of cases, scoped.

A user sees a case when (a) its handling institution is in their scope, (b) an institution in
their scope transferred it away (the sender keeps following it) or has a transfer of it waiting,
or (c) it has a joint task for their department (liaisons). Scoping uses EXISTS subqueries so the
work-queue indexes on the case table stay usable.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.cases import clock, tracking
from bangban.cases.models import CLOCK_STATUSES, OPEN_STATUSES, Case, JointTask, Status, Transfer
from bangban.core.errors import AccessRefused, NotInScope
from bangban.core.routing import parse_id
from bangban.org.selectors import scope_root_path


def case_scope_q(user) -> Q:
    root = scope_root_path(user)
    if root is None:
        return Q(pk__in=[])
    if root == "":
        return Q()
    q = Q(institution__path__startswith=root)
    transfers = Transfer.objects.filter(case=OuterRef("pk")).filter(
        Q(from_institution__path__startswith=root) | Q(to_institution__path__startswith=root, state="pending")
    )
    q |= Exists(transfers)
    if user.department_id and has_cap(user, Cap.CASE_LIAISON):
        q |= Exists(JointTask.objects.filter(case=OuterRef("pk"), department_id=user.department_id))
    return q


READER_CAPS = (Cap.CASE_HANDLE, Cap.CASE_VIEW_ALL, Cap.CASE_LIAISON)


def can_read_cases(user) -> bool:
    return any(has_cap(user, c) for c in READER_CAPS)


def require_reader(user) -> None:
    if not can_read_cases(user):
        raise AccessRefused("capability_required", "您的角色无权查看办件")


def case_list(
    *,
    user,
    status: str = "",
    light: str = "",
    mine: bool = False,
    institution_id: int | None = None,
    q: str = "",
    kind: str = "",
    open_only: bool = False,
    on: date | None = None,
) -> QuerySet[Case]:
    """Cases in scope, most urgent first: running clocks by due date, then stopped clocks, then the rest.

    `light` filters by traffic light on date `on` (default today): red = overdue, yellow = due within
    the configured working days, green = the rest of the running clocks.
    """
    require_reader(user)
    qs = Case.objects.filter(case_scope_q(user)).select_related("institution", "agent")
    if mine:
        qs = qs.filter(agent=user)
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if kind:
        qs = qs.filter(kind=kind)
    if institution_id:
        qs = qs.filter(institution_id=institution_id)
    if q:
        q = q.strip()
        from bangban.core import crypto
        from bangban.core.ids import is_valid_resident_id

        match = (
            Q(number=q)
            | Q(applicant_name__startswith=q)
            | Q(phone_hash=crypto.lookup_hash(q))  # phone numbers are stored encrypted
            | Q(credit_code=q.upper())
        )
        if is_valid_resident_id(q):
            match |= Q(applicant_id_hash=crypto.lookup_hash(q))
        qs = qs.filter(match)
    if light:
        on = on or clock.today()
        running = qs.filter(status__in=CLOCK_STATUSES, clock_stopped=False, due_date__isnull=False)
        yellow_ends = clock.yellow_ends(on)
        if light == "red":
            qs = running.filter(due_date__lt=on)
        elif light == "yellow":
            qs = running.filter(due_date__gte=on, due_date__lt=yellow_ends)
        elif light == "green":
            qs = running.filter(due_date__gte=yellow_ends)
    return qs.order_by("clock_stopped", "due_date", "id")


def case_get(*, user, pk) -> Case:
    require_reader(user)
    if parse_id(str(pk)) is None:
        raise NotInScope()
    case = (
        Case.objects.filter(case_scope_q(user), pk=pk)
        .select_related("institution", "agent", "created_by")
        .distinct()
        .first()
    )
    if case is None:
        raise NotInScope(target=Case.objects.filter(pk=pk).first())
    return case


def case_by_token(token: str) -> Case | None:
    return Case.objects.select_related("institution").filter(tracking_token=token).first()


def track_events(case: Case) -> list[tracking.TrackEvent]:
    """The timeline as the public tracking page may use it: types, statuses, dates and the facts
    the citizen lines need (suspension category, the institution a transfer went to), never texts."""
    suspensions = dict(case.suspensions.values_list("pk", "reason"))
    transfers = {t.pk: t for t in case.transfers.select_related("to_institution")}
    events = (
        case.events.filter(type__in=("transition", "transfer", "deadline"))
        .order_by("at", "id")
        .only("at", "type", "from_status", "to_status", "data")
    )
    seen_transfers: set = set()
    out = []
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        fields = {}
        if event.type == "transition" and event.to_status == Status.SUSPENDED:
            fields["suspension_reason"] = suspensions.get(data.get("suspension"), "")
        elif event.type == "transfer":
            # A transfer's first event is its sending; the next one its acceptance or return.
            transfer = transfers.get(data.get("transfer"))
            if transfer is not None and transfer.pk in seen_transfers and transfer.state == "accepted":
                fields["transferred_to"] = transfer.to_institution.name
            seen_transfers.add(data.get("transfer"))
        elif event.type == "deadline":
            fields["due_before"], fields["due_after"] = (
                str(data.get("before", "")),
                str(data.get("after", "")),
            )
        out.append(
            tracking.TrackEvent(
                at=event.at,
                type=event.type,
                from_status=event.from_status,
                to_status=event.to_status,
                **fields,
            )
        )
    return out


def open_suspension_reason(case: Case) -> str:
    if case.status != Status.SUSPENDED:
        return ""
    suspension = case.suspensions.filter(resumed_on__isnull=True).order_by("-suspended_on", "-id").first()
    return suspension.reason if suspension else ""


def pending_transfers_for(*, user) -> QuerySet[Transfer]:
    root = scope_root_path(user)
    if root is None or not has_cap(user, Cap.CASE_HANDLE):
        return Transfer.objects.none()
    qs = Transfer.objects.filter(state=Transfer.State.PENDING).select_related(
        "case", "from_institution", "to_institution"
    )
    return qs.filter(to_institution__path__startswith=root) if root else qs


def tasks_for(*, user) -> QuerySet[JointTask]:
    """Open joint tasks waiting on the user's department."""
    if not user.department_id:
        return JointTask.objects.none()
    return (
        JointTask.objects.filter(department_id=user.department_id, state=JointTask.State.OPEN)
        .select_related("case", "department", "assignee")
        .order_by("due_date", "id")
    )


def new_requests_for(*, user) -> QuerySet[Case]:
    """Requests not yet accepted, in the user's institution (not the whole subtree)."""
    if not has_cap(user, Cap.CASE_HANDLE) or user.institution_id is None:
        return Case.objects.none()
    return Case.objects.filter(
        institution_id=user.institution_id,
        status__in=[Status.CONSULTING, Status.APPLIED, Status.ANALYSING],
    ).order_by("created_at")


def timeline(case: Case):
    return case.events.select_related("actor").order_by("at", "id")


# --- registration at the window (issue 9) ----------------------------------------------------------

APPLICANT_CASES_SHOWN = 8


def applicant_key(*, id_number: str = "", phone: str = "", credit_code: str = "") -> Q | None:
    """The condition that finds one applicant's cases: the keyed hash of a valid ID number, the
    keyed hash of a phone number, or a valid credit code (stored in clear). None when the value
    cannot identify anyone (too short, bad check character): no lookup is made then."""
    from bangban.core import crypto
    from bangban.core.ids import is_valid_credit_code, is_valid_resident_id

    id_number = crypto.normalize(id_number)[:18]
    credit_code = crypto.normalize(credit_code)[:18]
    phone = crypto.normalize(phone)[:20]
    if id_number and is_valid_resident_id(id_number):
        return Q(applicant_id_hash=crypto.lookup_hash(id_number))
    if credit_code and is_valid_credit_code(credit_code):
        return Q(credit_code=credit_code)
    if phone and len(phone) >= 7 and phone.replace("-", "").isdigit():
        return Q(phone_hash=crypto.lookup_hash(phone))
    return None


def applicant_cases(
    *, user, id_number: str = "", phone: str = "", credit_code: str = "", limit: int = APPLICANT_CASES_SHOWN
) -> list[Case]:
    """A returning applicant's cases that `user` may see (case_list's scope, nothing else): the open
    ones, then the closed, newest first in each, `limit` in all. An empty list when there are none in
    scope: the answer is the same whether the applicant is unknown or known only outside the scope,
    so it reveals nothing."""
    key = applicant_key(id_number=id_number, phone=phone, credit_code=credit_code)
    if key is None:
        return []
    theirs = case_list(user=user).filter(key).order_by("-created_at", "-id")
    open_cases = list(theirs.filter(status__in=OPEN_STATUSES)[:limit])
    return open_cases + list(theirs.exclude(status__in=OPEN_STATUSES)[: limit - len(open_cases)])


FREQUENT_DAYS = 90
FREQUENT_CASES = 300


def _frequent_key(user) -> str:
    return f"cases:frequent-items:{user.pk}"


def forget_frequent_items(user) -> None:
    """After the agent registered at the window: the next search counts the new case."""
    from django.core.cache import cache

    cache.delete(_frequent_key(user))


def frequent_items(*, user, limit: int = 15) -> list[int]:
    """Ids of the catalog items the agent registered most in their last FREQUENT_CASES cases of the
    last FREQUENT_DAYS days, most used first (the window's picker shows them first). Cached for five
    minutes per agent: the picker asks on every keystroke."""
    from datetime import timedelta

    from django.core.cache import cache
    from django.db.models import Count
    from django.utils import timezone

    from bangban.cases.models import CaseItem

    key = _frequent_key(user)
    cached = cache.get(key)
    if cached is not None:
        return cached[:limit]
    since = timezone.now() - timedelta(days=FREQUENT_DAYS)
    recent = Case.objects.filter(agent=user, created_at__gte=since).order_by("-created_at")
    rows = (
        CaseItem.objects.filter(case_id__in=recent.values("pk")[:FREQUENT_CASES])
        .values("item_version__item_id")
        .annotate(n=Count("id"))
        .order_by("-n", "item_version__item_id")[:50]
    )
    ids = [r["item_version__item_id"] for r in rows]
    cache.set(key, ids, 300)
    return ids[:limit]
