"""The legal elements of a version as plain data: cleaning (shared by services, API and import) and display.

`clean(raw)` takes a dict of typed values (the department as an `org.Department`, numbers as int,
tiers/tags/channels as strings or lists) and returns the model field values plus every problem
found, as (field, code, message). Nothing here writes to the database.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from bangban.catalog import codes

# Scalar element fields of ItemVersion, in display order.
SCALAR_FIELDS = [
    "name",
    "item_type",
    "public_domain",
    "basic_code",
    "implementation_code",
    "main_basic_code",
    "main_item_name",
    "competent_department",
    "department",
    "level",
    "handling_tiers",
    "help_tiers",
    "agency_tiers",
    "statutory_days",
    "promised_days",
    "is_immediate",
    "charges_fee",
    "fee_amount",
    "fee_basis",
    "channel_window",
    "channel_online",
    "channel_mail",
    "tags",
    "conditions",
    "procedure",
    "result_name",
    "location",
    "consult_phone",
    # 办事指南 elements (issue 11)
    "service_objects",
    "visits",
    "online_depth",
    "intermediary",
    "quantity_limit",
    "delivery_methods",
    "complaint_phone",
    "not_applicable",
]

LABELS = {
    "name": "事项名称",
    "item_type": "事项类型",
    "public_domain": "公共服务领域",
    "basic_code": "基本编码",
    "implementation_code": "实施编码",
    "main_basic_code": "主项基本编码",
    "main_item_name": "主项名称",
    "competent_department": "主管部门",
    "department": "实施机关",
    "level": "行使层级",
    "handling_tiers": "受理层级",
    "help_tiers": "可帮办层级",
    "agency_tiers": "可代办层级",
    "statutory_days": "法定时限（工作日）",
    "promised_days": "承诺时限（工作日）",
    "is_immediate": "办件类型",
    "charges_fee": "是否收费",
    "fee_amount": "收费金额（元）",
    "fee_basis": "收费依据",
    "channels": "办理渠道",
    "channel_window": "窗口办理",
    "channel_online": "网上办理",
    "channel_mail": "邮寄办理",
    "tags": "重点领域标签",
    "conditions": "申请条件",
    "procedure": "办理流程",
    "result_name": "办理结果",
    "location": "办理地点",
    "consult_phone": "咨询电话",
    "is_suspended": "暂停办理",
    "legal_bases": "设定依据",
    "materials": "申请材料",
    "service_objects": "服务对象",
    "visits": "到现场次数",
    "online_depth": "网办深度",
    "intermediary": "中介服务",
    "quantity_limit": "数量限制",
    "delivery_methods": "结果送达方式",
    "complaint_phone": "监督投诉电话",
    "not_applicable": "标为不适用的要素",
    "fee_items": "收费项目",
    "places": "办理地点和时间",
}

TEXT_LIMITS = {
    "name": 200,
    "main_item_name": 200,
    "competent_department": 100,
    "fee_basis": 300,
    "result_name": 200,
    "location": 300,
    "consult_phone": 60,
    "intermediary": 300,
    "quantity_limit": 300,
    "complaint_phone": 60,
}

# 申请条件 and 办理流程 are free text, bounded all the same (forms and API say so too).
LONG_TEXT_LIMIT = 4000

LEGAL_FIELDS = ["rank", "title", "article", "text"]
MATERIAL_FIELDS = [
    "name",
    "kind",
    "copies",
    "required",
    "condition",
    "source",
    "notes",
    "blank_form",
    "sample",
]

FEE_FIELDS = ["name", "amount", "basis", "reduction"]
PLACE_FIELDS = ["institution", "address", "hours", "phone"]

Problem = tuple[str, str, str]


# ---- 办事指南: what a complete guide answers (issue 11) -----------------------------------------

# (key, label) of every element a citizen's guide must answer, in reading order.
GUIDE_ELEMENTS = [
    ("service_objects", "服务对象"),
    ("conditions", "申请条件"),
    ("materials", "申请材料"),
    ("procedure", "办理流程"),
    ("places", "办理地点和时间"),
    ("visits", "到现场次数"),
    ("online_depth", "网办深度"),
    ("intermediary", "中介服务"),
    ("quantity_limit", "数量限制"),
    ("fees", "收费项目"),
    ("result_name", "办理结果"),
    ("delivery_methods", "结果送达方式"),
    ("legal_bases", "设定依据"),
    ("consult_phone", "咨询电话"),
    ("complaint_phone", "监督投诉电话"),
]
GUIDE_LABELS = dict(GUIDE_ELEMENTS)
# Elements that may be explicitly marked 不适用 instead of filled (fees 不适用 = 不收费; places and
# online depth for items handled wholly online or wholly at the window). The others always apply.
NA_ALLOWED = ("conditions", "places", "online_depth", "intermediary", "quantity_limit", "fees")
_TEXT_ELEMENTS = ("conditions", "procedure", "intermediary", "quantity_limit", "result_name")
_PHONE_ELEMENTS = ("consult_phone", "complaint_phone")
_LIST_ELEMENTS = {"materials": "materials", "legal_bases": "legal_bases", "places": "places"}


def _rows(version, name: str) -> list:
    rows = getattr(version, name, None)
    if rows is None:
        return []
    if hasattr(rows, "all"):
        rows = rows.all()
    return list(rows)


def _filled(version, key: str) -> bool:
    if key in _TEXT_ELEMENTS or key in _PHONE_ELEMENTS:
        return bool(str(getattr(version, key, "") or "").strip())
    if key in _LIST_ELEMENTS:
        return bool(_rows(version, _LIST_ELEMENTS[key]))
    if key in ("service_objects", "delivery_methods"):
        return bool(codes.tags_decode(getattr(version, key, "") or ""))
    if key == "visits":
        return getattr(version, "visits", None) is not None
    if key == "online_depth":
        return getattr(version, "online_depth", "") in codes.ONLINE_DEPTHS
    if key == "fees":
        legacy = (
            bool(getattr(version, "charges_fee", False)) and getattr(version, "fee_amount", None) is not None
        )
        return bool(_rows(version, "fee_items")) or legacy
    raise KeyError(key)


def guide_missing(version) -> list[str]:
    """Labels of the 办事指南 elements that are neither filled nor marked 不适用, in reading order.

    The one definition of a complete guide (信息公开率 counts offered items whose guide is
    complete): empty means complete. `version` is an ItemVersion or anything with its attributes
    (`materials`, `legal_bases`, `fee_items`, `places` as lists or related managers). A 不适用 mark
    counts only for the elements in NA_ALLOWED.
    """
    marked = set(codes.tags_decode(getattr(version, "not_applicable", "") or "")) & set(NA_ALLOWED)
    return [label for key, label in GUIDE_ELEMENTS if key not in marked and not _filled(version, key)]


def _int_or_none(value, field: str, label: str, problems: list[Problem]):
    if value in (None, ""):
        return None
    try:
        number = int(value)
        if isinstance(value, float) and value != number:
            raise ValueError
        if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
            raise ValueError
        return number
    except (TypeError, ValueError):
        problems.append((field, "invalid", f"{label}应为整数"))
        return None


def _bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "是", "y")
    return bool(value)


def clean(raw: dict, *, complete: bool = False) -> tuple[dict, list[dict], list[dict], list[Problem]]:
    """(scalar values, legal bases, materials, problems). `complete` also demands materials and legal bases.

    The 办事指南 children come back inside the values, as `values["fee_items"]` and
    `values["places"]` (lists of dicts; None when `raw` did not give them: keep the stored ones);
    `split_children(values)` takes them out before the values are set on a model.
    """
    problems: list[Problem] = []
    v: dict = {}
    for field, limit in TEXT_LIMITS.items():
        v[field] = str(raw.get(field) or "").strip()
        if len(v[field]) > limit:
            problems.append((field, "too_long", f"{LABELS[field]}不能超过 {limit} 个字符"))
    for field in ("conditions", "procedure"):
        v[field] = str(raw.get(field) or "").strip()
        if len(v[field]) > LONG_TEXT_LIMIT:
            problems.append((field, "too_long", f"{LABELS[field]}不能超过 {LONG_TEXT_LIMIT} 个字符"))
    if not v["name"]:
        problems.append(("name", "required", "事项名称不能为空"))
    if not v["competent_department"]:
        problems.append(("competent_department", "required", "主管部门不能为空"))

    v["item_type"] = str(raw.get("item_type") or "").strip()
    v["public_domain"] = str(raw.get("public_domain") or "").strip()
    problems += codes.type_problems(v["item_type"], v["public_domain"])

    v["basic_code"] = str(raw.get("basic_code") or "").strip()
    if problem := codes.basic_code_problem(v["basic_code"]):
        problems.append(("basic_code", "invalid", problem))
    v["main_basic_code"] = str(raw.get("main_basic_code") or "").strip()
    problems += codes.main_item_problems(v["basic_code"], v["main_basic_code"], v["main_item_name"])

    v["level"] = str(raw.get("level") or "").strip()
    if problem := codes.level_problem(v["level"]):
        problems.append(("level", "invalid", problem))

    department = raw.get("department")
    v["department"] = department
    if department is None:
        problems.append(("department", "required", "请选择实施机关（进驻部门）"))

    # The implementation code is assembled from its parts; a given one must agree with them.
    given = str(raw.get("implementation_code") or "").strip().upper()
    v["implementation_code"] = given
    parts_ok = (
        department is not None
        and not codes.basic_code_problem(v["basic_code"])
        and not codes.level_problem(v["level"])
    )
    if department is not None and (credit_problem := codes.credit_code_problem(department.credit_code or "")):
        problems.append(
            (
                "department",
                "invalid_credit_code",
                f"实施机关“{department.name}”的统一社会信用代码无效（{credit_problem}），无法生成实施编码",
            )
        )
        parts_ok = False
    if given and (problem := codes.implementation_code_problem(given)):
        problems.append(("implementation_code", "invalid", problem))
    elif parts_ok:
        assembled = codes.implementation_code_assemble(department.credit_code, v["level"], v["basic_code"])
        if given and (
            mismatch := codes.implementation_code_mismatch(
                given, credit_code=department.credit_code, level=v["level"], basic_code=v["basic_code"]
            )
        ):
            problems.append(("implementation_code", "mismatch", mismatch))
        v["implementation_code"] = assembled

    for field in ("handling_tiers", "help_tiers", "agency_tiers"):
        try:
            v[field] = codes.tiers_normalize(raw.get(field))
        except ValueError as exc:
            problems.append((field, "invalid", f"{LABELS[field]}：{exc}"))
            v[field] = ""
    if not v["handling_tiers"] and not any(p[0] == "handling_tiers" for p in problems):
        problems.append(("handling_tiers", "required", "请至少选择一个受理层级"))

    v["is_immediate"] = _bool(raw.get("is_immediate"))
    v["statutory_days"] = _int_or_none(raw.get("statutory_days"), "statutory_days", "法定时限", problems)
    promised = _int_or_none(raw.get("promised_days"), "promised_days", "承诺时限", problems)
    if promised is None and v["is_immediate"]:
        promised = 0
    v["promised_days"] = promised if promised is not None else 0
    if promised is None and not v["is_immediate"] and not any(p[0] == "promised_days" for p in problems):
        problems.append(("promised_days", "required", "承诺件须填写承诺时限（工作日）"))
    else:
        problems += codes.time_limit_problems(v["statutory_days"], promised, v["is_immediate"])

    v["charges_fee"] = _bool(raw.get("charges_fee"))
    amount = raw.get("fee_amount")
    try:
        v["fee_amount"] = None if amount in (None, "") else Decimal(str(amount)).quantize(Decimal("0.01"))
        if v["fee_amount"] is not None and Decimal(str(amount)) != v["fee_amount"]:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems.append(("fee_amount", "invalid", "收费金额应为数字（元，最多两位小数）"))
        v["fee_amount"] = None
    else:
        problems += codes.fee_problems(v["charges_fee"], v["fee_amount"], v["fee_basis"])
    if not v["charges_fee"]:
        v["fee_amount"] = None

    if "channels" in raw:
        try:
            channels = codes.channels_normalize(raw.get("channels"))
        except ValueError as exc:
            problems.append(("channels", "invalid", str(exc)))
            channels = []
    else:
        channels = [c for c in codes.CHANNELS if _bool(raw.get(f"channel_{c}"))]
    v["channel_window"], v["channel_online"], v["channel_mail"] = (
        c in channels for c in ("window", "online", "mail")
    )
    if not channels and not any(p[0] == "channels" for p in problems):
        problems.append(("channels", "required", "请至少选择一种办理渠道（窗口、网上、邮寄）"))

    tags = raw.get("tags")
    try:
        if isinstance(tags, str) and tags.startswith(","):
            tag_codes = codes.tags_decode(tags)
            codes.tags_normalize(tag_codes)
        else:
            tag_codes = codes.tags_normalize(tags)
        v["tags"] = codes.tags_encode(tag_codes)
    except ValueError as exc:
        problems.append(("tags", "invalid", f"重点领域标签：{exc}"))
        v["tags"] = ""

    _clean_guide(raw, v, problems)

    legal = [_clean_legal(e) for e in raw.get("legal_bases") or []]
    materials = [_clean_material(m) for m in raw.get("materials") or []]
    legal_problems = codes.legal_basis_problems(legal)
    material_problems = codes.material_problems(materials)
    if not complete:
        legal_problems = [p for p in legal_problems if p[0] != "legal_bases"]
        material_problems = [p for p in material_problems if p[0] != "materials"]
    problems += legal_problems + material_problems
    if not legal_problems:
        legal = codes.legal_basis_order(legal)
    return v, legal, materials, problems


def _clean_guide(raw: dict, v: dict, problems: list[Problem]) -> None:
    """The 办事指南 elements (issue 11): multi-valued codes, 到现场次数, 网办深度, 不适用 marks, fee items
    and places. Fee items, when given, make the item a charging one with their sum as its amount."""
    for field, vocabulary in (
        ("service_objects", codes.SERVICE_OBJECTS),
        ("delivery_methods", codes.DELIVERY_METHODS),
    ):
        try:
            v[field] = codes.tags_encode(codes.multi_normalize(raw.get(field), vocabulary, LABELS[field]))
        except ValueError as exc:
            problems.append((field, "invalid", str(exc)))
            v[field] = ""
    v["visits"] = _int_or_none(raw.get("visits"), "visits", "到现场次数", problems)
    if v["visits"] is not None and not 0 <= v["visits"] <= codes.MAX_VISITS:
        problems.append(("visits", "invalid", f"到现场次数应为 0–{codes.MAX_VISITS}（0 为零跑动）"))
        v["visits"] = None
    depth = str(raw.get("online_depth") or "").strip()
    if depth and depth not in codes.ONLINE_DEPTHS:
        problems.append(("online_depth", "invalid", "网办深度应为 1–4 级"))
        depth = ""
    v["online_depth"] = depth
    try:
        marked = codes.multi_normalize(
            raw.get("not_applicable"), {key: GUIDE_LABELS[key] for key in NA_ALLOWED}, "可标为不适用的要素"
        )
    except ValueError as exc:
        problems.append(("not_applicable", "invalid", str(exc)))
        marked = []
    v["not_applicable"] = codes.tags_encode(marked)

    fees = raw.get("fee_items")
    v["fee_items"] = None if fees is None else [_clean_fee(f, i, problems) for i, f in enumerate(fees)]
    places = raw.get("places")
    v["places"] = None if places is None else [_clean_place(p, i, problems) for i, p in enumerate(places)]
    if v["places"]:
        seen: set = set()
        for i, p in enumerate(v["places"]):
            key = getattr(p["institution"], "pk", None)
            if key in seen:
                problems.append(
                    (
                        f"places[{i}].institution",
                        "duplicate",
                        f"办理地点第 {i + 1} 项：同一服务机构只能填写一处",
                    )
                )
            seen.add(key)
    if v["fee_items"]:
        if "fees" in marked:
            problems.append(("not_applicable", "invalid", "已填写收费项目，收费项目不能标为不适用"))
        if not any(p[0].startswith("fee_items") for p in problems):
            v["charges_fee"] = True
            v["fee_amount"] = sum((f["amount"] for f in v["fee_items"]), Decimal("0.00"))
            bases = list(dict.fromkeys(f["basis"] for f in v["fee_items"]))
            v["fee_basis"] = "；".join(bases)[: TEXT_LIMITS["fee_basis"]]
    elif "fees" in marked and v.get("charges_fee"):
        problems.append(("not_applicable", "invalid", "收费事项不能将收费项目标为不适用（不适用即不收费）"))


def _clean_fee(f: dict, i: int, problems: list[Problem]) -> dict:
    where = f"收费项目第 {i + 1} 项"
    out = {k: str(f.get(k) or "").strip() for k in ("name", "basis", "reduction")}
    for key, limit, label, required in (
        ("name", 100, "名称", True),
        ("basis", 300, "收费依据", True),
        ("reduction", 300, "减免政策", False),
    ):
        if required and not out[key]:
            problems.append((f"fee_items[{i}].{key}", "required", f"{where}：须填写{label}"))
        elif len(out[key]) > limit:
            problems.append((f"fee_items[{i}].{key}", "too_long", f"{where}：{label}不能超过 {limit} 个字符"))
    amount = f.get("amount")
    try:
        out["amount"] = Decimal(str(amount)).quantize(Decimal("0.01"))
        if Decimal(str(amount)) != out["amount"] or not Decimal("0") < out["amount"] <= Decimal(
            "99999999.99"
        ):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems.append(
            (f"fee_items[{i}].amount", "invalid", f"{where}：金额应为大于 0 的数字（元，最多两位小数）")
        )
        out["amount"] = Decimal("0.00")
    return out


def _clean_place(p: dict, i: int, problems: list[Problem]) -> dict:
    where = f"办理地点第 {i + 1} 项"
    out = {k: str(p.get(k) or "").strip() for k in ("address", "hours", "phone")}
    out["institution"] = p.get("institution") or None
    for key, limit, label, required in (
        ("address", 300, "办理地点", True),
        ("hours", 200, "办理时间", True),
        ("phone", 60, "联系电话", False),
    ):
        if required and not out[key]:
            problems.append((f"places[{i}].{key}", "required", f"{where}：须填写{label}"))
        elif len(out[key]) > limit:
            problems.append((f"places[{i}].{key}", "too_long", f"{where}：{label}不能超过 {limit} 个字符"))
    return out


def split_children(values: dict) -> tuple[dict, list[dict] | None, list[dict] | None]:
    """(model field values, fee items, places) from `clean`'s values."""
    values = dict(values)
    return values, values.pop("fee_items", None), values.pop("places", None)


