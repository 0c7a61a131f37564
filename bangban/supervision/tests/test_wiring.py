"""Reviews, rectifications, complaints and consultations wired into the indicators (issue 10).

Every figure is built through the services (which keep the counters in their transaction) and read
through `indicator_set`; each test ends by checking that the maintained counters equal what
`facts_recompute()` rebuilds from the raw rows.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from bangban.cases import services as cs
from bangban.complaints import services as ps
from bangban.core import crypto
from bangban.evaluations import services as es
from bangban.evaluations.models import Rectification, Review, ReviewInvitation
from bangban.supervision.registry import KINDS
from bangban.supervision.report import monthly_report
from bangban.supervision.selectors import indicator_set
from bangban.supervision.services import facts_recompute, maintained_counts, maintained_rollup

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
MOBILE, LANDLINE = "13812345678", "0512-68881234"


def at(m, d, hour=10):
    return time_machine.travel(dt.datetime(2026, m, d, hour, tzinfo=SH), tick=False)


def on(day: dt.date, hour=16):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=SH), tick=False)


def new_case(org, items, user="town_agent", phone=MOBILE):
    return cs.case_create(
        by=org.user(user), kind="help", mode="assist", items=[items["license"]], accept_now=True,
        channel="window", applicant_type="person", applicant_name="李四",
        id_number="11010519491231002X", phone=phone,
    )  # fmt: skip


def completed(org, items, user="town_agent", phone=MOBILE, log=True):
    agent = org.user(user)
    case = cs.case_start(case=new_case(org, items, user, phone), by=agent)
    if log:
        cs.log_add(case=case, by=agent, text="电话核对材料")
    return cs.case_complete(case=case, by=agent, result="已办结")


def token_of(case) -> str:
    return crypto.decrypt(ReviewInvitation.objects.get(case=case).token_encrypted)


def totals(org, start=MARCH[0], end=MARCH[1]):
    return indicator_set(user=org.user("supervisor"), root_institution=None, start=start, end=end).total


def nums(org, code, **kw):
    cell = totals(org, **kw).cells[code]
    return cell.num, cell.den


def rect_of(review) -> Rectification:
    return Rectification.objects.select_related("review").get(review=review)


def revisit(org, rect, user="town_agent"):
    es.rectification_revisit(
        rect=rect, by=org.user(user), called_at=timezone.now(), reached=True, said="已致歉"
    )


def rectify(org, rect, user="town_agent"):
    agent = org.user(user)
    rect = es.rectification_verify(rect=rect_of(rect.review), by=agent, finding="true", note="属实")
    return es.rectification_rectify(rect=rect, by=agent, action_taken="增设高峰时段窗口")


def assert_counters_equal_recomputation():
    daily, rolled = maintained_counts(), maintained_rollup()
    facts_recompute()
    assert maintained_counts() == daily
    assert maintained_rollup() == rolled


def test_the_four_kinds_are_registered():
    assert {"case", "review", "rectification", "complaint", "consultation"} <= set(KINDS)


def test_the_bad_review_through_the_sms_link_moves_the_figures_at_each_step(org, items, api):
    with at(3, 2):
        case = completed(org, items)
    assert nums(org, "records") == (1, 1)  # the invitation was sent at completion
    assert nums(org, "satisfaction") == (0, 0) and totals(org).cells["satisfaction"].display == "—"
    with at(3, 3):
        review = es.review_submit_by_token(token=token_of(case), level=2, comment="等了很久")
    assert nums(org, "satisfaction") == (0, 1)
    assert nums(org, "rectification") == (0, 1)  # due 5 working days later, still in March
    assert nums(org, "revisit") == (0, 1)
    with at(3, 4):
        revisit(org, rect_of(review))
    assert nums(org, "revisit") == (1, 1) and nums(org, "rectification") == (0, 1)
    with at(3, 5):
        rectify(org, rect_of(review))
    assert nums(org, "rectification") == (1, 1)
    with at(3, 6):
        good = completed(org, items)
        es.review_submit_by_token(token=token_of(good), level=4)
    assert nums(org, "satisfaction") == (1, 2)
    assert_counters_equal_recomputation()

    # The API and the monthly 通报 show the same figures.
    r = api(org.user("supervisor")).get(
        "/api/v1/indicators/", {"preset": "range", "start": "2026-03-01", "end": "2026-03-31"}
    )
    assert r.status_code == 200, r.content
    api_cells = {c["code"]: (c["numerator"], c["denominator"]) for c in r.json()["total"]["indicators"]}
    report = monthly_report(
        user=org.user("supervisor"), root_institution=org.county, month=dt.date(2026, 3, 1)
    )
    for code in ("satisfaction", "rectification", "revisit", "records"):
        cell = report.institutions.total.cells[code]
        assert api_cells[code] == (cell.num, cell.den) == nums(org, code), code


def test_an_upheld_appeal_removes_the_review_and_its_rectification(org, items):
    agent, supervisor = org.user("town_agent"), org.user("supervisor")
    with at(3, 2):
        upheld = es.review_submit_at_window(by=agent, level=1, case=new_case(org, items))
        kept = es.review_submit_at_window(by=agent, level=1, case=new_case(org, items))
        revisit(org, rect_of(upheld))
    assert nums(org, "satisfaction") == (0, 2) and nums(org, "rectification") == (0, 2)
    assert nums(org, "revisit") == (1, 2)
    with at(3, 3):
        es.appeal_decide(
            appeal=es.appeal_file(review=upheld, by=agent, reason="误评"),
            by=supervisor,
            upheld=True,
            reason="核实为误评",
        )
        es.appeal_decide(
            appeal=es.appeal_file(review=kept, by=agent, reason="恶意"),
            by=supervisor,
            upheld=False,
            reason="评价属实",
        )
    assert nums(org, "satisfaction") == (0, 1)
    assert nums(org, "rectification") == (0, 1)
    assert nums(org, "revisit") == (0, 1)
    with at(3, 4):  # later steps of the removed review's rectification stay out of the figures
        rectify(org, rect_of(upheld))
    assert nums(org, "rectification") == (0, 1)
    assert_counters_equal_recomputation()


def test_rectified_on_the_last_day_counts_a_day_late_does_not(org, items):
    agent = org.user("town_agent")
    with at(3, 2):
        first = es.review_submit_at_window(by=agent, level=2, case=new_case(org, items))
        second = es.review_submit_at_window(by=agent, level=2, case=new_case(org, items))
        revisit(org, rect_of(first))
        revisit(org, rect_of(second))
    due = rect_of(first).due_date
    assert due == dt.date(2026, 3, 9)  # 5 working days from Monday 2 March
    with on(due, hour=23):
        rectify(org, rect_of(first))
    with on(due + dt.timedelta(days=1), hour=9):
        rectify(org, rect_of(second))
    assert nums(org, "rectification") == (1, 2)
    # Counted on the limit date: a period ending the day before has none of them.
    assert nums(org, "rectification", end=dt.date(2026, 3, 8)) == (0, 0)
    assert_counters_equal_recomputation()


def test_an_anonymous_bad_review_is_not_in_the_revisit_rate(org, items):
    agent = org.user("town_agent")
    with at(3, 2):
        case = new_case(org, items)
        es.review_submit_by_tracking(tracking_token=case.tracking_token, level=1)  # QR: not real-name
        es.review_submit_at_window(by=agent, level=2)  # 现场服务 without a case: anonymous
    assert nums(org, "satisfaction") == (0, 2)
    assert nums(org, "rectification") == (0, 2)
    assert nums(org, "revisit") == (0, 0)
    assert_counters_equal_recomputation()


def register_complaint(org):
    return ps.complaint_register(
        by=org.user("town_agent"), channel="window", content="窗口人员态度差", complainant_name="王芳",
        phone="13912345678",
    )  # fmt: skip


def answer_all(org, c):
    h = org.user("coordinator")
    c = ps.complaint_accept(by=h, complaint=c)
    c = ps.complaint_investigate(by=h, complaint=c, text="调取录像核实")
    c = ps.complaint_handle(by=h, complaint=c, text="批评教育")
    return ps.complaint_answer(by=h, complaint=c, text="已核实并整改，向您致歉")


def test_a_complaint_answered_late_is_not_timely(org):
    with at(3, 2):
        on_time, late = register_complaint(org), register_complaint(org)
    assert nums(org, "complaint") == (0, 2)  # both due for 反馈 in March from registration
    with at(3, 3):
        answer_all(org, on_time)
    with on(late.answer_due + dt.timedelta(days=1)):
        answer_all(org, late)
    assert nums(org, "complaint") == (1, 2)
    assert_counters_equal_recomputation()


def test_a_consultation_answered_the_next_working_day_over_a_weekend(org):
    agent = org.user("town_agent")
    with at(3, 6, 16):  # Friday
        monday = ps.consultation_register(
            by=agent, channel="online", question="网上能办吗？", phone="13900001111"
        )
        tuesday = ps.consultation_register(
            by=agent, channel="online", question="要带什么？", phone="13900001112"
        )
        ps.consultation_register(by=agent, channel="window", question="几点下班？", answer="五点")
    assert monday.answer_due == dt.date(2026, 3, 9)
    assert nums(org, "consultation") == (1, 3)  # the window one was answered at once
    with at(3, 9, 17):
        ps.consultation_answer(by=agent, consultation=monday, answer="可以在网上办理")
    with at(3, 10):
        ps.consultation_answer(by=agent, consultation=tuesday, answer="带身份证")
    assert nums(org, "consultation") == (2, 3)
    assert_counters_equal_recomputation()


def test_record_complete_with_a_landline_and_a_paper_review(org, items):
    agent = org.user("town_agent")
    with at(3, 2):
        case = completed(org, items, phone=LANDLINE)
    assert not ReviewInvitation.objects.filter(case=case).exists()
    assert nums(org, "records") == (0, 1)  # no invitation and no review yet
    with at(3, 3):
        es.review_enter(by=agent, channel="paper", level=5, case=case)
    assert nums(org, "records") == (1, 1)
    assert nums(org, "satisfaction") == (1, 1)
    with at(3, 4):  # a terminated case needs no invitation
        terminated = new_case(org, items)
        cs.log_add(case=terminated, by=agent, text="申请人来电撤回")
        cs.case_terminate(case=terminated, by=agent, reason="申请人撤回")
        unlogged = completed(org, items, log=False)  # invited, but no service-log entry
    assert nums(org, "records") == (2, 3)
    assert ReviewInvitation.objects.filter(case=unlogged).exists()
    assert_counters_equal_recomputation()


def test_a_scripted_sequence_keeps_the_counters_equal_to_the_recomputation(org, items):
    agent, supervisor = org.user("town_agent"), org.user("supervisor")
    with at(3, 2):
        a = completed(org, items)
        b = completed(org, items, phone=LANDLINE)
        station = completed(org, items, user="station_agent")
        open_case = new_case(org, items)
        c1 = register_complaint(org)
        q = ps.consultation_register(by=agent, channel="online", question="问", phone="13900001111")
    with at(3, 3):
        bad = es.review_submit_by_token(token=token_of(a), level=1)
        es.review_enter(by=agent, channel="phone", level=2, case=b)
        es.review_submit_by_token(token=token_of(station), level=5)
        es.review_submit_at_window(by=agent, level=3, case=open_case)
        revisit(org, rect_of(bad))
        ps.consultation_answer(by=agent, consultation=q, answer="答")
        answer_all(org, c1)
    with at(3, 4):
        rectify(org, rect_of(bad))
        es.appeal_decide(
            appeal=es.appeal_file(review=Review.objects.get(case=b), by=agent, reason="误评"),
            by=supervisor, upheld=True, reason="成立",
        )  # fmt: skip
        cs.log_add(case=b, by=agent, text="补记日志")
        cs.case_archive(case=a, by=agent)
    with at(3, 20):
        cs.case_terminate(case=open_case, by=agent, reason="申请人撤回")
    daily = maintained_counts()
    assert daily  # something was counted
    assert_counters_equal_recomputation()
