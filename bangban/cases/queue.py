"""The work queue as one hand-written statement: the API's hottest read.

`selectors.case_list` (the ORM queryset the pages use) is the reference for who sees what and in
which order; this module answers the same question for one page of the API list without building
ORM objects. The statement text depends only on which filters are present (never on their values,
which are parameters), so PostgreSQL prepares it once per connection and reuses the plan; the
status lists are literals so the planner can use the partial indexes over open cases.
Tests compare both implementations row for row over users and filter combinations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import connection
from django.utils import timezone

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.cases import clock
from bangban.cases.models import CLOCK_STATUSES, OPEN_STATUSES
from bangban.cases.selectors import require_reader
from bangban.core.routing import parse_id
from bangban.org.selectors import scope_root_path
from bangban.workdays.deadlines import GREEN, RED, YELLOW

COLUMNS = (
    "c.id, c.number, c.kind, c.mode, c.status, c.version, c.applicant_type, c.applicant_name, "
    "c.applicant_id_masked, c.credit_code, c.phone_masked, c.institution_id, i.name, c.agent_id, a.full_name, "
    "a.username, c.accepted_on, c.due_date, c.clock_stopped, CAST(c.created_at AS TEXT)"
)  # created_at as text: datetime.fromisoformat is much cheaper than the driver's zone-aware loader


def _literals(values) -> str:
    return ", ".join(f"'{v}'" for v in values)  # code constants (status names), never user input


OPEN = _literals(OPEN_STATUSES)
CLOCK = _literals(CLOCK_STATUSES)


PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
PARAMS = frozenset({"status", "light", "mine", "open", "q", "kind", "institution", "page", "page_size"})


@dataclass(frozen=True)
class Filters:
    status: str = ""
    light: str = ""
    mine: bool = False
    institution_id: int | None = None
    q: str = ""
    kind: str = ""
    open_only: bool = False


def filters_from(params) -> Filters:
    """The API's query parameters (a QueryDict or dict of strings) as Filters."""
    inst = params.get("institution", "")
    return Filters(
        status=params.get("status", ""),
        light=params.get("light", ""),
        mine=params.get("mine") in ("1", "true"),
        open_only=params.get("open") in ("1", "true"),
        q=params.get("q", ""),
        kind=params.get("kind", ""),
        institution_id=parse_id(inst),  # "²".isdigit() and 10**30 are no ids
    )


MAX_PAGE = 1_000_000


def window(params) -> tuple[int, int]:
    """(page number, page size) from the parameters; ValueError when they are not positive integers."""
    page = int(params.get("page", 1))
    size = int(params.get("page_size", PAGE_SIZE))
    if not (1 <= page <= MAX_PAGE and size >= 1):  # an offset beyond bigint breaks the statement
        raise ValueError("page and page_size must be positive")
    return page, min(size, MAX_PAGE_SIZE)


def listing(request, user, number: int, size: int) -> dict:
    """Page `number` of the API list: {"next", "previous", "results"}; links keep the other parameters."""
    today = clock.today()
    offset = (number - 1) * size
    rows = page(user=user, filters=filters_from(request.GET), offset=offset, limit=size + 1, on=today)

    base = request.build_absolute_uri(request.path)
    pairs = [(k, v) for k, values in request.GET.lists() for v in values]
    others = [(k, v) for k, v in pairs if k != "page"]
    at = next((i for i, (k, _v) in enumerate(pairs) if k == "page"), len(others))

    def link(to):  # the same parameters, page replaced in place (or appended)
        return f"{base}?{urlencode([*others[:at], ('page', to), *others[at:]])}"

    return {
        "next": link(number + 1) if len(rows) > size else None,
        "previous": link(number - 1) if number > 1 else None,
        "results": render(rows[:size], on=today),
    }


