"""督办单 on a complaint: issued only on an open complaint that is late (the complaints app's own rule)
or due soon, answered by a complaint handler in scope (never the issuer), escalated once."""

import datetime

import pytest

from bangban.audit.models import AuditEvent
from bangban.cases.models import CaseEvent
from bangban.complaints import services as complaint_services
from bangban.complaints.tests.conftest import register
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.oversight import selectors, services
from bangban.oversight.models import Order, OrderEvent
from bangban.oversight.tasks import escalate_overdue
from bangban.oversight.tests.conftest import at

pytestmark = pytest.mark.django_db
D = datetime.date
URL = "/api/v1/oversight/orders/"


@pytest.fixture
def complaint(org):
    """Registered at the town on Monday 2025-11-03: 受理 due 2025-11-04, late (red) from 11-05."""
    with at(2025, 11, 3):
        return register(org)


def issue(org, complaint, **kw):
    kw.setdefault("requirement", "请说明投诉超期原因并尽快处理")
    return services.order_issue(by=org.user("supervisor"), complaint=complaint, **kw)


def test_late_complaint_order_is_answered_by_a_handler_in_scope_and_escalates_once(org, complaint):
    with at(2025, 11, 5):
        assert services.complaint_light(complaint) == "red"
        order = issue(org, complaint)
    assert order.complaint == complaint and order.case is None
    assert order.institution == org.town and order.agent is None
    assert order.due_date == D(2025, 11, 7) and order.target_type == "complaint"
    assert order.target_id == complaint.pk and order.target_label == f"投诉 {complaint.number}"
    audit = AuditEvent.objects.get(action="oversight.order.issue")
    assert audit.note == f"投诉 {complaint.number}"

    with at(2025, 11, 7, 17):
        assert escalate_overdue() == 0  # the due date itself is still in time
    with at(2025, 11, 10):
        assert escalate_overdue() == 1
        assert escalate_overdue() == 0  # once
    order.refresh_from_db()
    assert order.escalated_at is not None
    assert order.events.filter(type=OrderEvent.Type.ESCALATE).count() == 1

    with at(2025, 11, 10, 11):
        with pytest.raises(AccessRefused):  # handles cases, not complaints
            services.order_answer(order=order, by=org.user("town_agent"), reply="已处理")
        with pytest.raises(NotInScope):  # another county
            services.order_answer(order=order, by=org.user("other_admin"), reply="已处理")
        with pytest.raises(NotInScope):  # a station below the town: not its institution
            services.order_answer(order=order, by=org.user("station_agent"), reply="已处理")
        with pytest.raises(ServiceError) as exc:  # the supervisor handles complaints but issued it
            services.order_answer(order=order, by=org.user("supervisor"), reply="已处理")
        assert exc.value.code == "not_allowed" and "签发人" in exc.value.message
        order.refresh_from_db()
        assert order.state == "pending" and not order.reply
        order = services.order_answer(order=order, by=org.user("town_admin"), reply="已受理并约谈当事人")
    assert order.state == "answered" and order.answered_by == org.user("town_admin")
    with at(2025, 11, 11):
        order = services.order_close(order=order, by=org.user("supervisor"), satisfied=True)
    assert order.state == "closed"
    assert list(order.events.values_list("type", flat=True)) == ["issue", "escalate", "answer", "close"]
    # a complaint order writes nothing on any case timeline, but each of its steps on the complaint's own
    assert not CaseEvent.objects.filter(type=CaseEvent.Type.SUPERVISION).exists()
    steps = list(complaint.steps.order_by("at", "id"))
    lines = [s for s in steps if s.action == "supervise"]
    assert [s.label for s in lines] == ["督办"] * 4
    assert "签发督办单" in lines[0].text and "升级" in lines[1].text and "答复督办单" in lines[2].text
    assert lines[1].actor_name == "系统" and lines[2].actor_name == org.user("town_admin").display_name
    assert all(s.from_status == s.to_status == complaint.status for s in lines)  # the status does not move


