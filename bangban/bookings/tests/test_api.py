"""The same flow through the API: public codes, request with a slot, tracking, booking changes,
signatures; staff templates. Bad input is a 400 naming the field, with nothing saved."""

import base64
import datetime

import pytest

from bangban.bookings.models import Booking, EntrustmentSignature, PhoneCode, Slot, SlotTemplate
from bangban.bookings.tests.conftest import PHONE, last_code, make_slot
from bangban.bookings.tests.test_services import png
from bangban.cases import documents
from bangban.cases.models import Case
from bangban.cases.services import case_analyse, case_entrust
from bangban.notifications.models import Message

pytestmark = pytest.mark.django_db
BASE = "/api/v1/public/bookings"


def _request(client, org, item, slot_row, **kw):
    assert (
        client.post(f"{BASE}/codes/", {"purpose": "request", "phone": PHONE}, format="json").status_code
        == 202
    )
    body = {
        "institution": org.town.pk,
        "kind": "agency",
        "way": "window",
        "applicant_name": "李大爷",
        "phone": PHONE,
        "code": last_code(),
        "items": [item.pk],
        "slot": slot_row.pk,
    } | kw
    return client.post(f"{BASE}/requests/", body, format="json")


def test_the_whole_flow_through_the_api(org, item, api, frozen):
    public = api()
    slot = make_slot(org.town, capacity=1)
    listed = public.get(f"{BASE}/slots/", {"institution": org.town.pk})
    assert listed.status_code == 200 and [s["id"] for s in listed.json()] == [slot.pk]
    assert listed.json()[0]["label"] == "12月2日 9:00"

    r = _request(public, org, item, slot)
    assert r.status_code == 201, r.json()
    number = r.json()["number"]
    assert r.json()["booking"] == "12月2日 9:00"
    case = Case.objects.get(number=number)
    assert public.get(f"{BASE}/slots/", {"institution": org.town.pk}).json() == []  # the slot is full now

    # The agent sees the booking in the queue (API list) and on the case.
    agent = org.user("town_agent")
    queue = api(agent).get("/api/v1/cases/", {"institution": org.town.pk})
    assert number in [row["number"] for row in queue.json()["results"]]
    assert Booking.objects.get(case=case).slot == slot

    # Tracking by number + phone.
    frozen.shift(datetime.timedelta(seconds=61))
    r = public.post(f"{BASE}/codes/", {"purpose": "track", "phone": PHONE, "number": number}, format="json")
    assert r.status_code == 202
    r = public.post(f"{BASE}/track/", {"number": number, "phone": PHONE, "code": last_code()}, format="json")
    assert r.status_code == 200 and r.json()["tracking_url"].endswith(f"/cases/track/{case.tracking_token}/")

    # The agent records the entrustment and sends the signing link; the applicant signs on the phone.
    case = case_analyse(case=case, by=agent, analysis="代办社保卡")
    case_entrust(
        case=case,
        by=agent,
        scope="whole",
        period_start=datetime.date(2026, 12, 1),
        period_end=datetime.date(2026, 12, 31),
    )
    entrustment = case.entrustments.get()
    r = api(agent).post(f"/api/v1/entrustments/{entrustment.pk}/sign-link/")
    assert r.status_code == 201
    token = r.json()["url"].rstrip("/").rsplit("/", 1)[1]
    image = "data:image/png;base64," + base64.b64encode(png()).decode()
    r = public.post(f"{BASE}/sign/{token}/", {"image": image}, format="json")
    assert r.status_code == 201, r.json()
    assert EntrustmentSignature.objects.get().entrustment == entrustment
    assert b"/Subtype /Image" in documents.render(case, "C")


@pytest.mark.parametrize(
    "change,field",
    [
        ({"applicant_name": ""}, "applicant_name"),
        ({"applicant_name": "名" * 51}, "applicant_name"),
        ({"institution": 10**20}, "institution"),
        ({"institution": "abc"}, "institution"),
        ({"slot": -1}, "slot"),
        ({"items": list(range(1, 8))}, "items"),
        ({"way": "door", "address": ""}, "address"),
        ({"phone": "12345"}, "phone"),
        ({"code": "000000"}, "code"),
        ({"kind": "x"}, "kind"),
    ],
)
def test_bad_request_is_a_400_naming_the_field_and_saves_nothing(org, item, api, change, field):
    r = _request(api(), org, item, make_slot(org.town), **change)
    assert r.status_code == 400
    body = r.json()
    assert field in {e["field"] for e in body.get("errors", [])} | {body.get("field")}, body
    assert body["message"] and not body["message"].isascii()
    assert not Case.objects.exists() and Slot.objects.get().booked == 0


