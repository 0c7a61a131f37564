"""Writes to the working-day calendar: seeding from `chinesecalendar`, marking and clearing days.

The calendar is one table for the whole platform (national holidays), so its administrators are
the holders of CALENDAR_MANAGE at a top-level 政务服务中心 (and superusers): a town or village
admin's edit would silently move every deadline of every other institution. Every write is audited
in its transaction and, on commit, tells all processes to rebuild their calendar
(`selectors.calendar_changed`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap
from bangban.audit.services import audit_record, diff, snapshot
from bangban.core.errors import AccessRefused, ServiceError
from bangban.workdays.calendar import fallback_holidays
from bangban.workdays.models import CalendarDay, CalendarYear
from bangban.workdays.package import knows_year, package_days, package_version, package_years
from bangban.workdays.selectors import calendar_changed

DAY_FIELDS = ["date", "kind", "name", "source"]
MIN_YEAR, MAX_YEAR = 1990, 2100
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class SeedResult:
    year: int
    status: str
    created: int
    updated: int
    deleted: int
    kept_admin: int  # days an administrator set, left as they are

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


def _require_manager(by) -> None:
    if by is None:  # the platform itself (migrations, commands)
        return
    require_cap(by, Cap.CALENDAR_MANAGE, "您的角色无权维护工作日历")
    if by.institution is None or by.institution.parent_id is not None:
        raise AccessRefused(
            "calendar_scope", "工作日历全平台共用，只能由政务服务中心（顶级机构）的管理员维护"
        )


def can_manage_calendar(user) -> bool:
    """Whether `user` may edit the calendar (what pages offer; the services decide)."""
    try:
        _require_manager(user)
    except AccessRefused:
        return False
    return user is not None


def _check_year(year: int, field: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ServiceError("invalid", f"年份应在 {MIN_YEAR}–{MAX_YEAR} 之间", field=field)


def _year_range(year: int) -> dict:
    return {"date__gte": dt.date(year, 1, 1), "date__lte": dt.date(year, 12, 31)}


def _changed() -> None:
    transaction.on_commit(calendar_changed)


def _mark_year_edited(year: int) -> None:
    """An administrator touched a day: an official year becomes EDITED (still complete); a year
    without official data gets a FALLBACK row (its edits overlay the fallback rule)."""
    calendar_year, _ = CalendarYear.objects.get_or_create(year=year)
    if calendar_year.status == CalendarYear.Status.OFFICIAL:
        calendar_year.status = CalendarYear.Status.EDITED
        calendar_year.save(update_fields=["status", "updated_at"])


def _base_is_workday(day: dt.date) -> bool:
    """Whether `day` would be a working day without an explicit row."""
    if day.weekday() >= 5:
        return False
    year = CalendarYear.objects.filter(year=day.year).first()
    if year is not None and year.is_complete:
        return True
    return day not in fallback_holidays(day.year)


def _seed_year(year: int, *, by) -> SeedResult:
    wanted = package_days(year)
    rows = {row.date: row for row in CalendarDay.objects.select_for_update().filter(**_year_range(year))}
    to_create = [
        CalendarDay(date=day, kind=kind, name=name, source=CalendarDay.Source.PACKAGE)
        for day, (kind, name) in sorted(wanted.items())
        if day not in rows
    ]
    to_update, to_delete, kept = [], [], 0
    for day, row in rows.items():
        if row.source == CalendarDay.Source.ADMIN:
            kept += 1  # an administrator's decision outranks the package
        elif day not in wanted:
            to_delete.append(row.pk)  # the package corrected itself
        elif (row.kind, row.name) != wanted[day]:
            row.kind, row.name = wanted[day]
            row.updated_at = timezone.now()
            to_update.append(row)
    CalendarDay.objects.bulk_create(to_create)
    CalendarDay.objects.bulk_update(to_update, ["kind", "name", "updated_at"])
    CalendarDay.objects.filter(pk__in=to_delete).delete()

    calendar_year, _ = CalendarYear.objects.select_for_update().get_or_create(year=year)
    before = snapshot(calendar_year, ["status", "package_version"])
    calendar_year.status = CalendarYear.Status.EDITED if kept else CalendarYear.Status.OFFICIAL
    calendar_year.package_version = package_version()
    calendar_year.save()
    result = SeedResult(year, calendar_year.status, len(to_create), len(to_update), len(to_delete), kept)
    changes = diff(before, snapshot(calendar_year, ["status", "package_version"]))
    if result.changed or changes:
        holidays = sum(1 for kind, _ in wanted.values() if kind == CalendarDay.Kind.HOLIDAY)
        audit_record(
            actor=by,
            action="workdays.year.seed",
            target=calendar_year,
            changes=changes,
            note=(
                f"从 chinesecalendar {calendar_year.package_version} 导入 {year} 年：节假日 {holidays} 天、"
                f"调休工作日 {len(wanted) - holidays} 天；新增 {result.created}、更新 {result.updated}、"
                f"删除 {result.deleted}，保留管理员录入 {kept} 天"
            ),
        )
    return result


@transaction.atomic
def calendar_seed_from_package(*, by, years: Iterable[int]) -> list[SeedResult]:
    """Load the official schedule of `years` from the installed `chinesecalendar` package.

    Idempotent: a second run changes nothing. Days an administrator set are kept (they outrank the
    package); package days that the package no longer lists are removed; days an administrator
    cleared come back. A year the package does not know refuses the whole call (nothing written).
    """
    _require_manager(by)
    wanted = sorted({int(y) for y in years})
    if not wanted:
        raise ServiceError("required", "请选择要导入的年份", field="years")
    for year in wanted:
        _check_year(year, "years")
    unknown = [y for y in wanted if not knows_year(y)]
    if unknown:
        known = package_years()
        raise ServiceError(
            "year_unknown",
            f"chinesecalendar {package_version()} 没有 {'、'.join(map(str, unknown))} 年的节假日安排"
            f"（只有 {known[0]}–{known[-1]} 年），请按国务院办公厅通知逐日录入",
            field="years",
        )
    results = [_seed_year(year, by=by) for year in wanted]
    _changed()
    return results


@transaction.atomic
def calendar_seed_missing_years() -> list[SeedResult]:
    """Seed every year the package knows that the database does not (run after `migrate`).

    Years already seeded or edited are left alone, so an administrator's cleared day is not
    restored by the next deployment; a package upgrade that brings a new year fills it in.
    """
    done = set(
        CalendarYear.objects.filter(
            status__in=[CalendarYear.Status.OFFICIAL, CalendarYear.Status.EDITED]
        ).values_list("year", flat=True)
    )
    results = [_seed_year(year, by=None) for year in package_years() if year not in done]
    if results:
        _changed()
    return results


@transaction.atomic
def calendar_day_set(*, by, day: dt.date, kind: str, name: str = "") -> CalendarDay:
    """Mark `day` as a holiday or an adjusted working day (replacing what was there)."""
    _require_manager(by)
    _check_year(day.year, "day")
    if kind not in CalendarDay.Kind.values:
        raise ServiceError("invalid", "类型只能是节假日或调休工作日", field="kind")
    name = (name or "").strip()
    if len(name) > 50:
        raise ServiceError("invalid", "名称不能超过 50 个字符", field="name")
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    if kind == CalendarDay.Kind.WORKDAY and _base_is_workday(day):
        raise ServiceError(
            "not_needed",
            f"{day:%Y-%m-%d}（星期{WEEKDAYS[day.weekday()]}）本来就是工作日，无需设为调休工作日"
            + ("；如要取消该日的节假日安排，请清除该日" if row else ""),
            field="kind",
        )
    if row is not None and (row.kind, row.name) == (kind, name):
        return row
    before = snapshot(row, DAY_FIELDS) if row else {}
    if row is None:
        row = CalendarDay(date=day)
    row.kind, row.name, row.source, row.updated_by = kind, name, CalendarDay.Source.ADMIN, by
    row.save()
    audit_record(
        actor=by,
        action="workdays.day.set",
        target=row,
        changes=diff(before, snapshot(row, DAY_FIELDS)),
    )
    _mark_year_edited(day.year)
    _changed()
    return row


@transaction.atomic
def calendar_day_clear(*, by, day: dt.date) -> None:
    """Remove the special arrangement of `day`: it becomes an ordinary weekday or weekend day."""
    _require_manager(by)
    _check_year(day.year, "day")
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    if row is None:
        rule = fallback_holidays(day.year)[day] if day.weekday() < 5 and not _base_is_workday(day) else ""
        hint = f"该日是按规则推算的{rule}，如需上班请设为调休工作日" if rule else "无需清除"
        raise ServiceError("not_set", f"{day:%Y-%m-%d} 没有特别安排，{hint}", field="day")
    audit_record(
        actor=by,
        action="workdays.day.clear",
        target=row,
        changes=diff(snapshot(row, DAY_FIELDS), {}),
    )
    row.delete()
    _mark_year_edited(day.year)
    _changed()


@transaction.atomic
def calendar_year_confirm(*, by, year: int) -> CalendarYear:
    """Declare a year without package data complete (the State Council's schedule is entered).

    The fixed-date holidays the fallback rule supplied and that have no row yet are written as
    rows, so the calendar looks the same afterwards; from then on only the rows and the weekends
    decide, and the warning disappears.
    """
    _require_manager(by)
    _check_year(year, "year")
    calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first()
    if calendar_year is not None and calendar_year.is_complete:
        raise ServiceError(
            "already_complete", f"{year} 年的安排已完整（{calendar_year.get_status_display()}）", field="year"
        )
    if knows_year(year):
        raise ServiceError(
            "use_package", f"chinesecalendar 已有 {year} 年的官方安排，请使用“从数据包导入”", field="year"
        )
    existing = set(CalendarDay.objects.filter(**_year_range(year)).values_list("date", flat=True))
    added = [
        CalendarDay(
            date=day, kind=CalendarDay.Kind.HOLIDAY, name=name, source=CalendarDay.Source.ADMIN, updated_by=by
        )
        for day, name in sorted(fallback_holidays(year).items())
        if day not in existing
    ]
    CalendarDay.objects.bulk_create(added)
    if calendar_year is None:
        calendar_year = CalendarYear(year=year)
    before = snapshot(calendar_year, ["status"]) if calendar_year.pk else {}
    calendar_year.status = CalendarYear.Status.EDITED
    calendar_year.save()
    audit_record(
        actor=by,
        action="workdays.year.confirm",
        target=calendar_year,
        changes=diff(before, snapshot(calendar_year, ["status"])),
        note=f"确认 {year} 年节假日安排已录入完整（已录入 {len(existing)} 天，按固定日期补录 {len(added)} 天）",
    )
    _changed()
    return calendar_year
