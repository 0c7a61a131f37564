"""The catalog workbook: one shape for the template, the export and the import (round trip).

Sheets: 事项 (one row per item), 申请材料 and 设定依据 (rows linked to their item by 实施编码),
填写说明 (what each column means) and 代码表 (allowed values, implementing agencies with their
credit codes). Headers are matched by name, so columns may be reordered; "*" marks required ones.

The import validates every row and cell before writing anything; a bad file is refused whole
with one error per bad cell (sheet, row, column, rule, Chinese message). A good file is written
in one transaction with bulk inserts. An import by a person writes drafts only, held by one
submitted 批量导入 adjustment: another 事项管理员 approves it (`publish_batch`, bulk again) or returns
it; withdrawing it discards the drafts (`discard_batch`). Only the platform (by=None) publishes
an imported workbook directly.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from types import SimpleNamespace

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from bangban.audit.models import AuditEvent
from bangban.audit.services import audit_record, created, snapshot
from bangban.catalog import codes, elements
from bangban.catalog.models import (
    Adjustment,
    FeeItem,
    Item,
    ItemVersion,
    LegalBasis,
    Material,
    ServicePlace,
)
from bangban.catalog.pinyin import initials
from bangban.core.context import current_request_meta
from bangban.core.db.rows import placeholders
from bangban.core.errors import ServiceError
from bangban.core.uploads import UploadValidator
from bangban.org.models import Department

ITEMS, MATERIALS, LEGAL = "事项", "申请材料", "设定依据"
FEES, PLACES = "收费项目", "办理地点"  # optional sheets: absent, the items keep what they have
GUIDE, LOOKUP = "填写说明", "代码表"
FILE_LABEL = "事项目录工作簿"
BATCH = 2000
MAX_REPORTED = 10000


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool
    help: str
    width: int = 16


ITEM_COLUMNS = [
    Column(
        "实施编码",
        "implementation_code",
        True,
        "31 位：实施机关统一社会信用代码（18 位）+ 行使层级（1 位）+ 基本编码（12 位）。申请材料、设定依据两表以此对应事项",
        36,
    ),
    Column("事项名称", "name", True, "同一基本编码在各层级名称须一致", 30),
    Column(
        "事项类型",
        "item_type",
        True,
        "GB/T 39046：01 行政许可 … 10 其他行政权力、20 公共服务；可填代码或名称",
    ),
    Column(
        "公共服务领域",
        "public_domain",
        False,
        "公共服务事项必填：" + "、".join(codes.PUBLIC_DOMAINS.values()),
    ),
    Column("基本编码", "basic_code", True, "12 位数字，请以文本格式填写（保留前导 0）"),
    Column("主项基本编码", "main_basic_code", False, "子项填写所属主项的基本编码；主项留空"),
    Column("主项名称", "main_item_name", False, "子项填写所属主项名称"),
    Column("主管部门", "competent_department", True, "全称或规范化简称", 20),
    Column("实施机关", "department", True, "进驻部门名称，须已在“组织机构”中登记并有统一社会信用代码", 28),
    Column(
        "实施机关所在机构",
        "department_institution",
        False,
        "同名部门进驻多个机构时填写，如“苏州高新区政务服务中心”",
        24,
    ),
    Column("行使层级", "level", True, "1 国家级、2 省级、3 市级、4 县级、5 镇级、6 村级"),
    Column(
        "受理层级",
        "handling_tiers",
        True,
        "可受理的服务层级：政务服务中心、便民服务中心、便民服务站（或 1、2、3），多个用顿号分隔",
    ),
    Column("可帮办层级", "help_tiers", False, "可提供帮办的层级，同上"),
    Column("可代办层级", "agency_tiers", False, "可提供代办的层级，同上"),
    Column("法定时限（工作日）", "statutory_days", False, "整数；法律法规未规定的留空"),
    Column("承诺时限（工作日）", "promised_days", True, "整数；即办件填 0；不得超过法定时限"),
    Column("办件类型", "is_immediate", True, "即办件 或 承诺件"),
    Column("是否收费", "charges_fee", True, "是 或 否"),
    Column("收费金额（元）", "fee_amount", False, "收费事项填写，最多两位小数"),
    Column("收费依据", "fee_basis", False, "收费事项填写", 24),
    Column("办理渠道", "channels", True, "窗口、网上、邮寄，多个用顿号分隔"),
    Column(
        "企业标签",
        "enterprise_tags",
        False,
        "、".join(label for label, a in codes.TAGS.values() if a == codes.ENTERPRISE),
    ),
    Column(
        "个人标签",
        "citizen_tags",
        False,
        "、".join(label for label, a in codes.TAGS.values() if a == codes.CITIZEN),
    ),
    Column("申请条件", "conditions", False, "", 30),
    Column("办理流程", "procedure", False, "", 30),
    Column("办理结果", "result_name", False, "如：营业执照"),
    Column("办理地点", "location", False, "", 24),
    Column("咨询电话", "consult_phone", False, ""),
    Column(
        "服务对象",
        "service_objects",
        False,
        "、".join(codes.SERVICE_OBJECTS.values()) + "，多个用顿号分隔",
        20,
    ),
    Column("到现场次数", "visits", False, "0 零跑动、1 最多跑一次，或实际次数"),
    Column("网办深度", "online_depth", False, "一级、二级、三级、四级（或 1–4）"),
    Column("中介服务", "intermediary", False, "需要的中介服务；没有的填“无”或标为不适用", 20),
    Column("数量限制", "quantity_limit", False, "如：每人限办一次；没有的填“无”或标为不适用", 20),
    Column(
        "结果送达方式",
        "delivery_methods",
        False,
        "、".join(codes.DELIVERY_METHODS.values()) + "，多个用顿号分隔",
        20,
    ),
    Column("监督投诉电话", "complaint_phone", False, ""),
    Column(
        "不适用要素",
        "not_applicable",
        False,
        "办事指南中不适用的要素，用顿号分隔：申请条件、办理地点和时间、网办深度、中介服务、数量限制、收费项目（不收费）",
        24,
    ),
    Column("暂停办理", "is_suspended", False, "是 或 否（默认否）"),
    Column("生效日期", "valid_from", False, "YYYY-MM-DD；留空则自批准发布之日起施行"),
]
MATERIAL_COLUMNS = [
    Column("实施编码", "implementation_code", True, "所属事项的实施编码", 36),
    Column("材料名称", "name", True, "", 30),
    Column("材料形式", "kind", True, "原件、复印件、原件和复印件 或 电子件"),
    Column("份数", "copies", True, "1–99"),
    Column("是否必要", "required", True, "必要 或 按情形"),
    Column("适用情形", "condition", False, "按情形提交的材料须写明情形", 30),
    Column("来源渠道", "source", True, "申请人自备、政府部门核发 或 数据共享"),
    Column("备注", "notes", False, "", 24),
]
LEGAL_COLUMNS = [
    Column("实施编码", "implementation_code", True, "所属事项的实施编码", 36),
    Column("位阶", "rank", True, "法律、行政法规、地方性法规、部门规章、地方政府规章 或 规范性文件"),
    Column("依据名称", "title", True, "如《中华人民共和国行政许可法》", 36),
    Column("条款", "article", False, "如 第三十五条"),
    Column("条文内容", "text", False, "", 60),
]
FEE_COLUMNS = [
    Column("实施编码", "implementation_code", True, "所属事项的实施编码", 36),
    Column("收费项目", "name", True, "", 24),
    Column("金额（元）", "amount", True, "大于 0，最多两位小数"),
    Column("收费依据", "basis", True, "", 36),
    Column("减免政策", "reduction", False, "", 30),
]
PLACE_COLUMNS = [
    Column("实施编码", "implementation_code", True, "所属事项的实施编码", 36),
    Column("服务机构", "institution", False, "留空表示适用于所有办理机构；否则填服务机构全称", 28),
    Column("办理地点", "address", True, "", 36),
    Column("办理时间", "hours", True, "如：工作日 9:00–12:00，13:30–17:00", 30),
    Column("联系电话", "phone", False, ""),
]
SHEETS = {
    ITEMS: ITEM_COLUMNS,
    MATERIALS: MATERIAL_COLUMNS,
    LEGAL: LEGAL_COLUMNS,
    FEES: FEE_COLUMNS,
    PLACES: PLACE_COLUMNS,
}
OPTIONAL_SHEETS = (FEES, PLACES)

YES = {"是", "Y", "YES", "TRUE", "1", "√"}
NO = {"否", "N", "NO", "FALSE", "0", ""}
TYPE_BY_LABEL = {label: code for code, label in codes.ITEM_TYPES.items()}
DOMAIN_BY_LABEL = {label: code for code, label in codes.PUBLIC_DOMAINS.items()}
LEVEL_BY_LABEL = {label: code for code, label in codes.LEVELS.items()} | {
    "国家": "1",
    "省级": "2",
    "市级": "3",
    "县级": "4",
    "镇级": "5",
    "村级": "6",
}
KIND_BY_LABEL = {label: code for code, label in codes.MATERIAL_KINDS.items()}
SOURCE_BY_LABEL = {label: code for code, label in codes.MATERIAL_SOURCES.items()} | {
    "申请人": "applicant",
    "自备": "applicant",
    "政府部门核发": "agency",
    "部门核发": "agency",
    "数据共享": "shared",
    "共享": "shared",
}
RANK_BY_LABEL = {label: rank for rank, label in codes.LEGAL_RANKS.items()}
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def _inspect_upload(upload) -> str | None:
    from bangban.catalog.xlsx import WorkbookError, inspect_workbook

    try:
        inspect_workbook(upload.file)
    except WorkbookError as exc:
        return exc.message
    return None


# The import file, on the page and through the API: size, extension, and the zip container.
IMPORT_FILE = UploadValidator(label=FILE_LABEL, extensions=[".xlsx"], inspect=_inspect_upload)


class CellError(ValueError):
    pass


def _int_text(value: str) -> str:
    """ "5.0" → "5" (numbers typed into Excel come back as decimals)."""
    if re.fullmatch(r"-?\d+\.0+", value):
        return value.split(".")[0]
    return value


def parse_bool(value: str) -> bool:
    v = value.strip().upper()
    if v in YES:
        return True
    if v in NO:
        return False
    raise CellError("应填“是”或“否”")


def parse_date(value: str) -> datetime.date:
    v = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", v):
        serial = float(v)
        if 1 <= serial < 2958466:
            return EXCEL_EPOCH + datetime.timedelta(days=int(serial))
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?", v)
    if m:
        try:
            return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise CellError("日期格式应为 YYYY-MM-DD")


def parse_int(value: str) -> int:
    v = _int_text(value.strip())
    if not re.fullmatch(r"-?\d+", v):
        raise CellError("应为整数")
    return int(v)


def _choice(value: str, by_label: dict, allowed) -> str:
    v = value.strip()
    if v in allowed:
        return v
    head = v.split(" ", 1)[0].split("（", 1)[0]
    if head in allowed:
        return head
    if v in by_label:
        return by_label[v]
    tail = v.split(" ", 1)[-1]
    if tail in by_label:
        return by_label[tail]
    raise CellError(f"“{v}”不是可选值")


def _code_text(value: str) -> str:
    """A code typed as a number loses its leading zeros; refuse rather than guess."""
    v = _int_text(value.strip())
    if re.fullmatch(r"\d+", v) or not v:
        return v
    if re.fullmatch(r"\d(\.\d+)?E\+\d+", v, re.I):
        raise CellError("编码被 Excel 转成了科学计数法，请将该列设为文本格式后重新填写")
    return v


DEPTH_BY_LABEL = {"一级": "1", "二级": "2", "三级": "3", "四级": "4"} | {
    label: code for code, label in codes.ONLINE_DEPTHS.items()
}


def parse_depth(value: str) -> str:
    v = _int_text(value.strip())
    if v in codes.ONLINE_DEPTHS:
        return v
    if v in DEPTH_BY_LABEL:
        return DEPTH_BY_LABEL[v]
    head = v.split("：", 1)[0]
    if head in DEPTH_BY_LABEL:
        return DEPTH_BY_LABEL[head]
    raise CellError("网办深度应为一级、二级、三级或四级")


# ---- reading -------------------------------------------------------------------------------


class Report:
    def __init__(self):
        self.errors: list[dict] = []
        self.count = 0

    def add(self, sheet: str, row: int, column: str, field: str, code: str, message: str) -> None:
        self.count += 1
        if len(self.errors) < MAX_REPORTED:
            where = f"{sheet}第 {row} 行" + (f"“{column}”" if column else "")
            self.errors.append(
                {
                    "sheet": sheet,
                    "row": row,
                    "column": column,
                    "field": field,
                    "code": code,
                    "message": f"{where}：{message}",
                }
            )


def _header_map(sheet: str, rows, report: Report) -> dict[str, str] | None:
    """{column letter: key} from the first row; reports missing required columns."""
    columns = SHEETS[sheet]
    if not rows:
        report.add(sheet, 1, "", "", "empty_sheet", "工作表为空，缺少表头")
        return None
    header_row, cells = rows[0]
    by_header = {c.header: c for c in columns}
    mapping = {}
    for letter, text in cells.items():
        title = re.sub(r"[\s*＊]", "", text)
        if title in by_header:
            mapping[letter] = by_header[title].key
    missing = [c.header for c in columns if c.required and c.key not in mapping.values()]
    for header in missing:
        report.add(sheet, header_row, header, "", "missing_column", "缺少必填列")
    return None if missing else mapping


def _institutions() -> dict[str, list]:
    from bangban.org.models import Institution

    by_name: dict[str, list] = defaultdict(list)
    for inst in Institution.objects.all().only("id", "name"):
        by_name[inst.name].append(inst)
    return by_name


def _departments() -> dict[str, list[Department]]:
    by_name: dict[str, list[Department]] = defaultdict(list)
    for d in Department.objects.filter(is_active=True).select_related("institution"):
        by_name[d.name].append(d)
    return by_name


@dataclass
class ParsedItem:
    row: int
    values: dict
    valid_from: datetime.date | None  # None: from the day it is published
    is_suspended: bool
    legal: list
    materials: list
    fees: list | None = None  # None: the workbook has no 收费项目 sheet (an existing item keeps its own)
    places: list | None = None


FIELD_COLUMN = {c.key: c.header for c in ITEM_COLUMNS} | {
    "channel_window": "办理渠道",
    "tags": "企业标签",
    "legal_bases": "实施编码",
    "materials": "实施编码",
}


def parse_workbook(data: bytes, *, progress=None) -> tuple[list[ParsedItem], Report]:
    """Every item of the workbook, cleaned and checked; the report lists every bad cell."""
    from bangban.catalog.xlsx import WorkbookError, read_workbook

    report = Report()
    try:
        book = read_workbook(data, sheets=[ITEMS, MATERIALS, LEGAL, FEES, PLACES])
    except WorkbookError as exc:
        message = f"{FILE_LABEL}：{exc.message}；未导入任何事项"
        raise ServiceError(
            exc.code, message, field="file", errors=[{"field": "file", "code": exc.code, "message": message}]
        ) from exc
    for sheet in (ITEMS, MATERIALS, LEGAL):
        if sheet not in book:
            report.add(sheet, 0, "", "", "missing_sheet", f"缺少工作表“{sheet}”（请使用导入模板）")
    if report.count:
        return [], report
    maps = {sheet: _header_map(sheet, book[sheet], report) for sheet in SHEETS if sheet in book}
    if report.count:
        return [], report
    headers = {sheet: {c.key: c.header for c in SHEETS[sheet]} for sheet in SHEETS}
    departments = _departments()
    item_rows = book[ITEMS][1:]
    total = len(item_rows) + len(book[MATERIALS]) + len(book[LEGAL]) - 2
    if progress:
        progress("validate", 0, total)

    # -- children first, grouped by implementation code --
    children: dict[str, dict[str, list]] = defaultdict(
        lambda: {"legal": [], "materials": [], "fees": [], "places": []}
    )
    done = 0
    institutions = _institutions() if PLACES in book else {}
    for sheet, kind in ((MATERIALS, "materials"), (LEGAL, "legal"), (FEES, "fees"), (PLACES, "places")):
        if sheet not in book:
            continue
        mapping, names = maps[sheet], headers[sheet]
        for row, cells in book[sheet][1:]:
            done += 1
            v = {key: cells.get(letter, "").strip() for letter, key in mapping.items()}
            if not any(v.values()):
                continue
            code = v.get("implementation_code", "").upper()

            def bad(key, rule, message, _row=row, _sheet=sheet, _names=names):
                report.add(_sheet, _row, _names.get(key, ""), key, rule, message)

            for c in SHEETS[sheet]:
                if c.required and not v.get(c.key):
                    bad(c.key, "required", "不能为空")
            if kind == "materials":
                entry = {
                    "name": v.get("name", ""),
                    "condition": v.get("condition", ""),
                    "notes": v.get("notes", ""),
                }
                for key, parser in (
                    ("kind", lambda s: _choice(s, KIND_BY_LABEL, codes.MATERIAL_KINDS)),
                    ("source", lambda s: _choice(s, SOURCE_BY_LABEL, codes.MATERIAL_SOURCES)),
                    ("copies", parse_int),
                ):
                    if v.get(key):
                        try:
                            entry[key] = parser(v[key])
                        except CellError as exc:
                            bad(key, "invalid", str(exc))
                need = v.get("required", "")
                entry["required"] = need not in ("按情形", "否", "非必要", "容缺")
                if need and need not in ("必要", "是", "按情形", "否", "非必要", "容缺"):
                    bad("required", "invalid", "应填“必要”或“按情形”")
                if entry.get("copies") is not None and not 1 <= entry["copies"] <= 99:
                    bad("copies", "invalid", "份数应为 1–99")
                if not entry["required"] and not entry["condition"]:
                    bad("condition", "required", "按情形提交的材料须写明适用情形")
            elif kind == "fees":
                entry = {k: v.get(k, "") for k in ("name", "amount", "basis", "reduction")}
            elif kind == "places":
                entry = {k: v.get(k, "") for k in ("address", "hours", "phone")}
                entry["institution"] = None
                if v.get("institution"):
                    found = institutions.get(v["institution"], [])
                    if len(found) == 1:
                        entry["institution"] = found[0]
                    else:
                        bad(
                            "institution",
                            "unknown_institution" if not found else "ambiguous_institution",
                            f"未登记的服务机构“{v['institution']}”"
                            if not found
                            else f"有多个名为“{v['institution']}”的服务机构",
                        )
            else:
                entry = {
                    "title": v.get("title", ""),
                    "article": v.get("article", ""),
                    "text": v.get("text", ""),
                }
                if v.get("rank"):
                    try:
                        entry["rank"] = (
                            RANK_BY_LABEL[v["rank"]]
                            if v["rank"] in RANK_BY_LABEL
                            else int(_choice(v["rank"], {}, {str(r) for r in codes.LEGAL_RANKS}))
                        )
                    except CellError:
                        bad(
                            "rank",
                            "invalid",
                            "位阶应为法律、行政法规、地方性法规、部门规章、地方政府规章或规范性文件",
                        )
            entry["_row"] = row
            if code:
                children[code][kind].append(entry)
            if progress and done % 2000 == 0:
                progress("validate", done, total)

    # -- items --
    mapping, names = maps[ITEMS], headers[ITEMS]
    parsed: list[ParsedItem] = []
    seen: dict[str, int] = {}
    for row, cells in item_rows:
        done += 1
        if progress and done % 2000 == 0:
            progress("validate", done, total)
        v = {key: cells.get(letter, "").strip() for letter, key in mapping.items()}
        if not any(v.values()):
            continue
        row_problems = 0

        def bad(key, rule, message, _row=row):
            nonlocal row_problems
            row_problems += 1
            report.add(ITEMS, _row, names.get(key, FIELD_COLUMN.get(key, "")), key, rule, message)

        for c in ITEM_COLUMNS:
            if c.required and not v.get(c.key):
                bad(c.key, "required", "不能为空")
        raw: dict = {
            k: v.get(k, "")
            for k in (
                "name",
                "main_item_name",
                "competent_department",
                "fee_basis",
                "conditions",
                "procedure",
                "result_name",
                "location",
                "consult_phone",
                "handling_tiers",
                "help_tiers",
                "agency_tiers",
                "channels",
                "intermediary",
                "quantity_limit",
                "complaint_phone",
                "service_objects",
                "delivery_methods",
                "not_applicable",
            )
        }
        parse_failed: set[str] = {c.key for c in ITEM_COLUMNS if c.required and not v.get(c.key)}

        def parse(key, fn, default=None, _v=v, _failed=parse_failed):
            if not _v.get(key):
                return default
            try:
                return fn(_v[key])
            except CellError as exc:
                _failed.add(key)
                bad(key, "invalid", str(exc))
                return default

        raw["implementation_code"] = v.get("implementation_code", "").upper()
        raw["basic_code"] = parse("basic_code", _code_text, "")
        raw["main_basic_code"] = parse("main_basic_code", _code_text, "")
        raw["item_type"] = parse(
            "item_type",
            lambda s: _choice(_int_text(s).zfill(2) if s.isdigit() else s, TYPE_BY_LABEL, codes.ITEM_TYPES),
            "",
        )
        raw["public_domain"] = parse(
            "public_domain", lambda s: _choice(s, DOMAIN_BY_LABEL, codes.PUBLIC_DOMAINS), ""
        )
        raw["level"] = parse("level", lambda s: _choice(_int_text(s), LEVEL_BY_LABEL, codes.LEVELS), "")
        raw["visits"] = parse("visits", parse_int)
        raw["online_depth"] = parse("online_depth", parse_depth, "")
        raw["statutory_days"] = parse("statutory_days", parse_int)
        raw["promised_days"] = parse("promised_days", parse_int)
        kind = v.get("is_immediate", "")
        if kind and kind not in ("即办件", "承诺件", "1", "2"):
            parse_failed.add("is_immediate")
            bad("is_immediate", "invalid", "应填“即办件”或“承诺件”")
        raw["is_immediate"] = kind in ("即办件", "1")
        raw["charges_fee"] = parse("charges_fee", parse_bool, False)
        raw["fee_amount"] = v.get("fee_amount") or None
        is_suspended = parse("is_suspended", parse_bool, False)
        valid_from = parse("valid_from", parse_date)
        try:
            raw["tags"] = codes.tags_normalize(
                v.get("enterprise_tags", ""), codes.ENTERPRISE
            ) + codes.tags_normalize(v.get("citizen_tags", ""), codes.CITIZEN)
        except ValueError as exc:
            raw["tags"] = []
            key = "enterprise_tags"
            try:
                codes.tags_normalize(v.get("enterprise_tags", ""), codes.ENTERPRISE)
                key = "citizen_tags"
            except ValueError:
                pass
            parse_failed.add(key)
            bad(key, "invalid", str(exc))

        # implementing agency by name (and institution when several share the name)
        dept_name, inst_name = v.get("department", ""), v.get("department_institution", "")
        department = None
        if dept_name:
            candidates = departments.get(dept_name, [])
            if inst_name:
                candidates = [d for d in candidates if d.institution.name == inst_name]
            if not candidates:
                where = f"（{inst_name}）" if inst_name else ""
                bad(
                    "department",
                    "unknown_department",
                    f"未登记的实施机关“{dept_name}”{where}，请先在组织机构中添加该进驻部门",
                )
            elif len(candidates) > 1:
                bad(
                    "department",
                    "ambiguous_department",
                    f"有多个机构进驻了“{dept_name}”，请填写“实施机关所在机构”",
                )
            else:
                department = candidates[0]
            if department is None:
                parse_failed.add("department")
        raw["department"] = department

        code = raw["implementation_code"]
        kids = children.get(code, {"legal": [], "materials": [], "fees": [], "places": []})
        if FEES in book:
            raw["fee_items"] = [{k: e.get(k) for k in elements.FEE_FIELDS} for e in kids["fees"]]
        if PLACES in book:
            raw["places"] = [{k: e.get(k) for k in elements.PLACE_FIELDS} for e in kids["places"]]
        raw["legal_bases"] = [
            {k: e.get(k) for k in ("rank", "title", "article", "text")} for e in kids["legal"]
        ]
        raw["materials"] = [
            {k: e.get(k) for k in elements.MATERIAL_FIELDS if k in e} for e in kids["materials"]
        ]
        values, legal, materials, problems = elements.clean(raw, complete=True)
        for field, rule, message in problems:
            base = field.split("[", 1)[0].split(".", 1)[0]
            if base in parse_failed or (
                base == "implementation_code" and "department" in parse_failed and rule == "mismatch"
            ):
                continue  # already reported as unreadable
            if base in ("fee_items", "places"):
                sheet_name = FEES if base == "fee_items" else PLACES
                index = re.search(r"\[(\d+)\]", field)
                kid = (
                    kids["fees" if base == "fee_items" else "places"][int(index.group(1))] if index else None
                )
                column = field.rsplit(".", 1)[-1]
                header = {c.key: c.header for c in SHEETS[sheet_name]}.get(column, "实施编码")
                report.add(sheet_name, kid["_row"] if kid else row, header, column, rule, message)
                row_problems += 1
                continue
            if base in ("legal_bases", "materials"):
                if field == base:
                    sheet_name = LEGAL if base == "legal_bases" else MATERIALS
                    bad("implementation_code", "missing_" + base, f"该事项在“{sheet_name}”表中没有任何行")
                continue  # row-level child problems are reported on their own sheets
            if base == "channels" and rule == "required" and "channels" in parse_failed:
                continue
            bad(base if base in names else field, rule, message)
        if code:
            if code in seen:
                bad("implementation_code", "duplicate_code", f"实施编码与第 {seen[code]} 行重复")
            else:
                seen[code] = row
        if not row_problems:
            values, fees, places = elements.split_children(values)
            parsed.append(ParsedItem(row, values, valid_from, is_suspended, legal, materials, fees, places))

    # child rows that point nowhere
    for code, kids in children.items():
        if code not in seen:
            for kind, sheet in (
                ("materials", MATERIALS),
                ("legal", LEGAL),
                ("fees", FEES),
                ("places", PLACES),
            ):
                for e in kids[kind]:
                    report.add(
                        sheet,
                        e["_row"],
                        "实施编码",
                        "implementation_code",
                        "unknown_item",
                        f"“事项”表中没有实施编码为 {code} 的事项",
                    )
    # the same material twice for one item
    for kids in children.values():
        names_seen: dict[str, int] = {}
        for e in kids["materials"]:
            if e.get("name") and e["name"] in names_seen:
                report.add(
                    MATERIALS,
                    e["_row"],
                    "材料名称",
                    "name",
                    "duplicate",
                    f"与第 {names_seen[e['name']]} 行材料重复",
                )
            names_seen.setdefault(e.get("name"), e["_row"])
    return parsed, report


def _existing_codes(codes_in_file: list[str]) -> dict[str, str]:
    """{implementation code: item status} of the file's codes already in the catalog (drafts too)."""
    found: dict[str, str] = {}
    for i in range(0, len(codes_in_file), 900):
        chunk = codes_in_file[i : i + 900]
        found.update(
            Item.objects.filter(implementation_code__in=chunk).values_list("implementation_code", "status")
        )
    return found


