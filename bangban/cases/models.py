"""办件: the help (帮办) and agency (代办) cases, with everything that happens to them.

The case row carries the current state and the computed deadline; every change is a
service in cases/services.py that also writes a CaseEvent (the timeline) and an audit row.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    HELP = "help", "帮办"
    AGENCY = "agency", "代办"


def listing_mode(kind: str) -> str:
    """The mode of the 清单 (catalog.selectors.MODES) a case of `kind` is offered under."""
    return "agency" if kind == Kind.AGENCY else "help"


class Mode(models.TextChoices):
    GUIDE = "guide", "导办"
    LEAD = "lead", "领办"
    ASSIST = "assist", "协办"
    JOINT = "joint", "联办"
    TRANSFER = "transfer", "转办"
    AGENCY = "agency", "代办"


HELP_MODES = (Mode.GUIDE, Mode.LEAD, Mode.ASSIST, Mode.JOINT, Mode.TRANSFER)


class Status(models.TextChoices):
    CONSULTING = "consulting", "咨询"
    APPLIED = "applied", "申请"
    ANALYSING = "analysing", "需求分析"
    ENTRUSTED = "entrusted", "已委托"
    ACCEPTED = "accepted", "已受理"
    IN_PROGRESS = "in_progress", "承办中"
    SUSPENDED = "suspended", "已中止"
    COMPLETED = "completed", "已办结"
    TERMINATED = "terminated", "已终止"
    ARCHIVED = "archived", "已归档"


OPEN_STATUSES = (
    Status.CONSULTING,
    Status.APPLIED,
    Status.ANALYSING,
    Status.ENTRUSTED,
    Status.ACCEPTED,
    Status.IN_PROGRESS,
    Status.SUSPENDED,
)
CLOCK_STATUSES = (Status.ENTRUSTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.SUSPENDED)


class ApplicantType(models.TextChoices):
    PERSON = "person", "个人"
    ENTERPRISE = "enterprise", "企业"


class PriorityGroup(models.TextChoices):
    NONE = "", "无"
    ELDERLY = "elderly", "老年人"
    DISABLED = "disabled", "残疾人"
    PREGNANT = "pregnant", "孕产妇及行动不便者"
    DIGITAL = "digital", "不熟悉智能设备的群众"
    ENTERPRISE = "enterprise", "企业（市场主体）"
    KEY_PROJECT = "key_project", "重点项目/招商引资项目"
    MILITARY = "military", "军人军属及优抚对象"


class Channel(models.TextChoices):
    WINDOW = "window", "窗口"
    PHONE = "phone", "电话"
    ONLINE = "online", "网上"
    DOOR = "door", "上门"


def new_tracking_token() -> str:
    return secrets.token_urlsafe(16)


class CaseCounter(models.Model):
    """The last number issued for a county and year; incremented in the case's own transaction.

    A rolled-back creation rolls its increment back too, so numbers have no gaps; the row lock
    makes concurrent creations take consecutive numbers.
    """

    prefix = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="cases_counter_unique")]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last}"


class Case(models.Model):
    # Uniqueness and lookups by constraint / Meta index: a plain B-tree each, without the extra
    # pattern-ops index Django adds for unique or db_index CharFields (every index costs every insert).
    number = models.CharField("办件编号", max_length=32)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    mode = models.CharField("服务方式", max_length=10, choices=Mode.choices)
    status = models.CharField("状态", max_length=16, choices=Status.choices)
    version = models.PositiveIntegerField("版本", default=0)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices, default=Channel.WINDOW)
    priority_group = models.CharField("重点群体", max_length=16, choices=PriorityGroup.choices, blank=True)
    summary = models.CharField("诉求摘要", max_length=300, blank=True)

    applicant_type = models.CharField("申请人类型", max_length=12, choices=ApplicantType.choices)
    applicant_name = models.CharField("申请人", max_length=100)
    # 身份证号 encrypted at rest (core.crypto); the hash finds a person without decrypting.
    applicant_id_encrypted = models.TextField("证件号码（密文）", blank=True)
    applicant_id_hash = models.CharField("证件号码摘要", max_length=64, blank=True)
    applicant_id_masked = models.CharField("证件号码（掩码）", max_length=32, blank=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    # 联系电话 likewise (core.crypto.phone_columns): lists show the mask, the hash finds the case.
    phone_encrypted = models.TextField("联系电话（密文）")
    phone_hash = models.CharField("联系电话摘要", max_length=64)
    phone_masked = models.CharField("联系电话（掩码）", max_length=20)

    # institution and agent lead the composite indexes below, which serve their lookups.
    institution = models.ForeignKey(
        "org.Institution",
        verbose_name="承办机构",
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="帮办代办员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    # Deadline (dates, Asia/Shanghai). Filled at acceptance (帮办) / entrustment (代办).
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    promised_days = models.PositiveSmallIntegerField("承诺时限（工作日）", null=True, blank=True)
    is_immediate = models.BooleanField("即办件", default=False)
    extension_days = models.PositiveSmallIntegerField("延期（工作日）", default=0)
    due_date = models.DateField("办结期限", null=True, blank=True)  # open cases: the partial indexes
    clock_stopped = models.BooleanField("计时暂停", default=False)
    finished_at = models.DateTimeField("办结/终止时间", null=True, blank=True)
    # 响应率 (domain.md §13): when staff first acted on the request, and by when they had to (window and
    # phone: at registration; online and door-to-door: within 1 working day). Set by the case services.
    first_response_at = models.DateTimeField("首次响应时间", null=True, blank=True)
    response_due = models.DateField("响应期限", null=True, blank=True)
    result = models.TextField("办理结果", blank=True)
    termination_reason = models.TextField("终止原因", blank=True)
    tracking_token = models.CharField(max_length=32, default=new_tracking_token, editable=False)

    class Meta:
        verbose_name = "办件"
        verbose_name_plural = "办件"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="cases_number_unique"),
            models.UniqueConstraint(fields=["tracking_token"], name="cases_tracking_token_unique"),
        ]
        indexes = [
            # Work queues read open cases most urgent first and stop after a page: partial indexes over
            # the open cases in exactly that order let the LIMIT end the scan, whatever the table size.
            # On PostgreSQL it also carries status and institution_id (INCLUDE, migration 0008), so the
            # 工作台's counts of an agent's open cases read the index alone.
            models.Index(
                fields=["agent", "clock_stopped", "due_date", "id"],
                name="cases_open_by_agent",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["institution", "clock_stopped", "due_date", "id"],
                name="cases_open_by_inst",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["clock_stopped", "due_date", "id"],
                name="cases_open_by_due",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(fields=["institution", "status"], name="cases_inst_status"),
            models.Index(fields=["applicant_id_hash"], name="cases_applicant_id_hash"),
            # Search (selectors.case_list q=): the phone's lookup hash, and the applicant name by
            # prefix; PostgreSQL needs the pattern operator class for LIKE 'x%' under any collation
            # other than C (SQLite ignores opclasses and gets a plain index, which its range serves).
            models.Index(fields=["phone_hash"], name="cases_phone_hash"),
            models.Index(
                fields=["applicant_name"], name="cases_applicant_name", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["credit_code"], name="cases_credit_code"),
            models.Index(fields=["agent", "status"], name="cases_agent_status"),
            models.Index(fields=["created_at"], name="cases_created_at"),
        ]

    # What `bangban reencrypt` keeps under the newest key: {ciphertext: lookup hash}.
    ENCRYPTED_FIELDS = {"applicant_id_encrypted": "applicant_id_hash", "phone_encrypted": "phone_hash"}

    def __str__(self):
        return f"{self.number} {self.applicant_name}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def applicant_id_display(self) -> str:
        return self.applicant_id_masked or self.credit_code


class CaseItem(models.Model):
    """An item the case concerns, pinned to the catalog version in force on acceptance."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="items", db_index=False)
    item_version = models.ForeignKey("catalog.ItemVersion", verbose_name="事项版本", on_delete=models.PROTECT)
    name = models.CharField("事项名称", max_length=200)

    class Meta:
        verbose_name = "办件事项"
        verbose_name_plural = "办件事项"
        constraints = [models.UniqueConstraint(fields=["case", "item_version"], name="cases_item_unique")]

    def __str__(self):
        return self.name


