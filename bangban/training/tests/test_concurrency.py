"""Two managers recording the same person's attendance at once leave one row."""

import pytest

from bangban.core.testing import make_org, run_together
from bangban.training import services
from bangban.training.models import Attendance

pytestmark = pytest.mark.django_db(transaction=True)


def test_attendance_recorded_twice_at_once_is_one_row():
    import datetime

    org = make_org()
    admin = org.user("county_admin")
    course = services.course_create(by=admin, institution=org.county, title="业务培训", hours="2")
    session = services.session_create(
        by=admin, course=course, held_on=datetime.date(2025, 3, 1), place="区中心", trainer="李老师"
    )
    agent = org.user("station_agent")
    results = run_together(
        3,
        lambda i: services.attendance_record(
            by=admin, session=session, user=agent, attended=True, score=80 + i
        ).pk,
    )
    assert all(r[0] == "ok" for r in results), results
    assert Attendance.objects.filter(session=session, user=agent).count() == 1
