from django.conf import settings
from django.db import models


class CalendarYear(models.Model):
    """How much the platform knows about one year's holiday schedule.

    No row (or FALLBACK) means the year is not officially known: the fallback rule applies to every
    day without an explicit CalendarDay and pages warn about it. OFFICIAL and EDITED years are
    complete: only their CalendarDay rows and the weekends decide.
    """

    class Status(models.TextChoices):
        OFFICIAL = "official", "官方数据（chinesecalendar）"
        EDITED = "edited", "已由管理员调整或确认"
        FALLBACK = "fallback", "未发布，按规则推算"

    year = models.PositiveSmallIntegerField("年份", unique=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.FALLBACK)
    package_version = models.CharField("数据包版本", max_length=32, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "日历年度"
        verbose_name_plural = "日历年度"
        ordering = ["year"]

    def __str__(self):
        return f"{self.year} 年（{self.get_status_display()}）"

    @property
    def is_complete(self) -> bool:
        return self.status in (self.Status.OFFICIAL, self.Status.EDITED)


class CalendarDay(models.Model):
    """One date that is not an ordinary weekday/weekend: a holiday or an adjusted working day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "节假日（休息）"
        WORKDAY = "workday", "调休工作日（上班）"

    class Source(models.TextChoices):
        PACKAGE = "package", "chinesecalendar 数据"
        ADMIN = "admin", "管理员录入"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    name = models.CharField("名称", max_length=50, blank=True)
    source = models.CharField("来源", max_length=16, choices=Source.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "特殊日期"
        verbose_name_plural = "特殊日期"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name or self.get_kind_display()}"
