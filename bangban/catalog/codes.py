"""Pure rules of the service-item catalog (no database): vocabularies, code formats and element checks.

- Item types follow GB/T 39046-2020 appendix A.1 (01–10 行政权力, 20 公共服务), public services name
  their domain (Shanghai text §4.2).
- The basic code (事项基本编码) is 12 digits. The implementation code (实施编码) is 31 characters:
  the implementing agency's 18-character unified social credit code (GB 32100, check character
  included) + 1 level digit (行使层级) + the basic code.
- Time limits are working days; a 即办件 is due the same day (promised 0), a 承诺件 promises at least
  one day and never more than the statute allows.

Each `*_problem(s)` function returns None / [] when the value is valid, else Chinese messages
naming the rule; they are shared by the services, the forms and the xlsx import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from bangban.core.ids import credit_code_problem

# GB/T 39046-2020 A.1 事项类型
ITEM_TYPES: dict[str, str] = {
    "01": "行政许可",
    "02": "行政处罚",
    "03": "行政强制",
    "04": "行政征收",
    "05": "行政给付",
    "06": "行政检查",
    "07": "行政确认",
    "08": "行政奖励",
    "09": "行政裁决",
    "10": "其他行政权力",
    "20": "公共服务",
}
PUBLIC_SERVICE = "20"

# Public-service domains (Shanghai text §4.2); required for type 20, empty otherwise.
PUBLIC_DOMAINS: dict[str, str] = {
    "education": "公共教育",
    "employment": "劳动就业",
    "social_insurance": "社会保险",
    "health": "医疗卫生",
    "elderly": "养老服务",
    "social_service": "社会服务",
    "housing": "住房保障",
    "culture_sports": "文化体育",
    "disability": "残疾人服务",
}

# 行使层级: the level digit inside the implementation code.
LEVELS: dict[str, str] = {
    "1": "国家级",
    "2": "省级",
    "3": "市级",
    "4": "县级",
    "5": "镇（乡、街道）级",
    "6": "村（社区）级",
}

# The three service tiers (org.Institution.Tier), for 受理/帮办/代办 层级 (事项下沉).
TIERS: dict[str, str] = {"1": "政务服务中心", "2": "便民服务中心", "3": "便民服务站"}
TIER_ALIASES: dict[str, str] = {
    "1": "1",
    "2": "2",
    "3": "3",
    "政务服务中心": "1",
    "县级": "1",
    "中心": "1",
    "便民服务中心": "2",
    "镇级": "2",
    "镇（街道）": "2",
    "便民服务站": "3",
    "村级": "3",
    "村（社区）": "3",
}

# Key-area tags (重点领域): enterprise life cycle and citizen life events.
ENTERPRISE = "enterprise"
CITIZEN = "citizen"
TAGS: dict[str, tuple[str, str]] = {
    "startup": ("企业开办", ENTERPRISE),
    "construction": ("工程建设", ENTERPRISE),
    "operating_permit": ("准营准办", ENTERPRISE),
    "employment_social": ("用工参保", ENTERPRISE),
    "real_estate": ("不动产登记", ENTERPRISE),
    "tax": ("纳税缴费", ENTERPRISE),
    "closure": ("企业注销", ENTERPRISE),
    "birth": ("出生", CITIZEN),
    "education": ("教育", CITIZEN),
    "job": ("就业创业", CITIZEN),
    "marriage": ("婚姻家庭", CITIZEN),
    "insurance": ("社会保险", CITIZEN),
    "medical": ("医疗卫生", CITIZEN),
    "elderly_care": ("养老", CITIZEN),
    "assistance": ("社会救助", CITIZEN),
    "disabled": ("残疾人", CITIZEN),
    "housing": ("住房", CITIZEN),
}
TAG_BY_LABEL: dict[str, str] = {label: code for code, (label, _a) in TAGS.items()}

CHANNELS: dict[str, str] = {"window": "窗口办理", "online": "网上办理", "mail": "邮寄办理"}
CHANNEL_ALIASES: dict[str, str] = {
    "窗口": "window",
    "窗口办理": "window",
    "网上": "online",
    "网上办理": "online",
    "网办": "online",
    "邮寄": "mail",
    "邮寄办理": "mail",
}

# 设定依据 ranks, highest first (Shanghai text §4.6); 规范性文件 is kept last for public services
# whose basis is a State Council or ministry document rather than a law or rule.
LEGAL_RANKS: dict[int, str] = {
    1: "法律",
    2: "行政法规",
    3: "地方性法规",
    4: "部门规章",
    5: "地方政府规章",
    6: "规范性文件",
}

MATERIAL_KINDS: dict[str, str] = {
    "original": "原件",
    "copy": "复印件",
    "both": "原件和复印件",
    "electronic": "电子件",
}
MATERIAL_SOURCES: dict[str, str] = {
    "applicant": "申请人自备",
    "agency": "政府部门核发",
    "shared": "数据共享（免提交）",
}

MAX_DAYS = 365
BASIC_CODE_LEN = 12
IMPLEMENTATION_CODE_LEN = 31
_BASIC_RE = re.compile(r"^\d{12}$")
SEPARATORS = re.compile(r"[、,，;；/\s]+")


# ---- codes -----------------------------------------------------------------------------------


def basic_code_problem(code: str) -> str | None:
    code = (code or "").strip()
    if not code:
        return "基本编码不能为空"
    if not _BASIC_RE.match(code):
        return "基本编码应为 12 位数字"
    return None


def level_problem(level: str) -> str | None:
    if str(level or "").strip() not in LEVELS:
        return "行使层级应为 1–6 的一位数字（1 国家级、2 省级、3 市级、4 县级、5 镇级、6 村级）"
    return None


def implementation_code_assemble(credit_code: str, level: str, basic_code: str) -> str:
    """The 31-character implementation code; the parts are not checked here (see *_problem)."""
    return f"{(credit_code or '').strip().upper()}{str(level).strip()}{(basic_code or '').strip()}"


def implementation_code_split(code: str) -> tuple[str, str, str]:
    code = (code or "").strip().upper()
    return code[:18], code[18:19], code[19:]


def implementation_code_problem(code: str) -> str | None:
    """Checks the format of a 31-character implementation code, including the GB 32100 check character."""
    code = (code or "").strip().upper()
    if not code:
        return "实施编码不能为空"
    if len(code) != IMPLEMENTATION_CODE_LEN:
        return (
            f"实施编码应为 31 位（18 位统一社会信用代码 + 1 位行使层级 + 12 位基本编码），现为 {len(code)} 位"
        )
    credit, level, basic = implementation_code_split(code)
    if problem := credit_code_problem(credit):
        return f"实施编码前 18 位（实施机关统一社会信用代码）有误：{problem}"
    if level_problem(level):
        return f"实施编码第 19 位（行使层级）应为 1–6，现为“{level}”"
    if basic_code_problem(basic):
        return "实施编码后 12 位（基本编码）应为数字"
    return None


def implementation_code_mismatch(code: str, *, credit_code: str, level: str, basic_code: str) -> str | None:
    """None if `code` is exactly credit code + level + basic code; else which part differs."""
    credit, lvl, basic = implementation_code_split(code)
    if credit != (credit_code or "").strip().upper():
        return f"实施编码前 18 位应为实施机关的统一社会信用代码 {credit_code}"
    if lvl != str(level):
        return f"实施编码第 19 位应为行使层级 {level}"
    if basic != basic_code:
        return f"实施编码后 12 位应为基本编码 {basic_code}"
    return None


# ---- tiers, tags, channels -------------------------------------------------------------------


def tiers_normalize(value: str | Iterable | None) -> str:
    """ "1、3" / ["1", 3] / "政务服务中心、便民服务站" → "13"; raises ValueError naming the bad part."""
    if value is None:
        return ""
    parts = SEPARATORS.split(value.strip()) if isinstance(value, str) else [str(v) for v in value]
    out = set()
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if re.fullmatch(r"[123]{2,3}", part):  # the stored form, "123"
            out.update(part)
            continue
        if part not in TIER_ALIASES:
            raise ValueError(
                f"无法识别的层级“{part}”（可填 政务服务中心、便民服务中心、便民服务站 或 1、2、3）"
            )
        out.add(TIER_ALIASES[part])
    return "".join(sorted(out))


def tiers_label(tiers: str) -> str:
    return "、".join(TIERS[t] for t in tiers if t in TIERS) or "无"


def tags_normalize(value: str | Iterable | None, audience: str | None = None) -> list[str]:
    """Tag codes from codes or Chinese labels; raises ValueError for unknown or wrong-audience tags."""
    if value is None:
        return []
    parts = SEPARATORS.split(value.strip()) if isinstance(value, str) else [str(v) for v in value]
    out: list[str] = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        code = part if part in TAGS else TAG_BY_LABEL.get(part)
        if code is None:
            raise ValueError(f"未知标签“{part}”")
        if audience and TAGS[code][1] != audience:
            who = "企业" if audience == ENTERPRISE else "个人"
            raise ValueError(f"“{TAGS[code][0]}”不是{who}类标签")
        if code not in out:
            out.append(code)
    return out


def tags_encode(codes: Iterable[str]) -> str:
    """Stored as ",a,b," so one `contains` lookup finds a tag on SQLite and PostgreSQL alike."""
    codes = [c for c in codes if c]
    return f",{','.join(codes)}," if codes else ""


def tags_decode(stored: str) -> list[str]:
    return [c for c in (stored or "").split(",") if c]


def channels_normalize(value: str | Iterable | None) -> list[str]:
    if value is None:
        return []
    parts = SEPARATORS.split(value.strip()) if isinstance(value, str) else [str(v) for v in value]
    out: list[str] = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        code = part if part in CHANNELS else CHANNEL_ALIASES.get(part)
        if code is None:
            raise ValueError(f"无法识别的办理渠道“{part}”（可填 窗口、网上、邮寄）")
        if code not in out:
            out.append(code)
    return out


# ---- element rules ---------------------------------------------------------------------------

Problem = tuple[str, str, str]  # (field, code, message)


def time_limit_problems(statutory_days, promised_days, is_immediate: bool) -> list[Problem]:
    """法定时限 / 承诺时限 / 办件类型 rules (domain.md §5)."""
    out: list[Problem] = []
    if statutory_days is not None:
        if not isinstance(statutory_days, int) or statutory_days < 0 or statutory_days > MAX_DAYS:
            out.append(
                ("statutory_days", "invalid", f"法定时限应为 0–{MAX_DAYS} 的整数（工作日），不限可留空")
            )
            statutory_days = None
    if (
        promised_days is None
        or not isinstance(promised_days, int)
        or promised_days < 0
        or promised_days > MAX_DAYS
    ):
        out.append(("promised_days", "invalid", f"承诺时限应为 0–{MAX_DAYS} 的整数（工作日）"))
        return out
    if is_immediate and promised_days != 0:
        out.append(("promised_days", "immediate_promise", "即办件当场办结，承诺时限应为 0 个工作日"))
    if not is_immediate and promised_days == 0:
        out.append(
            ("promised_days", "promise_required", "承诺件的承诺时限至少为 1 个工作日；当场办结的请选择即办件")
        )
    if statutory_days is not None and promised_days > statutory_days:
        out.append(
            (
                "promised_days",
                "promise_over_statute",
                f"承诺时限（{promised_days} 个工作日）不得超过法定时限（{statutory_days} 个工作日）",
            )
        )
    return out


def fee_problems(charges_fee: bool, fee_amount, fee_basis: str) -> list[Problem]:
    out: list[Problem] = []
    if charges_fee:
        if fee_amount is None or Decimal(fee_amount) <= 0:
            out.append(("fee_amount", "required", "收费事项须填写大于 0 的收费金额（元）"))
        elif Decimal(fee_amount) > Decimal("99999999.99") or Decimal(fee_amount).as_tuple().exponent < -2:
            out.append(("fee_amount", "invalid", "收费金额最多两位小数，且不超过 99999999.99 元"))
        if not (fee_basis or "").strip():
            out.append(("fee_basis", "required", "收费事项须填写收费依据"))
    elif fee_amount not in (None, "") and Decimal(fee_amount) != 0:
        out.append(("fee_amount", "invalid", "不收费的事项不应填写收费金额"))
    return out


def type_problems(item_type: str, public_domain: str) -> list[Problem]:
    out: list[Problem] = []
    if item_type not in ITEM_TYPES:
        out.append(("item_type", "invalid", "事项类型应为 GB/T 39046 的 01–10 或 20（公共服务）"))
        return out
    if item_type == PUBLIC_SERVICE and public_domain not in PUBLIC_DOMAINS:
        out.append(("public_domain", "required", "公共服务事项须选择公共服务领域"))
    if item_type != PUBLIC_SERVICE and public_domain:
        out.append(("public_domain", "invalid", "只有公共服务事项填写公共服务领域"))
    return out


def main_item_problems(basic_code: str, main_basic_code: str, main_item_name: str) -> list[Problem]:
    """A sub item (子项) names its main item (主项) by basic code and name; a main item leaves both blank."""
    out: list[Problem] = []
    if not main_basic_code:
        if main_item_name:
            out.append(("main_basic_code", "required", "填写了主项名称时须同时填写主项基本编码"))
        return out
    if problem := basic_code_problem(main_basic_code):
        out.append(("main_basic_code", "invalid", problem.replace("基本编码", "主项基本编码")))
    elif main_basic_code == basic_code:
        out.append(("main_basic_code", "invalid", "主项基本编码不能与本事项的基本编码相同"))
    if not (main_item_name or "").strip():
        out.append(("main_item_name", "required", "子项须填写所属主项名称"))
    return out


def legal_basis_order(entries: list[dict]) -> list[dict]:
    """Rank order, highest first (法律 → 行政法规 → … ); the given order is kept within a rank."""
    return sorted(entries, key=lambda e: int(e["rank"]))


def legal_basis_problems(entries: list[dict]) -> list[Problem]:
    out: list[Problem] = []
    if not entries:
        out.append(("legal_bases", "required", "至少须有一条设定依据"))
    for i, e in enumerate(entries, 1):
        where = f"设定依据第 {i} 条"
        if int(e.get("rank") or 0) not in LEGAL_RANKS:
            out.append(
                (
                    f"legal_bases[{i - 1}].rank",
                    "invalid",
                    f"{where}：位阶应为法律、行政法规、地方性法规、部门规章、地方政府规章或规范性文件",
                )
            )
        if not (e.get("title") or "").strip():
            out.append((f"legal_bases[{i - 1}].title", "required", f"{where}：须填写依据名称"))
    return out


def material_problems(entries: list[dict]) -> list[Problem]:
    out: list[Problem] = []
    if not entries:
        out.append(("materials", "required", "至少须有一项申请材料"))
    names: set[str] = set()
    for i, m in enumerate(entries, 1):
        where = f"申请材料第 {i} 项"
        name = (m.get("name") or "").strip()
        if not name:
            out.append((f"materials[{i - 1}].name", "required", f"{where}：须填写材料名称"))
        elif name in names:
            out.append((f"materials[{i - 1}].name", "duplicate", f"{where}：材料“{name}”重复"))
        names.add(name)
        if m.get("kind") not in MATERIAL_KINDS:
            out.append(
                (
                    f"materials[{i - 1}].kind",
                    "invalid",
                    f"{where}：材料形式应为原件、复印件、原件和复印件或电子件",
                )
            )
        copies = m.get("copies")
        if not isinstance(copies, int) or not 1 <= copies <= 99:
            out.append((f"materials[{i - 1}].copies", "invalid", f"{where}：份数应为 1–99 的整数"))
        if m.get("source") not in MATERIAL_SOURCES:
            out.append(
                (
                    f"materials[{i - 1}].source",
                    "invalid",
                    f"{where}：来源渠道应为申请人自备、政府部门核发或数据共享",
                )
            )
        if not m.get("required", True) and not (m.get("condition") or "").strip():
            out.append(
                (f"materials[{i - 1}].condition", "required", f"{where}：按情形提交的材料须写明适用情形")
            )
    return out


# ---- 办事指南 elements (issue 11): what a citizen reads before coming ---------------------------

# 服务对象 (several may apply).
SERVICE_OBJECTS = {
    "person": "自然人",
    "enterprise": "企业法人",
    "institution": "事业单位法人",
    "social_org": "社会组织法人",
    "unincorporated": "非法人企业",
    "authority": "行政机关",
    "other_org": "其他组织",
}

# 网办深度, the four levels of the national 政务服务 online-depth scale.
ONLINE_DEPTHS = {
    "1": "一级：网上提供办事指南、表格下载等信息",
    "2": "二级：在线预约、网上预审，到现场提交材料办理",
    "3": "三级：网上申请受理，到现场核验或领取结果（最多跑一次）",
    "4": "四级：全程网办，结果网上送达（零跑动）",
}

# 结果送达方式 (several may apply).
DELIVERY_METHODS = {
    "window": "窗口领取",
    "mail": "邮寄送达",
    "e_license": "电子证照",
    "online": "网上下载打印",
    "on_site": "上门送达",
}

MAX_VISITS = 9


def visits_label(visits: int | None) -> str:
    """到现场次数 in citizen words: 0 零跑动, 1 最多跑一次, n 跑 n 次."""
    if visits is None:
        return ""
    if visits == 0:
        return "0 次（零跑动）"
    if visits == 1:
        return "1 次（最多跑一次）"
    return f"{visits} 次"


def multi_normalize(value: str | Iterable | None, vocabulary: dict[str, str], what: str) -> list[str]:
    """Codes of a multi-valued element from codes or labels (a list, or text split by 、,;)."""
    if value is None:
        return []
    if isinstance(value, str):
        parts = SEPARATORS.split(value.strip(",").strip())
    else:
        parts = [str(v) for v in value]
    by_label = {label: code for code, label in vocabulary.items()}
    out: list[str] = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        code = part if part in vocabulary else by_label.get(part)
        if code is None:
            raise ValueError(f"无法识别的{what}“{part}”（可填 {'、'.join(vocabulary.values())}）")
        if code not in out:
            out.append(code)
    return out
