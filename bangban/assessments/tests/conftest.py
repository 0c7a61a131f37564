import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

SH = ZoneInfo("Asia/Shanghai")


def at(day, hour=10):
    return time_machine.travel(dt.datetime(2026, 3, day, hour, tzinfo=SH), tick=False)


@pytest.fixture
def march(org):
    """March 2026 for town_agent, through the services: reviews 非常满意, 满意, 非常不满意 and one
    不满意 whose 申诉 was upheld; two complaints against them (one refused: not counted) and one in
    April; a training session with exam score 80. station_agent: one 满意 review."""
    from bangban.complaints import services as complaints
    from bangban.evaluations import services as evaluations
    from bangban.training import services as training

    agent, station = org.user("town_agent"), org.user("station_agent")
    with at(3):
        for level in (5, 4, 1):
            evaluations.review_submit_at_window(by=agent, level=level)
        wrong = evaluations.review_submit_at_window(by=agent, level=2)
        evaluations.review_submit_at_window(by=station, level=4)
        appeal = evaluations.appeal_file(review=wrong, by=agent, reason="评价对象有误")
        evaluations.appeal_decide(appeal=appeal, by=org.user("supervisor"), upheld=True, reason="核实为误评")
        coordinator = org.user("coordinator")
        for _ in range(2):
            complaints.complaint_register(
                by=coordinator,
                channel="phone",
                anonymous=True,
                content="等候时间长",
                agent=agent,
                institution=org.town,
            )
        refused = complaints.complaint_register(
            by=coordinator,
            channel="phone",
            anonymous=True,
            content="重复投诉",
            agent=agent,
            institution=org.town,
        )
        complaints.complaint_reject(complaint=refused, by=coordinator, text="重复投诉，已答复")
        admin = org.user("county_admin")
        course = training.course_create(by=admin, institution=org.county, title="帮办代办业务", hours="2")
        training.session_create(
            by=admin,
            course=course,
            held_on=dt.date(2026, 3, 3),
            place="区中心",
            trainer="王老师",
            attendees=[training.AttendeeInput(agent, True, None, 80)],
        )
    with time_machine.travel(dt.datetime(2026, 4, 2, 10, tzinfo=SH), tick=False):
        complaints.complaint_register(
            by=org.user("coordinator"),
            channel="phone",
            anonymous=True,
            content="四月的投诉",
            agent=agent,
            institution=org.town,
        )
    return {"agent": agent, "station": station}
