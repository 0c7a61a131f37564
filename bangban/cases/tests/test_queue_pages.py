"""The /cases/ page: drawn without counting the scope, paged by next/previous links, and neither
paging nor search ever shows a case outside the user's scope."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.cases import selectors, views
from bangban.cases.models import OPEN_STATUSES, Case, JointTask, Transfer
from bangban.cases.tests.test_queue import cases  # noqa: F401 (fixture)
from bangban.core import crypto

PEOPLE = [
    "town_agent",
    "station_agent",
    "town2_agent",
    "county_agent",
    "other_agent",
    "liaison",
    "other_admin",
]


def _visible(user) -> set[int]:
    """Who sees what, restated in Python from the rules (not from case_scope_q) for the check."""
    root = user.institution.path
    seen = set()
    for case in Case.objects.select_related("institution"):
        transfers = Transfer.objects.filter(case=case).select_related("from_institution", "to_institution")
        if (
            case.institution.path.startswith(root)
            or any(t.from_institution.path.startswith(root) for t in transfers)
            or any(t.state == "pending" and t.to_institution.path.startswith(root) for t in transfers)
            or (
                user.department_id
                and has_cap(user, Cap.CASE_LIAISON)
                and JointTask.objects.filter(case=case, department_id=user.department_id).exists()
            )
        ):
            seen.add(case.pk)
    return seen


def _rows(html: str) -> list[int]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [int(pk) for pk in re.findall(r'href="/cases/(\d+)/"', body)]


def _walk(client, url: str) -> list[int]:
    """Every row of every page, following 下一页 from `url`; checks 上一页 on the way."""
    seen, number = [], 1
    while url:
        html = client.get(url).content.decode()
        seen += _rows(html)
        assert ('rel="prev"' in html) == (number > 1), url
        nxt = re.search(r'<a href="\?([^"]*)" rel="next">下一页</a>', html)
        url = "/cases/?" + nxt.group(1).replace("&amp;", "&") if nxt else None
        number += 1
        assert number < 100
    return seen


@pytest.mark.parametrize("who", PEOPLE)
def test_pages_walk_the_scope_in_order_without_a_count(org, cases, web, monkeypatch, who):  # noqa: F811
    monkeypatch.setattr(views, "QUEUE_PAGE_SIZE", 1)
    user = org.user(who)
    client = web(user)
    with CaptureQueriesContext(connection) as ctx:
        first = client.get("/cases/")
    assert first.status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    assert any("cases_case" in s for s in sql) and not [s for s in sql if "COUNT(" in s.upper()]
    assert "共" not in first.content.decode()  # no total drawn

    shown = _walk(client, "/cases/")
    expected = [c.pk for c in selectors.case_list(user=user, open_only=True)]
    assert shown == expected  # every open case in scope once, most urgent first
    open_ids = set(Case.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))
    assert set(shown) == _visible(user) & open_ids
    assert len(shown) >= 2 or who == "liaison"  # several pages for the agents

    everything = _walk(client, "/cases/?status=&light=&mine=&q=")  # filters kept across pages
    assert everything == expected


@pytest.mark.parametrize("who", PEOPLE)
def test_search_stays_in_scope(org, cases, web, monkeypatch, who):  # noqa: F811
    # Pages of 8: every search still spans pages for the broad queries (one character of a name),
    # without walking two rows at a time (the walk test above covers paging itself).
    monkeypatch.setattr(views, "QUEUE_PAGE_SIZE", 8)
    user = org.user(who)
    client = web(user)
    visible = _visible(user)
    checked = 0
    for case in cases:
        case.refresh_from_db()
        if case.status not in OPEN_STATUSES:
            continue
        for q in (
            case.number,
            case.applicant_name,
            case.applicant_name[:1],
            f"1381234{cases.index(case):04d}",
        ):
            found = _walk(client, f"/cases/?q={q}")
            assert set(found) <= visible, (who, q)
            assert (case.pk in found) == (case.pk in visible), (who, q)
            checked += 1
    assert checked > 20


def test_search_by_id_number_and_credit_code(org, cases, web):  # noqa: F811
    client = web(org.user("town_agent"))
    visible = _visible(org.user("town_agent"))
    by_id = _walk(client, "/cases/?q=11010519491231002X&status=accepted")
    assert by_id and set(by_id) <= visible
    assert set(by_id) == set(
        Case.objects.filter(
            pk__in=visible, status="accepted", applicant_id_hash=crypto.lookup_hash("11010519491231002X")
        ).values_list("pk", flat=True)
    )
    by_code = _walk(client, "/cases/?q=91350100m000100y43")
    assert by_code and set(by_code) <= visible
    assert all(Case.objects.get(pk=pk).credit_code == "91350100M000100Y43" for pk in by_code)


NAMES = [
    "Zhang San",
    "zhang si",
    "ZHANG",
    "张三",
    "张三丰",
    "张",
    "王_五",
    "王%五",
    "王五",
    "a\U0010ffffb",
    "a\U0010ffff",
    "b",
]


@pytest.mark.parametrize(
    "prefix", ["Zhang", "zhang", "Z", "张三", "张", "王_", "王%", "王", "a\U0010ffff", "a", "\U0010ffff", "c"]
)
def test_name_prefix_is_exact_and_case_sensitive_on_both_databases(org, cases, prefix):  # noqa: F811
    mine = [c for c in cases if c.institution != org.other_county][: len(NAMES)]
    for case, name in zip(mine, NAMES, strict=True):
        Case.objects.filter(pk=case.pk).update(applicant_name=name, status="accepted")
    user = org.user("county_admin")
    got = {c.applicant_name for c in selectors.case_list(user=user, q=prefix) if c.applicant_name in NAMES}
    assert got == {n for n in NAMES if n.startswith(prefix)}


def test_prefix_successor():
    assert selectors.prefix_successor("ab") == "ac"
    assert selectors.prefix_successor("张") == "张"[:0] + chr(ord("张") + 1)
    assert selectors.prefix_successor("a\U0010ffff") == "b"
    assert selectors.prefix_successor("\ud7ff") == "\ue000"
    assert selectors.prefix_successor("\U0010ffff") is None


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1" * 30, "²"])
def test_odd_page_numbers_show_the_first_page(org, cases, web, page):  # noqa: F811
    client = web(org.user("town_agent"))
    response = client.get(f"/cases/?page={page}")
    assert response.status_code == 200
    assert _rows(response.content.decode()) == _rows(client.get("/cases/").content.decode())


def test_beyond_the_last_page_is_empty_with_a_way_back(org, cases, web):  # noqa: F811
    html = web(org.user("town_agent")).get("/cases/?page=50").content.decode()
    assert _rows(html) == [] and "没有符合条件的办件" in html and 'rel="prev"' in html
