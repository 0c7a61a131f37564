"""The pure catalog rules: code formats, implementation codes with the GB 32100 check, time limits, vocabularies."""

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bangban.catalog import codes, elements
from bangban.core.ids import CREDIT_ALPHABET, credit_code_check_char

VALID_CREDIT = "91350100M000100Y43"

credit_bodies = st.text(alphabet=CREDIT_ALPHABET, min_size=17, max_size=17)
basic_codes = st.text(alphabet="0123456789", min_size=12, max_size=12)
levels = st.sampled_from(sorted(codes.LEVELS))


def credit(body: str) -> str:
    return body + credit_code_check_char(body)


@given(credit_bodies, levels, basic_codes)
def test_assembled_implementation_codes_are_valid_and_split_back(body, level, basic):
    code = codes.implementation_code_assemble(credit(body), level, basic)
    assert len(code) == 31
    assert codes.implementation_code_problem(code) is None
    assert codes.implementation_code_split(code) == (credit(body), level, basic)
    assert (
        codes.implementation_code_mismatch(code, credit_code=credit(body), level=level, basic_code=basic)
        is None
    )


@given(credit_bodies, levels, basic_codes, st.sampled_from(CREDIT_ALPHABET))
def test_a_wrong_check_character_is_caught(body, level, basic, wrong):
    assume(wrong != credit_code_check_char(body))
    code = codes.implementation_code_assemble(body + wrong, level, basic)
    problem = codes.implementation_code_problem(code)
    assert problem and "校验位" in problem and "GB 32100" in problem


@given(credit_bodies, levels, basic_codes, st.integers(0, 30), st.sampled_from(CREDIT_ALPHABET))
def test_any_single_character_change_in_the_credit_part_is_caught(body, level, basic, position, char):
    # GB 32100's weights make every single substitution in the first 18 characters detectable.
    good = credit(body)
    position %= 18
    assume(good[position] != char)
    bad = good[:position] + char + good[position + 1 :]
    assert (
        codes.implementation_code_problem(codes.implementation_code_assemble(bad, level, basic)) is not None
    )


@given(st.text(max_size=40))
def test_implementation_code_problem_never_crashes(text):
    problem = codes.implementation_code_problem(text)
    assert problem is None or isinstance(problem, str)


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("", "不能为空"),
        (VALID_CREDIT + "4" + "00010500100", "31 位"),
        (VALID_CREDIT + "7" + "000105001000", "第 19 位"),
        (VALID_CREDIT + "4" + "00010500100A", "后 12 位"),
        ("91350100M000100Y4X" + "4" + "000105001000", "校验位"),
        ("91350100I000100Y43" + "4" + "000105001000", "不允许的字符"),
    ],
)
def test_implementation_code_problems_name_the_part(code, fragment):
    assert fragment in codes.implementation_code_problem(code)


def test_mismatch_names_the_differing_part():
    code = codes.implementation_code_assemble(VALID_CREDIT, "4", "000105001000")
    assert "信用代码" in codes.implementation_code_mismatch(
        code, credit_code="91110000600037341L", level="4", basic_code="000105001000"
    )
    assert "行使层级" in codes.implementation_code_mismatch(
        code, credit_code=VALID_CREDIT, level="5", basic_code="000105001000"
    )
    assert "基本编码" in codes.implementation_code_mismatch(
        code, credit_code=VALID_CREDIT, level="4", basic_code="000105001001"
    )


@given(st.text(max_size=14))
def test_basic_code_is_exactly_twelve_digits(text):
    ok = codes.basic_code_problem(text) is None
    assert ok == (len(text.strip()) == 12 and text.strip().isascii() and text.strip().isdigit())


@given(st.one_of(st.none(), st.integers(0, codes.MAX_DAYS)), st.integers(0, codes.MAX_DAYS), st.booleans())
def test_time_limits(statutory, promised, immediate):
    problems = {code for _f, code, _m in codes.time_limit_problems(statutory, promised, immediate)}
    assert ("promise_over_statute" in problems) == (statutory is not None and promised > statutory)
    assert ("immediate_promise" in problems) == (immediate and promised != 0)
    assert ("promise_required" in problems) == (not immediate and promised == 0)


def test_time_limit_messages_are_chinese_and_name_both_limits():
    [(field, code, message)] = codes.time_limit_problems(10, 15, False)
    assert (field, code) == ("promised_days", "promise_over_statute")
    assert "15" in message and "10" in message and "不得超过法定时限" in message
    assert codes.time_limit_problems(None, 30, False) == []
    assert codes.time_limit_problems(-1, 3, False)[0][1] == "invalid"


