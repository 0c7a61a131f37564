"""The API list renders a page of selectors.case_list from plain rows: the same rows, fields and values
as CaseListSerializer over the same queryset, and the scope of case_list itself."""

import datetime as dt
import itertools
import re

import pytest
import time_machine

from bangban.accounts.roles import Role
from bangban.cases import queue, selectors, services
from bangban.cases.api import CaseListSerializer
from bangban.cases.models import Case, Status
from bangban.core.testing import make_user
from bangban.workdays.selectors import get_calendar

TODAY = dt.date(2025, 10, 13)
PEOPLE = ["张三", "李四", "王_五", "赵%六", "钱七", "孙八"]
STATES = [  # (status, clock_stopped, due offset in days or None)
    (Status.CONSULTING, False, None),
    (Status.ACCEPTED, False, -3),
    (Status.ACCEPTED, False, 0),
    (Status.IN_PROGRESS, False, 1),
    (Status.IN_PROGRESS, False, 9),
    (Status.SUSPENDED, True, 4),
    (Status.ACCEPTED, False, 2),
    (Status.COMPLETED, False, -1),
    (Status.ARCHIVED, False, 5),
    (Status.TERMINATED, False, None),
]


@pytest.fixture
def cases(org, items):
    at = time_machine.travel(dt.datetime(2025, 10, 13, 9, 0, tzinfo=dt.UTC), tick=False)
    at.start()
    made = []
    org.users["county_agent"] = make_user("county_agent", org.county, [Role.AGENT])
    org.users["other_agent"] = make_user("other_agent", org.other_county, [Role.AGENT])
    handlers = ["town_agent", "station_agent", "station2_agent", "town2_agent", "county_agent", "other_agent"]
    for n, who in enumerate(handlers * 4):
        user = org.user(who)
        case = services.case_create(
            by=user,
            kind="help",
            mode="assist",
            applicant_type="person" if n % 3 else "enterprise",
            applicant_name=PEOPLE[n % len(PEOPLE)] + str(n),
            id_number="11010519491231002X" if n % 3 else "",
            credit_code="" if n % 3 else "91350100M000100Y43",
            contact_name="" if n % 3 else "联系人",
            phone=f"1381234{n:04d}",
            items=[items["license"]],
        )
        status, stopped, offset = STATES[n % len(STATES)]
        Case.objects.filter(pk=case.pk).update(
            status=status,
            clock_stopped=stopped,
            due_date=TODAY + dt.timedelta(days=offset) if offset is not None else None,
            accepted_on=TODAY - dt.timedelta(days=3) if offset is not None else None,
        )
        made.append(Case.objects.get(pk=case.pk))
    # The sender keeps following a transfer; the receiver sees it while it waits.
    sent = next(c for c in made if c.institution == org.station and c.status == Status.ACCEPTED)
    services.transfer_send(case=sent, by=org.user("station_agent"), to_institution=org.town2, reason="跨片区")
    # A returned transfer no longer shows at the institution that refused it.
    refused = next(c for c in made if c.institution == org.station2 and c.status == Status.IN_PROGRESS)
    back = services.transfer_send(
        case=refused, by=org.user("station2_agent"), to_institution=org.town2, reason="跨片区"
    )
    services.transfer_return(transfer=back, by=org.user("town2_agent"), reason="不属本中心办理")
    # A joint task puts a town2 case on the liaison's desk.
    joint = next(c for c in made if c.institution == org.town2 and c.status == Status.IN_PROGRESS)
    services.task_create(
        case=joint, by=org.user("town2_agent"), department=org.department, description="核验", due_date=TODAY
    )
    yield made
    at.stop()


def _reference(user, filters: queue.Filters, offset, limit):
    qs = selectors.case_list(
        user=user,
        status=filters.status,
        light=filters.light,
        mine=filters.mine,
        institution_id=filters.institution_id,
        q=filters.q,
        kind=filters.kind,
        open_only=filters.open_only,
        on=TODAY,
    )
    context = {"today": TODAY, "calendar": get_calendar()}
    return [
        dict(row) for row in CaseListSerializer(qs[offset : offset + limit], many=True, context=context).data
    ]