def test_a_coordinator_above_answers_too(org, complaint):
    with at(2025, 11, 5):
        order = issue(org, complaint)
        assert services.may_answer(order=order, by=org.user("coordinator"))
        assert not services.may_answer(order=order, by=org.user("town_agent"))
        order = services.order_answer(order=order, by=org.user("coordinator"), reply="已督促镇里处理")
    assert order.state == "answered"


def test_due_soon_is_issuable_on_time_is_not(org, complaint):
    with at(2025, 11, 3):  # 受理 due tomorrow: 1 working day left (yellow)
        assert services.complaint_light(complaint) == "yellow"
        assert services.complaint_issuable(complaint=complaint)
        complaint = complaint_services.complaint_accept(by=org.user("coordinator"), complaint=complaint)
        # 调查 due 2025-11-10: five working days left (green)
        assert services.complaint_light(complaint) == "green"
        with pytest.raises(ServiceError) as exc:
            issue(org, complaint)
    assert exc.value.code == "not_allowed" and exc.value.field == "complaint"
    assert "投诉" in exc.value.message
    assert not Order.objects.exists()
    with at(2025, 11, 6):  # 2 working days left
        assert services.complaint_light(complaint) == "yellow"
        assert issue(org, complaint).state == "pending"


def test_archived_or_refused_complaint_cannot_be_supervised(org, complaint):
    by = org.user("coordinator")
    with at(2025, 11, 3):
        c = complaint_services.complaint_accept(by=by, complaint=complaint)
        c = complaint_services.complaint_investigate(by=by, complaint=c, text="已调查")
        c = complaint_services.complaint_handle(by=by, complaint=c, text="已处置")
    with at(2025, 11, 20):  # answered late
        c = complaint_services.complaint_answer(by=by, complaint=c, text="已答复投诉人")
        assert services.complaint_light(c) == ""
        with pytest.raises(ServiceError):
            issue(org, c)
        c = complaint_services.complaint_archive(by=by, complaint=c)
        assert c.status == "archived"
        with pytest.raises(ServiceError) as exc:
            issue(org, c)
    assert exc.value.field == "complaint"
    with at(2025, 11, 3):
        refused = complaint_services.complaint_reject(by=by, complaint=register(org), text="不属于受理范围")
    with at(2025, 11, 20):
        with pytest.raises(ServiceError):
            issue(org, refused)
    assert not Order.objects.exists()


def test_one_open_order_per_complaint_and_exactly_one_target(org, complaint, red_case, other_supervisor):
    with at(2025, 11, 12):
        first = issue(org, complaint)
        with pytest.raises(ServiceError) as exc:
            issue(org, complaint)
        assert exc.value.code == "duplicate" and "该投诉已有未办结的督办单" in exc.value.message
        with pytest.raises(ServiceError):
            services.order_issue(
                by=org.user("supervisor"), case=red_case, complaint=complaint, requirement="x"
            )
        with pytest.raises(ServiceError):
            services.order_issue(by=org.user("supervisor"), requirement="x")
        with pytest.raises(NotInScope):
            services.order_issue(by=other_supervisor, complaint=complaint, requirement="x")
        with pytest.raises(AccessRefused):
            services.order_issue(by=org.user("town_admin"), complaint=complaint, requirement="x")
    assert list(Order.objects.values_list("pk", flat=True)) == [first.pk]
    with at(2025, 11, 12):
        services.order_answer(order=first, by=org.user("town_admin"), reply="已处理")
        services.order_close(order=first, by=org.user("supervisor"), satisfied=True)
        assert issue(org, complaint).pk != first.pk  # closed: a new order may follow