def _facts(p: ParsedItem) -> SimpleNamespace:
    """A parsed row shaped like a version, for elements.guide_missing."""
    return SimpleNamespace(
        **p.values, materials=p.materials, legal_bases=p.legal, fee_items=p.fees or [], places=p.places or []
    )


@dataclass
class ImportResult:
    created: int
    materials: int
    legal_bases: int
    adjustment: Adjustment | None = None  # the 批量导入 request awaiting review (an import by a person)
    rows: list = dataclass_field(default_factory=list)  # per item row, see ROW_STATUS
    changed: int = 0
    unchanged: int = 0


ROW_STATUS = {"new": "新增", "changed": "要素变更", "unchanged": "无变化", "error": "有错误"}


def _signature(values: dict, legal: list, materials: list, fees: list | None, places: list | None) -> tuple:
    """What the workbook says about an item, in a comparable form (suspension and dates aside:
    those are adjustments of their own)."""
    scalar = tuple(
        (f, getattr(values[f], "pk", None) if f == "department" else values.get(f))
        for f in elements.SCALAR_FIELDS
    )
    return (
        scalar,
        tuple(tuple(e.get(k) for k in elements.LEGAL_FIELDS) for e in legal),
        tuple(tuple(m.get(k) for k in elements.MATERIAL_FIELDS[:7]) for m in materials),
        None if fees is None else tuple(tuple(f.get(k) for k in elements.FEE_FIELDS) for f in fees),
        None
        if places is None
        else tuple(
            (getattr(pl["institution"], "pk", None), pl["address"], pl["hours"], pl["phone"]) for pl in places
        ),
    )


