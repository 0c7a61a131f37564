"""What a case contributes to the quality indicators (domain.md §13): the pure classifier.

One function states the rule for cases; the counters kept by the case services and the
recomputation from raw rows (`bangban recompute_facts`) both call it.

Attribution (谁办理谁负责): the handling institution and agent at the time of counting; a transfer
moves the case's figures to the receiver. The item is the case's *first* item (the CaseItem with
the lowest id): a case of several items counts once, under its first item.

Metrics (each one fact, i.e. one count, per case):
- case.request        every registered case, on its registration date (响应率 denominator)
- case.responded      first answered within the response limit, on the registration date: window and
                      phone registrations are answered at registration; online and door-to-door
                      requests must be first acted on by staff within 1 working day (response_due)
- case.closed         completed or terminated, on the close date (解决率 and 记录完整率 denominator)
- case.resolved       completed, on the close date (解决率 numerator)
- case.completed      completed with a due date, on the completion date (按时办结率 denominator;
                      terminated cases and cases without a deadline are excluded)
- case.completed_on_time  completion date ≤ due date (the due date already carries suspensions and
                      approved extensions: the clock stops while suspended)
- case.record_complete closed, with at least one service-log entry (帮办代办日志), its forms and, for a
                      completed case, an evaluation invitation (记录完整率 numerator). The forms are
                      printed from the case's own record at each step (A at 受理, C at 委托, B at
                      办结/终止) and the workflow refuses the step without that record, so a closed case
                      always has the forms of the steps it went through.

The evaluation part of 记录完整率: a COMPLETED case needs an evaluation invitation (智能邀评, the SMS
link) OR any review of it — an applicant with a landline gets no SMS link, and then a paper, phone or
window review entered for the case counts. A TERMINATED case needs none: no invitation is sent on
termination. An upheld 申诉 does not undo it (the review was taken, the record is complete).
Because this reads other tables, a case's facts change when an invitation or a review of it is
created: those writes run inside `counting(case)` (with the case row locked), which applies the
difference.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.utils import timezone

from bangban.cases.models import Case, CaseEvent, CaseItem, Channel, Status
from bangban.supervision import facts
from bangban.supervision.facts import Fact

REQUEST = "case.request"
RESPONDED = "case.responded"
CLOSED = "case.closed"
RESOLVED = "case.resolved"
COMPLETED = "case.completed"
COMPLETED_ON_TIME = "case.completed_on_time"
RECORD_COMPLETE = "case.record_complete"
METRICS = (REQUEST, RESPONDED, CLOSED, RESOLVED, COMPLETED, COMPLETED_ON_TIME, RECORD_COMPLETE)

# Answered at registration: the applicant is in front of the agent or on the line.
ANSWERED_AT_REGISTRATION = (Channel.WINDOW, Channel.PHONE)


def closed_as(case) -> str | None:
    """COMPLETED or TERMINATED for a closed case (an archived one by what it was closed as), else None.
    Termination always records a reason and completion never does."""
    if case.status == Status.ARCHIVED:
        return Status.TERMINATED if case.termination_reason else Status.COMPLETED
    if case.status in (Status.COMPLETED, Status.TERMINATED):
        return case.status
    return None


def responded_in_time(case) -> bool:
    if case.channel in ANSWERED_AT_REGISTRATION:
        return True
    if case.first_response_at is None or case.response_due is None:
        return False
    return timezone.localtime(case.first_response_at).date() <= case.response_due


def facts_of_case(
    case, *, item_id: int, has_log: bool = False, has_invitation: bool | None = None
) -> list[Fact]:
    """The facts of one case. `item_id`: the catalog Item of its first item (0 when none);
    `has_log`: it has a service-log entry; `has_invitation`: an evaluation invitation was sent —
    None while the evaluations app is not wired, and then it is not required."""

    def fact(metric, day):
        return Fact(metric, day, case.institution_id, case.agent_id or 0, item_id)

    registered = timezone.localtime(case.created_at).date()
    out = [fact(REQUEST, registered)]
    if responded_in_time(case):
        out.append(fact(RESPONDED, registered))
    closed = closed_as(case)
    if closed is None or case.finished_at is None:
        return out
    finished = timezone.localtime(case.finished_at).date()
    out.append(fact(CLOSED, finished))
    if closed == Status.COMPLETED:
        out.append(fact(RESOLVED, finished))
        if case.due_date is not None:
            out.append(fact(COMPLETED, finished))
            if finished <= case.due_date:
                out.append(fact(COMPLETED_ON_TIME, finished))
    if has_log and has_invitation is not False:
        out.append(fact(RECORD_COMPLETE, finished))
    return out


# --- loading what the classifier needs (the services' hook and the recomputation) ---------------


def _of_cases(case_ids: Iterable[int], between: tuple[int, int] | None) -> dict:
    """The filter on case_id: the ids, or every id in `between` (lowest, highest) when the caller has
    all the cases of that range (a 5,000-id IN list costs more to send and plan than the range)."""
    if between:
        return {"case_id__gte": between[0], "case_id__lte": between[1]}
    return {"case_id__in": list(case_ids)}


def first_item_ids(case_ids: Iterable[int], *, between: tuple[int, int] | None = None) -> dict[int, int]:
    """{case id: catalog Item id of its first CaseItem}."""
    out: dict[int, int] = {}
    rows = (
        CaseItem.objects.filter(**_of_cases(case_ids, between))
        .order_by("case_id", "id")
        .values_list("case_id", "item_version__item_id")
    )
    for case_id, item_id in rows:
        out.setdefault(case_id, item_id)
    return out


def cases_with_log(case_ids: Iterable[int], *, between: tuple[int, int] | None = None) -> set[int]:
    return set(
        CaseEvent.objects.filter(**_of_cases(case_ids, between), type=CaseEvent.Type.LOG)
        .values_list("case_id", flat=True)
        .distinct()
    )


def cases_invited_or_reviewed(case_ids: Iterable[int], *, between: tuple[int, int] | None = None) -> set[int]:
    """The cases with an evaluation invitation or at least one review (one query)."""
    from bangban.evaluations.models import Review, ReviewInvitation

    ids = list(case_ids)
    if not ids and not between:
        return set()
    of = _of_cases(ids, between)
    invited = ReviewInvitation.objects.filter(**of).order_by().values_list("case_id", flat=True)
    reviewed = Review.objects.filter(**of).order_by().values_list("case_id", flat=True)
    return set(invited.union(reviewed))


def needs_invitation(case) -> bool:
    """Only a completed case must have been invited to review (see the module docstring)."""
    return closed_as(case) == Status.COMPLETED


def case_facts_now(case) -> list[Fact]:
    """The facts of `case` as it is in the database and memory now. The first item is read once per
    instance (it never changes after registration); the log and the invitation only matter, and are
    read, for a closed case."""
    item_id = case.__dict__.get("_first_item_id")
    if item_id is None:
        item_id = first_item_ids([case.pk]).get(case.pk, 0)
        case._first_item_id = item_id
    has_log = closed_as(case) is not None and bool(cases_with_log([case.pk]))
    has_invitation = (
        (case.pk in cases_invited_or_reviewed([case.pk])) if has_log and needs_invitation(case) else None
    )
    return facts_of_case(case, item_id=item_id, has_log=has_log, has_invitation=has_invitation)


@contextmanager
def counting(case):
    """Around a write that may change what `case` counts without changing the case row (an
    evaluation invitation or a review of it is created): takes the case's facts, runs the block,
    applies the difference in the same transaction. The caller holds the case's row lock (taken
    before any review or rectification lock: one lock order everywhere)."""
    before = case_facts_now(case)
    yield case
    facts.apply(before, case_facts_now(case))


CASE_COLUMNS = (
    "id",
    "status",
    "channel",
    "institution_id",
    "agent_id",
    "created_at",
    "first_response_at",
    "response_due",
    "finished_at",
    "due_date",
    "termination_reason",
)


def _with_facts(cases: list, *, whole_range: bool = False) -> Iterator[tuple]:
    """(case, its facts) for one chunk of cases (model instances or `CASE_COLUMNS` rows): three
    queries for the chunk's first items, logs and invitations. `whole_range`: the chunk holds every
    case between its first and last id (then the queries read that range: the sets may then hold
    cases that need no log or invitation, which the classifier does not ask about)."""
    between = (cases[0].id, cases[-1].id) if whole_range else None
    items = first_item_ids([c.id for c in cases], between=between)
    logged = cases_with_log([c.id for c in cases if closed_as(c) is not None], between=between)
    invited = cases_invited_or_reviewed([c.id for c in cases if needs_invitation(c)], between=between)
    for c in cases:
        yield (
            c,
            facts_of_case(
                c,
                item_id=items.get(c.id, 0),
                has_log=c.id in logged,
                has_invitation=(c.id in invited) if needs_invitation(c) else None,
            ),
        )


def case_records(queryset, chunk: int = 5000) -> Iterator[tuple[Case, list[Fact]]]:
    """(case, its facts) for every case of `queryset`, from the raw rows, in primary-key chunks
    (four queries a chunk): the drill-down's candidates."""
    from bangban.supervision.registry import pk_chunks

    for cases in pk_chunks(queryset, chunk):
        yield from _with_facts(cases)


