"""Training of agents (seeds/001 §6.3: 业务培训、监督和考核): courses, sessions and attendance."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from bangban.training import rules


class Course(models.Model):
    title = models.CharField("培训主题", max_length=rules.TITLE_MAX)
    summary = models.TextField("培训内容", max_length=rules.SUMMARY_MAX, blank=True)
    hours = models.DecimalField("学时", max_digits=4, decimal_places=1)
    institution = models.ForeignKey(
        "org.Institution", verbose_name="主办机构", on_delete=models.PROTECT, related_name="training_courses"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "培训课程"
        verbose_name_plural = "培训课程"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class Session(models.Model):
    course = models.ForeignKey(Course, verbose_name="课程", on_delete=models.PROTECT, related_name="sessions")
    # The organizer (the course's institution): scope of the session.
    institution = models.ForeignKey(
        "org.Institution", verbose_name="主办机构", on_delete=models.PROTECT, related_name="training_sessions"
    )
    held_on = models.DateField("培训日期")
    place = models.CharField("培训地点", max_length=rules.PLACE_MAX)
    trainer = models.CharField("授课人", max_length=rules.TRAINER_MAX)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "培训场次"
        verbose_name_plural = "培训场次"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["held_on"], name="training_session_held_on")]

    def __str__(self):
        return f"{self.course.title}（{self.held_on}）"


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="参训人员", on_delete=models.PROTECT, related_name="trainings"
    )
    attended = models.BooleanField("是否参训", default=True)
    hours = models.DecimalField("认定学时", max_digits=4, decimal_places=1, default=0)
    score = models.PositiveSmallIntegerField("考试成绩", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "参训记录"
        verbose_name_plural = "参训记录"
        ordering = ["session__held_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="training_attendance_once"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__lte=100), name="training_score_0_100"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.session}"
