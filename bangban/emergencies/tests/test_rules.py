import datetime
from zoneinfo import ZoneInfo

from bangban.emergencies import rules

SH = ZoneInfo("Asia/Shanghai")


def t(h, m=0, d=5):
    return datetime.datetime(2025, 3, d, h, m, tzinfo=SH)


def test_versions():
    assert rules.next_version(None) == 1
    assert rules.next_version(1) == 2
    assert rules.next_version(9) == 10


def test_pdf_header():
    assert rules.pdf_problem(b"%PDF-") is None
    assert rules.pdf_problem(b"PK\x03\x04") == "文件内容不是 PDF"
    assert rules.pdf_problem(b"") == "文件内容不是 PDF"


def test_types_are_the_five_of_the_standard():
    assert [label for _v, label in rules.TYPES] == [
        "自然灾害",
        "社会安全",
        "事故灾难",
        "公共卫生",
        "业务集中办理",
    ]


def test_incident_times():
    now = t(18)
    assert rules.incident_time_problem(t(9), None, now) is None
    assert rules.incident_time_problem(t(9), t(12), now, [t(9), t(10, 30), t(12)]) is None
    assert rules.incident_time_problem(t(19), None, now)[0] == "started_at"
    old = datetime.datetime(1999, 12, 31, 23, tzinfo=SH)
    assert rules.incident_time_problem(old, None, now) == ("started_at", "「发生时间」不能早于 2000 年")
    assert rules.incident_time_problem(t(9), t(8), now)[0] == "ended_at"
    assert rules.incident_time_problem(t(9), t(19), now)[0] == "ended_at"
    assert rules.incident_time_problem(t(9), None, now, [t(8)]) == ("steps", "处置措施的时间不能早于发生时间")
    assert rules.incident_time_problem(t(9), t(12), now, [t(13)])[0] == "steps"
    assert rules.incident_time_problem(t(9), None, now, [t(19)])[0] == "steps"
