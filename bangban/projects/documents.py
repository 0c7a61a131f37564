"""Printed documents of key projects: meeting minutes (PDF) and the weekly report (xlsx and PDF),
per project or for every project in scope. PDFs use core.pdf (the embedded WenQuanYi font)."""

from __future__ import annotations

import datetime as dt
import io

from bangban.core import pdf
from bangban.projects import rules, selectors
from bangban.projects.models import ItemStatus, Meeting, Project


def minutes_pdf(meeting: Meeting) -> bytes:
    project = meeting.project
    flow = [
        pdf.p(f"{project.name}{meeting.get_kind_display()}纪要", "title"),
        pdf.p(f"项目编号 {project.number}", "subtitle"),
        pdf.Spacer(1, 4 * pdf.mm),
        pdf.grid(
            [
                ["会议日期", meeting.held_on.strftime("%Y年%m月%d日")],
                ["召集人", meeting.convened_by.display_name],
                ["参会部门", "、".join(d.name for d in meeting.departments.all()) or "—"],
                ["参会人员", meeting.attendees],
                ["议题", meeting.agenda],
            ],
            [35 * pdf.mm, 135 * pdf.mm],
        ),
        pdf.p("会议纪要", "h2"),
        pdf.p(meeting.minutes or "（无）"),
        pdf.p("会议决定及落实", "h2"),
    ]
    rows = [["序号", "决定事项", "责任人", "落实期限", "落实情况"]]
    for n, a in enumerate(meeting.actions.select_related("owner", "department"), 1):
        owner = a.owner.display_name + (f"（{a.department.name}）" if a.department else "")
        state = f"{a.closed_on:%Y-%m-%d} 办结：{a.result}" if a.closed_on else "未办结"
        rows.append([str(n), a.decision, owner, a.due.strftime("%Y-%m-%d"), state])
    flow.append(
        pdf.grid(rows, [12 * pdf.mm, 60 * pdf.mm, 32 * pdf.mm, 24 * pdf.mm, 42 * pdf.mm], header=True)
    )
    return pdf.build(flow, title=f"{project.name}会议纪要", subject="重点项目协调会议纪要")


def _week(on: dt.date) -> tuple[dt.date, dt.date]:
    start = on - dt.timedelta(days=on.weekday())
    return start, start + dt.timedelta(days=6)


def report_rows(projects, on: dt.date) -> list[dict]:
    """One row per project: its current stage, light, items done/running/late, this week's changes."""
    start, end = _week(on)
    out = []
    for project in projects:
        rows = selectors.item_rows(project, on)
        open_rows = [r for r in rows if r.item.status != ItemStatus.DONE]
        stage = next((s.name for s in project.stages.all() if s.actual_end is None), "已完成")
        done_week = [r.item.name for r in rows if r.item.actual_end and start <= r.item.actual_end <= end]
        out.append(
            {
                "project": project,
                "stage": stage,
                "light": rules.LIGHT_LABELS[selectors.project_light(rows)],
                "total": len(rows),
                "done": sum(1 for r in rows if r.item.status == ItemStatus.DONE),
                "running": sum(
                    1 for r in rows if r.item.status in (ItemStatus.RUNNING, ItemStatus.SUSPENDED)
                ),
                "late": [r.item.name for r in open_rows if r.light == rules.RED],
                "done_week": done_week,
                "open_requests": project.liaison_requests.filter(answered_on__isnull=True).count(),
                "open_blockers": project.blockers.filter(resolved_on__isnull=True).count(),
                "open_actions": project.actions.filter(closed_on__isnull=True).count(),
            }
        )
    return out


HEADER = [
    "项目编号",
    "项目名称",
    "当前阶段",
    "亮灯",
    "事项总数",
    "已办结",
    "办理中",
    "超期事项",
    "本周办结",
    "未答复协办请求",
    "未解决堵点",
    "未办结会议决定",
]


def _cells(r: dict) -> list:
    return [
        r["project"].number,
        r["project"].name,
        r["stage"],
        r["light"],
        r["total"],
        r["done"],
        r["running"],
        "、".join(r["late"]) or "—",
        "、".join(r["done_week"]) or "—",
        r["open_requests"],
        r["open_blockers"],
        r["open_actions"],
    ]


def report_xlsx(projects, on: dt.date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    start, end = _week(on)
    wb = Workbook()
    ws = wb.active
    ws.title = "重点项目周报"
    ws.append([f"重点项目周报（{start:%Y-%m-%d} 至 {end:%Y-%m-%d}）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(HEADER)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in report_rows(projects, on):
        ws.append(_cells(r))
    for col, width in zip("ABCDEFGHIJKL", (20, 30, 12, 8, 10, 8, 8, 30, 30, 14, 10, 14), strict=True):
        ws.column_dimensions[col].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def report_pdf(projects, on: dt.date) -> bytes:
    start, end = _week(on)
    flow = [
        pdf.p("重点项目周报", "title"),
        pdf.p(f"{start:%Y年%m月%d日} 至 {end:%Y年%m月%d日}", "subtitle"),
        pdf.Spacer(1, 4 * pdf.mm),
    ]
    rows = report_rows(projects, on)
    if not rows:
        flow.append(pdf.p("本范围内没有推进中的重点项目。"))
    for r in rows:
        flow.append(pdf.p(f"{r['project'].number} {r['project'].name}", "h2"))
        flow.append(
            pdf.grid(
                [
                    ["当前阶段", r["stage"], "亮灯", r["light"]],
                    ["事项总数", str(r["total"]), "已办结 / 办理中", f"{r['done']} / {r['running']}"],
                    ["超期事项", "、".join(r["late"]) or "无", "本周办结", "、".join(r["done_week"]) or "无"],
                    [
                        "未答复协办请求",
                        str(r["open_requests"]),
                        "未解决堵点 / 未办结决定",
                        f"{r['open_blockers']} / {r['open_actions']}",
                    ],
                ],
                [28 * pdf.mm, 57 * pdf.mm, 35 * pdf.mm, 50 * pdf.mm],
            )
        )
    return pdf.build(flow, title="重点项目周报", subject="重点项目周报")


def report_projects(projects: list[Project]) -> list[Project]:
    return [p for p in projects if p.status == "active"]
