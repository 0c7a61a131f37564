"""Reads of the monthly assessment: who may see whose, and each agent's month from the other apps.

Scope: holders of SUPERVISION_VIEW or SUPERVISION_ISSUE see the agents of their subtree; every
agent sees their own assessment; anyone else is refused, an agent outside the scope as not found.
The indicator component is the agent's figures at their own institution (the rollup counters'
per-agent cut, supervision.selectors.agent_counts), so the list and the profile read the same
numbers; reviews, complaints and training are the agent's wherever they happened.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from bangban.accounts.models import User
from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import CAPABILITIES, Cap
from bangban.assessments import rules
from bangban.assessments.models import Assessment
from bangban.core.errors import AccessRefused, NotInScope
from bangban.core.routing import parse_id
from bangban.org.selectors import institution_in_scope, scope_q
from bangban.supervision.selectors import Cell, agent_counts, cells_of, targets_for

MANAGER_CAPS = (Cap.SUPERVISION_VIEW, Cap.SUPERVISION_ISSUE)
# Who is assessed: staff whose roles handle cases (帮办代办员, 协调员).
HANDLER_ROLES = tuple(sorted(r for r, caps in CAPABILITIES.items() if Cap.CASE_HANDLE in caps))


def is_manager(user) -> bool:
    return any(has_cap(user, c) for c in MANAGER_CAPS)


def require_manager(user) -> None:
    if not is_manager(user):
        raise AccessRefused("capability_required", "您的角色无权查看月度考核")


def agents_in_scope(user):
    """Active staff in `user`'s scope whose roles handle cases, by institution then name."""
    return (
        User.objects.filter(scope_q(user), is_active=True, role_assignments__role__in=HANDLER_ROLES)
        .select_related("institution")
        .distinct()
        .order_by("institution__path", "username")
    )


def is_handler(agent: User) -> bool:
    return bool(agent.role_codes & set(HANDLER_ROLES))


def agent_for(*, user, pk) -> User:
    """The agent whose assessment `user` asks for: themselves, or (managers) an agent in scope."""
    if parse_id(str(pk)) is None:
        raise NotInScope()
    if str(user.pk) == str(pk):
        if not is_handler(user):
            raise AccessRefused("capability_required", "只有帮办代办员有月度考核")
        return user
    if not is_manager(user):
        raise NotInScope()  # another agent's assessment: as if it did not exist
    agent = agents_in_scope(user).filter(pk=pk).first()
    if agent is None:
        raise NotInScope()
    return agent


@dataclass
class AgentMonth:
    agent: User
    month: dt.date
    cells: dict[str, Cell]
    review_counts: dict[int, int]
    complaints: int
    training_hours: Decimal
    training_scores: list[int]
    assessment: Assessment | None
    parts: dict[str, Decimal | None] = field(default_factory=dict)
    composite: Decimal | None = None

    @property
    def confirmed(self) -> bool:
        return self.assessment is not None and self.assessment.state == Assessment.State.CONFIRMED

    @property
    def reviews(self) -> int:
        return sum(self.review_counts.values())

    @property
    def grade(self) -> str:
        return rules.grade(self.composite)

    def part_rows(self) -> list[tuple[str, str, Decimal | None, int]]:
        weights = rules.weights()
        return [(c, label, self.parts.get(c), weights[c]) for c, label in rules.COMPONENTS.items()]


def live_parts(m: AgentMonth) -> dict[str, Decimal | None]:
    """The five component scores as the raw rows give them now."""
    return {
        "indicators": rules.indicator_score(c.rate for c in m.cells.values() if c.wired),
        "reviews": rules.review_score(m.review_counts),
        "complaints": rules.complaint_score(m.complaints),
        "training": rules.training_score(m.training_scores),
        "supervisor": None if m.assessment is None else Decimal(m.assessment.supervisor_score),
    }


def _frozen(a: Assessment) -> dict[str, Decimal | None]:
    return {c: None if a.components.get(c) is None else Decimal(a.components[c]) for c in rules.COMPONENTS}


def month_of(agents: list[User], month: dt.date, targets) -> list[AgentMonth]:
    """Each agent's month (agents already scope-checked): five grouped queries whatever their number."""
    from bangban.complaints.models import Complaint
    from bangban.evaluations.models import Appeal, Review
    from bangban.training.models import Attendance

    start, end = rules.month_bounds(month)
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    ids = [a.pk for a in agents]
    counts = agent_counts(sorted({a.institution_id for a in agents if a.institution_id}), start, end)
    upheld = Appeal.objects.filter(review=OuterRef("pk"), state=Appeal.State.UPHELD)
    reviews: dict[int, dict[int, int]] = {}
    for agent_id, level, n in (
        Review.objects.filter(agent_id__in=ids, created_at__gte=lo, created_at__lt=hi)
        .exclude(Exists(upheld))
        .values_list("agent_id", "level")
        .annotate(n=Count("id"))
        .order_by()
    ):
        reviews.setdefault(agent_id, {})[level] = n
    complaints = dict(
        Complaint.objects.filter(agent_id__in=ids, received_at__gte=lo, received_at__lt=hi)
        .exclude(status="rejected")
        .values_list("agent_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    hours: dict[int, Decimal] = {}
    scores: dict[int, list[int]] = {}
    for user_id, h, score in Attendance.objects.filter(
        user_id__in=ids, attended=True, session__held_on__gte=start, session__held_on__lte=end
    ).values_list("user_id", "hours", "score"):
        hours[user_id] = hours.get(user_id, Decimal(0)) + h
        if score is not None:
            scores.setdefault(user_id, []).append(score)
    assessed = {
        a.agent_id: a
        for a in Assessment.objects.filter(agent_id__in=ids, month=start).select_related(
            "scored_by", "confirmed_by"
        )
    }
    weights = rules.weights()
    out = []
    for agent in agents:
        m = AgentMonth(
            agent=agent,
            month=start,
            cells=cells_of(counts.get((agent.institution_id, agent.pk), {}), targets),
            review_counts=reviews.get(agent.pk, {}),
            complaints=complaints.get(agent.pk, 0),
            training_hours=hours.get(agent.pk, Decimal(0)),
            training_scores=scores.get(agent.pk, []),
            assessment=assessed.get(agent.pk),
        )
        if m.confirmed:
            m.parts, m.composite = _frozen(m.assessment), m.assessment.composite
        else:
            m.parts = live_parts(m)
            m.composite = rules.composite(m.parts, weights)
        out.append(m)
    return out


def month_list(*, user, month: dt.date) -> list[AgentMonth]:
    """Every agent of the manager's subtree for `month`, with targets of the manager's root."""
    require_manager(user)
    root = user.institution
    if root is None or not institution_in_scope(user, root):
        raise NotInScope()
    return month_of(list(agents_in_scope(user)), month, targets_for(root))


def agent_month(*, user, pk, month: dt.date) -> AgentMonth:
    agent = agent_for(user=user, pk=pk)
    if agent.institution is None:
        raise NotInScope()
    return month_of([agent], month, targets_for(agent.institution))[0]


def months_of(*, agent: User, limit: int = 12) -> list[Assessment]:
    """The agent's recent assessments (the profile's history)."""
    return list(Assessment.objects.filter(agent=agent).order_by("-month")[:limit])
