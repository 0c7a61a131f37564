"""Our records mapped onto the data items of GB/T 39046-2020 (政务服务平台基础数据规范), domain.md §10.

Plain data, one table per record kind: the JSON key we write, the standard's data item (Chinese name),
where the value comes from, whether the item is mandatory, its type and its maximum length. The
exporter (records.py) writes exactly these keys, `validate` checks a record against its table, and
docs/exchange.md is generated from it (`render_docs`; a test keeps the two equal).

Types: str (max length in characters), int, date (YYYY-MM-DD), datetime (ISO 8601, +08:00), bool.
A mandatory item is present and non-empty in every record; an optional one may be null.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class DataItem:
    key: str  # the JSON key
    name: str  # the standard's data item
    source: str  # where we take it from
    mandatory: bool
    type: str  # str | int | date | datetime | bool
    max_length: int | None = None  # str: characters; int: decimal digits


@dataclass(frozen=True)
class RecordKind:
    code: str  # URL and file name
    name: str  # the standard's record
    source: str  # our model
    items: tuple[DataItem, ...]

    @property
    def keys(self) -> list[str]:
        return [i.key for i in self.items]


# 办件类型 (GB/T 39046): 1 即办件, 2 承诺件.
CASE_TYPE_IMMEDIATE, CASE_TYPE_PROMISED = 1, 2
# 申请人类型: 1 自然人, 2 法人及其他组织.
APPLICANT_PERSON, APPLICANT_LEGAL = 1, 2
# 办结类型: 1 办结（准予/办理完成）, 2 终止.
FINISH_COMPLETED, FINISH_TERMINATED = 1, 2

REQ, OPT = True, False

KINDS: tuple[RecordKind, ...] = (
    RecordKind(
        "item",
        "事项",
        "catalog.ItemVersion（已发布版本）",
        (
            DataItem("item_name", "事项名称", "ItemVersion.name", REQ, "str", 200),
            DataItem("basic_code", "基本编码", "ItemVersion.basic_code", REQ, "str", 12),
            DataItem("implementation_code", "实施编码", "ItemVersion.implementation_code", REQ, "str", 31),
            DataItem("item_type", "事项类型", "ItemVersion.item_type（代码）", REQ, "str", 2),
            DataItem("main_basic_code", "主项基本编码", "ItemVersion.main_basic_code", OPT, "str", 12),
            DataItem("org_name", "实施机构", "ItemVersion.department.name", REQ, "str", 100),
            DataItem(
                "org_code", "实施机构统一社会信用代码", "ItemVersion.department.credit_code", REQ, "str", 18
            ),
            DataItem("competent_department", "主管部门", "ItemVersion.competent_department", REQ, "str", 100),
            DataItem("level", "行使层级", "ItemVersion.level（代码）", REQ, "str", 1),
            DataItem("case_type", "办件类型", "ItemVersion.is_immediate：1 即办件，2 承诺件", REQ, "int", 1),
            DataItem("statutory_days", "法定办结时限", "ItemVersion.statutory_days（工作日）", OPT, "int", 4),
            DataItem("promised_days", "承诺办结时限", "ItemVersion.promised_days（工作日）", REQ, "int", 4),
            DataItem("version", "版本号", "ItemVersion.number", REQ, "int", 6),
            DataItem("valid_from", "生效日期", "ItemVersion.valid_from", REQ, "date"),
            DataItem("valid_to", "失效日期", "ItemVersion.valid_to", OPT, "date"),
            DataItem("suspended", "暂停办理", "ItemVersion.is_suspended", REQ, "bool"),
            DataItem("updated_at", "更新时间", "ItemVersion.updated_at", REQ, "datetime"),
        ),
    ),
    RecordKind(
        "application",
        "办事申请",
        "cases.Case（申请人）与 cases.Entrustment（代理人）",
        (
            DataItem("case_number", "办件编号", "Case.number", REQ, "str", 32),
            DataItem(
                "implementation_code",
                "事项实施编码",
                "Case.items → ItemVersion.implementation_code（首项）",
                OPT,
                "str",
                31,
            ),
            DataItem("item_name", "事项名称", "Case.items.name（多项以；分隔）", OPT, "str", 1000),
            DataItem("applicant_type", "申请人类型", "Case.applicant_type：1 自然人，2 法人", REQ, "int", 1),
            DataItem("applicant_name", "申请人名称", "Case.applicant_name", REQ, "str", 100),
            DataItem("applicant_id_type", "申请人证件类型", "居民身份证 / 统一社会信用代码", OPT, "str", 20),
            DataItem(
                "applicant_id_number",
                "申请人证件号码",
                "Case.applicant_id_encrypted（解密）或 credit_code",
                OPT,
                "str",
                18,
            ),
            DataItem("contact_name", "联系人", "Case.contact_name", OPT, "str", 50),
            DataItem("contact_phone", "联系电话", "Case.phone_encrypted（解密）", REQ, "str", 20),
            DataItem(
                "agent_name", "代理人姓名", "代办件：Case.agent（委托书受托的帮办代办员）", OPT, "str", 150
            ),
            DataItem("agent_org", "代理人所在机构", "Case.agent.institution.name", OPT, "str", 100),
            DataItem("entrusted_at", "委托时间", "Entrustment.signed_at（最近一次）", OPT, "datetime"),
            DataItem(
                "entrust_scope", "委托范围", "Entrustment.scope：全程代办 / 部分环节代办", OPT, "str", 20
            ),
            DataItem("service_kind", "服务类型", "Case.kind：帮办 / 代办", REQ, "str", 10),
            DataItem("channel", "申请渠道", "Case.channel", REQ, "str", 10),
            DataItem("applied_at", "申请时间", "Case.created_at", REQ, "datetime"),
            DataItem("org_name", "受理机构", "Case.institution.name", REQ, "str", 100),
            DataItem(
                "division_code", "受理机构行政区划代码", "Case.institution.division.code", REQ, "str", 12
            ),
            DataItem("updated_at", "更新时间", "Case.updated_at", REQ, "datetime"),
        ),
    ),
    RecordKind(
        "acceptance",
        "受理",
        "cases.Case（已受理或已委托）",
        (
            DataItem("case_number", "办件编号", "Case.number", REQ, "str", 32),
            DataItem(
                "implementation_code",
                "事项实施编码",
                "Case.items → ItemVersion.implementation_code（首项）",
                REQ,
                "str",
                31,
            ),
            DataItem("org_name", "受理机构", "Case.institution.name", REQ, "str", 100),
            DataItem(
                "division_code", "受理机构行政区划代码", "Case.institution.division.code", REQ, "str", 12
            ),
            DataItem("handler", "受理人", "Case.agent（无则登记人）", REQ, "str", 150),
            DataItem("accepted_on", "受理日期", "Case.accepted_on", REQ, "date"),
            DataItem("case_type", "办件类型", "Case.is_immediate：1 即办件，2 承诺件", REQ, "int", 1),
            DataItem("promised_days", "承诺办结时限", "Case.promised_days（工作日）", OPT, "int", 4),
            DataItem("due_date", "承诺办结日期", "Case.due_date", OPT, "date"),
            DataItem("updated_at", "更新时间", "Case.updated_at", REQ, "datetime"),
        ),
    ),
    RecordKind(
        "step",
        "办理环节",
        "cases.CaseEvent（流程类，每次状态变化结束一个环节）",
        (
            DataItem("case_number", "办件编号", "CaseEvent.case.number", REQ, "str", 32),
            DataItem("step_no", "环节序号", "CaseEvent.id", REQ, "int", 18),
            DataItem("step_name", "环节名称", "离开的状态（新登记为“登记”）", REQ, "str", 20),
            DataItem("handler", "办理人", "CaseEvent.actor_name", REQ, "str", 150),
            DataItem(
                "handler_org", "办理机构", "CaseEvent.institution.name（无则办件承办机构）", REQ, "str", 100
            ),
            DataItem("started_at", "开始时间", "上一流程事件时间（首个环节为登记时间）", REQ, "datetime"),
            DataItem("ended_at", "结束时间", "CaseEvent.at", REQ, "datetime"),
            DataItem("action", "办理动作", "CaseEvent.to_status（进入的状态代码）", REQ, "str", 16),
            DataItem("opinion", "办理意见", "CaseEvent.text", REQ, "str", 2000),
        ),
    ),
    RecordKind(
        "completion",
        "办结",
        "cases.Case（已办结、已终止或其后归档）",
        (
            DataItem("case_number", "办件编号", "Case.number", REQ, "str", 32),
            DataItem(
                "implementation_code",
                "事项实施编码",
                "Case.items → ItemVersion.implementation_code（首项）",
                OPT,
                "str",
                31,
            ),
            DataItem("org_name", "办结机构", "Case.institution.name", REQ, "str", 100),
            DataItem("handler", "办结人", "Case.agent（无则登记人）", REQ, "str", 150),
            DataItem("finished_at", "办结时间", "Case.finished_at", REQ, "datetime"),
            DataItem(
                "finish_type", "办结类型", "1 办结，2 终止（Case.termination_reason 非空）", REQ, "int", 1
            ),
            DataItem("result", "办理结果", "Case.result 或 Case.termination_reason", REQ, "str", 2000),
            DataItem("overdue", "是否超期", "Case.finished_at 的日期晚于 Case.due_date", REQ, "bool"),
            DataItem("updated_at", "更新时间", "Case.updated_at", REQ, "datetime"),
        ),
    ),
    RecordKind(
        "evaluation",
        "绩效评价",
        "evaluations.Review（写入后不再修改）",
        (
            DataItem("evaluation_no", "评价编号", "Review.id", REQ, "int", 18),
            DataItem("case_number", "办件编号", "Review.case.number（现场服务评价无）", OPT, "str", 32),
            DataItem("satisfaction", "满意度", "Review.level：5 非常满意 … 1 非常不满意", REQ, "int", 1),
            DataItem("satisfaction_label", "满意度名称", "Review.level 的名称", REQ, "str", 10),
            DataItem("channel", "评价渠道", "Review.channel 的名称", REQ, "str", 20),
            DataItem("stage", "评价环节", "Review.stage 的名称", REQ, "str", 10),
            DataItem("comment", "评价内容", "Review.comment", OPT, "str", 500),
            DataItem("follow_up", "是否追评", "Review.follow_up_of 非空", REQ, "bool"),
            DataItem("org_name", "被评价机构", "Review.institution.name", REQ, "str", 100),
            DataItem("evaluated_at", "评价时间", "Review.created_at", REQ, "datetime"),
        ),
    ),
    RecordKind(
        "complaint",
        "投诉",
        "complaints.Complaint",
        (
            DataItem("complaint_number", "投诉编号", "Complaint.number", REQ, "str", 32),
            DataItem("channel", "投诉渠道", "Complaint.channel 的名称", REQ, "str", 20),
            DataItem("complainant", "投诉人", "Complaint.complainant_name（匿名为“匿名”）", REQ, "str", 50),
            DataItem("contact_phone", "联系电话", "Complaint.phone_encrypted（解密）", OPT, "str", 20),
            DataItem("content", "投诉内容", "Complaint.content", REQ, "str", 2000),
            DataItem("case_number", "涉及办件编号", "Complaint.case.number", OPT, "str", 32),
            DataItem("org_name", "被投诉机构", "Complaint.institution.name", REQ, "str", 100),
            DataItem("received_at", "投诉时间", "Complaint.received_at", REQ, "datetime"),
            DataItem("status", "处理状态", "Complaint.status 的名称", REQ, "str", 20),
            DataItem("accepted_on", "受理日期", "Complaint.accepted_on", OPT, "date"),
            DataItem("answered_on", "反馈日期", "Complaint.answered_on", OPT, "date"),
            DataItem("answer", "处理结果", "Complaint.answer", OPT, "str", 2000),
            DataItem("updated_at", "更新时间", "Complaint.updated_at", REQ, "datetime"),
        ),
    ),
)

BY_CODE: dict[str, RecordKind] = {k.code: k for k in KINDS}


def _type_problem(item: DataItem, value) -> str | None:
    if item.type == "str":
        if not isinstance(value, str):
            return "应为字符串"
        if item.max_length is not None and len(value) > item.max_length:
            return f"超过 {item.max_length} 个字符"
    elif item.type == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            return "应为整数"
        if item.max_length is not None and len(str(abs(value))) > item.max_length:
            return f"超过 {item.max_length} 位"
    elif item.type == "bool":
        if not isinstance(value, bool):
            return "应为布尔值"
    elif item.type == "date":
        try:
            dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return "应为日期 YYYY-MM-DD"
        if len(value) != 10:
            return "应为日期 YYYY-MM-DD"
    elif item.type == "datetime":
        try:
            parsed = dt.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return "应为 ISO 8601 时间"
        if parsed.tzinfo is None:
            return "应带时区"
    else:  # pragma: no cover - a typo in the table above
        return f"未知类型 {item.type}"
    return None


def validate(kind: str, record: dict) -> list[str]:
    """Every problem of `record` against the mapping of `kind` (empty: valid), in Chinese."""
    spec = BY_CODE[kind]
    problems = []
    extra = set(record) - set(spec.keys)
    if extra:
        problems.append(f"多余的数据项：{', '.join(sorted(extra))}")
    for item in spec.items:
        if item.key not in record:
            problems.append(f"缺少数据项「{item.name}」({item.key})")
            continue
        value = record[item.key]
        if value is None or value == "":
            if item.mandatory:
                problems.append(f"必填数据项「{item.name}」({item.key}) 为空")
            continue
        if problem := _type_problem(item, value):
            problems.append(f"数据项「{item.name}」({item.key}) {problem}")
    return problems


DOCS_BEGIN = (
    "<!-- mapping:begin (generated from bangban/exchange/mapping.py: bangban export_39046 --docs) -->"
)
DOCS_END = "<!-- mapping:end -->"


def render_docs() -> str:
    """The mapping tables as Markdown (the part of docs/exchange.md between the markers)."""
    out = [DOCS_BEGIN, ""]
    for kind in KINDS:
        out += [
            f"### {kind.name}（`{kind.code}`）",
            "",
            f"来源：{kind.source}",
            "",
            "| 数据项 | 键 | 来源 | 必填 | 类型 | 最大长度 |",
            "|---|---|---|---|---|---|",
        ]
        for i in kind.items:
            length = "" if i.max_length is None else str(i.max_length)
            out.append(
                f"| {i.name} | `{i.key}` | {i.source} | {'是' if i.mandatory else '否'} | {i.type} | {length} |"
            )
        out.append("")
    out.append(DOCS_END)
    return "\n".join(out)
