"""Remote help (远程帮办): cloud windows that answer calls, agents on duty, help calls and their sessions.

Live state lives here, in the database, never in one process's memory: the queue is the HelpCall rows
in status queued, a session's chat, WebRTC signalling (offer/answer/ICE), form snapshots and pushed
links are SessionEvent rows numbered 1, 2, 3 … per call (`seq`, allocated under the call's row lock so
numbers commit in order), and a client resumes from `after=<seq>`. See docs/remote.md.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_caller_token() -> str:
    return secrets.token_urlsafe(24)


class CloudWindow(models.Model):
    """An institution's remote window (云窗口): a town 便民服务中心 or the county 政务服务中心 answering calls
    from the institutions below it. Empty `items` means every item; empty `tiers` every tier below."""

    institution = models.ForeignKey(
        "org.Institution", verbose_name="所属机构", on_delete=models.PROTECT, related_name="cloud_windows"
    )
    name = models.CharField("窗口名称", max_length=100)
    items = models.ManyToManyField("catalog.Item", verbose_name="受理事项", blank=True, related_name="+")
    tiers = models.CharField(
        "服务层级", max_length=8, blank=True, help_text="来电机构层级，如 3 表示便民服务站"
    )
    accepts_public = models.BooleanField("接受群众在线求助", default=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "云窗口"
        verbose_name_plural = "云窗口"
        ordering = ["institution__path", "name"]

    def __str__(self):
        return f"{self.institution.name}·{self.name}"


class AgentDuty(models.Model):
    """One agent's turn on duty at a window (open while ended_at is empty), with their item skills."""

    window = models.ForeignKey(
        CloudWindow, verbose_name="云窗口", on_delete=models.CASCADE, related_name="duties"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="坐席", on_delete=models.PROTECT, related_name="remote_duties"
    )
    skills = models.ManyToManyField("catalog.Item", verbose_name="擅长事项", blank=True, related_name="+")
    started_at = models.DateTimeField("上岗时间", default=timezone.now)
    ended_at = models.DateTimeField("离岗时间", null=True, blank=True)

    class Meta:
        verbose_name = "坐席值守"
        verbose_name_plural = "坐席值守"
        constraints = [
            models.UniqueConstraint(
                fields=["window", "agent"],
                condition=models.Q(ended_at__isnull=True),
                name="remote_one_open_duty",
            )
        ]

    def __str__(self):
        return f"{self.agent} @ {self.window}"


class CallStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    ANSWERED = "answered", "通话中"
    ENDED = "ended", "已结束"
    ABANDONED = "abandoned", "已放弃"


class HelpCall(models.Model):
    """A call for help: from a 便民服务站 clerk with an applicant in front of them, or from a citizen at home
    on the portal (mobile number proven by SMS code; they hold `caller_token`)."""

    class Origin(models.TextChoices):
        STATION = "station", "服务站点"
        PUBLIC = "public", "群众在线"

    window = models.ForeignKey(
        CloudWindow, verbose_name="云窗口", on_delete=models.PROTECT, related_name="calls"
    )
    origin = models.CharField("来源", max_length=8, choices=Origin.choices)
    station = models.ForeignKey(
        "org.Institution",
        verbose_name="求助机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="站点经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    caller_name = models.CharField("求助人", max_length=100)
    phone_encrypted = models.TextField("手机号码（密文）", blank=True)
    phone_masked = models.CharField("手机号码（掩码）", max_length=20, blank=True)
    item = models.ForeignKey(
        "catalog.Item", verbose_name="事项", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    need = models.CharField("诉求", max_length=300, blank=True)
    status = models.CharField("状态", max_length=10, choices=CallStatus.choices, default=CallStatus.QUEUED)
    created_at = models.DateTimeField("求助时间", default=timezone.now)
    queued_at = models.DateTimeField("排队起始时间", default=timezone.now)
    answered_at = models.DateTimeField("接听时间", null=True, blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="坐席",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="remote_calls",
    )
    returned_count = models.PositiveSmallIntegerField("退回队列次数", default=0)
    end_reason = models.CharField("结束说明", max_length=200, blank=True)
    caller_token = models.CharField("求助方令牌", max_length=64, default=new_caller_token, unique=True)
    caller_seen_at = models.DateTimeField("求助方最近在线", default=timezone.now)
    agent_seen_at = models.DateTimeField("坐席最近在线", null=True, blank=True)
    last_seq = models.PositiveIntegerField("最新会话序号", default=0)
    form = models.JSONField("同屏表单", default=dict, blank=True)
    form_seq = models.PositiveIntegerField("表单版本", default=0)
    confirmed_seq = models.PositiveIntegerField("求助方确认的表单版本", default=0)
    case = models.ForeignKey(
        "cases.Case", verbose_name="办件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "远程求助"
        verbose_name_plural = "远程求助"
        indexes = [models.Index(fields=["window", "status", "queued_at"], name="remote_call_queue")]

    def __str__(self):
        return f"远程求助 #{self.pk} {self.caller_name}"

    @property
    def wait_seconds(self) -> int | None:
        if self.answered_at is None:
            return None
        return int((self.answered_at - self.created_at).total_seconds())

    @property
    def session_seconds(self) -> int | None:
        if self.answered_at is None or self.ended_at is None:
            return None
        return int((self.ended_at - self.answered_at).total_seconds())


class SessionEvent(models.Model):
    """One thing that happened in a call, numbered per call: chat, signalling, form sync, a pushed link."""

    class Side(models.TextChoices):
        CALLER = "caller", "求助方"
        AGENT = "agent", "坐席"
        SYSTEM = "system", "系统"

    class Kind(models.TextChoices):
        CHAT = "chat", "文字消息"
        OFFER = "offer", "媒体协商（offer）"
        ANSWER = "answer", "媒体协商（answer）"
        ICE = "ice", "网络候选"
        MEDIA = "media", "音视频状态"
        FORM = "form", "同屏表单"
        CONFIRM = "confirm", "求助方确认"
        LINK = "link", "推送链接"
        STATE = "state", "状态变化"

    call = models.ForeignKey(
        HelpCall, verbose_name="远程求助", on_delete=models.CASCADE, related_name="events"
    )
    seq = models.PositiveIntegerField("序号")
    side = models.CharField("发送方", max_length=8, choices=Side.choices)
    kind = models.CharField("类别", max_length=8, choices=Kind.choices)
    # "" for both sides; signalling goes to the other side only.
    to = models.CharField("接收方", max_length=8, blank=True)
    body = models.JSONField("内容", default=dict)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "会话记录"
        verbose_name_plural = "会话记录"
        constraints = [models.UniqueConstraint(fields=["call", "seq"], name="remote_event_seq")]

    def __str__(self):
        return f"{self.call_id}#{self.seq} {self.kind}"
