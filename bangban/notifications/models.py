import uuid

from django.db import models
from django.utils import timezone


class Message(models.Model):
    """One SMS to an applicant: the outbox row written in the transaction of the change it reports.

    The row is the record of the message. A Celery task (tasks.send_message) claims it with an
    atomic conditional UPDATE (pending → sending), sends it through the configured gateway and marks
    it sent, so a message is handed to the gateway by one worker at a time and never after it was
    sent. `idempotency_key` goes to the gateway with every attempt, so a worker that crashes between
    the gateway's acceptance and our "sent" mark cannot make the applicant receive it twice.
    """

    class Event(models.TextChoices):
        ACCEPTED = "accepted", "受理"
        SUSPENDED = "suspended", "中止"
        RESUMED = "resumed", "续办"
        TRANSFERRED = "transferred", "转办"
        COMPLETED = "completed", "办结"
        TERMINATED = "terminated", "终止"
        # Evaluation and supervision (issue 10): 好差评 invitations, rectification answers,
        # complaints, consultations.
        REVIEW_INVITE = "review_invite", "邀请评价"
        REVIEW_REMIND = "review_remind", "评价提醒"
        RECTIFIED = "rectified", "差评整改反馈"
        COMPLAINT_IN = "complaint_in", "投诉受理"
        COMPLAINT_DONE = "complaint_done", "投诉答复"
        CONSULT_ANSWER = "consult_answer", "咨询答复"
        # The public side (issue 11): one-time SMS codes and booking confirmations.
        VERIFY = "verify", "验证码"
        BOOKING = "booking", "预约"
        # Key projects (issue 13): a liaison request or blocker climbed to the person it now waits on.
        ESCALATED = "escalated", "超期升级"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    # Encrypted at rest (core.crypto.phone_columns); decrypted only by the backend at send time.
    phone_encrypted = models.TextField("手机号码（密文）")
    phone_hash = models.CharField("手机号码摘要", max_length=64)
    phone_masked = models.CharField("手机号码（掩码）", max_length=20)
    text = models.TextField("短信内容")
    event = models.CharField("事由", max_length=16, choices=Event.choices, default=Event.OTHER)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    institution = models.ForeignKey(
        "org.Institution",
        verbose_name="所属机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # notif_institution_idx leads with it
    )
    dedupe_key = models.CharField("去重键", max_length=200)  # unique: notif_dedupe_unique
    idempotency_key = models.UUIDField("幂等键", default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField("发送次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    provider_id = models.CharField("网关消息编号", max_length=100, blank=True)
    claim_token = models.CharField("领取标记", max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField("领取时间", null=True, blank=True)
    # Set by the relay (tasks.relay_new) when it queues the delivery task, so it queues each row once.
    queued_at = models.DateTimeField("入队时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "短信"
        verbose_name_plural = "短信"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["dedupe_key"], name="notif_dedupe_unique")]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="notif_status_updated_idx"),
            models.Index(
                fields=["id"],
                name="notif_unqueued_idx",
                condition=models.Q(status="pending", queued_at__isnull=True),
            ),
            models.Index(fields=["object_type", "object_id"], name="notif_object_idx"),
            models.Index(fields=["institution", "created_at"], name="notif_institution_idx"),
        ]

    ENCRYPTED_FIELDS = {"phone_encrypted": "phone_hash"}  # for `bangban reencrypt`

    def __str__(self):
        return f"{self.get_event_display()}短信 → {self.masked_phone}"

    @property
    def masked_phone(self) -> str:
        return self.phone_masked

    def recipient(self) -> str:
        """The phone number in clear, for the gateway (backends call it when they send)."""
        from bangban.core import crypto

        return crypto.decrypt(self.phone_encrypted)
