"""Pure rules of the portal: the 关怀版 cookie, the switch's return path, throttles, tap-to-call."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bangban.portal import rules


@pytest.mark.parametrize(
    ("value", "on"), [("1", True), (None, False), ("", False), ("0", False), ("true", False), (" 1", False)]
)
def test_only_the_value_we_set_turns_the_care_mode_on(value, on):
    assert rules.care_on(value) is on


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/items/", "/items/"),
        ("/items/?q=%E7%A4%BE%E4%BF%9D&tag=birth", "/items/?q=%E7%A4%BE%E4%BF%9D&tag=birth"),
        ("/cases/track/abc/", "/cases/track/abc/"),
        ("", "/"),
        (None, "/"),
        ("/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("http:/items/", "/"),
        ("javascript:alert(1)", "/"),
        ("items/", "/"),
        ("/items/\r\nSet-Cookie: x=1", "/"),
        ("/items/\x00", "/"),
        ("/" + "a" * 500, "/"),
        ("/" + "a" * 499, "/" + "a" * 499),
    ],
)
def test_the_switch_returns_only_to_a_local_path(value, expected):
    assert rules.safe_next(value) == expected


@given(st.text(max_size=80))
def test_safe_next_is_always_a_local_path(value):
    out = rules.safe_next(value)
    assert out.startswith("/") and not out.startswith("//") and "\\" not in out[:2]
    assert not any(ord(c) < 32 for c in out)


@pytest.mark.parametrize(
    ("count", "limit", "over"), [(1, 1, False), (2, 1, True), (10, 10, False), (11, 10, True)]
)
def test_over_limit_counts_the_submission_being_made(count, limit, over):
    assert rules.over_limit(count, limit) is over


@pytest.mark.parametrize(
    ("phone", "tel"),
    [
        ("0512-12345", "051212345"),
        ("0512-6666 1234", "051266661234"),
        ("(0512) 66661234", "051266661234"),
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "+8613812345678"),
        ("0512-12345 转 8001", "051212345"),
        ("0512-12345；0512-67890", "051212345"),
        ("", ""),
        ("无", ""),
        (None, ""),
    ],
)
def test_tel_href_dials_the_first_number_only(phone, tel):
    assert rules.tel_href(phone) == tel


def test_limits_are_sane():
    for limit, window in (rules.ASK_LIMIT_PER_IP, rules.ASK_LIMIT_PER_PHONE):
        assert limit >= 1 and window >= 60
    assert rules.CARE_MAX_AGE >= 180 * 24 * 3600  # remembered on the device