@given(st.lists(st.sampled_from(["1", "2", "3", "政务服务中心", "便民服务中心", "便民服务站"]), max_size=6))
def test_tiers_normalize_is_sorted_unique_and_idempotent(parts):
    value = codes.tiers_normalize("、".join(parts))
    assert value == "".join(sorted(set(value)))
    assert codes.tiers_normalize(value) == value
    assert codes.tiers_normalize(list(value)) == value


def test_tiers_refuse_unknown_values():
    with pytest.raises(ValueError, match="无法识别的层级“省级”"):
        codes.tiers_normalize("政务服务中心、省级")
    assert codes.tiers_label("13") == "政务服务中心、便民服务站"
    assert codes.tiers_label("") == "无"


def test_tags_by_code_or_label_and_audience():
    assert codes.tags_normalize("企业开办、准营准办") == ["startup", "operating_permit"]
    assert codes.tags_normalize(["birth", "出生"]) == ["birth"]
    with pytest.raises(ValueError, match="不是企业类标签"):
        codes.tags_normalize("出生", codes.ENTERPRISE)
    with pytest.raises(ValueError, match="未知标签"):
        codes.tags_normalize("火星移民")
    stored = codes.tags_encode(["startup", "birth"])
    assert stored == ",startup,birth," and codes.tags_decode(stored) == ["startup", "birth"]
    assert codes.tags_encode([]) == ""


def test_channels():
    assert codes.channels_normalize("窗口、网上办理") == ["window", "online"]
    with pytest.raises(ValueError, match="办理渠道"):
        codes.channels_normalize("飞鸽传书")


@given(st.lists(st.integers(1, 6), max_size=8))
def test_legal_bases_are_kept_highest_rank_first_and_stable(ranks):
    entries = [{"rank": r, "title": f"t{i}"} for i, r in enumerate(ranks)]
    ordered = codes.legal_basis_order(entries)
    assert [e["rank"] for e in ordered] == sorted(ranks)
    for rank in set(ranks):
        same = [e["title"] for e in ordered if e["rank"] == rank]
        assert same == [e["title"] for e in entries if e["rank"] == rank]


def test_fee_rules():
    assert codes.fee_problems(False, None, "") == []
    assert {c for _f, c, _m in codes.fee_problems(True, None, "")} == {"required"}
    assert [f for f, _c, _m in codes.fee_problems(True, Decimal("10.00"), "")] == ["fee_basis"]
    assert codes.fee_problems(True, Decimal("10.50"), "《某收费标准》") == []
    assert codes.fee_problems(False, Decimal("5"), "")[0][0] == "fee_amount"


def test_type_and_domain():
    assert codes.type_problems("20", "") == [("public_domain", "required", "公共服务事项须选择公共服务领域")]
    assert codes.type_problems("01", "health")[0][0] == "public_domain"
    assert codes.type_problems("11", "")[0][0] == "item_type"
    assert codes.type_problems("20", "disability") == []


def test_main_and_sub_items():
    assert codes.main_item_problems("000105003001", "", "") == []
    assert codes.main_item_problems("000105003001", "000105003000", "食品经营许可") == []
    fields = {f for f, _c, _m in codes.main_item_problems("000105003001", "000105003001", "")}
    assert fields == {"main_basic_code", "main_item_name"}


def test_materials_and_legal_bases_rules():
    ok = {"name": "申请书", "kind": "original", "copies": 1, "required": True, "source": "applicant"}
    assert codes.material_problems([ok]) == []
    problems = codes.material_problems(
        [ok, dict(ok), {**ok, "name": "委托书", "required": False}, {**ok, "name": "x", "copies": 0}]
    )
    assert {c for _f, c, _m in problems} == {"duplicate", "required", "invalid"}
    assert codes.material_problems([])[0][1] == "required"
    assert codes.legal_basis_problems([{"rank": 9, "title": ""}])[0][0] == "legal_bases[0].rank"


def test_elements_clean_collects_every_problem_at_once():
    _values, _legal, _materials, problems = elements.clean(
        {"item_type": "20", "basic_code": "12", "level": "9", "promised_days": 0, "statutory_days": "x"},
        complete=True,
    )
    fields = {f for f, _c, _m in problems}
    assert {
        "name",
        "competent_department",
        "public_domain",
        "basic_code",
        "level",
        "department",
        "handling_tiers",
        "statutory_days",
        "promised_days",
        "channels",
        "legal_bases",
        "materials",
    } <= fields
