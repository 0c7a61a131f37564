"""Exports: a test month validates against the mapping; scope, increments and the audit row."""

from collections import Counter

import pytest

from bangban.audit.models import AuditEvent
from bangban.cases import services as cases
from bangban.core.errors import AccessRefused, ServiceError
from bangban.exchange import mapping, services
from bangban.exchange.tests.conftest import SINCE, UNTIL, at

pytestmark = pytest.mark.django_db


def export(by, kind, **kw):
    records = []
    count, cursor = services.exchange_export_all(by=by, kind=kind, sink=records.extend, **kw)
    assert count == len(records)
    return records, cursor


def test_an_export_of_a_test_month_validates_against_the_mapping(org, month):
    supervisor = org.user("supervisor")
    out = {kind: export(supervisor, kind, since=SINCE, until=UNTIL)[0] for kind in mapping.BY_CODE}
    for kind, records in out.items():
        assert records, kind
        for record in records:
            assert mapping.validate(kind, record) == [], (kind, record)
    # Every mandatory data item was present and non-empty (validate), in every kind; now the content.
    apps = {r["case_number"]: r for r in out["application"]}
    assert set(apps) == {month.help_case.number, month.agency_case.number, month.terminated.number}
    help_app, agency_app = apps[month.help_case.number], apps[month.agency_case.number]
    assert help_app["applicant_id_number"] == "11010519491231002X"  # decrypted for the export
    assert help_app["contact_phone"] == "13812345678" and help_app["applicant_type"] == 1
    assert help_app["agent_name"] is None
    assert (
        agency_app["applicant_type"] == 2 and agency_app["applicant_id_number"] == org.department.credit_code
    )
    assert agency_app["agent_name"] == "测试town_agent" and agency_app["entrust_scope"] == "全程代办"
    assert {r["case_number"] for r in out["acceptance"]} == set(apps)
    assert all(r["case_type"] == mapping.CASE_TYPE_PROMISED for r in out["acceptance"])
    done = {r["case_number"]: r for r in out["completion"]}
    assert done[month.help_case.number]["finish_type"] == 1
    assert done[month.help_case.number]["result"] == "已发放营业执照"
    assert done[month.terminated.number] | {} == done[month.terminated.number]
    assert done[month.terminated.number]["finish_type"] == 2
    assert done[month.terminated.number]["result"] == "申请人撤回申请"
    steps = [r for r in out["step"] if r["case_number"] == month.agency_case.number]
    assert [(s["step_name"], s["action"]) for s in steps] == [
        ("登记", "consulting"),
        ("咨询", "analysing"),
        ("需求分析", "entrusted"),
        ("已委托", "in_progress"),
    ]
    assert steps[3]["started_at"] == "2025-09-11T10:00:00+08:00"  # entrusted on the 11th
    assert steps[3]["ended_at"] == "2025-09-15T10:00:00+08:00"  # started on the 15th
    [review] = out["evaluation"]
    assert review["satisfaction"] == 2 and review["satisfaction_label"] == "不满意"
    assert review["channel"] == "窗口评价器/平板" and review["case_number"] == month.help_case.number
    [complaint] = out["complaint"]
    assert complaint["contact_phone"] == "13700001111" and complaint["complainant"] == "王芳"
    assert out["item"][0]["case_type"] == mapping.CASE_TYPE_PROMISED


def test_scope_and_subtree(org, month):
    other = org.user("other_admin")
    numbers = {r["case_number"] for r in export(other, "application")[0]}
    assert numbers == {month.other_case.number}
    assert {
        r["case_number"] for r in export(org.user("supervisor"), "application", institution=org.town2)[0]
    } == set()
    assert len(export(org.user("county_admin"), "application", institution=org.town)[0]) == 3
    with pytest.raises(AccessRefused):
        export(org.user("town_agent"), "application")


def test_increments_follow_the_change_time(org, month):
    supervisor = org.user("supervisor")
    first, cursor = export(supervisor, "application", since=SINCE)
    assert len(first) == 3
    again, same = export(supervisor, "application", cursor=services.parse_cursor(cursor))
    assert again == [] and same == cursor
    with at(2025, 10, 9):
        cases.case_complete(case=month.agency_case, by=org.user("town_agent"), result="已领取许可证")
    with at(2025, 10, 10):
        changed, cursor2 = export(supervisor, "application", cursor=services.parse_cursor(cursor))
        assert [r["case_number"] for r in changed] == [month.agency_case.number]
        assert [r["case_number"] for r in export(supervisor, "completion", since=SINCE)[0]].count(
            month.agency_case.number
        ) == 1
        assert export(supervisor, "application", cursor=services.parse_cursor(cursor2))[0] == []


def test_every_export_is_audited_and_bad_input_is_refused(org, month):
    supervisor = org.user("supervisor")
    before = AuditEvent.objects.filter(action="exchange.export").count()
    page, records = services.exchange_export(by=supervisor, kind="complaint", limit=1)
    assert len(records) == 1 and not page.has_more
    event = AuditEvent.objects.filter(action="exchange.export").latest("id")
    assert AuditEvent.objects.filter(action="exchange.export").count() == before + 1
    assert event.actor == supervisor and event.changes["count"] == 1 and event.changes["kind"] == "complaint"
    with pytest.raises(ServiceError, match="起始日期"):
        services.exchange_export(by=supervisor, kind="step", since=UNTIL, until=SINCE)
    with pytest.raises(ServiceError, match="翻页位置"):
        services.parse_cursor("not-a-cursor")
    with pytest.raises(ServiceError, match="每页条数"):
        services.exchange_export(by=supervisor, kind="step", limit=501)
    assert Counter(e.action for e in AuditEvent.objects.filter(id__gt=event.id)) == Counter()