def test_lists_and_counts_of_complaint_orders(org, complaint):
    with at(2025, 11, 5):
        order = issue(org, complaint)
    with at(2025, 11, 10):
        escalate_overdue()

        def ids(user, **kw):
            return {o.pk for o in selectors.order_list(user=org.user(user), **kw)}

        assert ids("town_admin", box="mine") == {order.pk}
        assert ids("coordinator", box="mine") == {order.pk}
        assert ids("coordinator", box="escalated") == {order.pk}
        assert ids("town_agent", box="mine") == set()  # handles cases only
        assert ids("supervisor", box="mine") == set()  # its own order
        assert ids("supervisor", box="issued") == {order.pk}
        assert ids("other_admin") == set()
        assert selectors.pending_counts(user=org.user("town_admin")) == {
            "mine": 1,
            "mine_late": 1,
            "escalated": 1,
        }
        assert selectors.pending_counts(user=org.user("town_agent")) == {"mine": 0, "mine_late": 0}
        assert {
            o.pk for o in selectors.orders_of_complaint(user=org.user("town_admin"), complaint=complaint)
        } == {order.pk}
        assert not selectors.orders_of_complaint(user=org.user("other_admin"), complaint=complaint).exists()
        # the window agent who registered the complaint sees it, but not the 督办 about it (nor do
        # other case handlers): complaint orders are for complaint readers only
        for user in ("town_agent", "station_agent"):
            assert ids(user) == set()
            with pytest.raises(NotInScope):
                selectors.order_get(user=org.user(user), pk=order.pk)
        assert not selectors.orders_of_complaint(user=org.user("town_agent"), complaint=complaint).exists()
        assert ids("coordinator") == {order.pk}


def test_api_issue_and_answer_on_a_complaint(org, complaint, api, other_supervisor):
    sup = api(org.user("supervisor"))
    with at(2025, 11, 5):
        r = sup.post(URL, {"complaint": complaint.pk, "requirement": "请尽快受理"}, format="json")
        assert r.status_code == 201, r.json()
        body = r.json()
        assert body["target_type"] == "complaint" and body["target_id"] == complaint.pk
        assert body["complaint"] == complaint.pk and body["complaint_number"] == complaint.number
        assert body["case"] is None and body["case_number"] == ""
        assert body["target_label"] == f"投诉 {complaint.number}"
        r = api(org.user("town_admin")).get(URL, {"box": "mine"})
        assert [o["id"] for o in r.json()["results"]] == [body["id"]]
        # a case handler does not even see a complaint's order (404), let alone answer it
        r = api(org.user("town_agent")).post(f"{URL}{body['id']}/answer/", {"reply": "已处理"}, format="json")
        assert r.status_code == 404
        r = api(org.user("coordinator")).post(
            f"{URL}{body['id']}/answer/", {"reply": "x" * 1001}, format="json"
        )
        assert r.status_code == 400 and "reply" in {e.get("field") for e in r.json()["errors"]}
        r = api(org.user("town_admin")).post(f"{URL}{body['id']}/answer/", {"reply": "已处理"}, format="json")
        assert r.status_code == 200 and r.json()["state"] == "answered"
        assert api(org.user("other_admin")).get(f"{URL}{body['id']}/").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"requirement": "x"},  # no target
        {"complaint": "abc", "requirement": "x"},
        {"complaint": 0, "requirement": "x"},
        {"case": 1, "complaint": 1, "requirement": "x"},  # both
    ],
)
def test_api_bad_target_is_a_chinese_400(org, complaint, api, body):
    with at(2025, 11, 5):
        r = api(org.user("supervisor")).post(URL, body, format="json")
    assert r.status_code == 400
    assert {e.get("field") for e in r.json()["errors"]} & {"case", "complaint"}
    assert not Order.objects.exists()


def test_api_refusals_on_a_complaint(org, complaint, api, other_supervisor):
    with at(2025, 11, 5):
        r = api(other_supervisor).post(URL, {"complaint": complaint.pk, "requirement": "x"}, format="json")
        assert r.status_code == 404
        r = api(org.user("supervisor")).post(URL, {"complaint": 10**9, "requirement": "x"}, format="json")
        assert r.status_code == 404
        r = api(org.user("town_admin")).post(
            URL, {"complaint": complaint.pk, "requirement": "x"}, format="json"
        )
        assert r.status_code == 403
    assert not Order.objects.exists()


