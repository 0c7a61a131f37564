"""The staff case page at scale (issue 9): every panel drawn from a bounded number of statements, and
the actions' guard fed from the lists the page loads, which must give the facts case_facts reads."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bangban.bookings.models import Booking, ServiceRequest, Slot
from bangban.cases import services
from bangban.cases.models import Case, JointTask, Material, Transfer
from bangban.cases.tests.test_services import person, run_agency_to_progress
from bangban.evaluations import services as evaluation_services
from bangban.oversight.models import Order
from bangban.projects.models import Project
from bangban.projects.tests.conftest import add_departments, register

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")

# Statements of the page with every panel populated: the user and roles (2), the case, its tasks,
# transfers, materials, entrustments, the suspension's EXISTS, items, articles, oversight orders,
# online request, booking, signatures, projects, project items, reviews, timeline.
PAGE_STATEMENTS = 18


def at(y, m, d, h=10):
    return time_machine.travel(datetime.datetime(y, m, d, h, tzinfo=SH), tick=False)


def full_case(org, items):
    """A 代办 case with every panel of its page filled: a transfer (sent back), joint tasks (one
    open), materials (an original out, one returned, a copy), an entrustment and a renewal after a
    suspension, an online request and a booking, a key project and one of its items, a review and an
    oversight order."""
    agent = org.user("town_agent")
    with at(2025, 9, 30):
        case = run_agency_to_progress(org, items)
        transfer = services.transfer_send(case=case, by=agent, to_institution=org.town2, reason="属地办理")
        services.transfer_return(transfer=transfer, by=org.user("town2_agent"), reason="不属本地")
        case = Case.objects.get(pk=case.pk)
        services.task_create(
            case=case,
            by=agent,
            department=org.department,
            description="核验",
            due_date=datetime.date(2025, 10, 20),
        )
        out = services.material_receive(case=case, by=agent, name="房产证", form="original")
        back = services.material_receive(case=case, by=agent, name="户口簿", form="original")
        services.material_return(material=back, by=agent)
        services.material_receive(case=case, by=agent, name="身份证复印件", form="copy")
        case = services.case_suspend(case=Case.objects.get(pk=case.pk), by=agent, reason="materials")
    with at(2025, 10, 20):
        case = services.case_resume(case=case, by=agent, period_end=datetime.date(2025, 12, 31))
        ServiceRequest.objects.create(case=case, way="visit", address="幸福路 1 号", visit_for="王阿婆")
        slot = Slot.objects.create(
            institution=case.institution,
            date=datetime.date(2025, 10, 22),
            start=datetime.time(9),
            end=datetime.time(10),
            capacity=2,
            booked=1,
        )
        Booking.objects.create(slot=slot, case=case, phone_hash="x" * 64)
        project = register(add_departments(org))
        Project.objects.filter(pk=project.pk).update(case=case)
        project.items.filter(pk=project.items.order_by("id")[0].pk).update(case=case)
        evaluation_services.review_enter(by=agent, channel="phone", level=5, case=case)
        Order.objects.create(
            case=case,
            institution=case.institution,
            agent=case.agent,
            requirement="请加快办理",
            issued_by=org.user("supervisor"),
            due_date=datetime.date(2025, 10, 27),
        )
    return Case.objects.get(pk=case.pk), out


def test_the_page_with_every_panel_filled_runs_a_bounded_number_of_statements(org, items, web):
    case, out = full_case(org, items)
    client = web(org.user("town_agent"))
    with at(2025, 10, 21), CaptureQueriesContext(connection) as queries:
        page = client.get(f"/cases/{case.pk}/").content.decode()
    for shown in (
        "重点项目",  # projects: the project's own case and its item
        "：事项「",
        "督办单",
        "网上申请：",  # the booking panel: request, booking, both entrustments
        "预约 ",
        "请申请人签名",
        "续办委托",
        'id="reviews"',
        "房产证",
        "核验",
        "表 C",  # forms: the entrustment, the suspension, the renewal
        "表 D",
        "表 E",
    ):
        assert shown in page, shown
    # The guard, fed from the page's lists: the original out refuses 办结 and 终止; 中止 is offered.
    assert f'action="/cases/{case.pk}/act/suspend/"' in page
    assert f'action="/cases/{case.pk}/act/complete/"' not in page
    assert f'action="/cases/{case.pk}/act/terminate/"' not in page
    statements = [q["sql"] for q in queries.captured_queries if not _session(q["sql"])]
    assert len(statements) <= PAGE_STATEMENTS, "\n".join(sql[:120] for sql in statements)

    services.material_return(material=out, by=org.user("town_agent"))
    with at(2025, 10, 21):
        page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'action="/cases/{case.pk}/act/terminate/"' in page
    assert f'action="/cases/{case.pk}/act/complete/"' not in page  # the joint task is still open

    # A transfer waiting: its notice, and no action offered (the guard's first fact).
    with at(2025, 10, 21):
        services.transfer_send(
            case=Case.objects.get(pk=case.pk),
            by=org.user("town_agent"),
            to_institution=org.town2,
            reason="改派",
        )
    with at(2025, 10, 21), CaptureQueriesContext(connection) as queries:
        page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "转办待接收" in page and "改派" in page and "act/terminate/" not in page
    assert len([q for q in queries.captured_queries if not _session(q["sql"])]) <= PAGE_STATEMENTS


def test_a_help_case_page_reads_no_entrustments_nor_suspensions(org, items, web):
    """Only the 代办 transitions write them (workflow.ever_takes): a 帮办 case has none to read;
    a case registered at the window has no online request, hence no booking."""
    agent = org.user("town_agent")
    with at(2025, 9, 30):
        case = services.case_create(
            by=agent, kind="help", mode="assist", items=[items["license"]], accept_now=True, **person()
        )
    with at(2025, 10, 9), CaptureQueriesContext(connection) as queries:
        page = web(agent).get(f"/cases/{case.pk}/").content.decode()
    assert "表 A" in page and "表 C" not in page and "表 D" not in page
    assert not [q for q in queries.captured_queries if "cases_entrustment" in q["sql"]]
    assert not [q for q in queries.captured_queries if "cases_suspension" in q["sql"]]
    # Nor a booking: a booking comes only with the online request that opens a case.
    assert not [q for q in queries.captured_queries if "bookings_booking" in q["sql"]]


def _session(sql: str) -> bool:
    """The test client's session, read and saved around the page (a cache in production)."""
    return "django_session" in sql or "SAVEPOINT" in sql