def _version_signature(version: ItemVersion, p: ParsedItem) -> tuple:
    """The signature of a stored version, cleaned like a row (fee items and places only where the
    workbook has those sheets)."""
    values, legal, materials, _problems = elements.clean(elements.raw_from_version(version))
    values, fees, places = elements.split_children(values)
    return _signature(
        values,
        legal,
        materials,
        None if p.fees is None else fees,
        None if p.places is None else places,
    )


def _row_signature(p: ParsedItem) -> tuple:
    return _signature(p.values, p.legal, p.materials, p.fees, p.places)


@dataclass
class _Change:
    parsed: ParsedItem
    item: Item
    base: ItemVersion
    pending: Adjustment | None  # an open request already proposing exactly this row


def _classify(
    by, parsed: list[ParsedItem], report: Report
) -> tuple[list[ParsedItem], list[_Change], list[dict]]:
    """Split the rows into new items, changes of items in force and unchanged rows; rows that name an
    item which cannot take them (a draft, an ended item, one with another request open, or any
    existing item in a platform import) are reported as errors on 实施编码."""
    from bangban.catalog.selectors import latest_published

    existing = _existing_codes([p.values["implementation_code"] for p in parsed])
    items = {
        i.implementation_code: i
        for i in Item.objects.filter(
            implementation_code__in=[c for c in existing if existing[c] != Item.Status.DRAFT]
        )
    }
    new, changes, rows = [], [], []

    def refuse(p, message):
        report.add(ITEMS, p.row, "实施编码", "implementation_code", "duplicate_code", message)

    for p in parsed:
        code, name = p.values["implementation_code"], p.values["name"]
        row = {"row": p.row, "code": code, "name": name}
        if code not in existing:
            new.append(p)
            rows.append({**row, "status": "new"})
            continue
        if existing[code] == Item.Status.DRAFT:
            pending = _pending_import_draft(code, p) if by is not None else None
            if pending is None:
                refuse(p, f"实施编码 {code} 已在事项目录中（尚未发布的草稿，可能在待审核的批量导入中）")
            else:  # the same row imported before, still awaiting review: nothing to do twice
                message = f"已在待审核的{pending}中，未重复导入"
                rows.append({**row, "status": "new", "adjustment": pending.pk, "message": message})
            continue
        if by is None:
            refuse(p, f"实施编码 {code} 已在事项目录中")
            continue
        item = items[code]
        base = latest_published(item) if item.status == Item.Status.ACTIVE else None
        if base is None or base.valid_to is not None:
            refuse(p, f"事项“{item.name}”{item.get_status_display()}，没有可调整的现行版本")
            continue
        wanted = _row_signature(p)
        if _version_signature(base, p) == wanted:
            rows.append({**row, "status": "unchanged"})
            continue
        open_request = item.adjustments.filter(status__in=Adjustment.OPEN_STATUSES).first()
        if open_request is not None:
            draft = open_request.proposed_versions.filter(item=item).first()
            same = (
                open_request.kind == Adjustment.Kind.CHANGE
                and open_request.status == Adjustment.Status.SUBMITTED
                and draft is not None
                and _version_signature(draft, p) == wanted
            )
            if not same:
                refuse(p, f"事项“{item.name}”已有未办结的{open_request}，请等待审核或撤回后再导入")
                continue
            changes.append(_Change(p, item, base, open_request))
            continue
        changes.append(_Change(p, item, base, None))
    return new, changes, rows


