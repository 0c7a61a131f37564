import base64
import datetime
import re

import pytest
from django.urls import reverse

from bangban.bookings.models import Booking, EntrustmentSignature, SlotTemplate
from bangban.bookings.tests.conftest import PHONE, ask, last_code, make_slot
from bangban.bookings.tests.test_services import png
from bangban.cases.models import Case
from bangban.cases.services import case_analyse, case_entrust

pytestmark = pytest.mark.django_db


def _ask_post(client, org, slot, **kw):
    data = {
        "institution": org.town.pk,
        "kind": "help",
        "way": "window",
        "slot": slot.pk,
        "applicant_name": "李大爷",
        "phone": PHONE,
        "code": "",
    } | kw
    return client.post(reverse("bookings:ask") + f"?institution={org.town.pk}", data)


def test_ask_page_picks_the_institution_by_place(client, org, item):
    page = client.get(reverse("bookings:ask"), {"place": "320505101201"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "树山村便民服务站" in html and "第二步" in html and "社会保障卡申领" in html


def test_ask_page_without_a_choice_shows_step_one_only(client, org):
    html = client.get(reverse("bookings:ask")).content.decode()
    assert "第一步" in html and "第二步" not in html


def test_ask_flow_on_the_page(client, org, item):
    slot = make_slot(org.town)
    page = _ask_post(client, org, slot, send_code="1", item=item.pk)
    assert page.status_code == 200 and "验证码已发送" in page.content.decode()
    response = _ask_post(client, org, slot, submit="1", item=item.pk, code=last_code())
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "cases:track", args=[case.tracking_token]
    )
    track = client.get(response["Location"])
    assert case.number in track.content.decode()
    assert Booking.objects.get().case == case


def test_ask_page_bad_input_shows_the_field_error_and_saves_nothing(client, org, item):
    slot = make_slot(org.town)
    page = _ask_post(client, org, slot, submit="1", item=item.pk, code="12", applicant_name="")
    html = page.content.decode()
    assert page.status_code == 200 and "「您的姓名」为必填项" in html
    assert not Case.objects.exists()
    page = _ask_post(client, org, slot, submit="1", item=item.pk, code="123456")
    assert "验证码" in page.content.decode() and not Case.objects.exists()


def test_track_lookup_page(client, org, item, frozen):
    case = ask(org, item, slot=make_slot(org.town))
    frozen.shift(datetime.timedelta(seconds=61))
    url = reverse("bookings:track_lookup")
    page = client.post(url, {"number": case.number, "phone": PHONE, "send_code": "1"})
    assert "如办件编号与手机号码相符" in page.content.decode()
    response = client.post(url, {"number": case.number, "phone": PHONE, "code": last_code(), "open": "1"})
    assert response.status_code == 302 and case.tracking_token in response["Location"]


def test_track_lookup_unknown_number_looks_the_same(client, org, item):
    url = reverse("bookings:track_lookup")
    page = client.post(url, {"number": "320505-2026-000999", "phone": PHONE, "send_code": "1"})
    assert "如办件编号与手机号码相符" in page.content.decode()
    page = client.post(url, {"number": "320505-2026-000999", "phone": PHONE, "code": "123456", "open": "1"})
    assert "验证码不正确或已失效" in page.content.decode()


def test_manage_page_cancels(client, org, item, frozen):
    slot = make_slot(org.town)
    case = ask(org, item, slot=slot)
    frozen.shift(datetime.timedelta(seconds=61))
    url = reverse("bookings:manage")
    client.post(url, {"number": case.number, "phone": PHONE, "send_code": "1"})
    response = client.post(url, {"number": case.number, "phone": PHONE, "code": last_code(), "cancel": "1"})
    assert response.status_code == 302
    assert Booking.objects.get().status == Booking.Status.CANCELLED


def test_queue_and_case_page_show_the_booking(web, org, item):
    case = ask(org, item, slot=make_slot(org.town))
    client = web(org.user("town_agent"))
    assert "预约 12月2日 9:00" in client.get(reverse("cases:queue")).content.decode()
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "预约 12月2日 9:00" in detail and "到窗口办理" in detail


def _entrusted(org, item):
    case = ask(org, item, way="remote", kind="agency")
    agent = org.user("town_agent")
    case = case_analyse(case=case, by=agent, analysis="代办")
    case_entrust(
        case=case,
        by=agent,
        scope="whole",
        period_start=datetime.date(2026, 12, 1),
        period_end=datetime.date(2026, 12, 31),
    )
    return case, case.entrustments.get()


def test_sign_at_the_window_page(web, org, item):
    case, entrustment = _entrusted(org, item)
    client = web(org.user("town_agent"))
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "请申请人签名" in detail
    url = reverse("bookings:sign_window", args=[entrustment.pk])
    page = client.get(url)
    assert page.status_code == 200 and "sign-pad" in page.content.decode()
    page = client.post(url, {"image": "data:image/gif;base64,AAAA"})
    assert "PNG" in page.content.decode() and not EntrustmentSignature.objects.exists()
    response = client.post(url, {"image": "data:image/png;base64," + base64.b64encode(png()).decode()})
    assert response.status_code == 302 and EntrustmentSignature.objects.get().channel == "window"
    assert "申请人已于" in client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_sign_window_page_out_of_scope_is_404(web, org, item):
    _case, entrustment = _entrusted(org, item)
    client = web(org.user("town2_agent"))
    assert client.get(reverse("bookings:sign_window", args=[entrustment.pk])).status_code == 404


def test_sign_link_page(client, web, org, item):
    _case, entrustment = _entrusted(org, item)
    staff = web(org.user("town_agent"))
    staff.post(reverse("bookings:sign_window", args=[entrustment.pk]), {"send_link": "1"})
    from bangban.notifications.models import Message

    text = Message.objects.get(dedupe_key__startswith="signlink:").text
    path = "/bookings/sign/" + text.rstrip("/").rsplit("/", 1)[1] + "/"
    staff.logout()
    assert client.get(path).status_code == 200
    response = client.post(path, {"image": "data:image/png;base64," + base64.b64encode(png()).decode()})
    assert response.status_code == 200 and "签名完成" in response.content.decode()
    assert client.get(path).status_code == 404


def test_templates_page(web, org):
    client = web(org.user("town_admin"))
    url = reverse("bookings:templates")
    assert client.get(url).status_code == 200
    data = {"institution": org.town.pk, "weekday": 2, "start": "09:00", "end": "10:00", "capacity": 3}
    assert client.post(url, data).status_code == 302
    template = SlotTemplate.objects.get()
    page = client.post(url, data | {"end": "08:00"})
    assert "结束时间应晚于开始时间" in page.content.decode()
    assert client.post(reverse("bookings:template_deactivate", args=[template.pk])).status_code == 302
    template.refresh_from_db()
    assert not template.is_active


def test_templates_page_needs_the_role(web, org):
    assert web(org.user("town_agent")).get(reverse("bookings:templates")).status_code == 403


def test_getting_the_code_judges_only_the_phone(client, org, item):
    slot = make_slot(org.town)
    page = _ask_post(client, org, slot, send_code="1", applicant_name="", phone="12")
    html = page.content.decode()
    assert "「手机号码」" in html and "「您的姓名」为必填项" not in html
    page = _ask_post(client, org, slot, send_code="1", applicant_name="")
    html = page.content.decode()
    assert "验证码已发送" in html and "「您的姓名」为必填项" not in html
    assert f'value="{slot.pk}" selected' in html  # the choice is kept


def test_public_pages_wear_the_portal_shell_are_never_cached_and_check_csrf(org, item):
    """ask, track, manage, sign: the portal's shell, not the staff one; never cacheable (CSRF tokens,
    SMS codes); their forms refuse a POST without the CSRF token even though the visitor is anonymous."""
    from django.test import Client

    from bangban.portal.public import public_view_name

    _case, entrustment = _entrusted(org, item)
    from bangban.bookings import services

    url = services.sign_link_send(entrustment=entrustment, by=org.user("town_agent"))
    link_token = url.rstrip("/").rsplit("/", 1)[1]
    paths = [
        reverse("bookings:ask") + f"?institution={org.town.pk}",
        reverse("bookings:track_lookup"),
        reverse("bookings:manage"),
        reverse("bookings:sign_public", args=[link_token]),
    ]
    strict = Client(enforce_csrf_checks=True)
    for path in paths:
        assert public_view_name(path.split("?")[0]) is not None, path
        r = strict.get(path)
        html = r.content.decode()
        assert r.status_code == 200, path
        assert 'class="pub-nav"' in html and "/care/mode.css" in html and "主导航" not in html, path
        assert "csrfmiddlewaretoken" in html, path
        assert "public" not in r.get("Cache-Control", ""), path
        assert strict.post(path, {}).status_code == 403, path
    # The staff pages of the app stay staff pages.
    for name, args in [("bookings:templates", []), ("bookings:sign_window", [entrustment.pk])]:
        assert public_view_name(reverse(name, args=args)) is None, name


def test_a_public_form_posts_with_its_csrf_token(org, item):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    page = strict.get(reverse("bookings:track_lookup"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    r = strict.post(
        reverse("bookings:track_lookup"), {"csrfmiddlewaretoken": token, "number": "", "phone": ""}
    )
    assert r.status_code == 200 and "「办件编号」" in r.content.decode()
