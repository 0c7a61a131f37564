"""Every change to a monthly assessment: one transaction, checked capability and scope, one audit row.

A supervisor (SUPERVISION_ISSUE) enters a score (0–100) and a comment for an agent of their subtree
for a month that has begun; they may correct it until it is confirmed. Confirming, once the month is
over, freezes the five components and the composite as they stand: a confirmed assessment is locked.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from bangban.accounts.models import User
from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap
from bangban.assessments import rules, selectors
from bangban.assessments.models import Assessment
from bangban.audit.services import audit_record
from bangban.core.errors import NotInScope, ServiceError
from bangban.org.selectors import institution_in_scope
from bangban.supervision.selectors import targets_for


def _audit(by, action: str, a: Assessment, changes: dict, note: str = "") -> None:
    audit_record(
        actor=by,
        action=f"assessments.assessment.{action}",
        target=a,
        institution=a.institution,
        changes=changes,
        note=note,
    )


def _check(by, agent: User) -> None:
    require_cap(by, Cap.SUPERVISION_ISSUE, "您的角色不能为帮办代办员评分")
    if agent.institution is None or not institution_in_scope(by, agent.institution):
        raise NotInScope(target=agent)
    if agent.pk == by.pk:
        raise ServiceError("invalid", "不能为自己评分", field="agent")
    if not selectors.is_handler(agent) or not agent.is_active:
        raise ServiceError("invalid", "只能为在岗的帮办代办员评分", field="agent")


def _score(value) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not (rules.SCORE_MIN <= value <= rules.SCORE_MAX)
    ):
        raise ServiceError(
            "invalid", f"「主管评分」须为 {rules.SCORE_MIN} 至 {rules.SCORE_MAX} 的整数", field="score"
        )
    return value


def _comment(value: str) -> str:
    value = (value or "").strip()
    if len(value) > rules.COMMENT_MAX:
        raise ServiceError("invalid", f"「考核评语」不能超过 {rules.COMMENT_MAX} 字", field="comment")
    return value


def _month(value: dt.date) -> dt.date:
    if not isinstance(value, dt.date) or not (rules.FIRST_YEAR <= value.year <= rules.LAST_YEAR):
        raise ServiceError("invalid", "「考核月份」须为 YYYY-MM 格式，如 2026-03", field="month")
    month = value.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise ServiceError("invalid", "「考核月份」不能晚于本月", field="month")
    return month


def _locked(a: Assessment) -> None:
    if a.state == Assessment.State.CONFIRMED:
        raise ServiceError("locked", f"{a.month:%Y年%m月}的考核已确认，不能再修改", field="score")


@transaction.atomic
def assessment_score(*, by, agent: User, month: dt.date, score, comment: str = "") -> Assessment:
    """Enter or correct the supervisor's score and comment for `agent` in `month` (until confirmed)."""
    _check(by, agent)
    month, score, comment = _month(month), _score(score), _comment(comment)
    a = Assessment.objects.select_for_update().filter(agent=agent, month=month).first()
    if a is None:
        try:
            with transaction.atomic():
                a = Assessment.objects.create(
                    agent=agent,
                    month=month,
                    institution=agent.institution,
                    supervisor_score=score,
                    comment=comment,
                    scored_by=by,
                )
        except IntegrityError:  # another supervisor created it meanwhile: correct theirs, in turn
            a = Assessment.objects.select_for_update().get(agent=agent, month=month)
        else:
            _audit(
                by,
                "score",
                a,
                {
                    "supervisor_score": {"before": None, "after": score},
                    "comment": {"before": "", "after": comment},
                },
            )
            return a
    _locked(a)
    changes = {}
    if a.supervisor_score != score:
        changes["supervisor_score"] = {"before": a.supervisor_score, "after": score}
    if a.comment != comment:
        changes["comment"] = {"before": a.comment, "after": comment}
    a.supervisor_score, a.comment, a.scored_by, a.scored_at = score, comment, by, timezone.now()
    a.save(update_fields=["supervisor_score", "comment", "scored_by", "scored_at"])
    _audit(by, "score", a, changes)
    return a


def _num(v: Decimal | None) -> str | None:
    return None if v is None else str(v)


@transaction.atomic
def assessment_confirm(*, by, assessment: Assessment) -> Assessment:
    """Confirm the month's assessment once the month is over: the components and the composite are
    frozen on the record and it can no longer be changed."""
    a = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("agent", "agent__institution")
        .get(pk=assessment.pk)
    )
    _check(by, a.agent)
    _locked(a)
    _, last = rules.month_bounds(a.month)
    if timezone.localdate() <= last:
        raise ServiceError("invalid", f"{a.month:%Y年%m月}尚未结束，月末之后才能确认考核", field="month")
    m = selectors.month_of([a.agent], a.month, targets_for(a.agent.institution))[0]
    m.assessment = a
    parts = selectors.live_parts(m)
    a.components = {c: _num(v) for c, v in parts.items()}
    a.composite = rules.composite(parts, rules.weights())
    a.state, a.confirmed_by, a.confirmed_at = Assessment.State.CONFIRMED, by, timezone.now()
    a.save(update_fields=["components", "composite", "state", "confirmed_by", "confirmed_at"])
    _audit(
        by,
        "confirm",
        a,
        {
            "state": {"before": Assessment.State.DRAFT, "after": a.state},
            "composite": {"before": None, "after": _num(a.composite)},
        },
    )
    return a