def _page_facts(case):
    """The facts as the case page draws them: from its lists, loaded as the page loads them."""
    return services.facts_from_rows(
        transfers=list(case.transfers.select_related("from_institution", "to_institution", "to_department")),
        tasks=list(case.tasks.select_related("department", "assignee")),
        materials=list(case.materials.all()),
    )


def test_facts_from_the_page_lists_equal_case_facts(org, items):
    agent = org.user("town_agent")
    with at(2025, 9, 30):
        cases = [run_agency_to_progress(org, items) for _ in range(4)]
        # Nothing yet; then every kind of row, in and out of each fact.
        services.transfer_send(case=cases[1], by=agent, to_institution=org.town2, reason="属地办理")
        sent = services.transfer_send(case=cases[2], by=agent, to_institution=org.town2, reason="属地办理")
        services.transfer_return(transfer=sent, by=org.user("town2_agent"), reason="不属本地")
        for case, description in ((cases[2], "核验"), (cases[3], "评估")):
            services.task_create(
                case=Case.objects.get(pk=case.pk),
                by=agent,
                department=org.department,
                description=description,
                due_date=datetime.date(2025, 10, 20),
            )
        done = JointTask.objects.get(case=cases[3])
        services.task_complete(task=done, by=org.user("liaison"), result="已核验")
        for case in cases[2:]:
            case = Case.objects.get(pk=case.pk)
            services.material_receive(case=case, by=agent, name="房产证", form="original")
            services.material_receive(case=case, by=agent, name="复印件", form="copy")
        back = services.material_receive(case=cases[3], by=agent, name="户口簿", form="original")
        services.material_return(material=back, by=agent)
    cases = [Case.objects.get(pk=c.pk) for c in cases]
    loaded = services.case_facts(cases)
    assert [(f.transfer_pending, f.open_tasks, f.originals_out) for f in loaded.values()] == [
        (False, (), ()),
        (True, (), ()),
        (False, (org.department.name,), ("房产证",)),
        (False, (), ("房产证",)),
    ]
    assert (
        Transfer.objects.filter(case=cases[2]).exists()
        and Material.objects.filter(case=cases[3]).count() == 3
    )
    for case in cases:
        assert _page_facts(case) == loaded[case.pk]
