"""The monthly 通报: institutions and agents ranked by the indicators, as xlsx and PDF.

The figures are the indicator set's (selectors.indicator_set), so the page, the API and both files
show the same numbers. Ranking: by 按时办结率, then 满意率, 解决率 and 响应率 (higher first); a rate
that cannot be computed ("—") ranks below every number; ties keep the name order.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from bangban.supervision.indicators import INDICATOR_LIST, period
from bangban.supervision.selectors import IndicatorSet, Row, indicator_set

RANK_BY = ("on_time", "satisfaction", "resolution", "response")


def _rank_key(row: Row):
    key = []
    for code in RANK_BY:
        value = row.cells[code].rate
        key.append((0, Decimal(0)) if value is None else (1, value))
    return tuple(key)


def ranked(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=_rank_key, reverse=True)


@dataclass
class MonthlyReport:
    title: str
    month: dt.date
    institutions: IndicatorSet
    agents: IndicatorSet

    @property
    def institution_rows(self) -> list[Row]:
        return ranked(self.institutions.rows)

    @property
    def agent_rows(self) -> list[Row]:
        return ranked(self.agents.rows)


def monthly_report(*, user, root_institution, month: dt.date) -> MonthlyReport:
    start, end = period("month", month)
    by_inst = indicator_set(
        user=user, root_institution=root_institution, start=start, end=end, by="institution"
    )
    by_agent = indicator_set(user=user, root_institution=root_institution, start=start, end=end, by="agent")
    title = f"{by_inst.root.name} {start:%Y年%m月}帮办代办质量通报"
    return MonthlyReport(title, start, by_inst, by_agent)


def header() -> list[str]:
    return ["排名", "名称", *[i.name for i in INDICATOR_LIST]]


def table(rows: list[Row], total: Row) -> list[list[str]]:
    out = [
        [str(n), r.label, *[r.cells[i.code].display for i in INDICATOR_LIST]] for n, r in enumerate(rows, 1)
    ]
    out.append(["", f"合计（{total.label}）", *[total.cells[i.code].display for i in INDICATOR_LIST]])
    return out


def report_xlsx(report: MonthlyReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, rows, source in (
        ("机构排名", report.institution_rows, report.institutions),
        ("帮办代办员排名", report.agent_rows, report.agents),
    ):
        ws = wb.create_sheet(name)
        ws.append([report.title])
        ws.append([f"统计期间：{source.start} 至 {source.end}"])
        head = []
        for text in header():
            cell = WriteOnlyCell(ws, value=text)
            cell.font = bold
            head.append(cell)
        ws.append(head)
        for values in table(rows, source.total):
            row = []
            for value in values:
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"  # names are text, never a formula
                row.append(cell)
            ws.append(row)
    ws = wb.create_sheet("指标定义")
    ws.append(["指标", "定义", "目标"])
    for ind in INDICATOR_LIST:
        ws.append([ind.name, ind.definition, f"{report.institutions.targets[ind.code]}%"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def report_pdf(report: MonthlyReport) -> bytes:
    from bangban.core import pdf

    names = [i.name for i in INDICATOR_LIST]
    widths = [9 * pdf.mm, 31 * pdf.mm] + [13 * pdf.mm] * len(names)

    def grid(rows, total):
        head = [pdf.p(t, "small") for t in header()]
        body = [[pdf.p(c, "small") for c in r] for r in table(rows, total)]
        return pdf.grid([head, *body], widths, header=True)

    flow = [
        pdf.p(report.title, "title"),
        pdf.p(f"统计期间：{report.institutions.start} 至 {report.institutions.end}", "subtitle"),
        pdf.p("一、机构排名", "h2"),
        grid(report.institution_rows, report.institutions.total),
        pdf.p("二、帮办代办员排名", "h2"),
        grid(report.agent_rows, report.agents.total),
        pdf.p("三、指标定义与目标", "h2"),
        pdf.grid(
            [["指标", "定义", "目标"]]
            + [[i.name, i.definition, f"{report.institutions.targets[i.code]}%"] for i in INDICATOR_LIST],
            [28 * pdf.mm, 122 * pdf.mm, 20 * pdf.mm],
            header=True,
        ),
        pdf.p("“—”表示分母为零（期内无此类记录或尚未接入），不是 0% 或 100%。", "small"),
    ]
    return pdf.build(flow, title=report.title, subject="帮办代办质量通报")
