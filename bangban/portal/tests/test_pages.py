"""The public pages: the home at /, the staff 工作台 at /staff/, the 关怀版 switch, 留言咨询, the shell
that the catalog's and the tracking's public pages share."""

import re

import pytest

from bangban.complaints.models import Consultation
from bangban.portal import rules
from bangban.portal.tests.conftest import fresh_code, make_case

pytestmark = pytest.mark.django_db

PUBLIC_NAV = ("首页", "办事指南", "一件事", "知识库", "在线求助", "进度查询", "无障碍")


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}


def _nav(html: str) -> list[str]:
    nav = re.search(r'<nav class="pub-nav".*?</nav>', html, re.S).group(0)
    return re.findall(r">([^<>]+)</a>", nav)


def test_the_home_is_public_and_cacheable_by_a_proxy(org, client):
    r = client.get("/")
    html = r.content.decode()
    assert r.status_code == 200 and "有事要办，我们免费帮您办" in html
    assert "public" in r["Cache-Control"] and "max-age=60" in r["Cache-Control"]
    assert "cookie" not in _vary(r) and "accept-language" not in _vary(r)  # one copy for every browser
    assert not r.cookies  # no session, no CSRF cookie
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert english.content == r.content and '<html lang="zh-Hans">' in html  # Chinese whatever is asked
    assert "csrfmiddlewaretoken" not in html
    assert _nav(html) == list(PUBLIC_NAV)


def test_the_footer_names_the_host_with_a_tap_to_call_phone(org, client):
    org.county.address = "苏州高新区狮山街道"
    org.county.phone = "0512-6666 1234"
    org.county.save()
    html = client.get("/").content.decode()
    assert "主办：虎丘区政务服务中心" in html and "苏州高新区狮山街道" in html
    assert '<a href="tel:051266661234">0512-6666 1234</a>' in html
    assert 'href="/staff/">工作人员登录 / 进入工作台</a>' in html


def test_a_signed_in_staff_member_sees_the_same_portal_and_the_way_in(org, web):
    client = web(org.user("town_agent"))
    r = client.get("/")
    html = r.content.decode()
    assert r.status_code == 200 and "有事要办" in html and "测试town_agent" not in html
    assert "cookie" not in _vary(r) and not r.cookies  # the session was not even read
    assert 'href="/staff/"' in html
    staff = client.get("/staff/")
    assert staff.status_code == 200 and "<h1>工作台</h1>" in staff.content.decode()


def test_the_workbench_moved_to_staff_and_login_lands_there(org, client, password):
    assert client.get("/staff/")["Location"].startswith("/accounts/login/")
    r = client.post("/accounts/login/", {"username": "town_agent", "password": password})
    assert r.status_code == 302 and r["Location"] == "/staff/"


def test_nearest_institutions_by_town_then_village_without_javascript(org, client):
    org.station.address = "通安镇树山村"
    org.station.phone = "0512-88881234"
    org.station.opening_hours = "周一至周五 9:00-17:00"
    org.station.save()
    html = client.get("/").content.decode()
    assert '<option value="320505101">通安镇</option>' in html
    assert "长桥街道" not in html  # another county's town is not offered
    html = client.get("/?town=320505101").content.decode()
    assert '<option value="320505101201">树山村</option>' in html and "通安镇便民服务中心" in html
    html = client.get("/?town=320505101&village=320505101201").content.decode()
    near = re.findall(r'<p class="pub-place-name">([^<]+) ', html)
    assert near == ["树山村便民服务站", "通安镇便民服务中心", "虎丘区政务服务中心"]  # nearest first
    assert '<a class="tel" href="tel:051288881234">0512-88881234</a>' in html
    assert "周一至周五 9:00-17:00" in html and "通安镇树山村" in html
    assert f'href="/ask/?institution={org.station.pk}"' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("town=999999999", "「镇（街道）」请从列表中选择"),
        ("town=320506001", "「镇（街道）」请从列表中选择"),  # not in the host's area
        ("town=abc", "「镇（街道）」请从列表中选择"),
    ],
)
def test_a_bad_town_is_named_and_shows_nothing(org, client, query, message):
    r = client.get(f"/?{query}")
    html = r.content.decode()
    assert r.status_code == 200 and message in html and "pub-place-card" not in html


@pytest.mark.parametrize("village", ["320505003001", "9" * 40, "abc"])
def test_a_bad_village_is_named_and_the_town_is_shown(org, client, village):
    html = client.get(f"/?town=320505101&village={village}").content.decode()
    assert "「村（社区）」请从所选镇（街道）的列表中选择" in html
    assert re.findall(r'<p class="pub-place-name">([^<]+) ', html) == [
        "通安镇便民服务中心",
        "虎丘区政务服务中心",
    ]