def test_pages_issue_from_the_complaint_page_and_answer(org, complaint, web):
    sup = web(org.user("supervisor"))
    new = f"/oversight/complaints/{complaint.pk}/new/"
    with at(2025, 11, 5):
        page = sup.get(f"/complaints/{complaint.pk}/").content.decode()
        assert new in page and 'id="oversight"' in page
        page = sup.get(new).content.decode()
        assert f"投诉 {complaint.number}" in page and "已超期" in page
        r = sup.post(new, {"requirement": "", "limit_days": 2})
        assert r.status_code == 400 and "督办要求" in r.content.decode()
        r = sup.post(new, {"requirement": "请尽快受理", "limit_days": 2})
        order = Order.objects.get()
        assert r.status_code == 302 and r["Location"] == f"/oversight/{order.pk}/"
        page = sup.get(f"/complaints/{complaint.pk}/").content.decode()
        assert f"/oversight/{order.pk}/" in page and new not in page
        page = sup.get(f"/oversight/{order.pk}/").content.decode()
        assert f"/complaints/{complaint.pk}/" in page and f"投诉 {complaint.number}" in page
        assert "答复督办" not in page  # the issuer is not offered the answer form
        page = sup.get("/oversight/").content.decode()  # a supervisor starts on every order
        assert 'aria-current="page" class="active">全部' in page and f"/oversight/{order.pk}/" in page
        r = sup.post(new, {"requirement": "再次督办", "limit_days": 2})
        assert r.status_code == 400 and "该投诉已有未办结的督办单" in r.content.decode()
    handler = web(org.user("town_admin"))
    with at(2025, 11, 6):
        page = handler.get("/oversight/").content.decode()
        assert f"投诉 {complaint.number}" in page and f"/oversight/{order.pk}/" in page
        page = handler.get(f"/complaints/{complaint.pk}/").content.decode()
        assert f"/oversight/{order.pk}/" in page and new not in page
        assert handler.get(new).status_code == 403
        r = handler.post(f"/oversight/{order.pk}/answer/", {"answer-reply": "已受理"})
        assert r.status_code == 302
    order.refresh_from_db()
    assert order.state == "answered"


def test_pages_out_of_scope_and_on_time(org, complaint, web, other_supervisor):
    with at(2025, 11, 5):
        assert web(other_supervisor).get(f"/oversight/complaints/{complaint.pk}/new/").status_code == 404
        assert web(other_supervisor).get("/oversight/complaints/999999/new/").status_code == 404
    with at(2025, 11, 3):
        accepted = complaint_services.complaint_accept(by=org.user("coordinator"), complaint=register(org))
        sup = web(org.user("supervisor"))
        page = sup.get(f"/complaints/{accepted.pk}/").content.decode()
        assert f"/oversight/complaints/{accepted.pk}/new/" not in page
        r = sup.post(f"/oversight/complaints/{accepted.pk}/new/", {"requirement": "x", "limit_days": 2})
        assert r.status_code == 400 and "只能对办理中且已超期" in r.content.decode()
    assert not Order.objects.exists()


def test_the_database_refuses_two_targets_and_a_second_open_order_on_a_complaint(org, complaint, red_case):
    from django.db import IntegrityError, transaction

    def create(**target):
        return Order.objects.create(
            institution=org.town,
            requirement="x",
            issued_by=org.user("supervisor"),
            due_date=D(2025, 11, 7),
            **target,
        )

    with pytest.raises(IntegrityError), transaction.atomic():
        create(case=red_case, complaint=complaint)
    with at(2025, 11, 5):
        issue(org, complaint)
    with pytest.raises(IntegrityError), transaction.atomic():  # written past the service
        create(complaint=complaint)
    assert create(complaint=complaint, state="closed").pk  # closed ones may pile up
