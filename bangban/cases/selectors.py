"""Reads of cases, scoped.

A user sees a case when (a) its handling institution is in their scope, (b) an institution in
their scope transferred it away (the sender keeps following it) or has a transfer of it waiting,
or (c) it has a joint task for their department (liaisons). Scoping uses EXISTS subqueries so the
work-queue indexes on the case table stay usable: the handling institution is tested as
`institution_id IN (institutions under the root)`, a condition the partial open-case indexes can
serve, not as a join filter on the institution's path.

`case_scope_q` is the only definition of who sees which case: the pages, the API list, the 工作台
counts and the case getters all start from it.
"""

from __future__ import annotations

import functools
from datetime import date

from django.db import connection
from django.db.models import BooleanField, Count, Expression, F, Q, QuerySet

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.cases import clock, tracking, workflow
from bangban.cases.models import (
    CLOCK_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseItem,
    Entrustment,
    JointTask,
    Status,
    Transfer,
)
from bangban.core.db.rows import placeholders, selection
from bangban.core.errors import AccessRefused, NotInScope
from bangban.core.routing import parse_id
from bangban.org.models import Institution
from bangban.org.selectors import scope_root_path


class CaseCondition(Expression):
    """A condition on the case being queried, written once as SQL: `sql` with {id} and {institution}
    standing for that case's id and institution_id columns (as the query names them, so it holds in
    a subquery too) and `params` for its %s. The scope's parts are these: a case query pays the ORM's
    compiling of its three subqueries (about 2 ms a statement, more than the query) only once, here."""

    conditional = True

    def __init__(self, sql: str, params: tuple = ()):
        super().__init__(output_field=BooleanField())
        self.sql, self.params = sql, tuple(params)
        self.cols: list = []

    def get_source_expressions(self):
        return self.cols

    def set_source_expressions(self, exprs):
        self.cols = list(exprs)

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        if query is None or query.model is not Case:
            raise TypeError("CaseCondition filters cases only")
        resolved = self.copy()
        alias = query.get_initial_alias()
        resolved.cols = [Case._meta.pk.get_col(alias), Case._meta.get_field("institution").get_col(alias)]
        return resolved

    def as_sql(self, compiler, connection):
        case_id, _ = compiler.compile(self.cols[0])
        institution, _ = compiler.compile(self.cols[1])
        return self.sql.format(id=case_id, institution=institution), list(self.params)


@functools.cache
def _subtree_sql(vendor: str) -> str:
    """The ids of the institutions whose path starts with one %s (the LIKE pattern of
    `_subtree_pattern`), as the ORM writes `path__startswith` on this database (compiled once)."""
    sql, _params = (
        Institution.objects.filter(path__startswith="/").order_by().values("pk").query.sql_with_params()
    )
    return sql


def _subtree_pattern(root: str) -> str:
    """`path__startswith=root`'s LIKE pattern (the ORM's escaping of % and _ in it)."""
    return connection.ops.prep_for_like_query(root) + "%"


