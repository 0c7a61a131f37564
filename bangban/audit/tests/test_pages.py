"""/audit/: filters validated with Chinese errors (never a 500), pages by cursor links, no totals."""

import datetime as dt
import re
from html import unescape

import pytest

from bangban.audit.paging import PAGE_SIZE, Cursor
from bangban.audit.tests.factories import BASE, audit_rows

pytestmark = pytest.mark.django_db


def _links(page: str) -> dict[str, str]:
    nav = re.search(r'<nav class="pager".*?</nav>', page, re.S)
    if not nav:
        return {}
    return {
        unescape(text): unescape(href)
        for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav.group(0))
    }


def _objects(page: str) -> list[str]:
    return re.findall(r'<td data-label="对象">([^<]*)', page)


def test_pages_walk_older_and_back_without_a_total(org, web):
    audit_rows(PAGE_SIZE * 2 + 5, institution=org.station, object_repr="站", action="cases.case.start")
    client = web(org.user("town_admin"))
    query = {"action": "cases.case.start"}
    first = client.get("/audit/", query).content.decode()
    assert len(_objects(first)) == PAGE_SIZE
    assert "共" not in re.search(r'<nav class="pager".*?</nav>', first, re.S).group(0)  # no total
    links = _links(first)
    assert set(links) == {"更早的记录 →"} and "action=cases.case.start" in links["更早的记录 →"]

    second = client.get("/audit/" + links["更早的记录 →"]).content.decode()
    assert len(_objects(second)) == PAGE_SIZE
    third = client.get("/audit/" + _links(second)["更早的记录 →"]).content.decode()
    assert len(_objects(third)) == 5 and set(_links(third)) == {"← 较新的记录"}

    back = client.get("/audit/" + _links(third)["← 较新的记录"]).content.decode()
    assert _objects(back) == _objects(second)
    top = client.get("/audit/" + _links(back)["← 较新的记录"]).content.decode()
    assert _objects(top) == _objects(first) and set(_links(top)) == {"更早的记录 →"}


def test_a_new_search_starts_at_the_newest_rows(org, web):
    audit_rows(PAGE_SIZE + 1, institution=org.town)
    client = web(org.user("town_admin"))
    older = _links(client.get("/audit/").content.decode())["更早的记录 →"]
    page = client.get("/audit/" + older).content.decode()
    assert 'name="cursor"' not in page  # the form does not carry the position along


BAD = [
    ({"from": "2024-13-01"}, "「起始日期」"),
    ({"from": "2024-02-30"}, "「起始日期」"),
    ({"to": "9999-12-31"}, "「截止日期」：应在 2000-01-01 到 2099-12-31 之间"),
    ({"from": "0001-01-01"}, "「起始日期」：应在"),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "「截止日期」：不能早于起始日期"),
    ({"actor": "长" * 151}, "「操作人」"),
    ({"action": "nope"}, "「操作」不是已登记的操作代码"),
    ({"action": "x" * 65}, "「操作」"),
    ({"institution": "99999999999999999999"}, "「机构」"),
    ({"institution": "abc"}, "「机构」：不存在或不在您的数据范围内"),
    ({"institution": "²"}, "「机构」：不存在或不在您的数据范围内"),
    ({"institution": "-1"}, "「机构」：不存在或不在您的数据范围内"),
    ({"object_id": "42"}, "按「对象编号」查找时须同时填写「对象类型」"),
    ({"object_type": "Cases Case", "object_id": "42"}, "「对象类型」：应为"),
    ({"object_type": "cases.case", "object_id": "4 2"}, "「对象编号」"),
    ({"object_type": "cases.case", "object_id": "9" * 65}, "「对象编号」"),
    ({"text": "王"}, "「对象 / 说明 / IP」：查找须同时指定起始日期和截止日期"),
    ({"text": "王", "from": "2026-03-01", "to": "2026-03-02"}, "跨度不超过 1 天"),
    ({"text": "王" * 101, "from": "2026-03-01", "to": "2026-03-01"}, "「对象 / 说明 / IP」"),
    ({"cursor": "garbage!"}, "「翻页位置」：无效，请从最新的记录重新翻页"),
    ({"cursor": "A" * 200}, "「翻页位置」"),
]


@pytest.mark.parametrize(("query", "message"), BAD)
def test_bad_filters_are_named_in_chinese_and_show_no_rows(org, web, query, message):
    audit_rows(3, institution=org.town, object_repr="看不到")
    response = web(org.user("county_admin")).get("/audit/", query)
    page = response.content.decode()
    assert response.status_code == 200
    assert message in unescape(page), re.findall(r'class="error"[^>]*>([^<]*)', page)
    assert "看不到" not in page and "请先修正查询条件" in page