def test_a_village_without_a_station_shows_its_town(org, client):
    from bangban.divisions.models import Division

    Division.objects.create(code="320505101999", name="新村", level=5, parent_id="320505101")
    html = client.get("/?town=320505101&village=320505101999").content.decode()
    assert re.findall(r'<p class="pub-place-name">([^<]+) ', html) == [
        "通安镇便民服务中心",
        "虎丘区政务服务中心",
    ]


def test_popular_items_are_those_registered_most(org, client, item):
    from bangban.cases.tests.conftest import make_item

    other = make_item(org, "居民养老保险参保登记", code_seq=2)
    make_case(org, item)
    make_case(org, other)
    make_case(org, other)
    html = client.get("/").content.decode()
    section = html[html.index('id="popular-title"') :]
    assert section.index("居民养老保险参保登记") < section.index("社会保障卡申领")
    assert f'href="/items/{other.pk}/"' in section


def test_without_cases_the_home_offers_the_themes(org, client):
    html = client.get("/").content.decode()
    assert 'href="/items/?tag=insurance">社会保险</a>' in html


def test_the_care_switch_remembers_the_choice_on_the_device(org, client):
    r = client.get("/care/on/?next=/items/%3Fq%3D%E7%A4%BE%E4%BF%9D")
    assert r.status_code == 302 and r["Location"] == "/items/?q=%E7%A4%BE%E4%BF%9D"
    cookie = r.cookies[rules.CARE_COOKIE]
    assert cookie.value == "1" and cookie["max-age"] >= 180 * 24 * 3600 and cookie["httponly"]
    css = client.get("/care/mode.css")
    assert css["Content-Type"].startswith("text/css") and "font-size: 125%" in css.content.decode()
    assert "cookie" in _vary(css) and "private" in css["Cache-Control"]
    # The page itself is the same HTML in both modes (both switch links, the sheet shows one).
    html = client.get("/").content.decode()
    assert "返回标准版" in html and "关怀版" in html
    r = client.get("/care/off/?next=/")
    assert r.cookies[rules.CARE_COOKIE].value == "" and r["Location"] == "/"
    css = client.get("/care/mode.css").content.decode()
    assert "125%" not in css and ".when-care{display:none" in css


def test_the_care_stylesheet_answers_not_modified_to_a_matching_etag(org, client):
    first = client.get("/care/mode.css")
    again = client.get("/care/mode.css", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    client.cookies[rules.CARE_COOKIE] = "1"
    assert client.get("/care/mode.css", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_the_care_switch_never_sends_the_visitor_elsewhere(org, client, target):
    assert client.get("/care/on/", {"next": target})["Location"] == "/"


def test_the_switch_on_each_page_returns_to_that_page(org, client):
    html = client.get("/items/?q=社保").content.decode()
    assert 'href="/care/on/?next=/items/%3Fq%3D%25E7%25A4%25BE%25E4%25BF%259D"' in html or (
        'href="/care/on/?next=/items/%3Fq%3D' in html
    )


def test_the_question_goes_to_the_host_unless_another_place_is_chosen(org, client):
    html = client.get("/ask/").content.decode()
    assert f'<option value="{org.county.pk}" selected>' in html
    html = client.get("/ask/?institution=abc").content.decode()
    assert f'<option value="{org.county.pk}" selected>' in html


def test_leave_a_question_and_read_when_the_answer_comes(org, client):
    page = client.get(f"/ask/?institution={org.town.pk}")
    html = page.content.decode()
    assert page.status_code == 200 and f'<option value="{org.town.pk}" selected>' in html
    r = client.post(
        "/ask/",
        {
            "question": "老人办社保卡要带什么？",
            "institution": org.town.pk,
            "phone": "139 1234 5678",
            "code": fresh_code(),
        },
    )
    assert r.status_code == 302 and r["Location"].startswith("/ask/done/?r=")
    c = Consultation.objects.get()
    assert c.institution == org.town and c.channel == "online" and c.question == "老人办社保卡要带什么？"
    done = client.get(r["Location"]).content.decode()
    assert "通安镇便民服务中心已收到您的问题" in done
    assert f"{c.answer_due.year}年{c.answer_due.month}月{c.answer_due.day}日" in done


def test_a_question_about_an_item_from_its_guide(org, client, item):
    html = client.get(f"/items/{item.pk}/").content.decode()
    assert f'href="/ask/?item={item.pk}"' in html
    html = client.get(f"/ask/?item={item.pk}").content.decode()
    assert f'<option value="{item.pk}" selected>社会保障卡申领</option>' in html
    r = client.post(
        "/ask/",
        {
            "question": "要多久？",
            "institution": org.station.pk,
            "phone": "13912345678",
            "item": item.pk,
            "code": fresh_code(),
        },
    )
    assert r.status_code == 302
    assert Consultation.objects.get().item_id == item.pk


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"question": ""}, "「您想问什么」为必填项"),
        ({"question": "问" * 1001}, "「您想问什么」"),
        ({"phone": ""}, "「手机号码」为必填项"),
        ({"phone": "0512-12345"}, "手机号码应为以 1 开头的 11 位数字"),
        ({"phone": "1" * 40}, "「手机号码」"),
        ({"institution": "999999"}, "「向哪个服务机构咨询」"),
        ({"institution": "abc"}, "「向哪个服务机构咨询」"),
        ({"asker_name": "名" * 51}, "「怎么称呼您（可不填）」"),
    ],
)
def test_bad_questions_are_named_and_nothing_is_saved(org, client, data, message):
    form = {"question": "能上门办吗？", "institution": org.town.pk, "phone": "13912345678"}
    form = form | {"code": fresh_code()} | data
    r = client.post("/ask/", form)
    html = r.content.decode()
    assert r.status_code == 200 and message in html and 'id="error-summary"' in html
    assert not Consultation.objects.exists()


