"""一次性告知书: everything an applicant needs for one item on one sheet, printable at the window."""

from __future__ import annotations

import datetime

from bangban.catalog import codes, elements
from bangban.catalog.models import ItemVersion
from bangban.core import pdf


def notice_pdf(version: ItemVersion, *, on: datetime.date, url: str = "") -> bytes:
    """The 一次性告知书 of `version` (materials, time limits, fees, where, legal basis) as PDF bytes."""
    mm = pdf.mm
    dept = version.department
    institution = dept.institution
    place = version.place_for(None)
    where = version.location or f"{institution.name}（{institution.address or '地址见中心公告'}）"
    if dept.windows:
        where += f"，{dept.name} {dept.windows} 号窗口"
    hours = institution.opening_hours or "工作日"
    if place is not None:
        where, hours = place.address, place.hours
    elif version.is_na("places"):
        where = "无需到现场，网上办理"
    fees = list(version.fee_items.all())
    fee_text = "；".join(elements.fee_line(f) for f in fees) if fees else version.fee_label
    flow = [
        pdf.p("一次性告知书", "title"),
        pdf.p(f"{version.name}", "h2"),
        pdf.p(
            f"实施编码 {version.implementation_code} · 第 {version.number or '—'} 版 · 自 {version.valid_from} 起施行 · 打印日期 {on}",
            "small",
        ),
    ]
    if version.is_suspended:
        flow.append(pdf.p("注意：本事项目前暂停办理。", "h2"))
    flow.append(
        pdf.grid(
            [
                [
                    "事项类型",
                    f"{codes.ITEM_TYPES.get(version.item_type, '')}"
                    + (
                        f"（{codes.PUBLIC_DOMAINS.get(version.public_domain)}）"
                        if version.public_domain
                        else ""
                    ),
                ],
                ["实施机关", f"{dept.name}（主管部门：{version.competent_department}）"],
                ["办件类型", version.case_kind_label],
                ["办理时限", version.time_limit_label],
                ["服务对象", elements.guide_text(version, "service_objects")],
                ["收费", fee_text],
                ["办理渠道", "、".join(version.channel_labels)],
                ["到现场次数", elements.guide_text(version, "visits")],
                ["网办深度", elements.guide_text(version, "online_depth")],
                ["办理地点", where],
                ["办公时间", hours],
                ["中介服务", elements.guide_text(version, "intermediary")],
                ["数量限制", elements.guide_text(version, "quantity_limit")],
                ["结果送达", elements.guide_text(version, "delivery_methods")],
                ["咨询电话", version.consult_phone or institution.phone or dept.phone or "—"],
                ["监督投诉电话", version.complaint_phone or "12345"],
                ["帮办代办", _service_line(version)],
            ],
            [32 * mm, 138 * mm],
        )
    )
    if version.conditions:
        flow += [pdf.p("一、申请条件", "h2"), pdf.p(version.conditions)]
    flow.append(pdf.p("二、申请材料", "h2"))
    rows = [["序号", "材料名称", "形式", "份数", "要求", "来源"]]
    for i, m in enumerate(version.materials.all(), 1):
        need = "必要" if m.required else f"按情形：{m.condition}"
        name = m.name + (f"（{m.notes}）" if m.notes else "")
        rows.append([str(i), name, m.get_kind_display(), str(m.copies), need, m.get_source_display()])
    flow.append(pdf.grid(rows, [12 * mm, 60 * mm, 22 * mm, 12 * mm, 36 * mm, 28 * mm], header=True))
    if version.procedure:
        flow += [pdf.p("三、办理流程", "h2"), pdf.p(version.procedure)]
    if version.result_name:
        flow += [pdf.p("四、办理结果", "h2"), pdf.p(version.result_name)]
    flow.append(pdf.p("五、设定依据", "h2"))
    for e in version.legal_bases.all():
        text = f"：{e.text}" if e.text else ""
        flow.append(pdf.p(f"【{e.get_rank_display()}】{e.title}{e.article}{text}", "small"))
    flow += [
        pdf.Spacer(1, 4 * mm),
        pdf.p(
            "以上材料齐全、符合法定形式的，予以受理；材料不全的，窗口一次性告知需补正的全部内容。"
            "帮办代办服务免费，工作人员不得收受任何财物。",
            "small",
        ),
    ]
    if url:
        flow += [pdf.Spacer(1, 3 * mm), pdf.p("扫码查看最新办事指南：", "small"), pdf.qr(url)]
    return pdf.build(flow, title=f"一次性告知书：{version.name}", subject=version.implementation_code)


def _service_line(version: ItemVersion) -> str:
    parts = []
    if version.help_tiers:
        parts.append(f"可帮办：{version.help_tiers_label}")
    if version.agency_tiers:
        parts.append(f"可代办：{version.agency_tiers_label}")
    return "；".join(parts) or "本事项不提供帮办代办"
