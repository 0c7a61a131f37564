"""好差评 (GB/T 39734/39735): reviews, SMS invitations, rectification of bad reviews and 申诉.

A review is written once and never changed (no update service or API; migration 0002 makes the
database refuse UPDATE too). What happens after a review lives in other rows: a Rectification
(with its Revisit calls and step history) and an Appeal whose upheld decision takes the review
out of the figures.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

COMMENT_MAX = 500
NOTE_MAX = 500


class Level(models.IntegerChoices):
    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    BASICALLY = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


class Aspect(models.TextChoices):
    ATTITUDE = "attitude", "服务态度"
    EFFICIENCY = "efficiency", "办事效率"
    RESULT = "result", "办理结果"


class Stage(models.TextChoices):
    ACCEPT = "accept", "受理"
    COMPLETE = "complete", "办结"
    ENCOUNTER = "encounter", "现场服务"


class ReviewChannel(models.TextChoices):
    DEVICE = "device", "窗口评价器/平板"
    QR = "qr", "二维码"
    SMS = "sms", "短信邀评"
    STAFF_PAPER = "paper", "工作人员代录（纸质）"
    STAFF_PHONE = "phone", "工作人员代录（电话）"
    ONLINE = "online", "网上"


STAFF_CHANNELS = (ReviewChannel.STAFF_PAPER, ReviewChannel.STAFF_PHONE)


class ReviewInvitation(models.Model):
    """智能邀评: the one-time link sent by SMS when a case is completed.

    The token is stored as its SHA-256 (the lookup) and encrypted (for the one reminder's SMS);
    the link is spent by the review it carries (used_at), and expires after EXPIRY_DAYS.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="review_invitations")
    stage = models.CharField("评价环节", max_length=10, choices=Stage.choices, default=Stage.COMPLETE)
    token_hash = models.CharField("链接摘要", max_length=64, editable=False)
    token_encrypted = models.TextField("链接（密文）", editable=False)
    created_at = models.DateTimeField("邀评时间", default=timezone.now)
    expires_at = models.DateTimeField("失效时间")
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)
    used_at = models.DateTimeField("评价时间", null=True, blank=True)

    class Meta:
        verbose_name = "评价邀请"
        verbose_name_plural = "评价邀请"
        constraints = [
            models.UniqueConstraint(fields=["token_hash"], name="eval_invitation_token_unique"),
            models.UniqueConstraint(fields=["case", "stage"], name="eval_invitation_once_per_stage"),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="eval_invitation_unanswered",
                condition=models.Q(used_at__isnull=True, reminded_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"评价邀请 {self.case_id}（{self.get_stage_display()}）"


class Review(models.Model):
    level = models.PositiveSmallIntegerField("评价等级", choices=Level.choices)
    aspects = models.CharField("不满意/满意的方面", max_length=40, blank=True)  # comma-joined Aspect codes
    comment = models.CharField("评价内容", max_length=COMMENT_MAX, blank=True)
    stage = models.CharField("评价环节", max_length=10, choices=Stage.choices)
    channel = models.CharField("评价渠道", max_length=10, choices=ReviewChannel.choices)
    real_name = models.BooleanField("实名评价", default=False)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="reviews"
    )
    institution = models.ForeignKey(
        "org.Institution",
        verbose_name="被评价机构",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="帮办代办员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    invitation = models.ForeignKey(
        ReviewInvitation, null=True, blank=True, on_delete=models.PROTECT, related_name="reviews"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    follow_up_of = models.ForeignKey(
        "self",
        verbose_name="追评",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    created_at = models.DateTimeField("评价时间", default=timezone.now)

    class Meta:
        verbose_name = "评价"
        verbose_name_plural = "评价"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="eval_review_level_1_5"
            ),
            # One first review of a case per stage and channel (the SMS link's one use among them);
            # a later one is a 追评, at most one per review.
            models.UniqueConstraint(
                fields=["case", "stage", "channel"],
                condition=models.Q(follow_up_of__isnull=True, case__isnull=False),
                name="eval_review_first_once",
            ),
            models.UniqueConstraint(
                fields=["follow_up_of"],
                condition=models.Q(follow_up_of__isnull=False),
                name="eval_review_one_follow_up",
            ),
        ]
        indexes = [models.Index(fields=["institution", "created_at"], name="eval_review_inst_at")]

    def __str__(self):
        return f"{self.get_level_display()}（{self.get_channel_display()}）"

    def save(self, *args, **kwargs):
        # Written once: the model refuses a second save (the database refuses UPDATE as well).
        if self.pk is not None and not self._state.adding:
            raise ValidationError("评价提交后不能修改")
        super().save(*args, **kwargs)

    @property
    def is_bad(self) -> bool:
        from bangban.evaluations.rules import is_bad

        return is_bad(self.level)

    @property
    def aspect_labels(self) -> list[str]:
        labels = dict(Aspect.choices)
        return [labels[a] for a in self.aspects.split(",") if a in labels]


class RectStatus(models.TextChoices):
    PENDING = "pending", "待核实"
    RECTIFYING = "rectifying", "整改中"
    RECTIFIED = "rectified", "已整改"
    FED_BACK = "fed_back", "已反馈"
    CLOSED = "closed", "已办结"


class Finding(models.TextChoices):
    TRUE = "true", "属实"
    PARTLY = "partly", "部分属实"
    UNFOUNDED = "unfounded", "不属实"


class Rectification(models.Model):
    """差评整改 (谁办理谁负责): opened by a bad review, assigned to the handling institution."""

    review = models.OneToOneField(Review, on_delete=models.PROTECT, related_name="rectification")
    institution = models.ForeignKey(
        "org.Institution", verbose_name="责任机构", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=12, choices=RectStatus.choices, default=RectStatus.PENDING)
    version = models.PositiveIntegerField(default=0)
    limit_days = models.PositiveSmallIntegerField("整改时限（工作日）")
    due_date = models.DateField("整改期限")
    finding = models.CharField("核实结论", max_length=10, choices=Finding.choices, blank=True)
    finding_note = models.CharField("核实说明", max_length=NOTE_MAX, blank=True)
    action_taken = models.CharField("整改措施", max_length=NOTE_MAX, blank=True)
    rectified_on = models.DateField("整改完成日期", null=True, blank=True)
    feedback_text = models.CharField("反馈内容", max_length=NOTE_MAX, blank=True)
    fed_back_at = models.DateTimeField("反馈时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "差评整改"
        verbose_name_plural = "差评整改"
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["institution", "status", "due_date"], name="eval_rect_inst_status")]

    def __str__(self):
        return f"差评整改 #{self.pk}（{self.get_status_display()}）"