class CaseEvent(models.Model):
    """The case timeline: transitions, log entries, transfers, tasks, materials, deadline changes,
    督办 (supervision orders: issued, answered, closed; staff only, never on the public tracking page)."""

    class Type(models.TextChoices):
        TRANSITION = "transition", "流程"
        LOG = "log", "服务日志"
        TRANSFER = "transfer", "转办"
        TASK = "task", "联办任务"
        MATERIAL = "material", "材料"
        DEADLINE = "deadline", "时限"
        ENTRUSTMENT = "entrustment", "委托"
        SUPERVISION = "supervision", "督办"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    type = models.CharField("类别", max_length=16, choices=Type.choices)
    at = models.DateTimeField("时间", default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    institution = models.ForeignKey("org.Institution", null=True, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    text = models.TextField("内容")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="cases_event_case_at")]

    def __str__(self):
        return self.text[:60]


class Entrustment(models.Model):
    """代办服务委托书 (form C) and its renewals (续办委托书, form E)."""

    class Scope(models.TextChoices):
        WHOLE = "whole", "全程代办"
        PARTIAL = "partial", "部分环节代办"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entrustments")
    is_renewal = models.BooleanField("续办委托", default=False)
    scope = models.CharField("代办范围", max_length=10, choices=Scope.choices)
    stages = models.CharField("代办环节", max_length=300, blank=True)
    period_start = models.DateField("委托期限自")
    period_end = models.DateField("委托期限至")
    materials_text = models.TextField("移交材料", blank=True)
    signed_at = models.DateTimeField("签署时间", default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["signed_at", "id"]

    def __str__(self):
        return f"{'续办委托' if self.is_renewal else '代办委托'} {self.period_start}–{self.period_end}"


class Suspension(models.Model):
    class Reason(models.TextChoices):
        MATERIALS_MISSING = "materials", "材料不齐需补正"
        APPLICANT_REQUEST = "applicant", "申请人要求"
        THIRD_PARTY = "third_party", "等待第三方（检测、鉴定、公示等）"
        OTHER = "other", "其他"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="suspensions")
    reason = models.CharField("中止原因", max_length=16, choices=Reason.choices)
    detail = models.TextField("说明", blank=True)
    suspended_on = models.DateField("中止日期")
    resumed_on = models.DateField("续办日期", null=True, blank=True)
    suspended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    workdays_left = models.IntegerField("中止时剩余工作日", default=0)

    class Meta:
        ordering = ["suspended_on", "id"]

    def __str__(self):
        return f"中止 {self.suspended_on}（{self.get_reason_display()}）"


