"""Two supervisors scoring the same agent's month at once leave one assessment, both audited."""

import datetime as dt

import pytest

from bangban.accounts.roles import Role
from bangban.assessments import services
from bangban.assessments.models import Assessment
from bangban.audit.models import AuditEvent
from bangban.core.testing import make_org, make_user, run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_scores_at_once_are_one_row():
    org = make_org()
    supervisors = [org.user("supervisor"), make_user("supervisor2", org.county, [Role.SUPERVISOR])]
    agent = org.user("town_agent")
    results = run_together(
        2,
        lambda i: services.assessment_score(
            by=supervisors[i], agent=agent, month=dt.date(2026, 3, 1), score=80 + i
        ).supervisor_score,
    )
    assert all(r[0] == "ok" for r in results), results
    row = Assessment.objects.get(agent=agent)
    assert row.supervisor_score in (80, 81)
    assert AuditEvent.objects.filter(action="assessments.assessment.score").count() == 2