USERS = [
    "town_agent",
    "station_agent",
    "station2_agent",
    "town2_agent",
    "county_admin",
    "county_agent",
    "other_agent",
    "supervisor",
    "liaison",
    "other_admin",
    "sysadmin",
]


def _filter_sets(org, made):
    yield queue.Filters()
    for mine, open_only in itertools.product([False, True], repeat=2):
        yield queue.Filters(mine=mine, open_only=open_only)
    for light in ["red", "yellow", "green", "blue"]:
        yield queue.Filters(light=light)
        yield queue.Filters(light=light, open_only=True)
    for status in [Status.ACCEPTED, Status.COMPLETED, "nonsense"]:
        yield queue.Filters(status=status)
    yield queue.Filters(kind="help")
    yield queue.Filters(kind="agency")
    yield queue.Filters(institution_id=org.station.pk)
    yield queue.Filters(institution_id=org.town2.pk, open_only=True)
    for q in [
        "张三",
        "王_",
        "赵%",
        "%",
        "_",
        made[3].number,
        "13812340004",  # made[4]'s phone number, found through its lookup hash
        "91350100m000100y43",
        "11010519491231002X",
    ]:
        yield queue.Filters(q=q)


def test_api_rows_match_the_serializer_over_case_list(org, cases):
    checked = 0
    for who in USERS:
        user = org.user(who)
        user = type(user).objects.select_related("institution").get(pk=user.pk)
        for n, filters in enumerate(_filter_sets(org, cases)):
            # Every filter over the whole list; the page windows (offset/limit) over a few filters:
            # paging does not depend on the filter, and every window over every filter cost minutes.
            for offset, limit in [(0, 100)] + ([(0, 3), (3, 3), (30, 5)] if n < 3 or filters.q else []):
                expected = _reference(user, filters, offset, limit)
                got = queue.render(
                    queue.page(user=user, filters=filters, offset=offset, limit=limit, on=TODAY), on=TODAY
                )
                assert got == expected, (who, filters, offset, limit)
                checked += len(expected)
    assert checked > 500  # the comparison ran over real rows, not empty pages


def test_queue_scope_follows_transfers_and_joint_tasks(org, cases):
    def ids(who, **f):
        rows = queue.page(user=org.user(who), filters=queue.Filters(**f), offset=0, limit=100, on=TODAY)
        return {r[0] for r in rows}

    transferred = next(c for c in cases if c.transfers.exists())
    joint = next(c for c in cases if c.tasks.exists())
    assert transferred.pk in ids("town2_agent")  # waiting for the receiver
    assert transferred.pk in ids("station_agent")  # the sender keeps following it
    assert transferred.pk not in ids("station2_agent")
    refused = next(c for c in cases if c.institution == org.station2 and c.transfers.exists())
    assert refused.pk in ids("station2_agent") and refused.pk not in ids("town2_agent")
    assert joint.pk in ids("liaison")
    others = {c.pk for c in cases if c.institution == org.other_county}
    assert ids("other_agent") == others and ids("other_admin") == others
    assert ids("county_admin").isdisjoint(others)


def test_queue_refuses_users_without_case_roles(org, cases):
    from bangban.core.errors import AccessRefused

    with pytest.raises(AccessRefused):
        queue.page(user=org.user("catalog_admin"), filters=queue.Filters(), offset=0, limit=10)


def test_queue_api_pages_link_to_each_other(org, cases, api):
    client = api(org.user("town_agent"))
    everything = client.get("/api/v1/cases/?page_size=100").json()["results"]
    assert len(everything) > 4
    first = client.get("/api/v1/cases/?page_size=2&open=1").json()
    assert first["previous"] is None and len(first["results"]) == 2
    assert first["next"] == "http://testserver/api/v1/cases/?page_size=2&open=1&page=2"
    second = client.get(first["next"]).json()
    assert second["previous"].endswith("page=1") and second["results"][0]["id"] != first["results"][0]["id"]
    last = client.get("/api/v1/cases/?page_size=100&page=1&mine=1").json()
    assert last["next"] is None
    bad = client.get("/api/v1/cases/?page=abc")
    assert bad.status_code == 400 and bad.json()["field"] == "page"