def test_an_item_the_institution_does_not_offer_is_named(org, client, item):
    from bangban.catalog.models import ListingEntry

    ListingEntry.objects.filter(institution=org.town, item=item).delete()
    r = client.post(
        "/ask/",
        {
            "question": "要多久？",
            "institution": org.town.pk,
            "phone": "13912345678",
            "item": item.pk,
            "code": fresh_code(),
        },
    )
    assert "不在本机构的帮办代办清单中" in r.content.decode()
    assert not Consultation.objects.exists()


def test_too_many_questions_from_one_phone_are_refused(org, client):
    limit = rules.ASK_LIMIT_PER_PHONE[0]
    for n in range(limit):
        client.post(
            "/ask/",
            {
                "question": f"问题{n}",
                "institution": org.town.pk,
                "phone": "13912345678",
                "code": fresh_code(),
            },
        )
    assert Consultation.objects.count() == limit
    data = {"question": "再问", "institution": org.town.pk, "phone": "13912345678", "code": fresh_code()}
    r = client.post("/ask/", data)
    assert "提交次数过多" in r.content.decode() and Consultation.objects.count() == limit


@pytest.mark.parametrize("receipt", ["", "abc", "x" * 300])
def test_a_forged_receipt_is_not_found(org, client, receipt):
    assert client.get("/ask/done/", {"r": receipt}).status_code == 404


def test_every_public_page_shares_the_portal_shell(org, client, item):
    from bangban.catalog.models import Bundle, BundleItem

    bundle = Bundle.objects.create(name="老人退休一件事", audience="citizen", description="退休")
    BundleItem.objects.create(bundle=bundle, item=item, position=1)
    case = make_case(org, item)
    for url in [
        "/",
        "/items/",
        f"/items/{item.pk}/",
        "/items/bundles/",
        f"/items/bundles/{bundle.pk}/",
        f"/cases/track/{case.tracking_token}/",
        "/ask/",
        "/help/",
        "/track/",
        "/accessibility/",
    ]:
        r = client.get(url)
        html = r.content.decode()
        assert r.status_code == 200, url
        assert 'class="pub-nav"' in html and "/care/mode.css" in html and 'id="read-aloud"' in html, url
        assert "主导航" not in html, url  # not the staff shell
        if url != "/ask/":  # the only form: its CSRF token is a cookie
            assert "cookie" not in _vary(r) and not r.cookies, url
        if url != "/ask/" and not url.startswith("/cases/"):
            assert "public" in r["Cache-Control"], url


def test_the_tracking_page_is_not_cached_by_a_proxy(org, client, item):
    case = make_case(org, item)
    r = client.get(f"/cases/track/{case.tracking_token}/")
    assert "public" not in r.get("Cache-Control", "")


def test_the_accessibility_statement(org, client):
    html = client.get("/accessibility/").content.decode()
    assert "<h1>无障碍声明</h1>" in html and "关怀版" in html and "朗读" in html


