"""The calendar table: seeding from chinesecalendar, administrators' edits, audit, and the shared cache."""

import datetime as dt

import pytest
from django.core.cache import cache

from bangban.audit.models import AuditEvent
from bangban.core.errors import AccessRefused, ServiceError
from bangban.workdays import selectors, services
from bangban.workdays.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db
D = dt.date


def test_fresh_database_has_the_official_calendar():
    years = dict(CalendarYear.objects.values_list("year", "status"))
    assert set(years) == set(range(2004, 2027))
    assert set(years.values()) == {CalendarYear.Status.OFFICIAL}
    cal = selectors.get_calendar()
    assert cal.add_workdays(D(2025, 9, 30), 5) == D(2025, 10, 14)
    assert CalendarDay.objects.get(date=D(2025, 10, 11)).kind == CalendarDay.Kind.WORKDAY
    assert selectors.year_warnings([2025, 2026]) == []
    assert selectors.year_warnings([2027, 2026]) == [selectors.year_warning(2027)]
    assert "2027 年的法定节假日安排尚未录入" in selectors.year_warning(2027)


def test_seeding_is_idempotent_and_keeps_administrators_days(org):
    admin = org.user("county_admin")
    before = CalendarDay.objects.count()
    [result] = services.calendar_seed_from_package(by=admin, years=[2025])
    assert not result.changed and result.status == CalendarYear.Status.OFFICIAL
    assert CalendarDay.objects.count() == before
    assert not AuditEvent.objects.filter(action="workdays.year.seed", actor=admin).exists()

    services.calendar_day_set(by=admin, day=D(2025, 10, 8), kind="holiday", name="国庆节（本地）")
    services.calendar_day_clear(by=admin, day=D(2025, 10, 11))
    assert CalendarYear.objects.get(year=2025).status == CalendarYear.Status.EDITED
    [result] = services.calendar_seed_from_package(by=admin, years=[2025])
    # The cleared package day comes back; the administrator's own day stays.
    assert (result.created, result.kept_admin, result.status) == (1, 1, CalendarYear.Status.EDITED)
    assert CalendarDay.objects.get(date=D(2025, 10, 8)).source == CalendarDay.Source.ADMIN
    assert CalendarDay.objects.get(date=D(2025, 10, 11)).source == CalendarDay.Source.PACKAGE
    event = AuditEvent.objects.get(action="workdays.year.seed", actor=admin)
    assert "新增 1" in event.note


def test_seeding_repairs_package_rows_and_refuses_unknown_years(org):
    admin = org.user("sysadmin")
    CalendarDay.objects.filter(date=D(2024, 10, 1)).update(name="错误名称")
    CalendarDay.objects.create(date=D(2024, 3, 5), kind="holiday", source="package")
    [result] = services.calendar_seed_from_package(by=admin, years=[2024])
    assert (result.updated, result.deleted) == (1, 1)
    assert CalendarDay.objects.get(date=D(2024, 10, 1)).name == "国庆节"
    assert not CalendarDay.objects.filter(date=D(2024, 3, 5)).exists()

    with pytest.raises(ServiceError) as exc:
        services.calendar_seed_from_package(by=admin, years=[2026, 2027])
    assert exc.value.code == "year_unknown" and "2027" in exc.value.message
    with pytest.raises(ServiceError):
        services.calendar_seed_from_package(by=admin, years=[])


def test_missing_years_are_seeded_once():
    CalendarDay.objects.filter(date__year=2020).delete()
    CalendarYear.objects.filter(year=2020).delete()
    results = services.calendar_seed_missing_years()
    assert [r.year for r in results] == [2020]
    assert selectors.get_calendar().is_known_year(2020)
    assert services.calendar_seed_missing_years() == []


def test_set_and_clear_days_are_audited_and_visible_at_once(org):
    admin = org.user("county_admin")
    assert selectors.get_calendar().is_workday(D(2025, 11, 5))
    row = services.calendar_day_set(by=admin, day=D(2025, 11, 5), kind="holiday", name="地方节日")
    assert (row.source, row.updated_by) == (CalendarDay.Source.ADMIN, admin)
    assert not selectors.get_calendar().is_workday(D(2025, 11, 5))
    event = AuditEvent.objects.get(action="workdays.day.set")
    assert event.changes["kind"] == {"before": None, "after": "holiday"}
    assert event.institution == org.county

    # Setting the same thing again changes nothing and records nothing.
    services.calendar_day_set(by=admin, day=D(2025, 11, 5), kind="holiday", name="地方节日")
    assert AuditEvent.objects.filter(action="workdays.day.set").count() == 1

    services.calendar_day_clear(by=admin, day=D(2025, 11, 5))
    assert selectors.get_calendar().is_workday(D(2025, 11, 5))
    cleared = AuditEvent.objects.get(action="workdays.day.clear")
    assert cleared.changes["kind"] == {"before": "holiday", "after": None}
    with pytest.raises(ServiceError) as exc:
        services.calendar_day_clear(by=admin, day=D(2025, 11, 5))
    assert exc.value.code == "not_set"


def test_pointless_or_invalid_edits_are_refused(org):
    admin = org.user("county_admin")
    with pytest.raises(ServiceError) as exc:
        services.calendar_day_set(by=admin, day=D(2025, 11, 5), kind="workday")  # a Wednesday
    assert exc.value.field == "kind" and "本来就是工作日" in exc.value.message
    with pytest.raises(ServiceError):
        services.calendar_day_set(by=admin, day=D(2025, 11, 8), kind="nonsense")
    with pytest.raises(ServiceError):
        services.calendar_day_set(by=admin, day=D(2025, 11, 8), kind="holiday", name="长" * 51)
    with pytest.raises(ServiceError):
        services.calendar_day_set(by=admin, day=D(1800, 1, 1), kind="holiday")
    assert not AuditEvent.objects.filter(action__startswith="workdays.day").exists()


