"""The complaint and consultation pages: forms through services, red when late, 转为办件 and back."""

import pytest
from django.urls import reverse

from bangban.cases.models import Case
from bangban.complaints import services
from bangban.complaints.models import Complaint, Consultation
from bangban.complaints.tests.conftest import at, make_case, register
from bangban.notifications.models import Message

pytestmark = pytest.mark.django_db


def test_register_a_complaint_at_the_window(org, web, item):
    case = make_case(org, item)
    client = web(org.user("town_agent"))
    page = client.get(reverse("complaints:create") + f"?case={case.pk}")
    assert page.status_code == 200 and case.number in page.content.decode()
    r = client.post(
        reverse("complaints:create"),
        {
            "channel": "window",
            "complainant_name": "王芳",
            "phone": "13912345678",
            "content": "态度差",
            "case_number": case.number,
        },
    )
    c = Complaint.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("complaints:detail", args=[c.pk])
    assert c.case == case and c.institution == org.town
    assert client.get(r["Location"]).status_code == 200  # the registrar sees what they registered


def test_bad_registration_names_the_field_and_changes_nothing(org, web):
    client = web(org.user("town_agent"))
    r = client.post(
        reverse("complaints:create"), {"channel": "hotline", "content": "", "complainant_name": "王"}
    )
    text = r.content.decode()
    assert r.status_code == 400 and "「投诉内容」为必填项" in text
    r = client.post(
        reverse("complaints:create"), {"channel": "hotline", "content": "x", "complainant_name": "王"}
    )
    assert r.status_code == 400 and "12345工单号" in r.content.decode()
    r = client.post(
        reverse("complaints:create"),
        {"channel": "window", "content": "x", "complainant_name": "王", "case_number": "NOPE"},
    )
    assert r.status_code == 400 and "涉及办件编号" in r.content.decode()
    assert not Complaint.objects.exists()


def test_late_complaint_is_red_in_the_list_and_on_its_page(org, web):
    with at(2025, 9, 30):
        c = register(org)
    with at(2025, 10, 9):  # the due day: still in time
        client = web(org.user("coordinator"))  # signed in on the day (sessions expire when idle)
        assert "● 已超期" not in client.get(reverse("complaints:list")).content.decode()
    with at(2025, 10, 10):
        client = web(org.user("coordinator"))
        listing = client.get(reverse("complaints:list")).content.decode()
        assert "● 已超期" in listing and c.number in listing
        assert c.number in client.get(reverse("complaints:list") + "?late=1").content.decode()
        assert "● 已超期" in client.get(reverse("complaints:detail", args=[c.pk])).content.decode()


def test_steps_through_the_page(org, web):
    c = register(org)
    client = web(org.user("coordinator"))
    page = client.get(reverse("complaints:detail", args=[c.pk])).content.decode()
    assert "受理意见" in page and "不予受理理由" in page
    for name, text in [
        ("accept", ""),
        ("investigate", "调查属实"),
        ("handle", "整改"),
        ("answer", "答复"),
        ("archive", ""),
    ]:
        r = client.post(
            reverse("complaints:step", args=[c.pk, name]),
            {f"{name}-text": text, "version": Complaint.objects.get(pk=c.pk).version},
        )
        assert r.status_code == 302
    assert Complaint.objects.get(pk=c.pk).status == "archived"
    assert Message.objects.filter(object_id=str(c.pk)).count() == 2


def test_step_refusals_show_a_message_and_change_nothing(org, web):
    c = register(org)
    client = web(org.user("coordinator"))
    r = client.post(
        reverse("complaints:step", args=[c.pk, "investigate"]), {"investigate-text": "x"}, follow=True
    )
    assert "不能调查" in r.content.decode()
    r = client.post(reverse("complaints:step", args=[c.pk, "accept"]), {"version": "abc"}, follow=True)
    assert "版本无效" in r.content.decode()
    assert client.post(reverse("complaints:step", args=[c.pk, "nonsense"])).status_code == 404
    assert Complaint.objects.get(pk=c.pk).status == "received"
    # An agent may not take steps, another tree sees nothing.
    assert (
        web(org.user("town_agent")).post(reverse("complaints:step", args=[c.pk, "accept"])).status_code == 403
    )
    assert web(org.user("other_admin")).get(reverse("complaints:detail", args=[c.pk])).status_code == 404


