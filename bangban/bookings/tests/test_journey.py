"""Issue 11's citizen journey through the API, end to end: find the item by colloquial words, ask for
help with a booked window slot (SMS code from the outbox), the agent sees the booking in the queue,
track by number + phone, sign the entrustment by the phone link, the agent completes the case, the
citizen evaluates it from the tracking code. Runs on SQLite and PostgreSQL."""

import base64
import datetime

import pytest

from bangban.bookings.models import Booking, EntrustmentSignature
from bangban.bookings.tests.conftest import PHONE, last_code, make_slot
from bangban.bookings.tests.test_services import png
from bangban.cases.models import Case

pytestmark = pytest.mark.django_db
PUBLIC = "/api/v1/public/bookings"


def test_the_citizen_journey_through_the_api(org, item, api, frozen):
    from bangban.evaluations.models import Review
    from bangban.knowledge.tests.factories import published

    published(org, "社保卡怎么办？", "带上居民身份证到便民服务中心申领社会保障卡。", items=[item])
    public = api()
    slot = make_slot(org.town, capacity=1)

    # 1. "办社保卡" finds the item 社会保障卡申领 (synonyms), as well as the article.
    found = public.get("/api/v1/knowledge/search", {"q": "办社保卡"}).json()["results"]
    items = [h["id"] for h in found if h["kind"] == "item"]
    assert items and items[0] == item.pk

    # 2. Ask for help at the window at a booked slot, with the SMS code read from the outbox.
    assert public.get(f"{PUBLIC}/slots/", {"institution": org.town.pk}).json()[0]["id"] == slot.pk
    r = public.post(f"{PUBLIC}/codes/", {"purpose": "request", "phone": PHONE}, format="json")
    assert r.status_code == 202
    body = {
        "institution": org.town.pk,
        "kind": "agency",
        "way": "window",
        "applicant_name": "李大爷",
        "phone": PHONE,
        "code": last_code(),
        "items": items[:1],
        "slot": slot.pk,
    }
    r = public.post(f"{PUBLIC}/requests/", body, format="json")
    assert r.status_code == 201, r.json()
    number = r.json()["number"]
    case = Case.objects.get(number=number)

    # 3. The agent sees it, with the booking, in the institution's queue.
    agent = api(org.user("town_agent"))
    queue = agent.get("/api/v1/cases/", {"institution": org.town.pk}).json()["results"]
    assert number in [row["number"] for row in queue]
    assert Booking.objects.get(case=case).slot == slot

    # 4. The citizen tracks it by number + phone.
    frozen.shift(datetime.timedelta(seconds=61))
    r = public.post(f"{PUBLIC}/codes/", {"purpose": "track", "phone": PHONE, "number": number}, format="json")
    assert r.status_code == 202
    r = public.post(
        f"{PUBLIC}/track/", {"number": number, "phone": PHONE, "code": last_code()}, format="json"
    )
    assert r.status_code == 200 and r.json()["tracking_url"].endswith(f"/cases/track/{case.tracking_token}/")

    # 5. The agent records the entrustment (代办) and sends the link; the citizen signs on the phone.
    url = f"/api/v1/cases/{case.pk}"
    r = agent.post(f"{url}/analyse/", {"analysis": "代办社保卡申领"}, format="json")
    assert r.status_code == 200, r.json()
    period = {"scope": "whole", "period_start": "2026-12-01", "period_end": "2026-12-31"}
    r = agent.post(f"{url}/entrust/", period, format="json")
    assert r.status_code == 200, r.json()
    entrustment = case.entrustments.get()
    r = agent.post(f"/api/v1/entrustments/{entrustment.pk}/sign-link/")
    token = r.json()["url"].rstrip("/").rsplit("/", 1)[1]
    image = "data:image/png;base64," + base64.b64encode(png()).decode()
    assert public.post(f"{PUBLIC}/sign/{token}/", {"image": image}, format="json").status_code == 201
    assert EntrustmentSignature.objects.get().entrustment == entrustment

    # 6. The agent handles and completes the case (代办: 委托 → 承办 → 办结).
    for step, data in [("start", {}), ("complete", {"result": "社保卡已制卡，待领取"})]:
        r = agent.post(f"{url}/{step}/", data, format="json")
        assert r.status_code == 200, (step, r.json())
    case.refresh_from_db()
    assert case.finished_at is not None

    # 7. The citizen evaluates it through the tracking code.
    r = public.post(
        "/api/v1/public/reviews/", {"tracking_token": case.tracking_token, "level": 5}, format="json"
    )
    assert r.status_code == 201, r.json()
    assert Review.objects.get(pk=r.json()["id"]).case_id == case.pk