def _pending_import_draft(code: str, p: ParsedItem) -> Adjustment | None:
    """The submitted 批量导入 request already holding a draft identical to this row, if any."""
    draft = (
        ItemVersion.objects.filter(
            item__implementation_code=code,
            state=ItemVersion.State.DRAFT,
            adjustment__kind=Adjustment.Kind.IMPORT,
            adjustment__status=Adjustment.Status.SUBMITTED,
        )
        .select_related("adjustment", "department")
        .first()
    )
    if draft is None or _version_signature(draft, p) != _row_signature(p):
        return None
    return draft.adjustment


def _row_errors(report: Report) -> list[dict]:
    by_row: dict[int, list[str]] = defaultdict(list)
    for e in report.errors:
        if e["sheet"] == ITEMS and e["row"]:
            by_row[e["row"]].append(e["message"])
    return [
        {"row": row, "code": "", "name": "", "status": "error", "message": "；".join(messages)}
        for row, messages in by_row.items()
    ]


def import_workbook(*, by, data: bytes, filename: str, progress: Callable | None = None) -> ImportResult:
    """Validate the whole workbook, then write it in one transaction: new items as today (drafts in one
    批量导入 request, or published by the platform), and, for an import by a person, every row of an
    item in force whose elements differ as one submitted 要素变更 request per item (with the diff),
    reviewed by another 事项管理员. Unchanged rows are only reported. Importing the same file again
    while those requests are pending creates none twice. Any error refuses the whole file."""
    parsed, report = parse_workbook(data, progress=progress)
    new, changes, rows = ([], [], [])
    if parsed:  # the good rows are classified even when others are bad, for the per-row report
        new, changes, rows = _classify(by, parsed, report)
        rows += [
            {
                "row": c.parsed.row,
                "code": c.item.implementation_code,
                "name": c.parsed.values["name"],
                "status": "changed",
            }
            for c in changes
        ]
    if report.count:
        shown = "" if report.count <= MAX_REPORTED else f"（仅列出前 {MAX_REPORTED} 处）"
        error = ServiceError(
            "import_invalid",
            f"导入文件有 {report.count} 处错误{shown}，未导入任何事项，请修改后重新导入",
            errors=report.errors,
        )
        error.rows = sorted(
            [r for r in rows if r["row"] not in {e["row"] for e in _row_errors(report)}]
            + _row_errors(report),
            key=lambda r: r["row"],
        )
        for r in error.rows:
            if r["status"] != "error":
                r["message"] = "未导入（文件有错误）"
        raise error
    if not parsed:
        raise ServiceError("import_empty", "导入文件中没有事项", field="file")
    try:
        with transaction.atomic():
            result = (
                _write(by=by, parsed=new, filename=filename, progress=progress)
                if new
                else ImportResult(created=0, materials=0, legal_bases=0)
            )
            by_row = {r["row"]: r for r in rows}
            for change in changes:
                adjustment = change.pending or _propose_change(by=by, change=change, filename=filename)
                by_row[change.parsed.row]["adjustment"] = adjustment.pk
                if change.pending is not None:
                    by_row[change.parsed.row]["message"] = f"已在待审核的{adjustment}中，未重复提交"
    except IntegrityError as exc:
        raise ServiceError(
            "import_conflict", "导入时与他人同时写入的事项编码冲突，未导入任何事项，请重试"
        ) from exc
    result.rows = sorted(rows, key=lambda r: r["row"])
    result.changed = len(changes)
    result.unchanged = sum(1 for r in rows if r["status"] == "unchanged")
    return result