def test_staff_pages_and_the_api_are_not_public(org, web):
    from bangban.portal.public import public_view_name

    assert public_view_name("/") == "portal:home"
    assert public_view_name("/items/1/") == "public_catalog:guide"
    assert public_view_name("/cases/track/abc/") == "cases:track"
    for path in ("/staff/", "/cases/", "/cases/1/", "/catalog/", "/api/v1/cases/", "/admin/", "/nowhere/"):
        assert public_view_name(path) is None, path
    # On a staff page the session is read as always (the idle clock, the navigation).
    r = web(org.user("town_agent")).get("/cases/")
    assert r.status_code == 200 and "cookie" in _vary(r) and "public" not in r.get("Cache-Control", "")


def test_a_closed_institution_cannot_be_asked(org, client):
    org.station.is_active = False
    org.station.save()
    r = client.post("/ask/", {"question": "在吗？", "institution": org.station.pk, "phone": "13912345678"})
    assert "「向哪个服务机构咨询」" in r.content.decode() and not Consultation.objects.exists()


def test_a_proxy_may_ask_for_the_headers_only(org, client):
    r = client.head("/")
    assert r.status_code == 200 and "public" in r["Cache-Control"]
    assert client.head("/care/mode.css").status_code == 200


def test_cacheable_pages_are_rendered_once_a_minute(org, client, item, django_assert_num_queries):
    for url in ("/", f"/items/{item.pk}/"):
        first = client.get(url)
        with django_assert_num_queries(0):
            again = client.get(url)
        assert again.content == first.content and "public" in again["Cache-Control"]
    # Not the pages that show one person's matter, nor the form.
    case = make_case(org, item)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(f"/cases/track/{case.tracking_token}/")
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/cases/track/{case.tracking_token}/")
    assert len(queries) > 0


def test_the_question_page_sends_the_code_then_takes_it(org, client):
    from bangban.bookings.tests.conftest import last_code

    form = {"question": "能上门办吗？", "institution": org.town.pk, "phone": "13912345678"}
    r = client.post("/ask/", form | {"send_code": "1"})
    html = r.content.decode()
    assert r.status_code == 200 and "验证码已发送" in html and "能上门办吗？" in html
    assert not Consultation.objects.exists()
    again = client.post("/ask/", form | {"send_code": "1"}).content.decode()
    assert "1 分钟后" in again  # the resend throttle of bookings' codes
    bad = client.post("/ask/", form | {"send_code": "1", "phone": "12"}).content.decode()
    assert "「手机号码」" in bad
    wrong = client.post("/ask/", form | {"code": "12"}).content.decode()
    assert "「短信验证码」" in wrong or "验证码应为 6 位数字" in wrong
    assert not Consultation.objects.exists()
    r = client.post("/ask/", form | {"code": last_code()})
    assert r.status_code == 302 and Consultation.objects.count() == 1


def test_the_help_hub_leads_to_each_way_of_asking_and_the_track_hub_to_the_number_form(org, client):
    html = client.get("/help/").content.decode()
    for way in ("window", "door", "remote"):
        assert f'href="/bookings/ask/?way={way}"' in html
    page = client.get(f"/bookings/ask/?way=door&institution={org.town.pk}").content.decode()
    assert 'value="door" checked' in page.replace("\n", " ") or re.search(r'value="door"[^>]*checked', page)
    html = client.get("/track/").content.decode()
    assert 'href="/bookings/track/"' in html and 'href="/bookings/manage/"' in html


def test_the_home_search_finds_the_item_by_colloquial_words(org, client, item):
    from bangban.knowledge.tests.factories import published

    article = published(org, "社保卡丢了怎么办", "社会保障卡丢失后先挂失，再到便民服务中心补办社保卡。")
    assert 'action="/search/"' in client.get("/").content.decode()
    r = client.get("/search/", {"q": "办社保卡"})
    html = r.content.decode()
    assert r.status_code == 200 and 'class="pub-nav"' in html
    assert f'href="/items/{item.pk}/"' in html and f'href="/knowledge/{article.pk}/"' in html
    assert "<mark>" in html and "public" in r["Cache-Control"] and not r.cookies
    assert "没有找到" in client.get("/search/", {"q": "火星签证"}).content.decode()
    assert client.get("/search/", {"q": "x" * 500, "page": "abc"}).status_code == 200


@pytest.mark.parametrize("path", ["/", "/help/"])
def test_home_and_help_link_to_remote_help_in_both_modes(org, client, path):
    """关怀版 is a stylesheet over the same page: the link is there, and not among what it hides."""
    for care in ("", rules.CARE_ON):
        client.cookies[rules.CARE_COOKIE] = care
        html = client.get(path).content.decode()
        links = re.findall(r'<a class="([^"]*)" href="/remote/help/">远程帮办</a>', html)
        assert links and not any("care-hide" in c for c in links), path