def all_case_facts(chunk: int = 5000) -> Iterator[list[Fact]]:
    """Every case's facts, from the raw rows, for the recomputation (in primary-key chunks of plain
    rows, not model instances: the classifier reads only these columns)."""
    from bangban.supervision.registry import row_chunks

    for cases in row_chunks(Case.objects.all(), CASE_COLUMNS, chunk):
        for _, fs in _with_facts(cases, whole_range=True):
            yield fs


def drill_candidates(ids: list[int], start, end) -> Iterator[tuple[Case, list[Fact]]]:
    """The cases of `ids` created or finished in start–end: every case fact is dated by one of the two."""
    from django.db.models import Q

    from bangban.supervision.registry import day_bounds

    lo, hi = day_bounds(start, end)
    qs = Case.objects.filter(
        Q(created_at__gte=lo, created_at__lt=hi) | Q(finished_at__gte=lo, finished_at__lt=hi),
        institution_id__in=ids,
    ).select_related("institution", "agent")
    return case_records(qs, 2000)


DRILL_HEADERS = ("编号", "申请人", "渠道", "状态", "登记时间", "办结期限", "办结/终止时间", "承办")


def drill_row(case: Case) -> tuple[str, list[str]]:
    from django.urls import reverse

    def when(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"

    who = case.institution.name + (f" · {case.agent.display_name}" if case.agent_id else "")
    return reverse("cases:detail", args=[case.pk]), [
        case.number,
        case.applicant_name,
        case.get_channel_display(),
        case.get_status_display(),
        when(case.created_at),
        f"{case.due_date:%Y-%m-%d}" if case.due_date else "—",
        when(case.finished_at),
        who,
    ]