def _propose_change(*, by, change: _Change, filename: str) -> Adjustment:
    """One submitted 要素变更 request for one item: the row's elements on a copy of the version in
    force (attachments of materials kept by name; fee items and places kept when the workbook has no
    such sheet), effective from the row's 生效日期 or the earliest day allowed."""
    from bangban.catalog import services

    p, base = change.parsed, change.base
    attachments = {m.name: (m.blank_form.name, m.sample.name) for m in base.materials.all()}
    proposed = {
        **{k: v for k, v in p.values.items() if k != "implementation_code"},
        "legal_bases": p.legal,
        "materials": [
            {
                **m,
                "blank_form": attachments.get(m["name"], ("", ""))[0],
                "sample": attachments.get(m["name"], ("", ""))[1],
            }
            for m in p.materials
        ],
    }
    if p.fees is not None:
        proposed["fee_items"] = p.fees
    if p.places is not None:
        proposed["places"] = p.places
    today = timezone.localdate()
    effective_on = max(p.valid_from or today, today, base.valid_from + datetime.timedelta(days=1))
    adjustment = services.adjustment_create(
        by=by,
        kind=Adjustment.Kind.CHANGE,
        trigger=Adjustment.Trigger.OTHER,
        justification=f"导入事项目录工作簿“{filename or '工作簿'}”第 {p.row} 行：要素变更",
        effective_on=effective_on,
        items=[change.item],
        proposed=[proposed],
    )
    return services.adjustment_submit(by=by, adjustment=adjustment)


