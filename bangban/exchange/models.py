"""The delivery log of the daily GB/T 39046 push: one row per day and record kind (the batch)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待推送"
        RETRYING = "retrying", "重试中"
        DELIVERED = "delivered", "已送达"
        FAILED = "failed", "失败"

    batch_id = models.CharField("批次号", max_length=40)
    day = models.DateField("数据日期")
    kind = models.CharField("数据类别", max_length=16)
    count = models.PositiveIntegerField("记录数", default=0)
    parts = models.PositiveIntegerField("分包数", default=0)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    last_attempt_at = models.DateTimeField("最近尝试时间", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = "数据交换推送"
        verbose_name_plural = "数据交换推送"
        ordering = ["-day", "kind"]
        constraints = [models.UniqueConstraint(fields=["batch_id"], name="exchange_delivery_batch_unique")]

    def __str__(self):
        return f"{self.batch_id}（{self.get_status_display()}）"

    @property
    def kind_label(self) -> str:
        from bangban.exchange.mapping import BY_CODE

        kind = BY_CODE.get(self.kind)
        return kind.name if kind else self.kind