def _clean_legal(e: dict) -> dict:
    try:
        rank = int(e.get("rank") or 0)
    except (TypeError, ValueError):
        rank = 0
    return {
        "rank": rank,
        "title": str(e.get("title") or "").strip()[:200],
        "article": str(e.get("article") or "").strip()[:100],
        "text": str(e.get("text") or "").strip(),
    }


def _clean_material(m: dict) -> dict:
    copies = m.get("copies", 1)
    try:
        copies = int(copies) if copies not in (None, "") else 1
    except (TypeError, ValueError):
        copies = -1
    return {
        "name": str(m.get("name") or "").strip()[:200],
        "kind": m.get("kind") or "original",
        "copies": copies,
        "required": _bool(m.get("required", True)),
        "condition": str(m.get("condition") or "").strip()[:300],
        "source": m.get("source") or "applicant",
        "notes": str(m.get("notes") or "").strip()[:300],
        "blank_form": m.get("blank_form") or "",
        "sample": m.get("sample") or "",
    }


# ---- reading a version back ------------------------------------------------------------------


def raw_from_version(version) -> dict:
    """A version's elements as input for `clean` (used to copy a version into a draft)."""
    raw = {f: getattr(version, f) for f in SCALAR_FIELDS}
    raw["legal_bases"] = [{f: getattr(e, f) for f in LEGAL_FIELDS} for e in version.legal_bases.all()]
    raw["materials"] = [
        {
            **{f: getattr(m, f) for f in MATERIAL_FIELDS},
            "blank_form": m.blank_form.name,
            "sample": m.sample.name,
        }
        for m in version.materials.all()
    ]
    raw["fee_items"] = [{f: getattr(e, f) for f in FEE_FIELDS} for e in version.fee_items.all()]
    raw["places"] = [{f: getattr(p, f) for f in PLACE_FIELDS} for p in version.places.all()]
    return raw