def test_an_institution_outside_the_scope_reads_like_one_that_does_not_exist(org, web):
    client = web(org.user("town_admin"))
    outside = client.get("/audit/", {"institution": org.county.pk}).content.decode()
    missing = client.get("/audit/", {"institution": 987654321}).content.decode()
    assert re.findall(r'class="error"[^>]*>([^<]*)', outside) == re.findall(
        r'class="error"[^>]*>([^<]*)', missing
    )
    # Nor does the institution list show what lies outside.
    assert org.county.name not in outside and org.town2.name not in outside and org.town.name in outside


@pytest.mark.parametrize(
    "cursor",
    [
        Cursor("b", dt.datetime(1, 1, 2, tzinfo=dt.UTC), 1),
        Cursor("a", dt.datetime(9999, 12, 30, tzinfo=dt.UTC), 10**18 - 1),
        Cursor("b", BASE, 10**18 - 1),
    ],
)
def test_a_forged_cursor_is_just_a_position(org, web, cursor):
    audit_rows(3, institution=org.other_county, object_repr="别的县")
    response = web(org.user("town_admin")).get("/audit/", {"cursor": cursor.encode()})
    assert response.status_code == 200 and "别的县" not in response.content.decode()


def test_text_search_within_one_day(org, web):
    audit_rows(1, institution=org.town, object_repr="王小明的办件", start=BASE)
    audit_rows(1, institution=org.town, object_repr="王小明的另一件", start=BASE - dt.timedelta(days=1))
    day = BASE.date().isoformat()
    page = (
        web(org.user("county_admin"))
        .get("/audit/", {"text": "小明", "from": day, "to": day})
        .content.decode()
    )
    assert _objects(page) == ["王小明的办件"]


def _slow(monkeypatch):
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    from bangban.audit import paging, selectors, views

    def slow_list(**kwargs):  # a search the database needs longer for than the limit
        return selectors.audit_list(**kwargs).filter(RawSQL("pg_sleep(0.2) IS NOT NULL", [], BooleanField()))

    monkeypatch.setattr(views, "audit_list", slow_list)
    monkeypatch.setattr(paging, "TIME_LIMIT_MS", 50)


@pytest.mark.django_db(transaction=True)
def test_a_search_the_database_cannot_finish_in_time_is_cancelled_with_advice(org, web, monkeypatch):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("statement timeouts are PostgreSQL's")
    audit_rows(3, institution=org.town)
    _slow(monkeypatch)
    response = web(org.user("county_admin")).get("/audit/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "查询未能在 0 秒内完成：请缩小范围" in page and "请先修正查询条件" in page


def test_the_time_limit_ends_with_its_block(org):
    from django.db import connection

    from bangban.audit.paging import time_limit

    if connection.vendor != "postgresql":
        pytest.skip("statement timeouts are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        before = cursor.fetchone()[0]
        with time_limit(1234):
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "1234ms"
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == before


def test_a_row_shows_each_recorded_fact_escaped_with_its_changes_named(org, web):
    # The rows are written in Python (audit.templatetags.audit_tags): time in local time, the actor or
    # 系统, the institution, alarms in red, note, changes by their Chinese names, IP; all escaped.
    from bangban.audit.models import AuditEvent

    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                at=BASE, actor_name="<i>甲</i>", institution=org.town, action="auth.login_failed",
                object_repr="账号 a&b", note="第 3 次", ip="10.0.0.9",
                changes={"status": {"before": "accepted", "after": "<x>"}, "roles": {"after": ["agent"]}},
            ),
            AuditEvent(at=BASE + dt.timedelta(seconds=1), institution=org.station, action="cases.case.start"),
        ]
    )  # fmt: skip
    page = web(org.user("town_admin")).get("/audit/").content.decode()
    local = BASE.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
    mine = [r for r in re.findall(r"<tr>\s*<td data-label=\"时间\">.*?</tr>", page, re.S) if local[:16] in r]
    assert len(mine) == 2  # the organisation's own setup rows are newer
    plain, alarm = mine
    assert f'<td data-label="时间">{local}</td>' in alarm
    assert "&lt;i&gt;甲&lt;/i&gt;" in alarm and "<i>" not in page
    assert f'<td data-label="机构">{org.town.name}</td>' in alarm
    assert '<span class="tag tag-red">' in alarm and '<span class="tag tag-red">' not in plain
    assert '账号 a&amp;b<br><span class="muted">第 3 次</span>' in alarm
    assert '<span class="before">accepted</span> → <span class="after">&lt;x&gt;</span>' in alarm
    assert "<dt>状态</dt>" in alarm and "<dt>角色</dt>" in alarm
    assert '<td data-label="IP">10.0.0.9</td>' in alarm
    assert '<td data-label="操作人">系统</td>' in plain
    assert '<td data-label="变更"></td>' in plain and '<td data-label="IP"></td>' in plain
