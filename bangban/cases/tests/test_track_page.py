"""The public tracking page shows fixed citizen lines, never what staff typed."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from bangban.cases import services

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOTE = "已电话通知王小明（13912345678）"
TYPED = ("王小明", "13912345678", "已电话通知")


def at(y, m, d):
    return time_machine.travel(datetime.datetime(y, m, d, 10, tzinfo=SH), tick=False)


def _agency_case(by, items, **fields):
    return services.case_create(
        by=by,
        kind="agency",
        mode="agency",
        applicant_type="person",
        applicant_name="李大爷",
        id_number="11010519491231002X",
        phone="13800001111",
        items=[items["license"]],
        **fields,
    )


def test_staff_notes_names_and_numbers_never_reach_the_public_page(org, items, client):
    station, town = org.user("station_agent"), org.user("town_agent")
    with at(2025, 9, 30):
        case = _agency_case(station, items, summary=NOTE)
        transfer = services.transfer_send(case=case, by=station, to_institution=org.town, reason=NOTE)
        case = services.transfer_accept(transfer=transfer, by=town)
        case = services.case_analyse(case=case, by=town, analysis=NOTE)
        case = services.case_entrust(
            case=case,
            by=town,
            scope="whole",
            period_start=datetime.date(2025, 9, 30),
            period_end=datetime.date(2025, 12, 31),
            materials_text=NOTE,
        )
        case = services.case_start(case=case, by=town)
        services.log_add(case=case, by=town, text=NOTE)
    with at(2025, 10, 9):
        case = services.case_extend(case=case, by=org.user("town_admin"), days=3, reason=NOTE)
        case = services.case_suspend(case=case, by=town, reason="other", detail=NOTE)
    with at(2025, 10, 10):
        page = client.get(f"/cases/track/{case.tracking_token}/").content.decode()
        assert "已中止" in page and "原因类别" not in page  # "other" is free text: no category shown
        case = services.case_resume(
            case=case, by=town, period_end=datetime.date(2025, 12, 31), materials_text=NOTE
        )
        case = services.case_suspend(case=case, by=town, reason="materials", detail=NOTE)
        case = services.case_resume(case=case, by=town, period_end=datetime.date(2025, 12, 31))
        case = services.case_complete(case=case, by=town, result=NOTE)
        page = client.get(f"/cases/track/{case.tracking_token}/").content.decode()

    for typed in (*TYPED, "李大爷", "13800001111", "1101"):
        assert typed not in page, typed
    lines = [
        "已登记您的诉求",
        f"已转由{org.town.name}办理",
        "已完成代办需求分析",
        "已签订代办委托书，已受理",
        "办结期限调整为",
        "已中止",
        "已续办，继续办理",
        "已中止，原因类别：材料不齐需补正",
        "已办结",
    ]
    timeline, position = page[page.index("办理过程") :], 0
    for line in lines:  # each found after the previous one: in the order they happened
        position = timeline.index(line, position) + len(line)
    assert "请按短信通知领取办理结果及退还的材料" in page  # the next step
    assert case.number in page and "2025-10-10" in page


def test_an_unknown_token_is_404(client):
    assert client.get("/cases/track/nonexistent/").status_code == 404


def test_the_page_costs_the_same_queries_however_long_the_timeline(org, items, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    town = org.user("town_agent")
    case = _agency_case(town, items)
    case = services.case_analyse(case=case, by=town, analysis="全程代办")
    today = datetime.date.today()
    end = today + datetime.timedelta(days=90)
    case = services.case_entrust(case=case, by=town, scope="whole", period_start=today, period_end=end)
    case = services.case_start(case=case, by=town)

    def queries() -> int:  # of a rendering (the kept page is one query: test below)
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/cases/track/{case.tracking_token}/").status_code == 200
        return len(captured)

    queries()
    plain = queries()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/cases/track/{case.tracking_token}/").status_code == 200
    assert len(captured) == 1  # kept: the case's mark only
    case = services.case_suspend(case=case, by=town, reason="materials")
    case = services.case_resume(case=case, by=town, period_end=end)
    short = queries()
    assert short == plain + 1  # the suspensions are read only once the timeline has one
    for _ in range(3):
        case = services.case_suspend(case=case, by=town, reason="materials")
        case = services.case_resume(case=case, by=town, period_end=end)
    assert queries() == short


def test_the_kept_page_is_the_page_rendered_afresh_after_every_kind_of_change(org, items, client):
    """The page is kept in the app's cache under the case's mark (version, last timeline event): after
    each change, what a visitor gets (from the cache when the mark did not move) is what a fresh
    rendering gives; a visitor with a session or flash messages gets a fresh rendering."""
    station, town = org.user("station_agent"), org.user("town_agent")
    url = None

    def same_as_fresh():
        served = client.get(url)  # kept since the previous step unless the mark moved
        again = client.get(url)  # from the cache now
        cache.clear()
        fresh = client.get(url)
        assert served.status_code == again.status_code == fresh.status_code == 200
        assert served.content == again.content == fresh.content
        return fresh.content.decode()

    with at(2025, 9, 30):
        case = _agency_case(station, items)
        url = f"/cases/track/{case.tracking_token}/"
        assert "已登记您的诉求" in same_as_fresh()
        transfer = services.transfer_send(case=case, by=station, to_institution=org.town, reason="转镇")
        same_as_fresh()
        case = services.transfer_accept(transfer=transfer, by=town)
        assert f"已转由{org.town.name}办理" in same_as_fresh()
        case = services.case_analyse(case=case, by=town, analysis="全程代办")
        same_as_fresh()
        case = services.case_entrust(
            case=case,
            by=town,
            scope="whole",
            period_start=datetime.date(2025, 9, 30),
            period_end=datetime.date(2025, 12, 31),
        )
        case = services.case_start(case=case, by=town)
        same_as_fresh()
    with at(2025, 10, 9):
        case = services.case_extend(case=case, by=org.user("town_admin"), days=3, reason="延期")
        assert "办结期限调整为" in same_as_fresh()
        case = services.case_suspend(case=case, by=town, reason="materials", detail="缺材料")
        assert "原因类别：材料不齐需补正" in same_as_fresh()
        case = services.case_resume(case=case, by=town, period_end=datetime.date(2025, 12, 31))
        same_as_fresh()
        case = services.case_complete(case=case, by=town, result="已办结")
        assert "评价本次服务" in same_as_fresh()

    # A flash message (as after a booking, bookings.views) is shown, not the kept page without it.
    carrier, request = HttpResponse(), HttpRequest()
    storage = CookieStorage(request)
    storage.add(messages.SUCCESS, "预约已取消")
    storage.update(carrier)
    client.cookies[CookieStorage.cookie_name] = carrier.cookies[CookieStorage.cookie_name].value
    assert "预约已取消" in client.get(url).content.decode()


def test_only_the_address_without_a_query_string_is_kept(org, items, client):
    # Anyone can invent query strings: none is kept (one copy each would fill the cache), and none
    # stands in for the plain address (its 关怀版 switch links back to the string).
    from bangban.cases.selectors import case_for_tracking

    case = _agency_case(org.user("station_agent"), items)
    url = f"/cases/track/{case.tracking_token}/"
    key = f"cases:track:{case_for_tracking(case.tracking_token).track_mark}"
    cache.clear()
    for n in range(3):
        assert f"x%3D{n}" in client.get(f"{url}?x={n}").content.decode()
        assert cache.get(key) is None
    plain = client.get(url).content.decode()
    assert cache.get(key) == plain and "x%3D" not in plain