def legal_line(e) -> str:
    rank = codes.LEGAL_RANKS.get(e.rank, "")
    text = f"：{e.text}" if e.text else ""
    return f"【{rank}】{e.title}{e.article}{text}"


def material_line(m) -> str:
    need = "必要" if m.required else f"按情形提交（{m.condition}）"
    notes = f"；{m.notes}" if m.notes else ""
    return f"{m.name}（{codes.MATERIAL_KINDS.get(m.kind, m.kind)} {m.copies} 份，{need}，{codes.MATERIAL_SOURCES.get(m.source, m.source)}{notes}）"


def fee_line(f) -> str:
    reduction = f"；减免：{f.reduction}" if f.reduction else ""
    return f"{f.name} {f.amount} 元（依据：{f.basis}{reduction}）"


def place_line(p) -> str:
    who = p.institution.name if p.institution_id else "各办理机构"
    phone = f"；电话 {p.phone}" if p.phone else ""
    return f"{who}：{p.address}；{p.hours}{phone}"


def display(version) -> dict[str, object]:
    """{field: text or list of lines} for the side-by-side diff and the version pages."""
    if version is None:
        return {}
    out: dict[str, object] = {
        "name": version.name,
        "item_type": f"{version.item_type} {codes.ITEM_TYPES.get(version.item_type, '')}",
        "public_domain": codes.PUBLIC_DOMAINS.get(version.public_domain, ""),
        "basic_code": version.basic_code,
        "implementation_code": version.implementation_code,
        "main_basic_code": version.main_basic_code,
        "main_item_name": version.main_item_name,
        "competent_department": version.competent_department,
        "department": version.department.name if version.department_id else "",
        "level": f"{version.level} {version.level_label}",
        "handling_tiers": codes.tiers_label(version.handling_tiers),
        "help_tiers": codes.tiers_label(version.help_tiers),
        "agency_tiers": codes.tiers_label(version.agency_tiers),
        "statutory_days": "无" if version.statutory_days is None else f"{version.statutory_days} 个工作日",
        "promised_days": f"{version.promised_days} 个工作日",
        "is_immediate": version.case_kind_label,
        "charges_fee": "收费" if version.charges_fee else "不收费",
        "fee_amount": "" if version.fee_amount is None else f"{version.fee_amount} 元",
        "fee_basis": version.fee_basis,
        "channels": "、".join(version.channel_labels),
        "tags": "、".join(version.tag_labels),
        "conditions": version.conditions,
        "procedure": version.procedure,
        "result_name": version.result_name,
        "location": version.location,
        "consult_phone": version.consult_phone,
        "is_suspended": "是" if version.is_suspended else "否",
        "legal_bases": [legal_line(e) for e in version.legal_bases.all()],
        "materials": [material_line(m) for m in version.materials.all()],
        "service_objects": "、".join(version.service_object_labels),
        "visits": version.visits_label,
        "online_depth": codes.ONLINE_DEPTHS.get(version.online_depth, ""),
        "intermediary": version.intermediary,
        "quantity_limit": version.quantity_limit,
        "delivery_methods": "、".join(version.delivery_labels),
        "complaint_phone": version.complaint_phone,
        "not_applicable": "、".join(GUIDE_LABELS.get(k, k) for k in version.not_applicable_keys),
        "fee_items": [fee_line(f) for f in version.fee_items.all()],
        "places": [place_line(p) for p in version.places.all()],
    }
    return out