def _where(user, f: Filters, on: dt.date) -> tuple[list[str], list] | None:
    root = scope_root_path(user)
    if root is None:
        return None
    where: list[str] = []
    params: list = []
    if root:
        like = root + "%"
        scope = [
            "i.path LIKE %s",
            "EXISTS (SELECT 1 FROM cases_transfer t"
            " JOIN org_institution fi ON fi.id = t.from_institution_id"
            " JOIN org_institution ti ON ti.id = t.to_institution_id"
            " WHERE t.case_id = c.id AND (fi.path LIKE %s OR (t.state = 'pending' AND ti.path LIKE %s)))",
        ]
        params += [like, like, like]
        if user.department_id and has_cap(user, Cap.CASE_LIAISON):
            scope.append(
                "EXISTS (SELECT 1 FROM cases_jointtask j WHERE j.case_id = c.id AND j.department_id = %s)"
            )
            params.append(user.department_id)
        where.append("(" + " OR ".join(scope) + ")")
    for present, condition, value in (
        (f.mine, "c.agent_id = %s", user.pk),
        (f.status, "c.status = %s", f.status),
        (f.kind, "c.kind = %s", f.kind),
        (f.institution_id, "c.institution_id = %s", f.institution_id),
    ):
        if present:
            where.append(condition)
            params.append(value)
    if f.open_only:
        where.append(f"c.status IN ({OPEN})")
    if f.q:
        from bangban.core import crypto
        from bangban.core.ids import is_valid_resident_id

        q = f.q.strip()
        match = ["c.number = %s", "c.applicant_name LIKE %s", "c.phone_hash = %s", "c.credit_code = %s"]
        params += [q, _like_prefix(q), crypto.lookup_hash(q), q.upper()]
        if is_valid_resident_id(q):
            match.append("c.applicant_id_hash = %s")
            params.append(crypto.lookup_hash(q))
        where.append("(" + " OR ".join(match) + ")")
    if f.light in ("red", "yellow", "green"):
        where.append(f"c.status IN ({CLOCK}) AND c.clock_stopped = %s AND c.due_date IS NOT NULL")
        params.append(False)
        yellow_ends = clock.yellow_ends(on)
        if f.light == "red":
            where.append("c.due_date < %s")
            params.append(on)
        elif f.light == "yellow":
            where.append("c.due_date >= %s AND c.due_date < %s")
            params += [on, yellow_ends]
        else:
            where.append("c.due_date >= %s")
            params.append(yellow_ends)
    return where, params


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def page(*, user, filters: Filters, offset: int, limit: int, on: dt.date | None = None) -> list[tuple]:
    """Up to `limit` rows (tuples in COLUMNS order) of the user's queue from `offset`, most urgent first."""
    require_reader(user)
    on = on or clock.today()
    built = _where(user, filters, on)
    if built is None:
        return []
    where, params = built
    escape = " ESCAPE '\\'" if filters.q else ""
    sql = (
        f"SELECT {COLUMNS} FROM cases_case c"
        " JOIN org_institution i ON i.id = c.institution_id"
        " LEFT JOIN accounts_user a ON a.id = c.agent_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY c.clock_stopped, c.due_date, c.id LIMIT %s OFFSET %s"
    )
    if escape:
        sql = sql.replace("c.applicant_name LIKE %s", "c.applicant_name LIKE %s" + escape)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        return cursor.fetchall()


def render(rows: list[tuple], *, on: dt.date | None = None) -> list[dict]:
    """API rows (the fields of cases.api.CaseListSerializer) from `page` tuples."""
    on = on or clock.today()
    yellow_ends = clock.yellow_ends(on)
    tz = timezone.get_current_timezone()
    out = []
    for (
        pk,
        number,
        kind,
        mode,
        status,
        version,
        applicant_type,
        applicant_name,
        masked,
        credit_code,
        phone,
        institution_id,
        institution_name,
        agent_id,
        agent_full_name,
        agent_username,
        accepted_on,
        due_date,
        clock_stopped,
        created_at,
    ) in rows:
        if isinstance(created_at, str):
            created_at = dt.datetime.fromisoformat(created_at)
        if created_at.tzinfo is None:  # SQLite stores UTC without the zone
            created_at = created_at.replace(tzinfo=dt.UTC)
        light = ""
        if due_date is not None and not clock_stopped and status in OPEN_STATUSES:
            # deadlines.colour without counting each row's working days (see clock.yellow_ends).
            light = RED if due_date < on else YELLOW if due_date < yellow_ends else GREEN
        out.append(
            {
                "id": pk,
                "number": number,
                "kind": kind,
                "mode": mode,
                "status": status,
                "version": version,
                "applicant_type": applicant_type,
                "applicant_name": applicant_name,
                "applicant_id": masked or credit_code,
                "phone": phone,
                "institution": institution_id,
                "institution_name": institution_name,
                "agent": agent_id,
                "agent_name": (agent_full_name or agent_username) if agent_id else None,
                "accepted_on": accepted_on.isoformat() if accepted_on else None,
                "due_date": due_date.isoformat() if due_date else None,
                "clock_stopped": bool(clock_stopped),
                "light": light,
                "created_at": created_at.astimezone(tz).isoformat(),
            }
        )
    return out