def test_only_calendar_managers_of_a_top_level_center_may_edit(org):
    for key in ("town_agent", "supervisor", "catalog_admin"):
        with pytest.raises(AccessRefused):
            services.calendar_day_set(by=org.user(key), day=D(2025, 11, 8), kind="workday")
    with pytest.raises(AccessRefused) as exc:
        services.calendar_day_set(by=org.user("town_admin"), day=D(2025, 11, 8), kind="workday")
    assert exc.value.code == "calendar_scope"
    services.calendar_day_set(by=org.user("sysadmin"), day=D(2025, 11, 8), kind="workday", name="调休")
    assert selectors.get_calendar().is_workday(D(2025, 11, 8))


def test_editing_an_unknown_year_overlays_the_fallback_until_confirmed(org):
    admin = org.user("county_admin")
    assert not selectors.get_calendar().is_workday(D(2027, 1, 1))
    # 清除 a fallback holiday is not possible: it has no row. The message says what to do instead.
    with pytest.raises(ServiceError) as exc:
        services.calendar_day_clear(by=admin, day=D(2027, 1, 1))
    assert "调休工作日" in exc.value.message
    for day in range(5, 12):
        services.calendar_day_set(by=admin, day=D(2027, 2, day), kind="holiday", name="春节")
    services.calendar_day_set(by=admin, day=D(2027, 2, 20), kind="workday", name="春节")
    cal = selectors.get_calendar()
    assert CalendarYear.objects.get(year=2027).status == CalendarYear.Status.FALLBACK
    assert not cal.is_workday(D(2027, 2, 8)) and cal.is_workday(D(2027, 2, 20))
    assert not cal.is_workday(D(2027, 1, 1))  # fallback still applies to days without rows
    assert selectors.year_warnings([2027])

    year = services.calendar_year_confirm(by=admin, year=2027)
    assert year.status == CalendarYear.Status.EDITED
    cal = selectors.get_calendar()
    assert selectors.year_warnings([2027]) == []
    assert not cal.is_workday(D(2027, 1, 1))  # materialised from the fallback rule
    assert CalendarDay.objects.get(date=D(2027, 1, 1)).source == CalendarDay.Source.ADMIN
    assert AuditEvent.objects.filter(action="workdays.year.confirm").count() == 1
    with pytest.raises(ServiceError):
        services.calendar_year_confirm(by=admin, year=2027)
    with pytest.raises(ServiceError) as exc:
        services.calendar_year_confirm(by=admin, year=2026)
    assert exc.value.code == "already_complete"


def test_calendar_is_cached_and_rebuilt_when_another_process_announces_a_change(
    org, django_capture_on_commit_callbacks, monkeypatch, settings
):
    settings.BANGBAN_CALENDAR_RECHECK_SECONDS = 1.0
    now = [1000.0]
    monkeypatch.setattr(selectors.time, "monotonic", lambda: now[0])
    first = selectors.get_calendar()
    assert selectors.get_calendar() is first
    # Another app server committed a change and replaced the token in the shared cache.
    cache.set(selectors.VERSION_KEY, "from-another-server")
    now[0] += 0.5
    assert selectors.get_calendar() is first  # trusted for up to a second without a cache read
    now[0] += 0.6
    second = selectors.get_calendar()
    assert second is not first
    assert selectors.get_calendar() is second

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.calendar_day_set(by=org.user("county_admin"), day=D(2025, 11, 7), kind="holiday")
    assert selectors.calendar_changed in callbacks
    assert cache.get(selectors.VERSION_KEY) != "from-another-server"
    assert not selectors.get_calendar().is_workday(D(2025, 11, 7))


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_replaces_the_cached_calendar():
    from bangban.core.testing import make_org

    admin = make_org().user("county_admin")
    first = selectors.get_calendar()
    assert selectors.get_calendar() is first
    token = cache.get(selectors.VERSION_KEY)
    services.calendar_day_set(by=admin, day=D(2025, 11, 7), kind="holiday")  # commits
    assert cache.get(selectors.VERSION_KEY) != token
    second = selectors.get_calendar()
    assert second is not first and not second.is_workday(D(2025, 11, 7))
    assert selectors.get_calendar() is second


def test_a_rolled_back_change_is_never_cached(org):
    from django.db import transaction

    before = selectors.get_calendar()
    try:
        with transaction.atomic():
            services.calendar_day_set(by=org.user("county_admin"), day=D(2025, 11, 7), kind="holiday")
            assert not selectors.get_calendar().is_workday(D(2025, 11, 7))  # the writer sees it
            raise RuntimeError
    except RuntimeError:
        pass
    after = selectors.get_calendar()
    assert after is before and after.is_workday(D(2025, 11, 7))


def test_case_deadline_and_colour_wrappers(settings):
    d = selectors.case_deadline(accepted=D(2025, 9, 30), limit_workdays=5, today=D(2025, 10, 10))
    assert d.due == D(2025, 10, 14)
    assert selectors.case_colour(d, today=D(2025, 10, 10)) == "green"
    settings.BANGBAN_DEADLINE_YELLOW_DAYS = 3
    assert selectors.case_colour(d, today=D(2025, 10, 10)) == "yellow"
    assert selectors.due_colour(D(2025, 10, 14), today=D(2025, 10, 10)) == "yellow"
    assert selectors.due_colour(D(2025, 10, 14), today=D(2025, 10, 15)) == "red"
    settings.BANGBAN_DEADLINE_YELLOW_DAYS = 0
    assert selectors.due_colour(D(2025, 10, 14), today=D(2025, 10, 13)) == "green"
