"""Every counted indicator drills down to its records (reviews, rectifications, complaints,
consultations, as cases already do), and the drill's count equals the figure, for every part and
grouping, on hand-built data with the edge cases (an upheld 申诉, a late rectification, an unanswered
real-name bad review, a refused complaint, a late consultation)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bangban.supervision import selectors

SH = ZoneInfo("Asia/Shanghai")
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
CODES = ("satisfaction", "rectification", "revisit", "complaint", "consultation")
pytestmark = pytest.mark.django_db


def at(day, hour=10):
    return time_machine.travel(dt.datetime(2026, 3, day, hour, tzinfo=SH), tick=False)


@pytest.fixture
def records(org, figures_data):
    from bangban.complaints import services as cp
    from bangban.evaluations import services as ev

    town_agent, station_agent = org.user("town_agent"), org.user("station_agent")
    town, station = figures_data["town"], figures_data["station"]
    with at(5):
        good = ev.review_submit_at_window(by=town_agent, level=1, case=town[0]).rectification
        ev.rectification_revisit(rect=good, by=town_agent, called_at=dt.datetime.now(tz=SH), reached=True)
        good = ev.rectification_verify(rect=good, by=town_agent, finding="true", note="排队久")
        ev.rectification_rectify(rect=good, by=town_agent, action_taken="增设窗口")  # on time
        ev.review_submit_at_window(by=town_agent, level=2, case=town[1])  # real name, never revisited
        ev.review_submit_at_window(by=station_agent, level=5, case=station)
        ev.review_submit_at_window(by=town_agent, level=4)
        late = ev.review_submit_at_window(by=town_agent, level=1).rectification  # anonymous
        wrong = ev.review_submit_at_window(by=station_agent, level=2)
        appeal = ev.appeal_file(review=wrong, by=station_agent, reason="误评")
        ev.appeal_decide(appeal=appeal, by=org.user("supervisor"), upheld=True, reason="核实为误评")
    with at(27):
        late = ev.rectification_verify(rect=late, by=town_agent, finding="partly", note="部分属实")
        ev.rectification_rectify(rect=late, by=town_agent, action_taken="批评教育")  # after its limit

    coordinator = org.user("coordinator")
    with at(2):
        complaints = [
            cp.complaint_register(
                by=coordinator,
                channel="phone",
                anonymous=True,
                content=f"投诉{i}",
                agent=who,
                institution=inst,
            )
            for i, (who, inst) in enumerate(
                [
                    (town_agent, org.town),
                    (town_agent, org.town),
                    (town_agent, org.town),
                    (station_agent, org.station),
                ]
            )
        ]
        cp.complaint_reject(by=coordinator, complaint=complaints[1], text="重复投诉")
        cp.consultation_register(by=town_agent, channel="window", question="社保怎么转", answer="带身份证来")
        unanswered = cp.consultation_register(by=town_agent, channel="phone", question="几点下班")
        online = cp.consultation_register(by=town_agent, channel="online", question="网上怎么办")
        late_phone = cp.consultation_register(by=station_agent, channel="phone", question="要带什么")
    with at(3):
        for step in (cp.complaint_accept, cp.complaint_investigate, cp.complaint_handle, cp.complaint_answer):
            step(by=coordinator, complaint=complaints[0], text="已处理")
        cp.consultation_answer(
            by=town_agent, consultation=online, answer="登录后提交"
        )  # within a working day
        cp.consultation_answer(by=station_agent, consultation=late_phone, answer="身份证")  # a day late
    with at(31):
        for step in (cp.complaint_accept, cp.complaint_investigate, cp.complaint_handle, cp.complaint_answer):
            step(by=coordinator, complaint=complaints[3], text="已处理")  # after answer_due
    return {"unanswered": unanswered}


def test_every_counted_indicator_drills_to_records_that_add_up(org, records):
    sup = org.user("supervisor")
    total = selectors.indicator_set(user=sup, root_institution=None, start=MARCH[0], end=MARCH[1]).total
    for code in CODES:  # the data is not trivial: each indicator has records and misses
        assert total.cells[code].den and total.cells[code].missed, code
    for by in (None, "institution", "agent", "item"):
        fig = selectors.indicator_set(user=sup, root_institution=None, start=MARCH[0], end=MARCH[1], by=by)
        for row in fig.rows if by else [fig.total]:
            for code in CODES:
                cell = row.cells[code]
                for part, expected in (("num", cell.num), ("den", cell.den), ("missed", cell.missed)):
                    drill = selectors.drill_records(
                        user=sup, root_institution=None, indicator=code, part=part,
                        start=MARCH[0], end=MARCH[1], by=by, key=row.key,
                    )  # fmt: skip
                    assert drill.count == expected == len(drill.rows), (code, by, row.label, part)
    # A station sees only its own records.
    own = selectors.drill_records(
        user=org.user("station_agent"), root_institution=None, indicator="satisfaction", part="den",
        start=MARCH[0], end=MARCH[1],
    )  # fmt: skip
    assert own.count == 1  # its real-name 非常满意; the 不满意 removed by the upheld 申诉 is not counted


def test_dashboard_links_every_counted_figure_to_its_records(web, org, records):
    client = web(org.user("supervisor"))
    html = client.get("/supervision/?preset=range&start=2026-03-01&end=2026-03-31").content.decode()
    links = {link.replace("&amp;", "&") for link in re.findall(r'href="(/supervision/drill/\?[^"]+)"', html)}
    for code in CODES:
        assert any(f"indicator={code}&part=missed" in link for link in links), code
    missed = next(
        link for link in links if "indicator=consultation&part=missed" in link and "key=" not in link
    )
    text = client.get(missed).content.decode()
    assert "咨询及时处理率 · 未达标（2 条）" in text and "几点下班" not in text  # rows show no question text
    assert f"/complaints/consultations/{records['unanswered'].pk}/" in text
    text = client.get(missed.replace("consultation", "revisit")).content.decode()
    assert "实名差评回访率 · 未达标（1 条）" in text and "不满意" in text
