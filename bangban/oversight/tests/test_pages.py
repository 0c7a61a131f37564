import pytest

from bangban.oversight.models import Order
from bangban.oversight.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_issue_from_the_case_page_answer_and_close(org, red_case, web):
    sup = web(org.user("supervisor"))
    with at(2025, 11, 12):
        page = sup.get(f"/cases/{red_case.pk}/").content.decode()
        assert f"/oversight/cases/{red_case.pk}/new/" in page
        r = sup.post(f"/oversight/cases/{red_case.pk}/new/", {"requirement": "", "limit_days": 2})
        assert r.status_code == 400 and "「督办要求」为必填项" in r.content.decode()
        r = sup.post(f"/oversight/cases/{red_case.pk}/new/", {"requirement": "尽快办结", "limit_days": 11})
        assert r.status_code == 400 and "答复时限" in r.content.decode()
        r = sup.post(f"/oversight/cases/{red_case.pk}/new/", {"requirement": "尽快办结", "limit_days": 2})
        order = Order.objects.get()
        assert r.status_code == 302 and r["Location"] == f"/oversight/{order.pk}/"
        page = sup.get(f"/cases/{red_case.pk}/").content.decode()
        assert f"/oversight/{order.pk}/" in page and f"/oversight/cases/{red_case.pk}/new/" not in page
    with at(2025, 11, 17):
        agent = web(org.user("station_agent"))
        page = agent.get("/oversight/").content.decode()
        assert "已逾期" in page and f"/oversight/{order.pk}/" in page
        page = agent.get(f"/cases/{red_case.pk}/").content.decode()
        assert f"/oversight/{order.pk}/" in page and "/new/" not in page.split('id="oversight"')[1][:500]
        r = agent.post(f"/oversight/{order.pk}/answer/", {"answer-reply": "已补齐材料"})
        assert r.status_code == 302
    sup = web(org.user("supervisor"))
    with at(2025, 11, 17):
        r = sup.post(f"/oversight/{order.pk}/close/", {"close-satisfied": "0", "close-comment": ""})
        assert r.status_code == 400 and "评价意见" in r.content.decode()
        r = sup.post(f"/oversight/{order.pk}/close/", {"close-satisfied": "1"})
        assert r.status_code == 302
    order.refresh_from_db()
    assert order.state == "closed"


def test_pages_refuse_out_of_scope_and_roles(org, red_case, web, other_supervisor):
    with at(2025, 11, 12):
        sup = web(org.user("supervisor"))
        sup.post(f"/oversight/cases/{red_case.pk}/new/", {"requirement": "尽快办结", "limit_days": 2})
        order = Order.objects.get()
        assert web(org.user("station2_agent")).get(f"/oversight/{order.pk}/").status_code == 404
        assert (
            web(org.user("station2_agent"))
            .post(f"/oversight/{order.pk}/answer/", {"answer-reply": "x"})
            .status_code
            == 404
        )
        assert web(org.user("catalog_admin")).get("/oversight/").status_code == 403
        assert web(other_supervisor).get(f"/oversight/cases/{red_case.pk}/new/").status_code == 404
        assert web(org.user("station_agent")).get(f"/oversight/cases/{red_case.pk}/new/").status_code == 403


def test_dashboard_panel(org, red_case, web):
    with at(2025, 11, 12):
        web(org.user("supervisor")).post(
            f"/oversight/cases/{red_case.pk}/new/", {"requirement": "x", "limit_days": 2}
        )
    with at(2025, 11, 17):
        page = web(org.user("station_agent")).get("/staff/").content.decode()
    assert "督办 · 逾期未答复" in page


def test_a_second_answer_is_refused_with_a_message(org, red_case, web):
    with at(2025, 11, 12):
        web(org.user("supervisor")).post(
            f"/oversight/cases/{red_case.pk}/new/", {"requirement": "x", "limit_days": 2}
        )
        order = Order.objects.get()
        agent = web(org.user("station_agent"))
        assert agent.post(f"/oversight/{order.pk}/answer/", {"answer-reply": "第一次"}).status_code == 302
        r = agent.post(f"/oversight/{order.pk}/answer/", {"answer-reply": "第二次"})
    assert r.status_code == 400 and "不能答复督办" in r.content.decode()
    order.refresh_from_db()
    assert order.reply == "第一次"