class _Inserter:
    """Bulk inserts below the ORM: COPY on PostgreSQL, executemany on SQLite.

    bulk_create spends ~7 s preparing 80,000 model instances field by field for a 10,000-item
    catalog; the rows here are plain tuples in the models' own column order, adapted once per
    date/time/decimal/JSON column, which keeps the whole import within the 10 s target. Items and
    versions get their ids up front (sequence values on PostgreSQL; above the current maximum
    inside the write-locked transaction on SQLite) so their children can point at them.
    """

    def __init__(self):
        self.vendor = connection.vendor

    def reserve_ids(self, model, count: int) -> list[int]:
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                return [row[0] for row in cursor.fetchall()]
            cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
            top = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(top, row[0] if row else 0) + 1
            return list(range(start, start + count))

    def _adapter(self, field):
        if self.vendor == "postgresql":
            if isinstance(field, models.JSONField):
                return json.dumps
            return None
        ops = connection.ops
        if isinstance(field, models.DateTimeField):
            return ops.adapt_datetimefield_value
        if isinstance(field, models.DateField):
            return ops.adapt_datefield_value
        if isinstance(field, models.DecimalField):
            return lambda v, f=field: ops.adapt_decimalfield_value(v, f.max_digits, f.decimal_places)
        if isinstance(field, models.JSONField):
            return json.dumps
        return None

    def insert(self, model, rows: list[dict], *, with_id: bool) -> None:
        """Insert dicts keyed by attname; every concrete column must be present (id only `with_id`)."""
        fields = [f for f in model._meta.concrete_fields if with_id or not f.primary_key]
        names = [f.attname for f in fields]
        adapters = [(i, a) for i, f in enumerate(fields) if (a := self._adapter(f)) is not None]
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        tuples = []
        for row in rows:
            values = [row[name] for name in names]
            for i, adapt in adapters:
                if values[i] is not None:
                    values[i] = adapt(values[i])
            tuples.append(values)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with (
                    connection.wrap_database_errors,
                    cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
                ):
                    for values in tuples:
                        copy.write_row(values)
            else:
                marks = placeholders(len(fields))
                for i in range(0, len(tuples), BATCH):
                    cursor.executemany(
                        f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuples[i : i + BATCH]
                    )


def _audit_rows(*, by, action: str, object_type: str, note: str, rows) -> list[dict]:
    """Audit rows for a bulk write, as audit_build would make them one by one (same actor, request
    and note); `rows` yields (object_id, object_repr, changes)."""
    actor = by if by is not None and getattr(by, "is_authenticated", False) else None
    meta = current_request_meta()
    base = {
        "at": timezone.now(),
        "actor_id": actor.pk if actor else None,
        "actor_name": actor.display_name if actor else "",
        "institution_id": getattr(actor, "institution_id", None) if actor else None,
        "action": action,
        "object_type": object_type,
        "note": note,
        "ip": meta.ip,
        "user_agent": meta.user_agent[:255],
        "path": meta.path[:255],
        "seal_seq": None,  # sealed into the audit chain after commit (audit.chain)
        "seal_hash": None,
    }
    return [
        {**base, "object_id": str(oid), "object_repr": text[:255], "changes": changes}
        for oid, text, changes in rows
    ]


def _batch_open(*, by, total: int, filename: str, now) -> Adjustment:
    """The 批量导入 request holding an import's drafts, submitted at once (the importer is its author
    and contributor, so someone else reviews it)."""
    adjustment = Adjustment.objects.create(
        kind=Adjustment.Kind.IMPORT,
        trigger=Adjustment.Trigger.OTHER,
        justification=f"导入事项目录工作簿“{filename or '工作簿'}”：新增 {total} 个事项",
        effective_on=timezone.localdate(),
        status=Adjustment.Status.SUBMITTED,
        created_by=by,
        created_at=now,
        submitted_by=by,
        submitted_at=now,
    )
    adjustment.contributors.add(by)
    return adjustment


