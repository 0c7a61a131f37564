"""The audit search: each filter, and the scope every filter stays inside (both databases)."""

import datetime as dt

import pytest
from django.utils import timezone

from bangban.audit.models import AuditEvent
from bangban.audit.selectors import actions_matching, audit_list
from bangban.audit.tests.factories import BASE, audit_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(org):
    """One row per institution of the test tree, one in the other county, one with no institution."""
    made = {}
    for key in ("county", "town", "station", "town2", "other_county"):
        made[key] = audit_rows(1, institution=getattr(org, key), action="cases.case.create", object_repr=key)[
            0
        ]
    made[None] = audit_rows(1, action="auth.login_failed", actor_name="nobody")[0]
    return made


def _mine(qs, rows):
    ids = set(qs.values_list("pk", flat=True))
    return {key for key, row in rows.items() if row.pk in ids}


def test_a_center_admin_sees_the_subtree_and_no_row_without_institution(org, rows):
    assert _mine(audit_list(user=org.user("county_admin")), rows) == {"county", "town", "station", "town2"}
    assert _mine(audit_list(user=org.user("town_admin")), rows) == {"town", "station"}
    assert _mine(audit_list(user=org.user("other_admin")), rows) == {"other_county"}


def test_rows_without_institution_are_for_the_top_system_administrator_only(org, rows):
    assert _mine(audit_list(user=org.user("sysadmin")), rows) == {"county", "town", "station", "town2", None}
    assert None not in _mine(audit_list(user=org.user("supervisor")), rows)


def test_the_institution_filter_is_a_subtree_inside_the_scope(org, rows):
    assert _mine(audit_list(user=org.user("county_admin"), institution_id=org.town.pk), rows) == {
        "town",
        "station",
    }
    assert _mine(audit_list(user=org.user("county_admin"), institution_id=org.station.pk), rows) == {
        "station"
    }
    # An institution outside the scope filters everything away: it never widens the scope.
    assert _mine(audit_list(user=org.user("town_admin"), institution_id=org.county.pk), rows) == set()
    assert _mine(audit_list(user=org.user("town_admin"), institution_id=org.other_county.pk), rows) == set()


def test_actor_is_a_username_exactly_or_the_beginning_of_the_recorded_name(org):
    agent = org.user("town_agent")  # display name 测试town_agent
    mine = audit_rows(2, actor=agent, actor_name=agent.display_name, institution=org.town)
    renamed = audit_rows(
        1, actor=agent, actor_name="旧名字", institution=org.town
    )  # named otherwise back then
    other = audit_rows(1, actor=org.user("town_admin"), actor_name="测试town_admin", institution=org.town)
    failed = audit_rows(1, actor_name="town_agent", action="auth.login_failed", institution=org.town)
    admin = org.user("county_admin")

    def found(actor):
        return set(
            audit_list(user=admin, actor=actor).filter(institution=org.town).values_list("pk", flat=True)
        )

    # The username: that account's rows, whatever name they recorded (not a typed-in name equal to it).
    assert found("town_agent") == {r.pk for r in mine + renamed}
    # A name's beginning: rows whose recorded name begins so, with or without an account behind them.
    assert found("测试town_a") == {r.pk for r in mine + other}
    assert found("town_ag") == {failed[0].pk}
    assert found("town_agentx") == set()
    assert found("旧") == {renamed[0].pk}


def test_action_is_a_registered_code_or_the_beginning_of_some(org):
    admin = org.user("county_admin")
    for action in ("cases.case.suspend", "cases.case.resume", "cases.transfer.send", "auth.login"):
        audit_rows(1, action=action, institution=org.town, object_repr=action)

    def found(action):
        return set(
            audit_list(user=admin, action=action, institution_id=org.town.pk).values_list("action", flat=True)
        )

    assert found("cases.case.suspend") == {"cases.case.suspend"}
    assert found("cases.case") == {"cases.case.suspend", "cases.case.resume"}
    assert found("cases.") == {"cases.case.suspend", "cases.case.resume", "cases.transfer.send"}
    assert found("auth.login") == {"auth.login"}  # exact: not auth.login_failed as well
    assert actions_matching("auth.login") == ["auth.login"]
    assert "auth.login_failed" in actions_matching("auth.login_")
    assert actions_matching("nope") == []


def test_object_and_days(org):
    admin = org.user("county_admin")
    local = timezone.get_current_timezone()
    # 23:59:59 local on 1 March and 00:00 local on 2 March: the day boundary is the local one.
    late = audit_rows(1, start=dt.datetime(2026, 3, 1, 23, 59, 59, tzinfo=local), institution=org.town)[0]
    early = audit_rows(1, start=dt.datetime(2026, 3, 2, 0, 0, tzinfo=local), institution=org.town)[0]
    case_row = audit_rows(1, start=BASE, institution=org.town, object_type="cases.case", object_id="42")[0]
    audit_rows(1, start=BASE, institution=org.town, object_type="cases.case", object_id="421")

    def found(**kw):
        return set(audit_list(user=admin, institution_id=org.town.pk, **kw).values_list("pk", flat=True))

    assert found(object_type="cases.case", object_id="42") == {case_row.pk}
    assert found(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 1)) == {late.pk}
    assert early.pk in found(date_from=dt.date(2026, 3, 2), date_to=dt.date(2026, 3, 2))
    assert late.pk not in found(date_from=dt.date(2026, 3, 2))
    assert found(date_to=dt.date(2026, 2, 28)) == set()


def test_text_matches_description_note_or_ip(org):
    admin = org.user("county_admin")
    a = audit_rows(1, institution=org.town, object_repr="王小明的办件")[0]
    b = audit_rows(1, institution=org.town, note="补正材料：身份证")[0]
    c = audit_rows(1, institution=org.town, ip="10.1.2.3")[0]

    def found(text):
        return set(audit_list(user=admin, text=text, institution_id=org.town.pk).values_list("pk", flat=True))

    assert found("小明") == {a.pk}
    assert found("身份证") == {b.pk}
    assert found("10.1.2.3") == {c.pk}


def test_no_audit_for_a_role_without_the_capability(org):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        audit_list(user=org.user("town_agent"))
    assert AuditEvent.objects.exists()
