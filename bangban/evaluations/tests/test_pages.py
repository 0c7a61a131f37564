"""The pages: public SMS link and QR rating (no login), the counter, staff entry, lists, the
rectification page's steps as forms, the case page's section, refusals."""

import datetime

import pytest

from bangban.core import crypto
from bangban.evaluations.models import Appeal, Rectification, RectStatus, Review, ReviewInvitation

pytestmark = pytest.mark.django_db


def link(case):
    return "/r/" + crypto.decrypt(ReviewInvitation.objects.get(case=case).token_encrypted) + "/"


def test_public_link_rates_once(client, new_case):
    case = new_case(complete=True)
    url = link(case)
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "非常满意" in body and "非常不满意" in body and case.number in body and "只能评价一次" in body
    assert "<script" not in body.split("<main")[1]  # the form needs no JavaScript
    r = client.post(url, {"level": "2", "comment": "排队太久", "aspects": ["efficiency"]})
    assert r.status_code == 200 and "感谢您的评价" in r.content.decode()
    review = Review.objects.get()
    assert review.level == 2 and review.aspects == "efficiency" and review.real_name
    again = client.get(url)
    assert again.status_code == 410 and "已使用" in again.content.decode()
    assert client.post(url, {"level": "5"}).status_code == 410
    assert Review.objects.count() == 1


def test_public_link_bad_input(client, new_case):
    url = link(new_case(complete=True))
    r = client.post(url, {"level": "9"})
    assert r.status_code == 200 and "评价" in r.content.decode()
    r = client.post(url, {"level": "3", "comment": "长" * 501})
    assert "500" in r.content.decode()
    assert Review.objects.count() == 0
    assert client.get("/r/unknown-token/").status_code == 404


def test_tracking_page_offers_review(client, new_case):
    case = new_case(complete=True)
    track = client.get(f"/cases/track/{case.tracking_token}/").content.decode()
    assert f"/evaluations/track/{case.tracking_token}/" in track
    r = client.post(f"/evaluations/track/{case.tracking_token}/", {"level": "5"})
    assert "感谢您的评价" in r.content.decode()
    assert Review.objects.get().channel == "qr"
    assert client.get("/evaluations/track/nope/").status_code == 404


def test_counter_and_case_section(client, org, new_case):
    case = new_case()
    client.force_login(org.user("station_agent"))
    detail = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"/evaluations/counter/?case={case.pk}" in detail
    assert client.get(f"/evaluations/counter/?case={case.pk}").status_code == 200
    r = client.post(f"/evaluations/counter/?case={case.pk}", {"level": "1"})
    assert "感谢您的评价" in r.content.decode() and f"/cases/{case.pk}/" in r.content.decode()
    detail = client.get(f"/cases/{case.pk}/").content.decode()
    assert "非常不满意" in detail and "差评整改" in detail
    assert client.get("/evaluations/counter/?case=abc").status_code == 404


def test_counter_out_of_scope_is_404(client, org, new_case):
    case = new_case("station2_agent")
    client.force_login(org.user("station_agent"))
    assert client.get(f"/evaluations/counter/?case={case.pk}").status_code == 404


def test_staff_entry_page(client, org, new_case):
    case = new_case()
    client.force_login(org.user("station_agent"))
    r = client.post(
        "/evaluations/enter/", {"channel": "phone", "case": case.pk, "level": "4", "comment": "电话回访好评"}
    )
    assert r.status_code == 302
    assert Review.objects.get().entered_by == org.user("station_agent")
    r = client.post("/evaluations/enter/", {"channel": "sms", "level": "4"})
    assert r.status_code == 200 and "代录方式" in r.content.decode()


