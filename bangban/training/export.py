"""The training ledger of a period as .xlsx (培训台账)."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font

HEADERS = [
    "培训日期",
    "培训主题",
    "主办机构",
    "培训地点",
    "授课人",
    "姓名",
    "所属机构",
    "是否参训",
    "认定学时",
    "考试成绩",
]


def _safe(value: str) -> str:
    # A cell starting with = + - @ would be read as a formula by a spreadsheet (CSV/formula injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def ledger_workbook(rows, *, start: date, end: date) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "培训台账"
    ws.append([f"培训台账 {start:%Y-%m-%d} 至 {end:%Y-%m-%d}"])
    ws["A1"].font = Font(bold=True)
    ws.append(HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for a in rows:
        s = a.session
        ws.append(
            [
                s.held_on,
                _safe(s.course.title),
                _safe(s.institution.name),
                _safe(s.place),
                _safe(s.trainer),
                _safe(a.user.display_name),
                _safe(a.user.institution.name if a.user.institution else ""),
                "是" if a.attended else "否",
                float(a.hours),
                a.score if a.score is not None else "",
            ]
        )
        ws.cell(row=ws.max_row, column=1).number_format = "yyyy-mm-dd"
    for col, width in zip("ABCDEFGHIJ", (12, 30, 24, 20, 12, 12, 24, 10, 10, 10), strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