class Revisit(models.Model):
    """回访: a call to the reviewer, logged with its outcome."""

    rectification = models.ForeignKey(Rectification, on_delete=models.PROTECT, related_name="revisits")
    called_at = models.DateTimeField("回访时间")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="回访人", on_delete=models.PROTECT, related_name="+"
    )
    reached = models.BooleanField("是否联系上")
    said = models.CharField("群众意见", max_length=NOTE_MAX, blank=True)
    logged_at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        verbose_name = "回访"
        verbose_name_plural = "回访"
        ordering = ["called_at", "id"]

    def __str__(self):
        return f"回访 {self.called_at:%Y-%m-%d %H:%M}"


class RectificationStep(models.Model):
    """The rectification's history: one row per step, who and when."""

    rectification = models.ForeignKey(Rectification, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField("步骤", max_length=16)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    text = models.CharField(max_length=600)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "整改步骤"
        verbose_name_plural = "整改步骤"
        ordering = ["at", "id"]

    def __str__(self):
        return self.text[:60]


class Appeal(models.Model):
    """申诉: an agent's appeal of a mistaken or malicious review; upheld takes it out of the figures."""

    class State(models.TextChoices):
        PENDING = "pending", "待裁定"
        UPHELD = "upheld", "申诉成立"
        REJECTED = "rejected", "申诉不成立"

    review = models.OneToOneField(Review, on_delete=models.PROTECT, related_name="appeal")
    reason = models.CharField("申诉理由", max_length=NOTE_MAX)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField("申诉时间", default=timezone.now)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("裁定时间", null=True, blank=True)
    decision_reason = models.CharField("裁定理由", max_length=NOTE_MAX, blank=True)

    class Meta:
        verbose_name = "评价申诉"
        verbose_name_plural = "评价申诉"

    def __str__(self):
        return f"申诉（{self.get_state_display()}）"


class RectifyLimit(models.Model):
    """整改时限 of one institution's subtree (working days, 1–15): the nearest of an institution and its
    ancestors with a limit applies to the bad reviews it receives, else settings.BANGBAN_RECTIFY_WORKDAYS.
    A change applies to rectifications opened afterwards (each keeps the limit it was opened with)."""

    institution = models.OneToOneField(
        "org.Institution", verbose_name="机构", on_delete=models.CASCADE, related_name="rectify_limit"
    )
    days = models.PositiveSmallIntegerField("整改时限（工作日）")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="设置人", on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("设置时间", default=timezone.now)

    class Meta:
        verbose_name = "整改时限"
        verbose_name_plural = "整改时限"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(days__gte=1, days__lte=15), name="eval_rectify_limit_1_15"
            )
        ]

    def __str__(self):
        return f"{self.institution_id}: {self.days} 个工作日"
