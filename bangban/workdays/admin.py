from django.contrib import admin

from bangban.core.admin import ReadOnlyAdmin
from bangban.workdays.models import CalendarDay, CalendarYear


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ("year", "status", "package_version", "updated_at")
    list_filter = ("status",)


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdmin):
    list_display = ("date", "kind", "name", "source", "updated_by", "updated_at")
    list_filter = ("kind", "source")
    date_hierarchy = "date"