class Extension(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField("延长工作日")
    reason = models.TextField("理由")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"延期 {self.days} 个工作日"


class DeadlineChange(models.Model):
    """Every change of a case's due date, with why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadline_changes")
    before = models.DateField(null=True, blank=True)
    after = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.before} → {self.after}"


class Transfer(models.Model):
    """转办: a hand-over to another institution (up or down the tree) or a department."""

    class State(models.TextChoices):
        PENDING = "pending", "待接收"
        ACCEPTED = "accepted", "已接收"
        RETURNED = "returned", "已退回"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
    from_institution = models.ForeignKey("org.Institution", on_delete=models.PROTECT, related_name="+")
    to_institution = models.ForeignKey("org.Institution", on_delete=models.PROTECT, related_name="+")
    to_department = models.ForeignKey(
        "org.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField("转办原因")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField("退回理由", blank=True)

    class Meta:
        ordering = ["sent_at", "id"]
        indexes = [models.Index(fields=["from_institution", "case"], name="cases_transfer_from")]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(state="pending"), name="cases_one_pending_transfer"
            )
        ]

    def __str__(self):
        return f"转办 {self.from_institution_id} → {self.to_institution_id}（{self.get_state_display()}）"


class JointTask(models.Model):
    """联办: one task per department, with its own deadline, liaison and result."""

    class State(models.TextChoices):
        OPEN = "open", "办理中"
        DONE = "done", "已完成"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="tasks")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    description = models.TextField("任务内容")
    due_date = models.DateField("任务期限")
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN, db_index=True)
    result = models.TextField("办理结果", blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_date", "id"]
        # One task per department is the rule of task_create (under the case's row lock), which a
        # key project's umbrella case relaxes (one task per project item): no unique constraint.
        indexes = [models.Index(fields=["case", "department"], name="cases_task_case_dept")]

    def __str__(self):
        return self.description[:60]


class Material(models.Model):
    """Materials register: each original or copy received from the applicant and its return."""

    class Form(models.TextChoices):
        ORIGINAL = "original", "原件"
        COPY = "copy", "复印件"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    name = models.CharField("材料名称", max_length=200)
    form = models.CharField("形式", max_length=10, choices=Form.choices)
    copies = models.PositiveSmallIntegerField("份数", default=1)
    received_at = models.DateTimeField("接收时间", default=timezone.now)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    returned_at = models.DateTimeField("退还时间", null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        ordering = ["received_at", "id"]

    def __str__(self):
        return self.name