@transaction.atomic
def _write(*, by, parsed: list[ParsedItem], filename: str, progress) -> ImportResult:
    """Write the items in bulk: as drafts of one submitted 批量导入 request when a person imports,
    published directly only for the platform (by=None)."""
    now = timezone.now()
    today = timezone.localdate()
    total = len(parsed)
    if progress:
        progress("write", 0, total)
    actor = by if by is not None and getattr(by, "is_authenticated", False) else None
    by_id = actor.pk if actor else None
    batch = _batch_open(by=by, total=total, filename=filename, now=now) if by is not None else None
    db = _Inserter()
    item_ids = db.reserve_ids(Item, total)
    version_ids = db.reserve_ids(ItemVersion, total)
    items, versions, legal, materials, audited = [], [], [], [], []
    fees, places = [], []
    for item_id, version_id, p in zip(item_ids, version_ids, parsed, strict=True):
        v = p.values
        valid_from = p.valid_from if batch else (p.valid_from or today)
        items.append(
            {
                "id": item_id,
                "status": Item.Status.DRAFT if batch else Item.Status.ACTIVE,
                "name": v["name"],
                "basic_code": v["basic_code"],
                "implementation_code": v["implementation_code"],
                "department_id": v["department"].pk,
                "ended_on": None,
                "created_by_id": by_id,
                "created_at": now,
                "updated_at": now,
            }
        )
        versions.append(
            {
                **{k: val for k, val in v.items() if k != "department"},
                "id": version_id,
                "item_id": item_id,
                "name_initials": initials(v["name"]),
                "guide_complete": not elements.guide_missing(_facts(p)),
                "number": None if batch else 1,
                "state": ItemVersion.State.DRAFT if batch else ItemVersion.State.PUBLISHED,
                "adjustment_id": batch.pk if batch else None,
                "based_on_id": None,
                "valid_from": valid_from,
                "valid_to": None,
                "is_suspended": p.is_suspended,
                "department_id": v["department"].pk,
                "published_at": None if batch else now,
                "published_by_id": None if batch else by_id,
                "created_by_id": by_id,
                "created_at": now,
                "updated_at": now,
            }
        )
        legal.extend({"version_id": version_id, "position": i, **e} for i, e in enumerate(p.legal))
        materials.extend(
            {"version_id": version_id, "position": i, **m, "blank_form": "", "sample": ""}
            for i, m in enumerate(p.materials)
        )
        fees.extend({"version_id": version_id, "position": i, **f} for i, f in enumerate(p.fees or []))
        places.extend(
            {
                "version_id": version_id,
                "position": i,
                "institution_id": getattr(pl["institution"], "pk", None),
                **{k: pl[k] for k in ("address", "hours", "phone")},
            }
            for i, pl in enumerate(p.places or [])
        )
        if batch:  # the dates and numbers come with the publication (catalog.version.publish rows)
            changes = {"status": {"before": None, "after": Item.Status.DRAFT.label}}
        else:
            changes = {
                "valid_from": {"before": None, "after": valid_from.isoformat()},
                "number": {"before": None, "after": 1},
            }
        audited.append((item_id, f"{v['name']}（{v['implementation_code']}）", changes))
    note = f"导入 {filename or '工作簿'}" + (f"，{batch}待审核" if batch else "")
    audits = _audit_rows(
        by=by, action="catalog.item.import", object_type="catalog.item", note=note, rows=audited
    )
    db.insert(Item, items, with_id=True)
    if progress:
        progress("write", total // 4, total)
    db.insert(ItemVersion, versions, with_id=True)
    if progress:
        progress("write", total // 2, total)
    db.insert(LegalBasis, legal, with_id=False)
    db.insert(Material, materials, with_id=False)
    db.insert(FeeItem, fees, with_id=False)
    db.insert(ServicePlace, places, with_id=False)
    if progress:
        progress("write", total * 3 // 4, total)
    db.insert(AuditEvent, audits, with_id=False)
    counts = f"申请材料 {len(materials)} 项，设定依据 {len(legal)} 条"
    if batch:
        audit_record(
            actor=by,
            action="catalog.import",
            target=batch,
            changes=created(snapshot(batch, ["kind", "trigger", "justification", "effective_on", "status"])),
            note=f"导入 {filename or '工作簿'}：新增 {total} 个事项草稿，{counts}；已提交审核，批准后发布",
        )
    else:
        audit_record(
            actor=by,
            action="catalog.import",
            object_type="catalog.item",
            object_repr=f"事项目录导入：{filename or '工作簿'}"[:255],
            changes={"created": {"before": 0, "after": total}},
            note=f"{note}：新增并发布 {total} 个事项，{counts}",
        )
    if progress:
        progress("write", total, total)
    return ImportResult(created=total, materials=len(materials), legal_bases=len(legal), adjustment=batch)


def publish_batch(*, by, adjustment: Adjustment) -> int:
    """Publish every draft of an approved 批量导入 request in bulk (the caller holds the transaction,
    has locked the request and checked the reviewer): each becomes version 1 of its item, in force from
    its own 生效日期, or from the request's date (today at the latest) where the row gave none; every
    published version gets its `catalog.version.publish` audit row, inserted together."""
    now = timezone.now()
    default_day = max(adjustment.effective_on, timezone.localdate())
    drafts = ItemVersion.objects.filter(adjustment=adjustment, state=ItemVersion.State.DRAFT)
    drafts.filter(valid_from__isnull=True).update(valid_from=default_day)
    rows = list(drafts.order_by("pk").values_list("pk", "item_id", "name", "valid_from"))
    drafts.update(
        state=ItemVersion.State.PUBLISHED,
        number=1,
        published_at=now,
        published_by=by,
        updated_at=now,
    )
    item_ids = [item_id for _pk, item_id, _name, _day in rows]
    for i in range(0, len(item_ids), 500):
        Item.objects.filter(pk__in=item_ids[i : i + 500], status=Item.Status.DRAFT).update(
            status=Item.Status.ACTIVE, updated_at=now
        )
    audits = _audit_rows(
        by=by,
        action="catalog.version.publish",
        object_type=ItemVersion._meta.label_lower,
        note=str(adjustment),
        rows=(
            (
                pk,
                f"{name}（第 1 版）",
                {
                    "valid_from": {"before": None, "after": day.isoformat()},
                    "number": {"before": None, "after": 1},
                },
            )
            for pk, _item_id, name, day in rows
        ),
    )
    _Inserter().insert(AuditEvent, audits, with_id=False)
    return len(rows)


def discard_batch(*, adjustment: Adjustment) -> int:
    """Delete the drafts of a withdrawn 批量导入 request and the items they created (never published,
    so nothing else refers to them); the caller holds the transaction. Returns how many items went."""
    drafts = ItemVersion.objects.filter(adjustment=adjustment, state=ItemVersion.State.DRAFT)
    item_ids = list(drafts.values_list("item_id", flat=True))
    Material.objects.filter(version__in=drafts).delete()
    LegalBasis.objects.filter(version__in=drafts).delete()
    ItemVersion.contributors.through.objects.filter(itemversion__in=drafts).delete()
    drafts.delete()
    for i in range(0, len(item_ids), 500):
        Item.objects.filter(pk__in=item_ids[i : i + 500], status=Item.Status.DRAFT).delete()
    return len(item_ids)


# ---- writing -------------------------------------------------------------------------------


def _yes(value: bool) -> str:
    return "是" if value else "否"


def version_rows(version) -> tuple[dict, list[dict], list[dict]]:
    """One item row and its material and legal-basis rows, keyed like the columns."""
    item = {
        "implementation_code": version.implementation_code,
        "name": version.name,
        "item_type": version.item_type,
        "public_domain": codes.PUBLIC_DOMAINS.get(version.public_domain, ""),
        "basic_code": version.basic_code,
        "main_basic_code": version.main_basic_code,
        "main_item_name": version.main_item_name,
        "competent_department": version.competent_department,
        "department": version.department.name,
        "department_institution": version.department.institution.name,
        "level": version.level,
        "handling_tiers": codes.tiers_label(version.handling_tiers) if version.handling_tiers else "",
        "help_tiers": codes.tiers_label(version.help_tiers) if version.help_tiers else "",
        "agency_tiers": codes.tiers_label(version.agency_tiers) if version.agency_tiers else "",
        "statutory_days": version.statutory_days,
        "promised_days": version.promised_days,
        "is_immediate": version.case_kind_label,
        "charges_fee": _yes(version.charges_fee),
        "fee_amount": str(version.fee_amount) if version.fee_amount is not None else "",
        "fee_basis": version.fee_basis,
        "channels": "、".join(codes.CHANNELS[c][:2] for c in version.channels),
        "enterprise_tags": "、".join(
            codes.TAGS[c][0] for c in version.tag_codes if codes.TAGS.get(c, ("", ""))[1] == codes.ENTERPRISE
        ),
        "citizen_tags": "、".join(
            codes.TAGS[c][0] for c in version.tag_codes if codes.TAGS.get(c, ("", ""))[1] == codes.CITIZEN
        ),
        "conditions": version.conditions,
        "procedure": version.procedure,
        "result_name": version.result_name,
        "location": version.location,
        "consult_phone": version.consult_phone,
        "service_objects": "、".join(version.service_object_labels),
        "visits": version.visits,
        "online_depth": "一二三四"[int(version.online_depth) - 1] + "级" if version.online_depth else "",
        "intermediary": version.intermediary,
        "quantity_limit": version.quantity_limit,
        "delivery_methods": "、".join(version.delivery_labels),
        "complaint_phone": version.complaint_phone,
        "not_applicable": "、".join(elements.GUIDE_LABELS[k] for k in version.not_applicable_keys),
        "is_suspended": _yes(version.is_suspended),
        "valid_from": version.valid_from.isoformat() if version.valid_from else "",
    }
    materials = [
        {
            "implementation_code": version.implementation_code,
            "name": m.name,
            "kind": codes.MATERIAL_KINDS[m.kind],
            "copies": m.copies,
            "required": "必要" if m.required else "按情形",
            "condition": m.condition,
            "source": codes.MATERIAL_SOURCES[m.source].split("（")[0],
            "notes": m.notes,
        }
        for m in version.materials.all()
    ]
    legal = [
        {
            "implementation_code": version.implementation_code,
            "rank": codes.LEGAL_RANKS[e.rank],
            "title": e.title,
            "article": e.article,
            "text": e.text,
        }
        for e in version.legal_bases.all()
    ]
    return item, materials, legal


def guide_rows(version) -> tuple[list[dict], list[dict]]:
    """The 收费项目 and 办理地点 rows of a version, keyed like their columns."""
    code = version.implementation_code
    fees = [
        {
            "implementation_code": code,
            "name": f.name,
            "amount": str(f.amount),
            "basis": f.basis,
            "reduction": f.reduction,
        }
        for f in version.fee_items.all()
    ]
    places = [
        {
            "implementation_code": code,
            "institution": p.institution.name if p.institution_id else "",
            "address": p.address,
            "hours": p.hours,
            "phone": p.phone,
        }
        for p in version.places.all()
    ]
    return fees, places


def write_workbook(
    item_rows, material_rows, legal_rows, *, departments=None, fee_rows=None, place_rows=None
) -> bytes:
    """The workbook from row dicts (iterables, streamed): used by export, template and the benchmark.
    The optional 收费项目 / 办理地点 sheets are written only when their rows are given (even empty)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7F5")
    for sheet, columns, rows in (
        (ITEMS, ITEM_COLUMNS, item_rows),
        (MATERIALS, MATERIAL_COLUMNS, material_rows),
        (LEGAL, LEGAL_COLUMNS, legal_rows),
        (FEES, FEE_COLUMNS, fee_rows),
        (PLACES, PLACE_COLUMNS, place_rows),
    ):
        if rows is None:
            continue
        ws = wb.create_sheet(sheet)
        for i, c in enumerate(columns):
            ws.column_dimensions[_letter(i)].width = c.width
        ws.freeze_panes = "B2"
        header = []
        for c in columns:
            cell = WriteOnlyCell(ws, value=f"{c.header}*" if c.required else c.header)
            cell.font, cell.fill = bold, fill
            header.append(cell)
        ws.append(header)
        keys = [c.key for c in columns]
        for row in rows:
            ws.append([_cell(ws, row.get(k)) for k in keys])
    guide = wb.create_sheet(GUIDE)
    guide.column_dimensions["A"].width = 14
    guide.column_dimensions["B"].width = 22
    guide.column_dimensions["C"].width = 8
    guide.column_dimensions["D"].width = 90
    wrap = Alignment(wrap_text=True, vertical="top")
    title = WriteOnlyCell(
        guide,
        value="事项目录导入模板填写说明：带 * 的列必填；编码列请使用文本格式；三张表以“实施编码”对应。整个文件通过校验后才会导入，有任何错误则不导入并列出每个错误单元格。",
    )
    title.font = bold
    guide.append([title])
    guide.append([WriteOnlyCell(guide, value=v) for v in ("工作表", "列", "必填", "说明")])
    for sheet, columns in SHEETS.items():
        for c in columns:
            help_cell = WriteOnlyCell(guide, value=c.help)
            help_cell.alignment = wrap
            guide.append([sheet, c.header, "是" if c.required else "", help_cell])
    lookup = wb.create_sheet(LOOKUP)
    for i, width in enumerate((18, 30, 40, 22)):
        lookup.column_dimensions[_letter(i)].width = width
    lookup.append(["分类", "代码", "名称", "补充"])
    for code, label in codes.ITEM_TYPES.items():
        lookup.append(["事项类型", code, label, ""])
    for code, label in codes.PUBLIC_DOMAINS.items():
        lookup.append(["公共服务领域", code, label, ""])
    for code, label in codes.LEVELS.items():
        lookup.append(["行使层级", code, label, ""])
    for code, label in codes.TIERS.items():
        lookup.append(["受理/帮办/代办层级", code, label, ""])
    for code, (label, audience) in codes.TAGS.items():
        lookup.append(["企业标签" if audience == codes.ENTERPRISE else "个人标签", code, label, ""])
    for rank, label in codes.LEGAL_RANKS.items():
        lookup.append(["设定依据位阶", rank, label, "按位阶从高到低排列"])
    for d in departments or []:
        lookup.append(["实施机关", *(_cell(lookup, v) for v in (d.credit_code, d.name, d.institution.name))])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


# What a spreadsheet may read as the start of a formula (OWASP "CSV injection"): =, +, -, @, tab, CR.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(ws, value):
    """A value for an exported row. Text that a spreadsheet could take for a formula is written as a
    string cell with Excel's quote prefix (the leading ' a user would type), never as a formula: the
    text itself is unchanged, so our import reads back exactly what was exported."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value


def _departments_for_lookup():
    return list(
        Department.objects.filter(is_active=True).exclude(credit_code="").select_related("institution")
    )


def export_workbook(*, on: datetime.date) -> tuple[bytes, int]:
    from bangban.catalog.selectors import versions_in_force

    versions = (
        versions_in_force(on=on)
        .prefetch_related("materials", "legal_bases", "fee_items", "places__institution")
        .order_by("basic_code", "implementation_code")
    )
    items, materials, legal, fees, places = [], [], [], [], []
    for version in versions.iterator(chunk_size=1000):
        i, m, lb = version_rows(version)
        items.append(i)
        materials.extend(m)
        legal.extend(lb)
        f, p = guide_rows(version)
        fees.extend(f)
        places.extend(p)
    data = write_workbook(
        items, materials, legal, departments=_departments_for_lookup(), fee_rows=fees, place_rows=places
    )
    return data, len(items)


def template_workbook() -> bytes:
    """Headers, one example item (with a real legal basis) and the explanation sheets."""
    departments = _departments_for_lookup()
    dept = departments[0] if departments else None
    credit = dept.credit_code if dept else "11320505MB1710001J"
    code = codes.implementation_code_assemble(credit, "4", "000105003001")
    example = {
        "implementation_code": code,
        "name": "食品经营许可（新办）",
        "item_type": "01",
        "basic_code": "000105003001",
        "main_basic_code": "000105003000",
        "main_item_name": "食品经营许可",
        "competent_department": "市场监督管理部门",
        "department": dept.name if dept else "苏州高新区市场监督管理局",
        "department_institution": dept.institution.name if dept else "苏州高新区政务服务中心",
        "level": "4",
        "handling_tiers": "政务服务中心、便民服务中心",
        "help_tiers": "政务服务中心、便民服务中心、便民服务站",
        "agency_tiers": "政务服务中心、便民服务中心",
        "statutory_days": 10,
        "promised_days": 5,
        "is_immediate": "承诺件",
        "charges_fee": "否",
        "channels": "窗口、网上",
        "enterprise_tags": "准营准办",
        "result_name": "食品经营许可证",
        "conditions": "依法取得营业执照的市场主体，有与经营的食品品种、数量相适应的经营场所",
        "procedure": "申请 → 受理 → 审查（必要时现场核查）→ 决定 → 发证",
        "consult_phone": "0512-12345",
        "complaint_phone": "12345",
        "service_objects": "企业法人、非法人企业",
        "visits": 0,
        "online_depth": "四级",
        "delivery_methods": "电子证照、邮寄送达",
        "not_applicable": "中介服务、数量限制、收费项目",
        "valid_from": timezone.localdate().isoformat(),
    }
    materials = [
        {
            "implementation_code": code,
            "name": "食品经营许可申请书",
            "kind": "原件",
            "copies": 1,
            "required": "必要",
            "source": "申请人自备",
        },
        {
            "implementation_code": code,
            "name": "营业执照",
            "kind": "电子件",
            "copies": 1,
            "required": "必要",
            "source": "数据共享",
        },
    ]
    legal = [
        {
            "implementation_code": code,
            "rank": "法律",
            "title": "《中华人民共和国食品安全法》",
            "article": "第三十五条",
            "text": "国家对食品生产经营实行许可制度。从事食品生产、食品销售、餐饮服务，应当依法取得许可。",
        }
    ]
    places = [
        {
            "implementation_code": code,
            "institution": "",
            "address": dept.institution.address
            if dept and dept.institution.address
            else "政务服务中心综合窗口",
            "hours": "工作日 9:00–12:00，13:30–17:00",
            "phone": "",
        }
    ]
    return write_workbook(
        [example], materials, legal, departments=departments, fee_rows=[], place_rows=places
    )
