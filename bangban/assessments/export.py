"""The month's assessments as .xlsx (月度考核表)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from bangban.assessments import rules

HEADERS = [
    "姓名",
    "所属机构",
    *rules.COMPONENTS.values(),
    "综合得分",
    "等次",
    "评价数",
    "差评数",
    "投诉数",
    "培训学时",
    "考核评语",
    "状态",
]


def _safe(value: str) -> str:
    # A cell starting with = + - @ would be read as a formula by a spreadsheet (formula injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _n(value):
    return "" if value is None else float(value)


def month_workbook(months, *, month) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "月度考核"
    ws.append([f"帮办代办员月度考核 {month:%Y年%m月}"])
    ws["A1"].font = Font(bold=True)
    ws.append(HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for m in months:
        a = m.assessment
        ws.append(
            [
                _safe(m.agent.display_name),
                _safe(m.agent.institution.name if m.agent.institution else ""),
                *[_n(m.parts.get(c)) for c in rules.COMPONENTS],
                _n(m.composite),
                m.grade,
                m.reviews,
                m.review_counts.get(1, 0) + m.review_counts.get(2, 0),
                m.complaints,
                float(m.training_hours),
                _safe(a.comment if a else ""),
                a.get_state_display() if a else "未评分",
            ]
        )
    for i, width in enumerate((12, 24, 10, 10, 10, 10, 10, 10, 8, 8, 8, 8, 10, 40, 8), start=1):
        ws.column_dimensions[ws.cell(row=2, column=i).column_letter].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
