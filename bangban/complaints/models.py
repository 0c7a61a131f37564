"""投诉 (GB/T 36113) and 咨询: the complaint and consultation registers.

A complaint runs 受理 → 调查 → 处置 → 反馈 → 归档 (complaints/workflow.py); its row carries the current
status and the due date of the current step, every step is a ComplaintStep (the timeline). A
consultation is one question with its answer, its answer limit stored as a date.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

CONTENT_MAX = 2000
QUESTION_MAX = 1000
ANSWER_MAX = 2000
STEP_TEXT_MAX = 2000


class Channel(models.TextChoices):
    WINDOW = "window", "窗口"
    PHONE = "phone", "电话"
    ONLINE = "online", "网上"
    HOTLINE = "hotline", "12345转办"
    LETTER = "letter", "信件"


class Status(models.TextChoices):
    RECEIVED = "received", "待受理"
    INVESTIGATING = "investigating", "调查中"
    HANDLING = "handling", "处置中"
    ANSWERING = "answering", "待反馈"
    ANSWERED = "answered", "已反馈（待归档）"
    ARCHIVED = "archived", "已归档"
    REJECTED = "rejected", "不予受理"


OPEN_STATUSES = (Status.RECEIVED, Status.INVESTIGATING, Status.HANDLING, Status.ANSWERING)


class ComplaintCounter(models.Model):
    """The last complaint number issued for a county and year (incremented in the creating transaction)."""

    prefix = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="complaints_counter_unique")]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last}"


class Complaint(models.Model):
    number = models.CharField("投诉编号", max_length=32)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    hotline_ticket = models.CharField("12345工单号", max_length=40, blank=True)
    anonymous = models.BooleanField("匿名", default=False)
    complainant_name = models.CharField("投诉人", max_length=50, blank=True)
    # 联系电话 encrypted at rest (core.crypto.phone_columns), blank when none was given.
    phone_encrypted = models.TextField("联系电话（密文）", blank=True)
    phone_hash = models.CharField("联系电话摘要", max_length=64, blank=True)
    phone_masked = models.CharField("联系电话（掩码）", max_length=20, blank=True)
    content = models.TextField("投诉内容")
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="涉及办件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="涉及人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    institution = models.ForeignKey(
        "org.Institution", verbose_name="责任机构", on_delete=models.PROTECT, related_name="complaints"
    )
    received_at = models.DateTimeField("收到时间", default=timezone.now)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.RECEIVED)
    version = models.PositiveIntegerField("版本", default=0)
    step_due = models.DateField("当前环节期限", null=True, blank=True)
    # The 反馈 deadline as planned at registration (received date + every step's limit then in
    # force); never moved afterwards, so the 投诉及时处理率 denominator does not move (indicators.py).
    answer_due = models.DateField("反馈期限（登记时确定）")
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    answered_on = models.DateField("反馈日期", null=True, blank=True)
    answer = models.TextField("反馈内容", blank=True)
    rejection_reason = models.TextField("不予受理理由", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "投诉"
        verbose_name_plural = "投诉"
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["number"], name="complaints_number_unique")]
        indexes = [
            models.Index(fields=["institution", "status"], name="complaints_inst_status"),
            models.Index(fields=["step_due"], name="complaints_step_due"),
            models.Index(fields=["received_at"], name="complaints_received_at"),
        ]

    ENCRYPTED_FIELDS = {"phone_encrypted": "phone_hash"}  # for `bangban reencrypt`

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def complainant_display(self) -> str:
        return "匿名" if self.anonymous else self.complainant_name


class ComplaintStep(models.Model):
    """The complaint's timeline: registration and each step, who, when, what was found or done."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField("环节", max_length=16)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    at = models.DateTimeField("时间", default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField("经办人", max_length=150)
    text = models.TextField("情况", blank=True)
    due = models.DateField("该环节期限", null=True, blank=True)
    late = models.BooleanField("超期完成", default=False)

    class Meta:
        verbose_name = "投诉办理步骤"
        verbose_name_plural = "投诉办理步骤"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.complaint_id} {self.action}"

    @property
    def label(self) -> str:
        from bangban.complaints.workflow import STEP_LABELS

        return STEP_LABELS.get(self.action, "登记")


class ConsultChannel(models.TextChoices):
    WINDOW = "window", "窗口"
    PHONE = "phone", "电话"
    ONLINE = "online", "网上"


class Consultation(models.Model):
    channel = models.CharField("渠道", max_length=10, choices=ConsultChannel.choices)
    question = models.TextField("咨询内容")
    item = models.ForeignKey(
        "catalog.Item", verbose_name="事项", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item_name = models.CharField("事项名称", max_length=200, blank=True)
    asker_name = models.CharField("咨询人", max_length=50, blank=True)
    phone_encrypted = models.TextField("联系电话（密文）", blank=True)
    phone_hash = models.CharField("联系电话摘要", max_length=64, blank=True)
    phone_masked = models.CharField("联系电话（掩码）", max_length=20, blank=True)
    answer = models.TextField("答复", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    asked_at = models.DateTimeField("咨询时间", default=timezone.now)
    first_answered_at = models.DateTimeField("首次答复时间", null=True, blank=True)
    answer_due = models.DateField("答复期限")
    resolved = models.BooleanField("已解决", default=False)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="转为办件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    institution = models.ForeignKey(
        "org.Institution", verbose_name="受理机构", on_delete=models.PROTECT, related_name="consultations"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "咨询"
        verbose_name_plural = "咨询"
        ordering = ["-asked_at", "-id"]
        indexes = [
            models.Index(fields=["institution", "asked_at"], name="consult_inst_asked"),
            models.Index(fields=["first_answered_at", "answer_due"], name="consult_unanswered"),
        ]

    ENCRYPTED_FIELDS = {"phone_encrypted": "phone_hash"}

    def __str__(self):
        return self.question[:40]

    @property
    def is_answered(self) -> bool:
        return self.first_answered_at is not None
