"""Forms A–E of DB3205/T 1077-2023 as PDFs, filled from the case, with signature lines and a QR code.

A 帮办代办受理单 · B 办结（终止）单 · C 代办服务委托书 · D 代办服务中止单 · E 代办服务续办委托书
"""

from __future__ import annotations

import io

from django.utils import timezone

from bangban.cases import selectors, workflow
from bangban.cases.models import Case, Kind, Status
from bangban.cases.services import tracking_url
from bangban.core import pdf
from bangban.core.errors import ServiceError

FORMS = {
    "A": "帮办代办受理单",
    "B": "办结（终止）单",
    "C": "代办服务委托书",
    "D": "代办服务中止单",
    "E": "代办服务续办委托书",
}

W = pdf.mm


def _fmt_date(d) -> str:
    return f"{d:%Y年%m月%d日}" if d else "—"


def _header(case: Case, code: str) -> list:
    head = pdf.grid(
        [[pdf.p(FORMS[code], "title"), pdf.qr(tracking_url(case), 24 * W)]],
        col_widths=[140 * W, 30 * W],
    )
    head.setStyle([("GRID", (0, 0), (-1, -1), 0, "white"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")])
    return [
        head,
        pdf.p(f"编号：{case.number}    承办机构：{case.institution.name}    扫码查询办理进度", "small"),
        pdf.Spacer(1, 3 * W),
    ]


def _applicant_rows(case: Case) -> list[list]:
    if case.applicant_type == "person":
        ident = ["申请人", case.applicant_name, "身份证号", case.applicant_id_masked]
    else:
        ident = ["企业名称", case.applicant_name, "统一社会信用代码", case.credit_code]
    # Printed masked, like the ID number: a form in clear would undo the encryption at rest.
    return [ident, ["联系人", case.contact_name or case.applicant_name, "联系电话", case.phone_masked]]


def _items(case: Case) -> str:
    return "；".join(ci.name for ci in case.items.all())


def _materials(case: Case) -> list[list]:
    rows = [["材料名称", "形式", "份数", "接收时间", "退还时间"]]
    for m in case.materials.all():
        rows.append(
            [
                m.name,
                m.get_form_display(),
                str(m.copies),
                f"{timezone.localtime(m.received_at):%Y-%m-%d}",
                f"{timezone.localtime(m.returned_at):%Y-%m-%d}" if m.returned_at else "未退还",
            ]
        )
    if len(rows) == 1:
        rows.append(["（无）", "", "", "", ""])
    return rows


COLS4 = [28 * W, 57 * W, 30 * W, 55 * W]


def form_a(case: Case) -> list:
    if case.accepted_on is None:
        raise ServiceError("not_accepted", "办件尚未受理，不能打印受理单", field="form")
    limit = "即办件（当日办结）" if case.is_immediate else f"{case.promised_days} 个工作日"
    return [
        *_header(case, "A"),
        pdf.grid(
            [
                *_applicant_rows(case),
                [
                    "办理事项",
                    _items(case),
                    "服务类型",
                    f"{case.get_kind_display()}（{case.get_mode_display()}）",
                ],
                ["受理日期", _fmt_date(case.accepted_on), "承诺时限", limit],
                [
                    "办结期限",
                    _fmt_date(case.due_date),
                    "帮办代办员",
                    case.agent.display_name if case.agent else "",
                ],
                ["诉求摘要", case.summary or "—", "渠道", case.get_channel_display()],
            ],
            COLS4,
        ),
        pdf.p("已接收材料", "h2"),
        pdf.grid(_materials(case), [60 * W, 22 * W, 16 * W, 36 * W, 36 * W], header=True),
        pdf.Spacer(1, 4 * W),
        pdf.p(
            "帮办代办服务免费、自愿；工作人员不收受任何财物。代办不包办，申请人对所提交材料的真实性负责。",
            "small",
        ),
        pdf.Spacer(1, 6 * W),
        pdf.signature_lines("申请人", "帮办代办员"),
    ]


def form_b(case: Case) -> list:
    if case.status not in (Status.COMPLETED, Status.TERMINATED, Status.ARCHIVED):
        raise ServiceError("not_finished", "办件尚未办结或终止，不能打印办结（终止）单", field="form")
    terminated = bool(case.termination_reason)
    return [
        *_header(case, "B"),
        pdf.grid(
            [
                *_applicant_rows(case),
                [
                    "办理事项",
                    _items(case),
                    "服务类型",
                    f"{case.get_kind_display()}（{case.get_mode_display()}）",
                ],
                ["受理日期", _fmt_date(case.accepted_on), "办结期限", _fmt_date(case.due_date)],
                [
                    "结果",
                    "终止" if terminated else "办结",
                    "日期",
                    f"{timezone.localtime(case.finished_at):%Y年%m月%d日}" if case.finished_at else "—",
                ],
                ["终止原因" if terminated else "办理结果", case.termination_reason or case.result, "", ""],
            ],
            COLS4,
        ),
        pdf.p("材料退还情况", "h2"),
        pdf.grid(_materials(case), [60 * W, 22 * W, 16 * W, 36 * W, 36 * W], header=True),
        pdf.Spacer(1, 4 * W),
        pdf.p("申请人确认：以上办理结果及材料退还情况属实。", "base"),
        pdf.Spacer(1, 6 * W),
        pdf.signature_lines("申请人", "帮办代办员"),
    ]


def _entrustment_body(case: Case, entrustment, title_code: str) -> list:
    return [
        *_header(case, title_code),
        pdf.grid(
            [
                ["委托人", case.applicant_name, "证件号码", case.applicant_id_masked or case.credit_code],
                ["联系电话", case.phone_masked, "受托机构", case.institution.name],
                [
                    "受托人",
                    case.agent.display_name if case.agent else "",
                    "代办范围",
                    entrustment.get_scope_display(),
                ],
                ["代办事项", _items(case), "代办环节", entrustment.stages or "全部环节"],
                [
                    "委托期限",
                    f"{_fmt_date(entrustment.period_start)} 至 {_fmt_date(entrustment.period_end)}",
                    "签署日期",
                    f"{timezone.localtime(entrustment.signed_at):%Y年%m月%d日}",
                ],
                ["移交材料", entrustment.materials_text or "—", "", ""],
            ],
            COLS4,
        ),
        pdf.p("权利与责任", "h2"),
        pdf.p(
            "一、受托人在委托范围和期限内代为办理上述事项，不超越委托权限，不收取任何费用，不收受任何财物。\n"
            "二、代办不包办：委托人对所提交材料的真实性、合法性负责，并承担相应法律责任。\n"
            "三、受托人应妥善保管移交的材料，办结或终止时如数退还，并及时告知办理进度。\n"
            "四、委托人可以随时终止委托；因材料不齐等原因需中止的，受托人应书面告知。"
        ),
        pdf.Spacer(1, 8 * W),
        *_entrustment_signatures(entrustment),
    ]


def _entrustment_signatures(entrustment) -> list:
    """The signature lines; the applicant's hand-written signature (bookings.EntrustmentSignature,
    taken on a tablet or their phone) drawn on the 委托人 line with its time when there is one."""
    from reportlab.platypus import Image, Table, TableStyle

    from bangban.bookings.services import signature_for  # the public side's app: imported on use

    signature = signature_for(entrustment.pk)
    if signature is None:
        return [pdf.signature_lines("委托人", "受托人")]
    height, natural = 14 * W, 14 * W * signature.width / max(signature.height, 1)
    width = min(natural, 60 * W)  # a wide signature keeps its shape: shorter, not squeezed
    image = Image(io.BytesIO(bytes(signature.image)), width=width, height=height * width / natural)
    signed = timezone.localtime(signature.signed_at)
    table = Table(
        [[pdf.p("委托人（签字）：", "base"), image, pdf.p(f"日期：{signed:%Y年%m月%d日 %H:%M}", "base")]],
        colWidths=[30 * W, 65 * W, 75 * W],
        rowHeights=[16 * W],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    return [table, pdf.signature_lines("受托人")]


def form_c(case: Case) -> list:
    entrustment = case.entrustments.filter(is_renewal=False).order_by("signed_at", "id").first()
    if case.kind != Kind.AGENCY or entrustment is None:
        raise ServiceError("no_entrustment", "该办件没有代办委托，不能打印委托书", field="form")
    return _entrustment_body(case, entrustment, "C")


def form_d(case: Case) -> list:
    suspension = case.suspensions.order_by("-suspended_on", "-id").first()
    if suspension is None:
        raise ServiceError("no_suspension", "该办件没有中止记录，不能打印中止单", field="form")
    return [
        *_header(case, "D"),
        pdf.grid(
            [
                *_applicant_rows(case),
                ["代办事项", _items(case), "受理日期", _fmt_date(case.accepted_on)],
                [
                    "中止日期",
                    _fmt_date(suspension.suspended_on),
                    "剩余时限",
                    f"{suspension.workdays_left} 个工作日",
                ],
                ["中止原因", suspension.get_reason_display(), "说明", suspension.detail or "—"],
            ],
            COLS4,
        ),
        pdf.Spacer(1, 4 * W),
        pdf.p(
            "中止期间不计入办理时限；中止情形消除后，签订续办委托书继续办理，剩余时限自续办之日起连续计算。"
        ),
        pdf.Spacer(1, 8 * W),
        pdf.signature_lines("委托人", "受托人"),
    ]


def form_e(case: Case) -> list:
    renewal = case.entrustments.filter(is_renewal=True).order_by("-signed_at", "-id").first()
    if renewal is None:
        raise ServiceError("no_renewal", "该办件没有续办委托，不能打印续办委托书", field="form")
    suspension = case.suspensions.filter(resumed_on__isnull=False).order_by("-resumed_on", "-id").first()
    body = _entrustment_body(case, renewal, "E")
    timeline = pdf.grid(
        [
            [
                "续办日期",
                _fmt_date(suspension.resumed_on if suspension else renewal.period_start),
                "新的办结期限",
                _fmt_date(case.due_date),
            ]
        ],
        COLS4,
    )
    return body[:3] + [timeline, pdf.Spacer(1, 2 * W)] + body[3:]


BUILDERS = {"A": form_a, "B": form_b, "C": form_c, "D": form_d, "E": form_e}


def render(case: Case, code: str) -> bytes:
    code = (code or "").upper()
    if code not in BUILDERS:
        raise ServiceError("invalid", "表单只能是 A、B、C、D、E", field="form")
    return pdf.build(BUILDERS[code](case), title=f"{FORMS[code]} {case.number}", subject=case.number)


def available(case: Case, *, entrustments: list | None = None) -> list[tuple[str, str]]:
    """The forms that can be printed for this case now (same conditions the builders enforce).
    `entrustments`: the case's, when the caller has loaded them (the case page)."""
    if entrustments is None:
        entrustments = selectors.entrustments_of(case)
    entrustments = [e.is_renewal for e in entrustments]
    ready = {
        "A": case.accepted_on is not None,
        "B": case.status in (Status.COMPLETED, Status.TERMINATED, Status.ARCHIVED),
        "C": case.kind == Kind.AGENCY and False in entrustments,
        # Only the suspend transition writes a suspension: no statement for a kind never suspended.
        "D": workflow.ever_takes(case.kind, "suspend") and case.suspensions.exists(),
        "E": True in entrustments,
    }
    return [(code, FORMS[code]) for code, ok in ready.items() if ok]