@pytest.mark.parametrize("within", [0, 1, 2, 3])
def test_rendered_light_is_the_deadline_colour_around_weekends_and_holidays(org, settings, within):
    from types import SimpleNamespace

    from bangban.cases import clock

    settings.BANGBAN_DEADLINE_YELLOW_DAYS = within
    calendar = get_calendar()
    created = dt.datetime(2025, 9, 1, tzinfo=dt.UTC)
    for on in [dt.date(2025, 9, 26), dt.date(2025, 9, 30), dt.date(2025, 10, 9), dt.date(2025, 10, 10)]:
        dues = [on + dt.timedelta(days=n) for n in range(-20, 21)]
        rows = [
            (
                1,
                "n",
                "help",
                "assist",
                "accepted",
                1,
                "person",
                "甲",
                "",
                "",
                "",
                1,
                "机构",
                None,
                "",
                "",
                on,
                due,
                False,
                created,
            )
            for due in dues
        ]
        got = [r["light"] for r in queue.render(rows, on=on)]
        expected = [
            clock.light(
                SimpleNamespace(due_date=due, clock_stopped=False, is_open=True), on=on, calendar=calendar
            )
            for due in dues
        ]
        assert got == expected, (on, within)
        assert {"red", "yellow", "green"} <= set(got) or within == 0


@pytest.mark.parametrize("saturday", [False, True])
def test_light_filters_return_exactly_the_rows_shown_in_that_light(org, cases, settings, saturday):
    # The edge: a due date on a weekend (an immediate case accepted on a Saturday) right after the
    # last working day that still counts as yellow (Mon 13 Oct + 4 working days = Fri 17 Oct).
    if saturday:
        settings.BANGBAN_DEADLINE_YELLOW_DAYS = 4
        Case.objects.filter(pk=cases[3].pk).update(due_date=dt.date(2025, 10, 18), status=Status.ACCEPTED)
    user = org.user("county_agent")
    user = type(user).objects.select_related("institution").get(pk=user.pk)
    everything = queue.render(
        queue.page(user=user, filters=queue.Filters(), offset=0, limit=100, on=TODAY), on=TODAY
    )
    for light in ("red", "yellow", "green"):
        shown = {r["id"] for r in everything if r["light"] == light}
        rows = queue.page(user=user, filters=queue.Filters(light=light), offset=0, limit=100, on=TODAY)
        assert {r[0] for r in rows} == shown, light
        assert shown or light == "red"
    if saturday:
        assert next(r for r in everything if r["id"] == cases[3].pk)["light"] == "yellow"


@pytest.mark.django_db
def test_the_queue_page_draws_each_row_from_its_case(org, cases, client):
    # The rows are written in Python (cases.templatetags.case_rows): every cell from the case, escaped.
    from django.urls import reverse

    from bangban.cases.clock import light as light_of

    town_case = next(c for c in cases if c.institution == org.town and c.status == Status.ACCEPTED)
    Case.objects.filter(pk=town_case.pk).update(applicant_name="<b>王</b>", priority_group="elderly")
    client.force_login(org.user("town_agent"))
    html = client.get(reverse("cases:queue") + "?open=0").content.decode()
    rows = {
        m.group(1): m.group(0)
        for m in re.finditer(r'<tr><td data-label="亮灯">.*?<a href="/cases/(\d+)/">.*?</tr>', html)
    }
    shown = selectors.case_page(user=org.user("town_agent"), offset=0, limit=30, open_only=False)
    assert shown and set(rows) == {str(c.pk) for c in shown}
    for case in shown:
        row = rows[str(case.pk)]
        assert f">{case.number}</a>" in row
        assert f"{case.get_kind_display()} · {case.get_mode_display()}" in row
        assert case.get_status_display() in row
        assert (case.due_date.isoformat() if case.due_date else "—") in row
        assert case.institution.name in row
        assert (case.agent.display_name in row) if case.agent else True
        label = {"red": "● 已超期", "yellow": "● 临近期限", "green": "● 正常"}.get(light_of(case, on=TODAY))
        assert (label in row) if label else "●" not in row
        assert ("计时暂停" in row) == (case.clock_stopped and case.status == Status.SUSPENDED)
    assert "&lt;b&gt;王&lt;/b&gt;" in rows[str(town_case.pk)] and "<b>王</b>" not in html
    assert '<span class="tag">老年人</span>' in rows[str(town_case.pk)]
