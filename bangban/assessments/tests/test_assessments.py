"""The monthly assessment on hand-built data: every source, the score and its lock, scope, bad input,
and the same figures in the page, the API and the export."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from bangban.assessments import selectors, services
from bangban.assessments.models import Assessment
from bangban.audit.models import AuditEvent
from bangban.core.errors import AccessRefused, NotInScope, ServiceError

MARCH = dt.date(2026, 3, 1)
pytestmark = pytest.mark.django_db


def test_month_reads_every_source(org, march):
    m = selectors.agent_month(user=org.user("supervisor"), pk=march["agent"].pk, month=MARCH)
    assert m.review_counts == {5: 1, 4: 1, 1: 1}  # the 不满意 removed by the upheld 申诉 is not counted
    assert m.complaints == 2  # the refused one and April's are not
    assert (m.training_hours, m.training_scores) == (D("2.0"), [80])
    cells = m.cells
    assert (cells["satisfaction"].num, cells["satisfaction"].den) == (2, 3)
    assert (cells["complaint"].num, cells["complaint"].den) == (0, 2)
    assert m.parts == {
        "indicators": D("22.2"),  # mean of 满意率 66.7, 差评整改率 0, 投诉及时处理率 0
        "reviews": D("58.3"),
        "complaints": D("60.0"),
        "training": D("80.0"),
        "supervisor": None,
    }
    # Without the supervisor's score its weight is shared out: (22.2×40 + 58.3×20 + 60×10 + 80×10) / 80
    assert m.composite == D("43.2")
    assert m.assessment is None


def test_score_confirm_and_lock(org, march):
    supervisor, agent = org.user("supervisor"), march["agent"]
    a = services.assessment_score(
        by=supervisor, agent=agent, month=dt.date(2026, 3, 17), score=90, comment="服务热情"
    )
    assert a.month == MARCH and a.state == Assessment.State.DRAFT
    a = services.assessment_score(by=supervisor, agent=agent, month=MARCH, score=88, comment="服务热情")
    assert Assessment.objects.count() == 1
    events = AuditEvent.objects.filter(action="assessments.assessment.score").order_by("id")
    assert [e.changes.get("supervisor_score") for e in events] == [
        {"before": None, "after": 90},
        {"before": 90, "after": 88},
    ]
    m = selectors.agent_month(user=supervisor, pk=agent.pk, month=MARCH)
    assert m.parts["supervisor"] == D(88)
    assert m.composite == D("52.1")  # (888 + 1166 + 600 + 800 + 88×20) / 100 = 52.14

    a = services.assessment_confirm(by=supervisor, assessment=a)
    assert a.state == Assessment.State.CONFIRMED and a.composite == D("52.1")
    assert (
        AuditEvent.objects.filter(action="assessments.assessment.confirm", object_id=str(a.pk)).count() == 1
    )
    with pytest.raises(ServiceError) as exc:
        services.assessment_score(by=supervisor, agent=agent, month=MARCH, score=100)
    assert exc.value.code == "locked"
    with pytest.raises(ServiceError):
        services.assessment_confirm(by=supervisor, assessment=a)
    # A later review in March changes the live figures, not the confirmed assessment.
    from bangban.assessments.tests.conftest import at
    from bangban.evaluations import services as evaluations

    with at(30):
        evaluations.review_submit_at_window(by=agent, level=5)
    m = selectors.agent_month(user=supervisor, pk=agent.pk, month=MARCH)
    assert m.confirmed and m.composite == D("52.1") and m.parts["reviews"] == D("58.3")
    a.refresh_from_db()
    assert a.supervisor_score == 88


def test_confirm_waits_for_the_month_end(org):
    from django.utils import timezone

    today = timezone.localdate()
    a = services.assessment_score(
        by=org.user("supervisor"), agent=org.user("town_agent"), month=today, score=80
    )
    with pytest.raises(ServiceError, match="尚未结束"):
        services.assessment_confirm(by=org.user("supervisor"), assessment=a)


def test_who_may_score(org):
    supervisor, agent = org.user("supervisor"), org.user("town_agent")
    for by, who in ((org.user("town_admin"), agent), (agent, org.user("station_agent"))):
        with pytest.raises(AccessRefused):  # no SUPERVISION_ISSUE
            services.assessment_score(by=by, agent=who, month=MARCH, score=80)
    with pytest.raises(ServiceError):  # not a case handler
        services.assessment_score(by=supervisor, agent=org.user("county_admin"), month=MARCH, score=80)
    other = org.user("other_admin")
    with pytest.raises(NotInScope):
        services.assessment_score(by=supervisor, agent=other, month=MARCH, score=80)
    assert not Assessment.objects.exists()


def test_scope_of_pages(org, march, web):
    agent = march["agent"]
    url = f"/assessments/agents/{agent.pk}/?month=2026-03"
    assert web(agent).get(url).status_code == 200  # the agent's own
    assert web(agent).get("/assessments/me/?month=2026-03").status_code == 302
    assert web(org.user("station_agent")).get(url).status_code == 404
    assert web(org.user("station_agent")).get("/assessments/").status_code == 403
    assert web(org.user("other_admin")).get(url).status_code == 404
    page = web(org.user("town_admin")).get("/assessments/?month=2026-03").content.decode()
    assert agent.display_name in page and org.user("station_agent").display_name in page
    assert org.user("town2_agent").display_name not in page
    assert (
        web(org.user("town_admin")).get(f"/assessments/agents/{org.user('town2_agent').pk}/").status_code
        == 404
    )
    # A manager without SUPERVISION_ISSUE sees no score form and cannot post one.
    assert "保存评分" not in web(org.user("town_admin")).get(url).content.decode()
    r = web(org.user("town_admin")).post(
        f"/assessments/agents/{agent.pk}/score/", {"month": "2026-03", "score": 80}
    )
    assert r.status_code == 403 and not Assessment.objects.exists()


def test_page_api_and_export_agree(org, march, web, api):
    supervisor, agent = org.user("supervisor"), march["agent"]
    client = web(supervisor)
    r = client.post(
        f"/assessments/agents/{agent.pk}/score/", {"month": "2026-03", "score": "88", "comment": "服务热情"}
    )
    assert r.status_code == 302
    page = client.get(f"/assessments/agents/{agent.pk}/?month=2026-03").content.decode()
    assert "综合得分：52.1（不合格）" in page and "服务热情" in page and "确认考核" in page
    listing = client.get("/assessments/?month=2026-03").content.decode()
    assert "52.1" in listing
    data = api(supervisor).get("/api/v1/assessments/", {"month": "2026-03"}).json()
    mine = next(row for row in data if row["agent"] == agent.pk)
    assert mine["composite"] == "52.1" and mine["supervisor_score"] == 88 and mine["state"] == "draft"
    assert mine["reviews"] == {"1": 1, "2": 0, "3": 0, "4": 1, "5": 1} and mine["complaints"] == 2
    assert api(agent).get(f"/api/v1/assessments/agents/{agent.pk}/", {"month": "2026-03"}).json() == mine
    sheet = load_workbook(io.BytesIO(client.get("/assessments/export.xlsx?month=2026-03").content)).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows[agent.display_name][2:9] == (22.2, 58.3, 60.0, 80.0, 88.0, 52.1, "不合格")
    r = api(supervisor).post(
        f"/api/v1/assessments/agents/{agent.pk}/confirm/", {"month": "2026-03"}, format="json"
    )
    assert r.status_code == 200 and r.json()["state"] == "confirmed"
    r = api(supervisor).post(
        f"/api/v1/assessments/agents/{agent.pk}/score/", {"month": "2026-03", "score": 99}, format="json"
    )
    assert r.status_code == 400 and "已确认" in r.content.decode()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"month": "2026-03", "score": 101}, "score"),
        ({"month": "2026-03", "score": "九十"}, "score"),
        ({"month": "2026-13", "score": 90}, "month"),
        ({"month": "三月", "score": 90}, "须为 YYYY-MM 格式"),
        ({"month": "2126-01", "score": 90}, "month"),
        ({"month": "2026-03", "score": 90, "comment": "长" * 501}, "comment"),
    ],
)
def test_bad_input_is_refused_in_chinese(org, api, payload, field):
    agent = org.user("town_agent")
    r = api(org.user("supervisor")).post(
        f"/api/v1/assessments/agents/{agent.pk}/score/", payload, format="json"
    )
    assert r.status_code == 400, r.content
    assert field in r.content.decode() and not Assessment.objects.exists()


def test_future_month_and_bad_query(org, api, web):
    from django.utils import timezone

    today = timezone.localdate()
    later = f"{today.year + 1}-{today.month:02d}"
    agent = org.user("town_agent")
    r = api(org.user("supervisor")).post(
        f"/api/v1/assessments/agents/{agent.pk}/score/", {"month": later, "score": 90}, format="json"
    )
    assert r.status_code == 400 and "不能晚于本月" in r.content.decode()
    assert api(org.user("supervisor")).get("/api/v1/assessments/", {"month": "x"}).status_code == 400
    page = web(org.user("supervisor")).get("/assessments/?month=2026-99")
    assert page.status_code == 400 and "考核月份" in page.content.decode()
    assert api(org.user("supervisor")).get("/api/v1/assessments/agents/999999/").status_code == 404
    assert not Assessment.objects.exists()