DIFF_FIELDS = [
    *[f for f in SCALAR_FIELDS[: SCALAR_FIELDS.index("channel_window")]],
    "channels",
    *[f for f in SCALAR_FIELDS[SCALAR_FIELDS.index("tags") :]],
    "is_suspended",
    "legal_bases",
    "materials",
    "fee_items",
    "places",
]


LIST_FIELDS = ("legal_bases", "materials", "fee_items", "places")


def diff(before: dict, after: dict) -> list[dict]:
    """Side-by-side rows: {field, label, before, after, changed}; list fields mark lines only on one side."""
    rows = []
    for field in DIFF_FIELDS:
        b, a = before.get(field, "" if field not in LIST_FIELDS else []), after.get(field)
        if a is None:
            a = [] if isinstance(b, list) else ""
        row = {"field": field, "label": LABELS[field], "changed": b != a}
        if isinstance(a, list) or isinstance(b, list):
            b, a = list(b or []), list(a or [])
            row["before"] = [{"text": line, "mark": line not in a} for line in b]
            row["after"] = [{"text": line, "mark": line not in b} for line in a]
            row["is_list"] = True
        else:
            row["before"], row["after"], row["is_list"] = b, a, False
        rows.append(row)
    return rows


NA_TEXT = {"fees": "不收费", "intermediary": "无", "quantity_limit": "无", "conditions": "无特别条件"}


def guide_text(version, key: str) -> str:
    """A scalar guide element as a citizen reads it: its value, 不适用 (or 无 / 不收费), or 暂未公布."""
    if key == "service_objects":
        value = "、".join(version.service_object_labels)
    elif key == "delivery_methods":
        value = "、".join(version.delivery_labels)
    elif key == "visits":
        value = version.visits_label
    elif key == "online_depth":
        value = codes.ONLINE_DEPTHS.get(version.online_depth, "")
    else:
        value = str(getattr(version, key, "") or "").strip()
    if value:
        return value
    if key in NA_ALLOWED and version.is_na(key):
        return NA_TEXT.get(key, "不适用")
    return "暂未公布"