def test_unknown_institution_is_refused(org, item, api):
    r = _request(api(), org, item, make_slot(org.town), institution=999999)
    assert r.status_code == 400 and r.json()["field"] == "institution"


def test_code_for_unknown_case_answers_the_same(org, api):
    r = api().post(f"{BASE}/codes/", {"purpose": "track", "phone": PHONE, "number": "X-1"}, format="json")
    assert r.status_code == 202 and r.json()["detail"] == "如办件编号与手机号码相符，验证码已发送"
    assert not Message.objects.exists() and not PhoneCode.objects.exists()


def test_code_throttle_is_a_chinese_400(org, api):
    public = api()
    assert (
        public.post(f"{BASE}/codes/", {"purpose": "request", "phone": PHONE}, format="json").status_code
        == 202
    )
    r = public.post(f"{BASE}/codes/", {"purpose": "request", "phone": PHONE}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "throttled" and "1 分钟" in r.json()["message"]


def test_slots_need_a_valid_institution(org, api):
    for value in ("", "abc", "99999999999999999999", "0"):
        r = api().get(f"{BASE}/slots/", {"institution": value})
        assert r.status_code == 400 and r.json()["field"] == "institution"


def test_bad_signature_link_and_image(org, api):
    r = api().post(f"{BASE}/sign/nosuchtoken/", {"image": "AAAA"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "link_dead"


def test_templates_api_is_scoped(org, api):
    admin = api(org.user("town_admin"))
    body = {"institution": org.town.pk, "weekday": 2, "start": "09:00", "end": "10:00", "capacity": 4}
    r = admin.post("/api/v1/slot-templates/", body, format="json")
    assert r.status_code == 201, r.json()
    assert Slot.objects.filter(institution=org.town).exists()
    r = admin.post("/api/v1/slot-templates/", body | {"institution": org.town2.pk}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "institution"
    r = admin.post("/api/v1/slot-templates/", body | {"end": "08:00", "start": "09:30"}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "end"
    assert api(org.user("town_agent")).get("/api/v1/slot-templates/").status_code == 403
    template = SlotTemplate.objects.get()
    assert (
        api(org.user("other_admin")).post(f"/api/v1/slot-templates/{template.pk}/deactivate/").status_code
        == 404
    )
    assert admin.post(f"/api/v1/slot-templates/{template.pk}/deactivate/").status_code == 200
    assert [t["id"] for t in admin.get("/api/v1/slot-templates/").json()["results"]] == [template.pk]


def test_entrustment_signature_out_of_scope_is_404(org, item, api):
    from bangban.bookings.tests.conftest import ask

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
    pk = case.entrustments.get().pk
    assert api(org.user("town2_agent")).post(f"/api/v1/entrustments/{pk}/sign-link/").status_code == 404
    image = base64.b64encode(png()).decode()
    r = api(agent).post(f"/api/v1/entrustments/{pk}/signature/", {"image": "%%%"}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "image"
    r = api(agent).post(f"/api/v1/entrustments/{pk}/signature/", {"image": image}, format="json")
    assert r.status_code == 201 and EntrustmentSignature.objects.get().channel == "window"


def test_the_cases_api_shows_a_cases_way_booking_and_address_in_scope_only(org, item, api):
    from bangban.bookings.tests.conftest import ask

    slot = make_slot(org.town)
    booked = ask(org, item, slot=slot)
    agent = api(org.user("town_agent"))
    body = agent.get(f"/api/v1/cases/{booked.pk}/").json()["booking"]
    assert body["way"] == "window" and body["way_label"] == "到窗口办理（预约时段）"
    assert body["slot"] == {
        "id": slot.pk,
        "date": "2026-12-02",
        "start": "09:00:00",
        "end": "10:00:00",
        "label": body["slot"]["label"],
        "institution": org.town.name,
    }
    assert "12月2日" in body["slot"]["label"]
    door = ask(org, item, way="door", phone="13912345670", address="通安镇树山村 8 号", visit_for="卧床老人")
    body = agent.get(f"/api/v1/cases/{door.pk}/").json()["booking"]
    assert (body["way"], body["address"], body["visit_for"], body["slot"]) == (
        "door",
        "通安镇树山村 8 号",
        "卧床老人",
        None,
    )
    assert api(org.user("other_admin")).get(f"/api/v1/cases/{door.pk}/").status_code == 404
