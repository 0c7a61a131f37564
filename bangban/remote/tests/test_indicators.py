"""远程帮办及时响应率: the classifier on hand-built rows, and the figure of the quality indicators equal
to a recomputation from the raw call rows (both databases), per subtree and period, with its drill-down."""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bangban.remote import indicators, services
from bangban.remote.models import CallStatus, HelpCall
from bangban.supervision.indicators import INDICATORS
from bangban.supervision.registry import KINDS
from bangban.supervision.selectors import drill_records, indicator_set
from bangban.supervision.services import maintained_counts, recomputed_counts

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=SH)
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def row(status, answered_after=None, created=T0, agent_id=None):
    return SimpleNamespace(
        status=status,
        created_at=created,
        answered_at=None if answered_after is None else created + dt.timedelta(seconds=answered_after),
        agent_id=agent_id,
        item_id=7,
        window=SimpleNamespace(institution_id=3),
    )


def metrics(c):
    return sorted(f.metric for f in indicators.facts_of_call(c))


def test_classifier_on_hand_built_rows():
    assert metrics(row("queued")) == []
    assert metrics(row("abandoned")) == ["remote.calls"]
    assert metrics(row("answered", 60, agent_id=5)) == ["remote.answered_in_time", "remote.calls"]
    assert metrics(row("ended", 61, agent_id=5)) == ["remote.calls"]
    assert metrics(row("ended", 0, agent_id=5)) == ["remote.answered_in_time", "remote.calls"]
    (fact,) = indicators.facts_of_call(row("abandoned", created=dt.datetime(2026, 3, 10, 23, 30, tzinfo=SH)))
    assert (fact.day, fact.institution_id, fact.agent_id, fact.item_id) == (dt.date(2026, 3, 10), 3, 0, 7)
    # Dated in Asia/Shanghai whatever the zone of the stored time.
    late = row("ended", 5, created=dt.datetime(2026, 3, 10, 16, 30, tzinfo=dt.UTC), agent_id=5)
    assert indicators.facts_of_call(late)[0].day == dt.date(2026, 3, 11)


def test_the_indicator_is_defined_and_registered():
    ind = INDICATORS["remote_response"]
    assert ind.name == "远程帮办及时响应率" and "60 秒" in ind.definition
    assert KINDS["remote_call"].metrics == (ind.numerator, ind.denominator)[::-1]


def at(seconds: int):
    return time_machine.travel(T0 + dt.timedelta(seconds=seconds), tick=False)


def recomputed_from_raw_rows(institution_ids, start, end) -> tuple[int, int]:
    """The figure straight from HelpCall rows, without the classifier or the counters."""
    num = den = 0
    for c in HelpCall.objects.filter(window__institution_id__in=institution_ids):
        day = c.created_at.astimezone(SH).date()
        if not (start <= day <= end):
            continue
        if c.answered_at is not None or c.status == CallStatus.ABANDONED:
            den += 1
            if c.answered_at is not None and (c.answered_at - c.created_at).total_seconds() <= 60:
                num += 1
    return num, den


@pytest.mark.django_db
def test_the_figure_equals_a_recomputation_from_raw_rows(org, window, item):
    county_window = services.window_save(by=org.user("county_admin"), institution=org.county, name="区中心")
    clerk, agent = org.user("station_agent"), org.user("town_agent")
    from bangban.core.testing import make_user

    county_agent = make_user("county_agent", org.county, ["agent"])
    station3_clerk = make_user("station3_clerk", org.station3, ["agent"])
    with at(0):
        services.duty_start(by=county_agent, window=county_window)
        fast = services.call_create_station(by=clerk, caller_name="快", item=item)
        slow = services.call_create_station(by=clerk, caller_name="慢", item=item)
        gave_up = services.call_create_station(by=clerk, caller_name="走", item=item)
        waiting = services.call_create_station(by=clerk, caller_name="等", item=item)
        returned = services.call_create_station(by=clerk, caller_name="回", item=item)
        county_call = services.call_create_station(by=station3_clerk, caller_name="县", need="咨询")
    with at(20):
        services.call_answer(by=agent, call=fast)
        services.call_answer(by=agent, call=returned)
        services.call_answer(by=county_agent, call=county_call)
    with at(30):
        services.call_hangup(call=gave_up, side="caller", by=clerk)
    with at(40):
        services.call_return(call=returned)  # its agent vanished: no longer answered in time
    with at(90):
        services.call_answer(by=agent, call=slow)
        services.call_hangup(call=fast, side="agent", by=agent)
    with at(200):
        services.call_answer(by=agent, call=returned)
    assert HelpCall.objects.get(pk=waiting.pk).status == CallStatus.QUEUED

    user = org.user("supervisor")
    for root, ids in [
        (None, [org.county.pk, org.town.pk]),
        (org.town, [org.town.pk]),
        (org.town2, []),
    ]:
        figures = indicator_set(user=user, root_institution=root, start=MARCH[0], end=MARCH[1])
        cell = figures.total.cells["remote_response"]
        assert (cell.num or 0, cell.den or 0) == recomputed_from_raw_rows(ids, *MARCH), root
    town = indicator_set(user=user, root_institution=org.town, start=MARCH[0], end=MARCH[1])
    assert (town.total.cells["remote_response"].num, town.total.cells["remote_response"].den) == (1, 4)
    assert town.total.cells["remote_response"].display == "25.0%"
    # Another period sees none of them.
    april = indicator_set(
        user=user, root_institution=None, start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 30)
    )
    assert not april.total.cells["remote_response"].den

    # The maintained counters are what the classifier gives from the raw rows.
    kind = [KINDS["remote_call"]]
    assert maintained_counts(indicators.METRICS) == recomputed_counts(kind)

    # Drill-down: the calls behind the numerator, the denominator and the misses.
    def drill(part):
        return drill_records(
            user=user,
            root_institution=org.town,
            indicator="remote_response",
            part=part,
            start=MARCH[0],
            end=MARCH[1],
        )

    assert drill("num").count == 1 and drill("den").count == 4 and drill("missed").count == 3
    statuses = sorted(dict(cells)["状态"] for _, cells in drill("missed").rows)
    assert statuses == ["已放弃", "通话中", "通话中"]
    assert [dict(cells)["等待（秒）"] for _, cells in drill("num").rows] == ["20"]


@pytest.mark.django_db
def test_the_quality_page_shows_the_figure_and_its_definition(org, web):
    from django.urls import reverse

    page = web(org.user("supervisor")).get(reverse("supervision:dashboard")).content.decode()
    assert "远程帮办及时响应率" in page and "60 秒内被坐席接听" in page