def scope_institution_ids(root: str) -> list[int]:
    """The ids of the institutions under `root` (the path prefix of a scope), in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(_subtree_sql(connection.vendor), [_subtree_pattern(root)])
        return [pk for (pk,) in cursor.fetchall()]


def case_scope_parts(user, *, list_institutions: bool = False) -> list[Q] | None:
    """The ways a case comes into the user's scope (any one suffices); None: every case.

    (a) its handling institution is under the user's scope root; (b) an institution there sent it
    away (the sender keeps following it) or has a transfer of it waiting; (c) for a liaison, it has a
    joint task for their department. The handling institution is tested as `institution_id IN
    (institutions under the root)`, which the open-case indexes can serve. With `list_institutions`
    the ids are read first (one small statement) and written into the statement, so the planner can
    tell a station's few cases from a county's many. test_scope.py holds each part against the same
    rule written in plain Python.
    """
    conditions = _scope_conditions(user, list_institutions=list_institutions)
    return None if conditions is None else [Q(c) for c in conditions]


def _scope_conditions(user, *, list_institutions: bool) -> list[CaseCondition] | None:
    """case_scope_parts as the CaseConditions themselves (case_scope_q joins their SQL into one)."""
    root = scope_root_path(user)
    if root is None:
        return []
    if root == "":
        return None
    if list_institutions:
        ids = scope_institution_ids(root)
        under, under_params = placeholders(len(ids)) or "NULL", tuple(ids)
    else:
        under, under_params = _subtree_sql(connection.vendor), (_subtree_pattern(root),)
    quote = connection.ops.quote_name
    parts = [
        CaseCondition(f"{{institution}} IN ({under})", under_params),
        CaseCondition(
            f"EXISTS (SELECT 1 FROM {quote(Transfer._meta.db_table)} st WHERE st.case_id = {{id}} AND "
            f"(st.from_institution_id IN ({under}) OR (st.state = %s AND st.to_institution_id IN ({under}))))",
            (*under_params, Transfer.State.PENDING, *under_params),
        ),
    ]
    if user.department_id and has_cap(user, Cap.CASE_LIAISON):
        parts.append(
            CaseCondition(
                f"EXISTS (SELECT 1 FROM {quote(JointTask._meta.db_table)} jt "
                "WHERE jt.case_id = {id} AND jt.department_id = %s)",
                (user.department_id,),
            )
        )
    return parts


def case_scope_q(user) -> Q:
    """Who sees which case, as one condition: the OR of `case_scope_parts`."""
    conditions = _scope_conditions(user, list_institutions=False)
    if conditions is None:
        return Q()
    if not conditions:
        return Q(pk__in=[])
    return Q(
        CaseCondition(
            "(" + " OR ".join(c.sql for c in conditions) + ")",
            tuple(p for c in conditions for p in c.params),
        )
    )


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
    """Cases in scope, most urgent first: running clocks by due date (cases without one after them),
    then stopped clocks.

    `light` filters by traffic light on date `on` (default today): red = overdue, yellow = due within
    the configured working days, green = the rest of the running clocks.
    """
    require_reader(user)
    return _narrowed(
        Case.objects.filter(case_scope_q(user)),
        user=user,
        status=status,
        light=light,
        mine=mine,
        institution_id=institution_id,
        q=q,
        kind=kind,
        open_only=open_only,
        on=on,
    )


# What a list page of cases shows of each (the queue, the 工作台's next cases) and what its light needs.
ROW_FIELDS = (
    "number", "applicant_name", "priority_group", "kind", "mode", "status", "due_date", "clock_stopped",
    "institution__name", "agent__full_name", "agent__username",
)  # fmt: skip


def case_page(
    *, user, offset: int, limit: int, values: tuple[str, ...] = (), only: tuple[str, ...] = (), **filters
) -> list:
    """`case_list(user=user, **filters)[offset:offset + limit]`, fetched one scope part at a time;
    with `values`, as tuples of those fields (`values_list`), else as cases (with `only`, with just
    those fields loaded, e.g. ROW_FIELDS: a whole case row with its institution's and agent's costs
    several times the fields a list shows).

    Against an OR of the parts PostgreSQL can only walk the open cases in deadline order and test
    each: quick for a county, a walk through most of the table for a station holding a small share
    of a province's cases. Each part alone is served by its own index (the institutions' by
    `cases_open_by_inst` or `cases_open_by_due`, transfers and joint tasks by theirs). The sort keys
    of each part's first offset + limit cases, merged in the list's order, give the page's ids;
    only those cases are then loaded. An agent's own cases (`mine`) need none of this: the walk
    along `cases_open_by_agent` ends within the agent's few thousand cases.
    """
    require_reader(user)
    parts = case_scope_parts(user, list_institutions=True) if not filters.get("mine") else None
    if parts is None or len(parts) <= 1:
        qs = case_list(user=user, **filters)[offset : offset + limit]
        return list(qs.values_list(*values) if values else qs.only(*only) if only else qs)
    keys: set[tuple] = set()
    for part in parts:
        narrowed = _narrowed(Case.objects.filter(part), user=user, **filters)
        keys.update(narrowed.values_list("clock_stopped", "due_date", "pk")[: offset + limit])
    ids = [pk for _stopped, _due, pk in sorted(keys, key=_urgency)[offset : offset + limit]]
    if values:
        rows = {row[0]: row for row in Case.objects.filter(pk__in=ids).values_list("pk", *values)}
        return [rows[pk][1:] for pk in ids]
    cases = Case.objects.select_related("institution", "agent")
    cases = (cases.only(*only) if only else cases).in_bulk(ids)
    return [cases[pk] for pk in ids]


def _urgency(key: tuple) -> tuple:
    """case_list's order for (clock_stopped, due_date, pk): running clocks first, by due date
    (none last), then id."""
    stopped, due, pk = key
    return (stopped, due is None, due or date.min, pk)


def _narrowed(
    qs: QuerySet[Case],
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
    qs = qs.select_related("institution", "agent")
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
    q = q.strip()
    if q:
        from bangban.core import crypto
        from bangban.core.ids import is_valid_resident_id

        # Each alternative has its index (number, name prefix, phone hash, credit code, ID hash), so
        # the database unites a few index lookups before it applies the scope.
        match = (
            Q(number=q)
            | name_prefix_q(q)
            | Q(phone_hash=crypto.lookup_hash(q))  # phone numbers are stored encrypted
            | Q(credit_code=q.upper())
        )
        if is_valid_resident_id(q):
            match |= Q(applicant_id_hash=crypto.lookup_hash(q))
        qs = qs.filter(match)
    if light in LIGHTS:
        qs = qs.filter(light_q(light, on or clock.today()))
    # NULLS LAST is PostgreSQL's default (and its index order); SQLite would put cases without a
    # deadline first.
    return qs.order_by("clock_stopped", F("due_date").asc(nulls_last=True), "id")


LIGHTS = ("red", "yellow", "green")


def light_q(light: str, on: date) -> Q:
    """Cases showing `light` on date `on`: red = overdue, yellow = due within the configured working
    days, green = the rest of the running clocks (clock.light's colours, from one calendar step)."""
    running = Q(status__in=CLOCK_STATUSES, clock_stopped=False, due_date__isnull=False)
    yellow_ends = clock.yellow_ends(on)
    return (
        running
        & {
            "red": Q(due_date__lt=on),
            "yellow": Q(due_date__gte=on, due_date__lt=yellow_ends),
            "green": Q(due_date__gte=yellow_ends),
        }[light]
    )


def my_case_counts(*, user, on: date | None = None) -> dict[str, int]:
    """The user's own open cases by light, and suspended: one pass over `cases_open_by_agent`
    (an agent holds a few thousand open cases at most)."""
    on = on or clock.today()
    qs = case_list(user=user, mine=True, open_only=True).order_by()
    counts = {light: Count("pk", filter=light_q(light, on)) for light in LIGHTS}
    counts["suspended"] = Count("pk", filter=Q(status=Status.SUSPENDED, clock_stopped=True))
    return qs.aggregate(**counts)


def name_prefix_q(prefix: str) -> Q:
    """Applicant names starting with `prefix` (case-sensitive, on both databases), served by an index.

    PostgreSQL answers LIKE 'prefix%' from the varchar_pattern_ops index `cases_applicant_name`
    whatever the database collation. SQLite's LIKE ignores ASCII case and skips indexes, so there
    the prefix is the range [prefix, successor) in code-point order, which SQLite's default BINARY
    collation compares by (UTF-8 bytes sort as code points) and the same index serves.
    """
    if connection.vendor == "postgresql":
        return Q(applicant_name__startswith=prefix)
    successor = prefix_successor(prefix)
    if successor is None:
        return Q(applicant_name__gte=prefix)
    return Q(applicant_name__gte=prefix, applicant_name__lt=successor)


def prefix_successor(prefix: str) -> str | None:
    """The least string greater than every string starting with `prefix` (code-point order)."""
    chars = list(prefix)
    while chars:
        code = ord(chars.pop()) + 1
        if code == 0xD800:  # surrogates are no characters: the next one is U+E000
            code = 0xE000
        if code <= 0x10FFFF:
            return "".join(chars) + chr(code)
    return None  # only U+10FFFF: every string from the prefix on starts with it


def case_get(*, user, pk) -> Case:
    require_reader(user)
    if parse_id(str(pk)) is None:
        raise NotInScope()
    case = Case.objects.filter(case_scope_q(user), pk=pk).select_related("institution", "agent").first()
    if case is None:
        raise NotInScope(target=Case.objects.filter(pk=pk).first())
    return case


def case_by_token(token: str) -> Case | None:
    return Case.objects.select_related("institution").filter(tracking_token=token).first()


# What the public tracking page reads of a case (cases/track.html, tracking.*): a handful of columns,
# not the ~50 of a case (the ORM's compiling of those cost more than the query).
TRACK_FIELDS = (
    "number",
    "kind",
    "status",
    "due_date",
    "accepted_on",
    "finished_at",
    "tracking_token",
    "version",
)
TRACK_INSTITUTION_FIELDS = ("name", "phone")
TRACK_EVENT_TYPES = ("transition", "transfer", "deadline")


def case_for_tracking(token: str) -> Case | None:
    """The case of a public tracking token with what its page shows (TRACK_FIELDS, the handling
    institution's name and phone), or None, and `track_mark`: "<id>:<version>:<last event id>", which
    changes whenever the page would (views.track_view keys its cache on it).

    One hand-written statement (core.db.rows), because every first view of a tracking link pays for
    it: the ORM's compilation cost more than the query (bench/public_load.py, "track-first").
    test_track_reads.py compares it with the ORM's reading."""
    quote = connection.ops.quote_name
    case_sel = selection(Case, "c", TRACK_FIELDS + ("institution_id",))
    inst_sel = selection(Institution, "i", TRACK_INSTITUTION_FIELDS)
    sql = (
        f"SELECT {case_sel.sql}, {inst_sel.sql}, "
        f"(SELECT MAX(e.id) FROM {quote(CaseEvent._meta.db_table)} e WHERE e.case_id = c.id) "
        f"FROM {quote(Case._meta.db_table)} c "
        f"JOIN {quote(Institution._meta.db_table)} i ON i.id = c.institution_id "
        "WHERE c.tracking_token = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [token])
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(case_sel.names)
    case = case_sel.instance(row[:width])
    Case._meta.get_field("institution").set_cached_value(case, inst_sel.instance(row[width:-1]))
    case.track_mark = f"{case.pk}:{case.version}:{row[-1] or 0}"
    return case


def track_items(case: Case) -> list[str]:
    """The names of the case's items, in the order they were added (the tracking page's list)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name FROM {connection.ops.quote_name(CaseItem._meta.db_table)} WHERE case_id = %s ORDER BY id",
            [case.pk],
        )
        return [name for (name,) in cursor.fetchall()]


def track_events(case: Case) -> list[tracking.TrackEvent]:
    """The timeline as the public tracking page may use it: types, statuses, dates and the facts
    the citizen lines need (suspension category, the institution a transfer went to), never texts.
    The events are one hand-written statement (every first view of a tracking link reads them; see
    case_for_tracking); suspensions and transfers are read, through the ORM, only when the timeline
    has one."""
    sel = selection(CaseEvent, "e", ("at", "type", "from_status", "to_status", "data"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sel.sql} FROM {connection.ops.quote_name(CaseEvent._meta.db_table)} e "
            f"WHERE e.case_id = %s AND e.type IN ({placeholders(len(TRACK_EVENT_TYPES))}) "
            "ORDER BY e.at, e.id",
            [case.pk, *TRACK_EVENT_TYPES],
        )
        events = [sel.instance(row) for row in cursor.fetchall()]
    suspensions: dict = {}
    if any(e.type == "transition" and e.to_status == Status.SUSPENDED for e in events):
        suspensions = dict(case.suspensions.values_list("pk", "reason"))
    transfers: dict = {}
    if any(e.type == "transfer" for e in events):
        transfers = {t.pk: t for t in case.transfers.select_related("to_institution").only(
            "state", "to_institution__name"
        )}  # fmt: skip
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
    qs = (
        Transfer.objects.filter(state=Transfer.State.PENDING)
        .select_related("case", "from_institution")
        # What the lists of waiting transfers show (the queue's head, the 工作台): whole rows of the
        # case and both institutions cost more to load than the page's other rows.
        .only("case__number", "case__applicant_name", "from_institution__name", "reason", "sent_at")
    )
    return qs.filter(to_institution__path__startswith=root) if root else qs


def tasks_for(*, user) -> QuerySet[JointTask]:
    """Open joint tasks waiting on the user's department."""
    if not user.department_id:
        return JointTask.objects.none()
    return (
        JointTask.objects.filter(department_id=user.department_id, state=JointTask.State.OPEN)
        .select_related("case")
        .only("case__number", "description", "due_date")  # what the lists of waiting tasks show
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


def entrustments_of(case: Case) -> list[Entrustment]:
    """The case's entrustments (委托, 续办委托) in signing order: none to read for a kind of case the
    entrust and resume transitions, which alone write them, never take (帮办)."""
    if not (workflow.ever_takes(case.kind, "entrust") or workflow.ever_takes(case.kind, "resume")):
        return []
    return list(case.entrustments.order_by("signed_at", "id"))


def timeline(case: Case):
    """The case page's 办理过程: what it shows of each event (which names its actor itself)."""
    return case.events.only("case", "type", "at", "text", "actor_name", "data").order_by("at", "id")


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
