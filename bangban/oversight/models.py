"""督办单 (supervision orders) and their history.

An order has exactly one target: a case or a complaint, one nullable foreign key each, listed in
TARGET_FIELDS (the check constraint requires exactly one of them set). At most one open order per target.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bangban.oversight import rules

# The foreign keys an order may point at; exactly one is set (check constraint below).
TARGET_FIELDS = ("case", "complaint")


def exactly_one(*fields: str) -> Q:
    """Q that holds when exactly one of the nullable `fields` is set."""
    options = Q()
    for chosen in fields:
        q = Q(**{f"{chosen}__isnull": False})
        for other in fields:
            if other != chosen:
                q &= Q(**{f"{other}__isnull": True})
        options |= q
    return options


class Order(models.Model):
    class State(models.TextChoices):
        PENDING = rules.PENDING, "待答复"
        ANSWERED = rules.ANSWERED, "已答复待评价"
        CLOSED = rules.CLOSED, "已办结"

    case = models.ForeignKey(
        "cases.Case",
        verbose_name="督办办件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="oversight_orders",
    )
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name="督办投诉",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="oversight_orders",
    )
    institution = models.ForeignKey(
        "org.Institution", verbose_name="承办机构", on_delete=models.PROTECT, related_name="oversight_orders"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="oversight_orders",
    )
    requirement = models.TextField("督办要求", max_length=rules.MAX_TEXT)
    limit_days = models.PositiveSmallIntegerField("答复时限（工作日）", default=rules.DEFAULT_LIMIT_DAYS)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    version = models.PositiveIntegerField("版本", default=0)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="督办人", on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField("签发时间", default=timezone.now)
    due_date = models.DateField("答复期限")
    reply = models.TextField("答复内容", max_length=rules.MAX_TEXT, blank=True)
    actions_taken = models.TextField("已采取的措施", max_length=rules.MAX_TEXT, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    satisfied = models.BooleanField("评价", null=True, blank=True)
    close_comment = models.TextField("评价意见", max_length=rules.MAX_TEXT, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办结人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    rounds = models.PositiveSmallIntegerField("答复轮次", default=1)
    escalated_at = models.DateTimeField("升级时间", null=True, blank=True)

    class Meta:
        verbose_name = "督办单"
        verbose_name_plural = "督办单"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=exactly_one(*TARGET_FIELDS), name="oversight_order_one_target"),
            # One open order per target: a second click or a second supervisor cannot duplicate it.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(case__isnull=False) & ~Q(state=rules.CLOSED),
                name="oversight_order_one_open_per_case",
            ),
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(complaint__isnull=False) & ~Q(state=rules.CLOSED),
                name="oversight_order_one_open_per_complaint",
            ),
        ]
        indexes = [models.Index(fields=["state", "due_date"], name="oversight_state_due")]

    def __str__(self):
        return f"督办单 {self.pk}"

    @property
    def target(self):
        return self.case if self.case_id else self.complaint

    @property
    def target_type(self) -> str:
        """ "case" or "complaint": which of TARGET_FIELDS is set."""
        return next((f for f in TARGET_FIELDS if getattr(self, f"{f}_id")), "")

    @property
    def target_id(self) -> int | None:
        return getattr(self, f"{self.target_type}_id") if self.target_type else None

    @property
    def target_label(self) -> str:
        if self.case_id:
            return f"办件 {self.case.number}"
        if self.complaint_id:
            return f"投诉 {self.complaint.number}"
        return ""

    def is_late(self, today) -> bool:
        return rules.is_late(self.state, self.due_date, today)


class OrderEvent(models.Model):
    """The order's history: issue, each answer, each evaluation, the escalation."""

    class Type(models.TextChoices):
        ISSUE = "issue", "签发"
        ANSWER = "answer", "答复"
        CLOSE = "close", "满意办结"
        REOPEN = "reopen", "不满意退回"
        ESCALATE = "escalate", "逾期升级"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    type = models.CharField("类型", max_length=10, choices=Type.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField("操作人", max_length=50)
    text = models.TextField("内容", max_length=2 * rules.MAX_TEXT, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "督办记录"
        verbose_name_plural = "督办记录"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_type_display()} {self.created_at:%Y-%m-%d %H:%M}"
