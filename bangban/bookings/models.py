"""The public front door's records: SMS codes, time slots and bookings, online requests, signatures.

An online request becomes an ordinary case (cases.services.case_receive_online); what is kept here is
only what the case does not carry: how the citizen wants to be served (window slot, door-to-door,
remote), the slot they booked, and the applicant's hand-written signature on the entrustment.

Who registered an online request: cases.Case.created_by is required and every case service takes a
staff actor. Rather than make the column nullable (a cases migration, and every reader of
created_by taught about None), online requests are registered by one inactive account without
password, institution or role (services.online_registrar, username "system-online", shown as
"网上申请"): it cannot sign in, is in no institution's staff list, and its cases have no agent until
one takes them. Audit rows of the public services name no actor and say "网上申请" / "申请人".
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class PhoneCode(models.Model):
    """A 6-digit SMS code for (phone, purpose, subject), stored as an HMAC, never in clear.

    Live while unused, unexpired and with fewer than MAX_ATTEMPTS wrong tries; using it is a
    conditional UPDATE (used_at IS NULL), so of two concurrent uses exactly one succeeds.
    """

    class Purpose(models.TextChoices):
        REQUEST = "request", "网上申请"
        TRACK = "track", "办件查询"
        BOOKING = "booking", "预约变更"
        SIGN = "sign", "签署委托书"
        CONSULT = "consult", "留言咨询"

    phone_hash = models.CharField("手机号码摘要", max_length=64)
    purpose = models.CharField("用途", max_length=16, choices=Purpose.choices)
    # What the code is for: a case id for tracking and booking changes, "" for a new request.
    subject = models.CharField("对象", max_length=64, blank=True)
    code_hash = models.CharField("验证码摘要", max_length=64)
    created_at = models.DateTimeField("发送时间", default=timezone.now)
    expires_at = models.DateTimeField("失效时间")
    attempts = models.PositiveSmallIntegerField("错误次数", default=0)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "短信验证码"
        verbose_name_plural = "短信验证码"
        indexes = [
            models.Index(fields=["phone_hash", "purpose", "subject", "-created_at"], name="bk_code_lookup")
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} {self.created_at:%Y-%m-%d %H:%M}"


class SlotTemplate(models.Model):
    """A weekly opening of an institution's window for booked visits: weekday, hours, capacity."""

    class Weekday(models.IntegerChoices):
        MON = 0, "星期一"
        TUE = 1, "星期二"
        WED = 2, "星期三"
        THU = 3, "星期四"
        FRI = 4, "星期五"
        SAT = 5, "星期六"
        SUN = 6, "星期日"

    institution = models.ForeignKey(
        "org.Institution", verbose_name="服务机构", on_delete=models.PROTECT, related_name="slot_templates"
    )
    weekday = models.PositiveSmallIntegerField("星期", choices=Weekday.choices)
    start = models.TimeField("开始时间")
    end = models.TimeField("结束时间")
    capacity = models.PositiveSmallIntegerField("可预约人数")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "预约时段模板"
        verbose_name_plural = "预约时段模板"
        ordering = ["institution", "weekday", "start"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "weekday", "start"], name="bk_template_unique"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="bk_template_end_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="bk_template_capacity_positive"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}（{self.capacity}人）"


class Slot(models.Model):
    """One bookable period on a working day. `booked` only moves by conditional UPDATE
    (booked < capacity), and the database refuses booked > capacity."""

    institution = models.ForeignKey(
        "org.Institution",
        verbose_name="服务机构",
        on_delete=models.PROTECT,
        related_name="slots",
        db_index=False,
    )
    date = models.DateField("日期")
    start = models.TimeField("开始时间")
    end = models.TimeField("结束时间")
    capacity = models.PositiveSmallIntegerField("可预约人数")
    booked = models.PositiveSmallIntegerField("已预约", default=0)

    class Meta:
        verbose_name = "预约时段"
        verbose_name_plural = "预约时段"
        ordering = ["date", "start"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "date", "start"], name="bk_slot_unique"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="bk_slot_not_overbooked"),
        ]

    def __str__(self):
        return label_of(self)

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)


def label_of(slot: Slot) -> str:
    """ "12月3日 9:00" — how a slot is named to citizens and on the work queue."""
    from bangban.bookings.rules import slot_label

    return slot_label(slot.date, slot.start)


class Way(models.TextChoices):
    WINDOW = "window", "到窗口办理（预约时段）"
    DOOR = "door", "上门服务"
    REMOTE = "remote", "远程帮办"


class ServiceRequest(models.Model):
    """How the citizen asked to be served, kept beside the case an online request created."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="service_request")
    way = models.CharField("服务方式", max_length=10, choices=Way.choices)
    address = models.CharField("上门地址", max_length=200, blank=True)
    visit_for = models.CharField("需上门服务的人员", max_length=100, blank=True)
    created_at = models.DateTimeField("提交时间", default=timezone.now)

    class Meta:
        verbose_name = "网上申请"
        verbose_name_plural = "网上申请"

    def __str__(self):
        return f"{self.get_way_display()}"


class Booking(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "已预约"
        CANCELLED = "cancelled", "已取消"

    slot = models.ForeignKey(Slot, verbose_name="时段", on_delete=models.PROTECT, related_name="bookings")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="bookings")
    phone_hash = models.CharField("手机号码摘要", max_length=64)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField("预约时间", default=timezone.now)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)

    class Meta:
        verbose_name = "预约"
        verbose_name_plural = "预约"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="active"), name="bk_one_active_per_case"
            )
        ]

    def __str__(self):
        return f"预约 {label_of(self.slot)}"


class SignLink(models.Model):
    """A one-time link sent by SMS for the applicant to sign an entrustment on their phone.
    Only the token's hash is stored; the link dies when used or after its expiry."""

    entrustment = models.ForeignKey("cases.Entrustment", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField("链接摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("发送时间", default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField("签名时间", null=True, blank=True)

    class Meta:
        verbose_name = "签名链接"
        verbose_name_plural = "签名链接"

    def __str__(self):
        return f"签名链接 {self.entrustment_id}"


class EntrustmentSignature(models.Model):
    """The applicant's hand-written signature on one entrustment (form C); one per entrustment."""

    class Channel(models.TextChoices):
        WINDOW = "window", "窗口平板"
        PHONE = "phone", "申请人手机"

    entrustment = models.OneToOneField(
        "cases.Entrustment", on_delete=models.PROTECT, related_name="signature"
    )
    image = models.BinaryField("签名图像（PNG）")
    width = models.PositiveSmallIntegerField("宽度（像素）")
    height = models.PositiveSmallIntegerField("高度（像素）")
    signed_at = models.DateTimeField("签名时间", default=timezone.now)
    channel = models.CharField("签名方式", max_length=10, choices=Channel.choices)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)

    class Meta:
        verbose_name = "委托书签名"
        verbose_name_plural = "委托书签名"

    def __str__(self):
        return f"签名 {self.signed_at:%Y-%m-%d %H:%M}"
