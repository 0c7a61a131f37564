"""SMS texts: one per event, short, signed, with the tracking link."""

import datetime as dt

import pytest

from bangban.notifications.texts import SEGMENT, sms_text

CASE = {"case_no": "BB2025000123", "item": "个体工商户设立登记"}


def test_accepted_text_example():
    text = sms_text("accepted", **CASE, due=dt.date(2025, 10, 14), url="https://bb.example.gov.cn/t/AB12")
    assert text == (
        "【帮办代办】您的办件BB2025000123（个体工商户设立登记）已受理，承诺2025年10月14日前办结。"
        "查询：https://bb.example.gov.cn/t/AB12"
    )


@pytest.mark.parametrize(
    "event,extra,expected",
    [
        ("accepted", {"due": dt.date(2025, 10, 14)}, "已受理，承诺2025年10月14日前办结。"),
        ("suspended", {"reason": "缺少营业场所证明"}, "已中止办理，原因：缺少营业场所证明。"),
        ("suspended", {}, "已中止办理，原因：详询承办人员。"),
        ("resumed", {"due": dt.date(2025, 11, 3)}, "已续办，承诺2025年11月3日前办结。"),
        ("transferred", {"institution": "虎丘区政务服务中心"}, "已转至虎丘区政务服务中心办理。"),
        ("completed", {}, "已办结。"),
        ("completed", {"reason": "请到窗口领取证照"}, "已办结：请到窗口领取证照。"),
        ("terminated", {"reason": "申请人撤回申请"}, "已终止办理，原因：申请人撤回申请。"),
        ("other", {}, "有新进展。"),
    ],
)
def test_every_event_fits_one_segment(event, extra, expected):
    text = sms_text(event, **CASE, **extra)
    assert text.startswith("【帮办代办】您的办件BB2025000123（个体工商户设立登记）")
    assert text.endswith(expected)
    assert len(text) <= SEGMENT, (len(text), text)


def test_long_values_are_shortened():
    text = sms_text(
        "terminated",
        case_no="BB2025000123",
        item="建设工程规划许可证核发（建筑类）及配套市政基础设施审批",
        reason="经核查该事项依法不属于本中心受理范围且申请人未能补正材料",
    )
    assert "（建设工程规划许可证核发（建筑类…）" in text
    assert len(text) <= SEGMENT
    assert sms_text("accepted", **CASE).endswith("承诺规定时限前办结。")


def test_signature_is_configurable_and_events_are_checked(settings):
    settings.BANGBAN_SMS_SIGNATURE = "【虎丘政务】"
    assert sms_text("completed", **CASE).startswith("【虎丘政务】")
    with pytest.raises(ValueError):
        sms_text("archived", **CASE)