def test_case_page_links_to_its_complaints(org, web, item):
    case = make_case(org, item)
    c = register(org, case=case.pk)
    client = web(org.user("coordinator"))
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f"/complaints/?case={case.pk}" in page
    assert c.number in client.get(f"/complaints/?case={case.pk}").content.decode()


def test_consultation_registered_and_answered_in_one_post(org, web, item):
    client = web(org.user("town_agent"))
    page = client.get(reverse("complaints:consultations")).content.decode()
    assert "autofocus" in page and "Ctrl+Enter" in page
    r = client.post(
        reverse("complaints:consultations"),
        {
            "question": "个体户怎么登记",
            "answer": "带身份证",
            "item_name": "个体工商户登记",
            "channel": "window",
            "resolved": "on",
        },
    )
    assert r.status_code == 302
    c = Consultation.objects.get()
    assert c.is_answered and c.item == item and c.resolved
    assert "个体户怎么登记" in client.get(reverse("complaints:consultations")).content.decode()


def test_consultation_bad_input(org, web, item):
    client = web(org.user("town_agent"))
    r = client.post(reverse("complaints:consultations"), {"question": "", "channel": "window"})
    assert r.status_code == 400 and "「咨询内容」为必填项" in r.content.decode()
    r = client.post(
        reverse("complaints:consultations"),
        {"question": "问", "channel": "window", "item_name": "不存在的事项"},
    )
    assert r.status_code == 400 and "「事项」" in r.content.decode()
    assert not Consultation.objects.exists()


def test_online_question_answered_from_its_page_with_sms(org, web):
    with at(2025, 9, 30):
        c = services.consultation_register(
            by=org.user("town_agent"), channel="online", question="网上问", phone="13900001111"
        )
    with at(2025, 10, 10):
        client = web(org.user("town_agent"))
        listing = client.get(reverse("complaints:consultations")).content.decode()
        assert "待答复" in listing and "tag-red" in listing
        r = client.post(
            reverse("complaints:consultation_answer", args=[c.pk]), {"answer": "可以网上办", "resolved": "on"}
        )
    assert r.status_code == 302
    assert Message.objects.filter(event=Message.Event.CONSULT_ANSWER, object_id=str(c.pk)).exists()


def test_turn_a_consultation_into_a_case_and_link_back(org, web, item):
    agent = org.user("town_agent")
    c = services.consultation_register(
        by=agent,
        channel="window",
        question="想办个体户",
        answer="可以代办",
        item=item.pk,
        asker_name="赵六",
        phone="13800001111",
    )
    client = web(agent)
    detail = client.get(reverse("complaints:consultation", args=[c.pk])).content.decode()
    assert f"/cases/new/?consultation={c.pk}" in detail
    form = client.get(f"/cases/new/?consultation={c.pk}").content.decode()
    assert "赵六" in form and "13800001111" in form and "个体工商户登记" in form
    assert f'name="consultation" value="{c.pk}"' in form
    r = client.post(
        "/cases/new/",
        {
            "kind": "help",
            "mode": "assist",
            "applicant_type": "person",
            "applicant_name": "赵六",
            "id_number": "11010519491231002X",
            "phone": "13800001111",
            "items": [item.pk],
            "channel": "window",
            "accept_now": "on",
            "register": "1",
            "consultation": c.pk,
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    case = Case.objects.get(applicant_name="赵六")
    assert Consultation.objects.get(pk=c.pk).case == case
    # Someone else's consultation cannot be used to prefill (404), and its phone is not revealed.
    other = services.consultation_register(
        by=org.user("town2_agent"), channel="window", question="问", phone="13800002222"
    )
    assert client.get(f"/cases/new/?consultation={other.pk}").status_code == 404


def test_workbench_counts_late_complaints_and_waiting_consultations(org, web):
    with at(2025, 9, 30):
        register(org)
        services.consultation_register(by=org.user("town_agent"), channel="online", question="问")
    with at(2025, 10, 10):
        home = web(org.user("coordinator")).get("/staff/").content.decode()
        assert "投诉 · 已超期" in home and "咨询 · 待答复" in home
        from bangban.complaints.dashboard import complaint_panels

        values = {p["label"]: p["value"] for p in complaint_panels(org.user("coordinator"))}
        assert values == {"投诉 · 已超期": "1", "投诉 · 办理中": "1", "咨询 · 待答复": "1"}
