"""Emergency plans (versioned), drills and the incident log (seeds/001 §6.7)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bangban.emergencies import rules


def _plan_pdf_path(instance, filename):
    # A random name: the uploader's file name never reaches the file system.
    return f"emergencies/plans/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.pdf"


class EventType(models.TextChoices):
    NATURAL = "natural", "自然灾害"
    SOCIAL = "social", "社会安全"
    ACCIDENT = "accident", "事故灾难"
    HEALTH = "health", "公共卫生"
    SURGE = "surge", "业务集中办理"


assert EventType.choices == rules.TYPES


class Plan(models.Model):
    """One version of an institution's plan for one type of event. A new version supersedes the
    current one; old versions stay readable."""

    institution = models.ForeignKey(
        "org.Institution", verbose_name="机构", on_delete=models.PROTECT, related_name="emergency_plans"
    )
    type = models.CharField("预案类型", max_length=10, choices=EventType.choices)
    version = models.PositiveIntegerField("版本")
    is_current = models.BooleanField("现行版本", default=True)
    title = models.CharField("预案名称", max_length=rules.TITLE_MAX)
    content = models.TextField("预案内容", max_length=rules.CONTENT_MAX)
    pdf = models.FileField("预案文件（PDF）", upload_to=_plan_pdf_path, blank=True, max_length=255)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("发布时间", default=timezone.now)
    superseded_at = models.DateTimeField("废止时间", null=True, blank=True)

    class Meta:
        verbose_name = "应急预案"
        verbose_name_plural = "应急预案"
        ordering = ["institution__path", "type", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "type", "version"], name="emergencies_plan_version"
            ),
            models.UniqueConstraint(
                fields=["institution", "type"],
                condition=Q(is_current=True),
                name="emergencies_plan_one_current",
            ),
        ]

    def __str__(self):
        return f"{self.title}（第 {self.version} 版）"


class Drill(models.Model):
    plan = models.ForeignKey(Plan, verbose_name="演练预案", on_delete=models.PROTECT, related_name="drills")
    institution = models.ForeignKey(
        "org.Institution", verbose_name="机构", on_delete=models.PROTECT, related_name="emergency_drills"
    )
    held_on = models.DateField("演练日期")
    participants = models.TextField("参演人员", max_length=rules.PARTICIPANTS_MAX)
    scenario = models.TextField("演练情景", max_length=rules.TEXT_MAX)
    findings = models.TextField("发现的问题", max_length=rules.TEXT_MAX, blank=True)
    improvements = models.TextField("改进措施", max_length=rules.TEXT_MAX, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "应急演练"
        verbose_name_plural = "应急演练"
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.plan.title} 演练（{self.held_on}）"


class Incident(models.Model):
    institution = models.ForeignKey(
        "org.Institution", verbose_name="机构", on_delete=models.PROTECT, related_name="emergency_incidents"
    )
    type = models.CharField("事件类型", max_length=10, choices=EventType.choices)
    started_at = models.DateTimeField("发生时间")
    description = models.TextField("事件经过", max_length=rules.DESCRIPTION_MAX)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    reported_to = models.CharField("报告对象", max_length=rules.REPORTED_TO_MAX, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "突发事件记录"
        verbose_name_plural = "突发事件记录"
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.get_type_display()}（{self.started_at:%Y-%m-%d %H:%M}）"


class IncidentStep(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField("时间")
    text = models.TextField("处置措施", max_length=rules.STEP_MAX)
    actor_name = models.CharField("记录人", max_length=50)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "处置措施"
        verbose_name_plural = "处置措施"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%H:%M} {self.text[:20]}"
