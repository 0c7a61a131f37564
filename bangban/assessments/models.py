"""The supervisor's part of an agent's monthly assessment (seeds/001 §6.3, §7).

The other components (indicators, reviews, complaints, training) are read live from their apps
(assessments.selectors); this row holds what only a supervisor can give — a score and a comment —
one per agent per month. Once confirmed it is locked, and it keeps the components and the composite
as they stood at confirmation, so a confirmed assessment never changes afterwards.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from bangban.assessments import rules


class Assessment(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "待确认"
        CONFIRMED = "confirmed", "已确认"

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="帮办代办员",
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    month = models.DateField("考核月份")  # the 1st of the month
    # The agent's institution when the score was entered: the scope of the record.
    institution = models.ForeignKey(
        "org.Institution", verbose_name="所属机构", on_delete=models.PROTECT, related_name="assessments"
    )
    supervisor_score = models.PositiveSmallIntegerField(
        "主管评分", validators=[MaxValueValidator(rules.SCORE_MAX)]
    )
    comment = models.TextField("考核评语", max_length=rules.COMMENT_MAX, blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.DRAFT)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评分人", on_delete=models.PROTECT, related_name="+"
    )
    scored_at = models.DateTimeField("评分时间", default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    # At confirmation: {component code: score or None} and the composite, frozen.
    components = models.JSONField("确认时各项得分", default=dict, blank=True)
    composite = models.DecimalField("确认时综合得分", max_digits=4, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = "月度考核"
        verbose_name_plural = "月度考核"
        ordering = ["-month", "agent_id"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "month"], name="assessments_one_per_agent_month"),
            models.CheckConstraint(
                condition=models.Q(supervisor_score__lte=rules.SCORE_MAX), name="assessments_score_0_100"
            ),
        ]

    def __str__(self):
        return f"{self.agent} {self.month:%Y-%m}"
