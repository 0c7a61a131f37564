import string

from hypothesis import given
from hypothesis import strategies as st

from bangban.core import ids


def test_resident_id_known_valid():
    assert ids.is_valid_resident_id("11010519491231002X")
    assert ids.is_valid_resident_id("11010519491231002x")


def test_resident_id_rules_named():
    assert "18 位" in ids.resident_id_problem("1101051949123100")
    assert "校验位" in ids.resident_id_problem("110105194912310021")
    assert "出生日期" in ids.resident_id_problem("110105194913310029")
    assert "数字" in ids.resident_id_problem("11010519491231A02X")


@given(st.text(alphabet=string.digits, min_size=17, max_size=17))
def test_resident_id_exactly_one_check_char_is_valid(first17):
    valid = [c for c in "0123456789X" if ids.resident_id_check_char(first17) == c]
    assert len(valid) == 1
    # With a plausible birth date every other check character is refused.
    body = first17[:6] + "19800101" + first17[14:]
    good = body + ids.resident_id_check_char(body)
    assert ids.is_valid_resident_id(good)
    for c in "0123456789X":
        if c != good[-1]:
            assert not ids.is_valid_resident_id(body + c)


def test_credit_code_known_valid():
    assert ids.is_valid_credit_code("91350100M000100Y43")


def test_credit_code_rules_named():
    assert "校验位" in ids.credit_code_problem("91350100M000100Y44")
    assert "不允许的字符" in ids.credit_code_problem("91350100M000100I43")
    assert "18 位" in ids.credit_code_problem("91350100M000100Y4")


@given(st.text(alphabet=ids.CREDIT_ALPHABET, min_size=17, max_size=17))
def test_credit_code_single_valid_check_char(first17):
    good = first17 + ids.credit_code_check_char(first17)
    assert ids.is_valid_credit_code(good)
    others = [c for c in ids.CREDIT_ALPHABET if c != good[-1]]
    assert not any(ids.is_valid_credit_code(first17 + c) for c in others)


def test_mobile_and_mask():
    assert ids.mobile_problem("13812345678") is None
    assert ids.mobile_problem("23812345678")
    assert ids.mobile_problem("1381234567")
    assert ids.mask_id("320505199001011234") == "3205**********1234"