def test_rectification_steps_as_forms(client, org, new_case):
    case = new_case(complete=True)
    client.post(link(case), {"level": "1", "comment": "态度差"})
    rect = Rectification.objects.get()
    client.force_login(org.user("station_agent"))
    listing = client.get("/evaluations/rectifications/").content.decode()
    assert f"/evaluations/rectifications/{rect.pk}/" in listing
    page = client.get(f"/evaluations/rectifications/{rect.pk}/").content.decode()
    assert "实名差评须先登记回访" in page and "step-revisit" in page
    r = client.post(
        f"/evaluations/rectifications/{rect.pk}/verify/",
        {"finding": "true", "note": "属实", "version": rect.version},
    )
    assert r.status_code == 400 and "先登记回访" in r.content.decode()
    r = client.post(
        f"/evaluations/rectifications/{rect.pk}/revisit/",
        {"called_at": "2026-01-05T10:00", "reached": "1", "said": "不满意"},
    )
    assert r.status_code == 302
    rect.refresh_from_db()
    for step, data in (
        ("verify", {"finding": "true", "note": "属实"}),
        ("rectify", {"action_taken": "培训"}),
        ("feedback", {"text": "已整改"}),
    ):
        rect.refresh_from_db()
        r = client.post(f"/evaluations/rectifications/{rect.pk}/{step}/", data | {"version": rect.version})
        assert r.status_code == 302, (step, r.content.decode()[:2000])
    page = client.get(f"/evaluations/rectifications/{rect.pk}/").content.decode()
    assert "step-approve" not in page  # an agent does not 复核
    assert client.post(f"/evaluations/rectifications/{rect.pk}/approve/", {}).status_code == 403
    client.force_login(org.user("supervisor"))
    r = client.post(f"/evaluations/rectifications/{rect.pk}/approve/", {"note": "同意"})
    assert r.status_code == 302
    rect.refresh_from_db()
    assert rect.status == RectStatus.CLOSED
    assert client.post(f"/evaluations/rectifications/{rect.pk}/nope/", {}).status_code == 404


def test_late_rectification_is_red(client, org, new_case):
    case = new_case()
    client.force_login(org.user("station_agent"))
    client.post(f"/evaluations/counter/?case={case.pk}", {"level": "2"})
    Rectification.objects.update(due_date=datetime.date(2020, 1, 2))
    page = client.get("/evaluations/rectifications/").content.decode()
    assert "late-row" in page and "已逾期" in page
    assert "late-row" in client.get("/evaluations/rectifications/?late=1").content.decode()


def test_scope_on_pages(client, org, new_case):
    case = new_case("station2_agent")
    client.force_login(org.user("station2_agent"))
    client.post(f"/evaluations/counter/?case={case.pk}", {"level": "1"})
    review, rect = Review.objects.get(), Rectification.objects.get()
    client.force_login(org.user("station_agent"))
    assert client.get(f"/evaluations/{review.pk}/").status_code == 404
    assert client.get(f"/evaluations/rectifications/{rect.pk}/").status_code == 404
    assert (
        client.post(f"/evaluations/rectifications/{rect.pk}/rectify/", {"action_taken": "x"}).status_code
        == 404
    )
    assert "没有符合条件" in client.get("/evaluations/").content.decode()
    client.force_login(org.user("catalog_admin"))
    assert client.get("/evaluations/").status_code == 403


def test_appeal_pages(client, org, new_case):
    case = new_case()
    client.force_login(org.user("station_agent"))
    client.post(f"/evaluations/counter/?case={case.pk}", {"level": "1"})
    review = Review.objects.get()
    assert client.post(f"/evaluations/{review.pk}/appeal/", {"reason": ""}).status_code == 302
    assert not Appeal.objects.exists()  # an empty reason changes nothing
    client.post(f"/evaluations/{review.pk}/appeal/", {"reason": "恶意差评"})
    appeal = Review.objects.get().appeal
    client.force_login(org.user("supervisor"))
    page = client.get(f"/evaluations/{review.pk}/").content.decode()
    assert "裁定" in page
    client.post(f"/evaluations/appeals/{appeal.pk}/decide/", {"upheld": "1", "reason": "属实"})
    page = client.get("/evaluations/").content.decode()
    assert "申诉成立" in page


def test_dashboard_panels(client, org, new_case):
    case = new_case()
    client.force_login(org.user("station_agent"))
    client.post(f"/evaluations/counter/?case={case.pk}", {"level": "1"})
    home = client.get("/staff/").content.decode()
    assert "差评整改 · 待处理" in home and "差评整改 · 已逾期" in home
    client.force_login(org.user("supervisor"))
    home = client.get("/staff/").content.decode()
    assert "差评整改 · 待复核" in home and "评价申诉 · 待裁定" in home
