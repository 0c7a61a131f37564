import datetime
from decimal import Decimal

import pytest

from bangban.audit.models import AuditEvent
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.training import services
from bangban.training.models import Attendance, Course, Session

pytestmark = pytest.mark.django_db
D = datetime.date


def make_course(org, by="county_admin", **kw):
    kw = {"title": "帮办代办业务培训", "hours": "4", "summary": "流程与表单", **kw}
    return services.course_create(by=org.user(by), institution=org.user(by).institution, **kw)


def make_session(org, course, by="county_admin", attendees=None, **kw):
    kw = {"held_on": D(2025, 3, 5), "place": "区中心三楼会议室", "trainer": "李老师", **kw}
    if attendees is None:
        attendees = [services.AttendeeInput(org.user("station_agent"))]
    return services.session_create(by=org.user(by), course=course, attendees=attendees, **kw)


def test_course_session_attendance_are_audited(org):
    course = make_course(org)
    session = make_session(
        org,
        course,
        attendees=[
            services.AttendeeInput(org.user("station_agent")),
            services.AttendeeInput(org.user("town_agent"), attended=False),
            services.AttendeeInput(org.user("town2_agent"), hours=Decimal("2"), score=88),
        ],
    )
    rows = {a.user.username: (a.attended, a.hours, a.score) for a in session.attendances.all()}
    assert rows == {
        "station_agent": (True, Decimal("4.0"), None),
        "town_agent": (False, Decimal("0.0"), None),
        "town2_agent": (True, Decimal("2.0"), 88),
    }
    row = services.attendance_record(
        by=org.user("county_admin"), session=session, user=org.user("station_agent"), attended=True, score=95
    )
    assert row.score == 95 and Attendance.objects.count() == 3
    actions = list(
        AuditEvent.objects.filter(action__startswith="training.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["training.course.create", "training.session.create", "training.attendance.record"]


@pytest.mark.parametrize(
    "kw,field",
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 101}, "title"),
        ({"hours": "0"}, "hours"),
        ({"hours": "0.3"}, "hours"),
        ({"hours": "101"}, "hours"),
        ({"summary": "x" * 2001}, "summary"),
    ],
)
def test_course_bad_input(org, kw, field):
    with pytest.raises(ServiceError) as exc:
        make_course(org, **kw)
    assert exc.value.field == field and not Course.objects.exists()


def test_session_bad_input_changes_nothing(org):
    course = make_course(org)
    cases = [
        ({"place": ""}, "place"),
        ({"trainer": "x" * 51}, "trainer"),
        ({"attendees": [services.AttendeeInput(org.user("other_admin"))]}, "attendees"),
        ({"attendees": [services.AttendeeInput(org.user("station_agent"))] * 2}, "attendees"),
        ({"attendees": [services.AttendeeInput(org.user("station_agent"), score=101)]}, "score"),
        ({"attendees": [services.AttendeeInput(org.user("station_agent"), hours=Decimal("5"))]}, "hours"),
        (
            {
                "attendees": [
                    services.AttendeeInput(org.user("station_agent"), attended=False, hours=Decimal("1"))
                ]
            },
            "hours",
        ),
    ]
    for kw, field in cases:
        with pytest.raises(ServiceError) as exc:
            make_session(org, course, **kw)
        assert exc.value.field == field, kw
    assert not Session.objects.exists() and not Attendance.objects.exists()


def test_scope_and_roles(org):
    course = make_course(org)
    with pytest.raises(AccessRefused):
        make_course(org, by="station_agent")
    with pytest.raises(NotInScope):
        make_session(org, course, by="town_admin", attendees=[])
    town_course = make_course(org, by="town_admin")
    with pytest.raises(ServiceError):  # town2's agent is not under the town
        make_session(
            org, town_course, by="town_admin", attendees=[services.AttendeeInput(org.user("town2_agent"))]
        )
    with pytest.raises(NotInScope):
        services.course_create(by=org.user("town_admin"), institution=org.county, title="x", hours="1")
