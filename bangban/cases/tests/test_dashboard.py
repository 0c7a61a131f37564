"""The 工作台: counts bounded and equal to the lists they link to, the next cases by light with their
next action, transfers and joint tasks waiting, the 登记办件 button; all within the user's scope."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bangban.cases import dashboard, selectors
from bangban.cases.models import Case, Status
from bangban.cases.tests.test_queue import cases  # noqa: F401 (fixture)
from bangban.cases.tests.test_queue_pages import _visible, _walk

AGENTS = ["town_agent", "station_agent", "station2_agent", "town2_agent", "county_agent", "other_agent"]
URGENCY = {"red": 0, "yellow": 1, "green": 2, "": 3}


def _cards(html: str) -> dict[str, str]:
    """{link: value} of the count cards."""
    found = re.findall(
        r'<a class="card card-link[^"]*" href="([^"]+)">\s*<div class="stat">([^<]+)</div>', html
    )
    return {href.replace("&amp;", "&"): value for href, value in found}


def _next_rows(html: str) -> list[tuple[int, str, str]]:
    """(case id, light tag text, next-step cell) of the 现在要办 table."""
    section = html.split('id="next-cases"', 1)[1].split("</section>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", section, re.S)[1:]:
        pk = int(re.search(r'href="/cases/(\d+)/"', row).group(1))
        light = next(
            (k for k, t in (("red", "已超期"), ("yellow", "临近期限"), ("green", "正常")) if t in row), ""
        )
        step = row.split('data-label="下一步">', 1)[1]
        rows.append((pk, light, step))
    return rows


@pytest.mark.parametrize("who", AGENTS)
def test_counts_equal_the_lists_they_link_to(org, cases, web, who):  # noqa: F811
    client = web(org.user(who))
    cards = _cards(client.get("/staff/").content.decode())
    for light in ("red", "yellow", "green"):
        link = f"/cases/?mine=1&light={light}"
        assert cards[link] == str(len(_walk(client, link))), (who, light)
    assert cards["/cases/?mine=1&status=suspended"] == str(
        len(_walk(client, "/cases/?mine=1&status=suspended"))
    )
    assert sum(int(cards[f"/cases/?mine=1&light={x}"]) for x in ("red", "yellow", "green")) > 0 or who in (
        "town_agent",
        "station2_agent",
    )


def test_counts_are_bounded_or_served_by_the_agent_index(org, cases, web, monkeypatch):  # noqa: F811
    user = org.user("county_admin")
    everything = selectors.case_list(user=user)
    assert dashboard.bounded_count(everything, cap=3) == "3+"
    assert dashboard.bounded_count(everything, cap=1000) == str(everything.count())
    monkeypatch.setattr(dashboard, "COUNT_CAP", 1)
    waiting = [c.pk for c in cases if c.institution == org.town2 and not c.tasks.exists()][:2]
    Case.objects.filter(pk__in=waiting).update(status=Status.CONSULTING)  # two new requests
    client = web(org.user("town2_agent"))
    with CaptureQueriesContext(connection) as ctx:
        cards = _cards(client.get("/staff/").content.decode())
    # Read now: the next request empties the connection's log the capture reads from.
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert selectors.new_requests_for(user=org.user("town2_agent")).count() >= 2
    assert cards["/cases/?open=1"] == "1+"
    assert cards["/cases/#transfers"] == "1"
    # One pass over the agent's own open cases for the four "my cases" cards, the rest bounded.
    mine = [sql for sql in counts if "LIMIT 2" not in sql]
    assert len(mine) == 1 and len(counts) >= 3, counts
    assert '"agent_id" = ' in mine[0] and "'consulting'" in mine[0], mine  # the partial index's range


@pytest.mark.parametrize("who", AGENTS)
def test_next_cases_are_mine_most_urgent_first_in_scope(org, cases, web, who):  # noqa: F811
    user = org.user(who)
    rows = _next_rows(web(user).get("/staff/").content.decode())
    expected = [
        c.pk for c in selectors.case_list(user=user, mine=True, open_only=True)[: dashboard.NEXT_CASES]
    ]
    assert [pk for pk, _l, _s in rows] == expected and expected
    assert set(expected) <= _visible(user)
    assert all(Case.objects.get(pk=pk).agent_id == user.pk for pk in expected)
    urgency = [URGENCY[light] for _pk, light, _s in rows]
    assert urgency == sorted(urgency), rows  # red first


def test_next_action_buttons(org, cases, web):  # noqa: F811
    user = org.user("county_agent")
    client = web(user)
    steps = {pk: step for pk, _l, step in _next_rows(client.get("/staff/").content.decode())}
    by_status = {Case.objects.get(pk=pk).status: pk for pk in steps}
    accepted, consulting, in_progress = (
        by_status[Status.ACCEPTED],
        by_status[Status.CONSULTING],
        by_status[Status.IN_PROGRESS],
    )
    assert f'action="/cases/{accepted}/act/start/"' in steps[accepted] and "开始承办" in steps[accepted]
    assert f'action="/cases/{consulting}/act/apply/"' in steps[consulting] and "提交申请" in steps[consulting]
    # Completing needs the result form: the button opens the case's actions.
    assert f'href="/cases/{in_progress}/#actions"' in steps[in_progress] and "办结" in steps[in_progress]
    version = Case.objects.get(pk=accepted).version
    client.post(f"/cases/{accepted}/act/start/", {"version": version})
    assert Case.objects.get(pk=accepted).status == Status.IN_PROGRESS


def test_a_case_waiting_for_its_transfer_offers_no_action(org, cases, web):  # noqa: F811
    user = org.user("station_agent")
    sent = next(c for c in cases if c.institution == org.station and c.transfers.exists())
    steps = {pk: step for pk, _l, step in _next_rows(web(user).get("/staff/").content.decode())}
    assert "act/" not in steps[sent.pk] and "查看" in steps[sent.pk]
    assert dashboard.next_action(Case.objects.get(pk=sent.pk), user) is None


def test_transfers_and_joint_tasks_waiting(org, cases, web):  # noqa: F811
    transferred = next(c for c in cases if c.transfers.filter(state="pending").exists())
    joint = next(c for c in cases if c.tasks.exists())
    town2 = web(org.user("town2_agent")).get("/staff/").content.decode()
    assert f'href="/cases/{transferred.pk}/"' in town2.split('id="transfers-waiting"', 1)[1]
    assert _cards(town2)["/cases/#transfers"] == "1"
    liaison = web(org.user("liaison")).get("/staff/").content.decode()
    assert f'href="/cases/{joint.pk}/"' in liaison.split('id="tasks-waiting"', 1)[1]
    assert 'id="next-cases"' not in liaison and "big-button" not in liaison  # no cases of their own
    other = web(org.user("other_agent")).get("/staff/").content.decode()
    assert 'id="transfers-waiting"' not in other and 'id="tasks-waiting"' not in other
    assert f'href="/cases/{transferred.pk}/"' not in other and f'href="/cases/{joint.pk}/"' not in other


def test_register_button_for_those_who_register(org, cases, web):  # noqa: F811
    agent = web(org.user("town_agent")).get("/staff/").content.decode()
    assert re.search(r'<a class="button big-button" href="/cases/new/">登记办件</a>', agent)
    assert 'action="/cases/" role="search"' in agent
    supervisor = web(org.user("supervisor")).get("/staff/").content.decode()
    assert "big-button" not in supervisor and 'id="next-cases"' not in supervisor


def test_the_queue_lists_what_waits_on_its_first_page_only(org, cases, web):  # noqa: F811
    """The 工作台's counts link to /cases/#transfers and #tasks: the queue's first page heads with them."""
    transferred = next(c for c in cases if c.transfers.filter(state="pending").exists())
    client = web(org.user("town2_agent"))
    first = client.get("/cases/").content.decode()
    assert f'href="/cases/{transferred.pk}/"' in first.split('id="transfers"', 1)[1].split("</section>", 1)[0]
    later = client.get("/cases/?page=2").content.decode()
    searched = client.get("/cases/?q=" + transferred.number).content.decode()
    assert 'id="transfers"' not in later and 'id="transfers"' not in searched


def test_the_next_cases_cost_no_statement_a_row(org, cases, web):  # noqa: F811
    """The next cases load only the fields their rows and buttons use (dashboard.NEXT_FIELDS): a
    field left out would be read case by case, one statement a row."""
    user = org.user("county_agent")
    client = web(user)
    client.get("/staff/")
    mine = selectors.case_list(user=user, mine=True, open_only=True)
    assert mine.count() >= 3

    def statements() -> int:
        with CaptureQueriesContext(connection) as ctx:
            page = client.get("/staff/").content.decode()
        return len(ctx), len(_next_rows(page))

    many, rows = statements()
    keep = list(mine.values_list("pk", flat=True)[:1])
    mine.exclude(pk__in=keep).update(status=Status.ARCHIVED)
    few, one = statements()
    assert rows >= 3 and one == 1
    assert many == few, (many, few)
