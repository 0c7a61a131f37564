from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_migrate


def seed_calendar_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """A fresh database gets the official calendar of every year `chinesecalendar` knows.

    post_migrate (rather than a data migration) also refills the table after the flushes between
    transactional tests, and picks up new years when the package is upgraded.
    """
    if using != DEFAULT_DB_ALIAS:
        return
    tables = connections[using].introspection.table_names()
    if "workdays_calendaryear" not in tables or "workdays_calendarday" not in tables:
        return  # migrated backwards
    from bangban.workdays.services import calendar_seed_missing_years

    calendar_seed_missing_years()


class WorkdaysConfig(AppConfig):
    name = "bangban.workdays"
    label = "workdays"
    verbose_name = "工作日历"

    def ready(self):
        from bangban.accounts.roles import Cap
        from bangban.audit.actions import register
        from bangban.core import navigation

        post_migrate.connect(seed_calendar_after_migrate, sender=self, dispatch_uid="workdays-seed-calendar")
        navigation.register(navigation.NavEntry("工作日历", "workdays:home", Cap.CALENDAR_MANAGE, 820))
        register(
            {
                "workdays.year.seed": "导入节假日安排",
                "workdays.year.confirm": "确认年度节假日安排",
                "workdays.day.set": "设置节假日/调休日",
                "workdays.day.clear": "清除节假日/调休日",
            }
        )
