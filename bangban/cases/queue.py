"""The API's work queue: one page of `selectors.case_list` (through `selectors.case_page`) as plain rows.

Who sees which case, the filters and the order are `selectors.case_list`'s, the one definition the
pages use too. This module only pages it (page size + 1 rows tell whether a next page exists: no
COUNT over the scope) and renders each case from a plain tuple instead of a DRF serializer, with
the fields `cases.api.CaseListSerializer` documents; tests compare both row for row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

from django.utils import timezone

from bangban.cases import clock, selectors
from bangban.cases.models import OPEN_STATUSES
from bangban.core.routing import parse_id
from bangban.workdays.deadlines import GREEN, RED, YELLOW

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


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


def page(*, user, filters: Filters, offset: int, limit: int, on: dt.date | None = None) -> list[tuple]:
    """Up to `limit` rows (`row` tuples) of the user's queue from `offset`, most urgent first."""
    on = on or clock.today()
    return selectors.case_page(
        user=user, offset=offset, limit=limit, values=COLUMNS, on=on, **asdict(filters)
    )


COLUMNS = (
    "id",
    "number",
    "kind",
    "mode",
    "status",
    "version",
    "applicant_type",
    "applicant_name",
    "applicant_id_masked",
    "credit_code",
    "phone_masked",
    "institution_id",
    "institution__name",
    "agent_id",
    "agent__full_name",
    "agent__username",
    "accepted_on",
    "due_date",
    "clock_stopped",
    "created_at",
)  # the fields of `row`, in its order, for values_list


def row(case) -> tuple:
    """A case (its institution and agent loaded) as the tuple `render` reads."""
    agent = case.agent
    return (
        case.pk,
        case.number,
        case.kind,
        case.mode,
        case.status,
        case.version,
        case.applicant_type,
        case.applicant_name,
        case.applicant_id_masked,
        case.credit_code,
        case.phone_masked,
        case.institution_id,
        case.institution.name,
        case.agent_id,
        agent.full_name if agent else None,
        agent.username if agent else None,
        case.accepted_on,
        case.due_date,
        case.clock_stopped,
        case.created_at,
    )


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
