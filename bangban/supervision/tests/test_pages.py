"""The dashboard, the drill-down, the targets page and the monthly 通报 files; the same figures everywhere."""

import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from bangban.audit.models import AuditEvent
from bangban.supervision.indicators import INDICATOR_LIST
from bangban.supervision.models import Target

pytestmark = pytest.mark.django_db
MARCH = "preset=range&start=2026-03-01&end=2026-03-31"


def test_dashboard_cards_targets_definitions_and_charts(web, org, figures_data):
    r = web(org.user("supervisor")).get(f"/supervision/?{MARCH}")
    assert r.status_code == 200
    html = r.content.decode()
    for ind in INDICATOR_LIST:
        assert ind.name in html and ind.definition in html  # readable without hover: in a <details>
    assert 'id="ind-on_time"' in html and "light-red" in html.split('id="ind-on_time"')[0][-80:]
    assert "75.0%" in html and "低于目标" in html
    assert "vendor/echarts-5.6.0/echarts.common.min.js" in html and 'id="chart-data"' in html
    assert "cdn" not in html.lower()
    assert org.town.name in html and org.station.name in html  # the ranking table by institution


def test_every_case_figure_links_to_its_cases(web, org, figures_data):
    client = web(org.user("supervisor"))
    html = client.get(f"/supervision/?{MARCH}").content.decode()
    links = re.findall(r'href="(/supervision/drill/\?[^"]+)"', html)
    assert links
    on_time_missed = next(link for link in links if "indicator=on_time" in link and "part=missed" in link)
    page = client.get(on_time_missed.replace("&amp;", "&"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "按时办结率 · 未达标（1 件）" in text
    assert figures_data["town"][2].number in text and figures_data["town"][0].number not in text


def test_drill_with_bad_parameters_says_so(web, org):
    client = web(org.user("supervisor"))
    r = client.get("/supervision/drill/?indicator=disclosure&part=num")
    assert r.status_code == 200 and "没有可查看的明细" in r.content.decode()
    r = client.get("/supervision/drill/?indicator=on_time&part=num&key=x")
    assert r.status_code == 200 and "分组值无效" in r.content.decode()


def test_bad_query_shows_field_errors_not_a_500(web, org):
    client = web(org.user("supervisor"))
    r = client.get("/supervision/?preset=range&start=2026-03-05&end=2026-03-01")
    assert r.status_code == 200 and "开始日期不能晚于结束日期" in r.content.decode()
    r = client.get("/supervision/?root=999999")
    assert r.status_code == 200 and "不在您的数据范围内" in r.content.decode()
    r = client.get("/supervision/?on=9999-12-31&preset=week")
    assert r.status_code == 200 and "日期须在" in r.content.decode()


def test_agent_sees_own_institution_without_a_choice_of_others(web, org, figures_data):
    html = web(org.user("station_agent")).get(f"/supervision/?{MARCH}").content.decode()
    assert org.station.name in html and org.town.name not in html
    assert web(org.user("catalog_admin")).get("/supervision/").status_code == 403


def test_targets_page_sets_a_target_with_an_audit_row(web, org):
    client = web(org.user("supervisor"))
    assert client.get("/supervision/targets/").status_code == 200
    r = client.post(
        "/supervision/targets/", {"indicator": "satisfaction", "institution": org.town.pk, "value": "90"}
    )
    assert r.status_code == 302
    assert Target.objects.get(indicator="satisfaction", institution=org.town).value == 90
    assert AuditEvent.objects.filter(action="supervision.target.set").count() == 1
    r = client.post("/supervision/targets/", {"indicator": "satisfaction", "value": "101"})
    assert r.status_code == 200 and "目标值不能大于 100" in r.content.decode()
    r = web(org.user("town_admin")).post("/supervision/targets/", {"indicator": "on_time", "value": "50"})
    assert r.status_code == 200 and not Target.objects.filter(indicator="on_time").exists()


def _xlsx_rows(content, sheet):
    ws = load_workbook(io.BytesIO(content))[sheet]
    return [[c for c in row] for row in ws.iter_rows(values_only=True)]


def test_page_api_and_report_files_show_the_same_figures(web, api, org, figures_data):
    sup = org.user("supervisor")
    client = web(sup)
    body = (
        api(sup)
        .get("/api/v1/indicators/", {"preset": "month", "on": "2026-03-31", "by": "institution"})
        .json()
    )
    api_rows = {row["label"]: [c["display"] for c in row["indicators"]] for row in body["rows"]}
    api_total = [c["display"] for c in body["total"]["indicators"]]

    x = client.get(f"/supervision/report.xlsx?{MARCH}")
    assert x.status_code == 200 and x["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _xlsx_rows(x.content, "机构排名")
    assert rows[2] == ["排名", "名称", *[i.name for i in INDICATOR_LIST]]
    xlsx_rows = {r[1]: list(r[2:]) for r in rows[3:-1]}
    assert xlsx_rows == api_rows
    assert rows[-1][2:] == api_total
    # ranked: the station (100 %) before the town centre (66.6 %) before those without completions
    names = [r[1] for r in rows[3:-1]]
    assert names.index(org.station.name) < names.index(org.town.name) < names.index(org.county.name)

    html = client.get(f"/supervision/?{MARCH}&by=institution").content.decode()
    for label, displays in api_rows.items():
        segment = html.split(f'<th scope="row">{label}</th>')[1].split("</tr>")[0]
        assert [d for d in re.findall(r"(\d+\.\d%|—)", segment)] == displays

    agents = _xlsx_rows(x.content, "帮办代办员排名")
    assert org.user("town_agent").display_name in [r[1] for r in agents]

    p = client.get(f"/supervision/report.pdf?{MARCH}")
    assert p.status_code == 200 and p["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(p.content)).pages)
    assert "质量通报" in text and org.station.name in text and "66.6%" in text


def test_report_needs_the_view_capability_and_scope(web, org):
    assert web(org.user("catalog_admin")).get("/supervision/report.xlsx").status_code == 403
    r = web(org.user("station_agent")).get(f"/supervision/report.xlsx?{MARCH}")
    assert r.status_code == 200
    names = [row[1] for row in _xlsx_rows(r.content, "机构排名")[3:-1]]
    assert names == [org.station.name]


def test_cards_and_cells_are_escaped_and_marked_below_target():
    from decimal import Decimal

    from bangban.supervision.indicators import INDICATORS
    from bangban.supervision.selectors import Cell
    from bangban.supervision.templatetags.indicator_cells import indicator_card, indicator_cells

    late = Cell(INDICATORS["on_time"], 3, 4, Decimal("100.00"), wired=True)
    links = {"num": "/d/?a=1&part=num", "den": "/d/?a=1&part=den", "missed": "/d/?a=1&part=missed"}
    card = indicator_card(late, links)
    assert 'class="card indicator-card light-red" id="ind-on_time"' in card
    assert '<p class="stat">75.0% <span class="tag tag-red">低于目标</span></p><p>目标 100.00%</p>' in card
    assert (
        '按时办结 <a href="/d/?a=1&amp;part=num">3</a> / 办结（有期限） <a href="/d/?a=1&amp;part=den">4</a>'
        in card
    )
    assert ' · 未达标 <a href="/d/?a=1&amp;part=missed">1</a>' in card
    assert INDICATORS["on_time"].definition in card
    unwired = indicator_card(Cell(INDICATORS["consultation"], 0, 0, Decimal("100"), wired=False), {})
    assert "尚未接入数据" in unwired and "light-red" not in unwired and "—" in unwired
    row = indicator_cells(
        [(late, "/d/?x=1&y=<2>"), (Cell(INDICATORS["satisfaction"], 0, 0, Decimal(95), True), None)]
    )
    assert row == (
        '<td data-label="按时办结率" class="below"><a href="/d/?x=1&amp;y=&lt;2&gt;" title="3 / 4，点击查看未达标办件">'
        '75.0%</a><span class="tag tag-red">低于目标</span></td><td data-label="满意率">—</td>'
    )
