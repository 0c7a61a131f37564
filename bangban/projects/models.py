"""Key projects (重点项目全程代办, domain.md §9 and §15).

A Project is registered from the StageTemplate/ItemTemplate rows of its type; the copy (ProjectStage,
ProjectItem) is the project's own and may be edited. An item runs pending → running (⇄ suspended) →
done (projects/rules.py), its deadline in working days from the day it started, suspensions not
counted (workdays.deadlines). Items depend on items (no cycles); one with nothing pending before it
may run in parallel (并联). Around the items: LiaisonRequest (the center asks a department, limit 1
working day by default, escalating 专职协办员 → 首席协办员 → 协调员), Meeting → Decision → ActionItem,
Blocker (专职协办员 → 首席协办员 → 协调员 → 中心负责人). ProjectEvent is the project's timeline.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

NAME_MAX = 200
TEXT_MAX = 2000
LONG_TEXT_MAX = 10000


class ProjectType(models.TextChoices):
    INDUSTRIAL = "industrial", "工业项目"
    COMMERCIAL = "commercial", "商业服务业项目"
    PUBLIC = "public", "公共工程项目"
    OTHER = "other", "其他项目"


class Level(models.TextChoices):
    PROVINCIAL = "provincial", "省重点项目"
    MUNICIPAL = "municipal", "市重点项目"
    INVESTMENT = "investment", "招商引资重大项目"
    OTHER = "other", "其他"


class ProjectStatus(models.TextChoices):
    ACTIVE = "active", "推进中"
    COMPLETED = "completed", "已完成"


class ItemStatus(models.TextChoices):
    PENDING = "pending", "未开始"
    RUNNING = "running", "办理中"
    SUSPENDED = "suspended", "已中止"
    DONE = "done", "已办结"


def new_revision() -> int:
    """A fresh revision marker (random, so a rolled-back change's marker is never reused)."""
    return secrets.randbits(62)


def new_token() -> str:
    return secrets.token_urlsafe(24)


class StageTemplate(models.Model):
    """One stage of the standard path of a project type (seeded; 立项 → … → 公用设施接入)."""

    project_type = models.CharField("项目类型", max_length=16, choices=ProjectType.choices)
    order = models.PositiveSmallIntegerField("顺序")
    name = models.CharField("阶段名称", max_length=50)

    class Meta:
        verbose_name = "阶段模板"
        verbose_name_plural = "阶段模板"
        ordering = ["project_type", "order"]
        constraints = [
            models.UniqueConstraint(fields=["project_type", "order"], name="projects_stagetpl_unique")
        ]

    def __str__(self):
        return f"{self.get_project_type_display()} {self.order}. {self.name}"


class ItemTemplate(models.Model):
    stage = models.ForeignKey(
        StageTemplate, verbose_name="阶段", on_delete=models.CASCADE, related_name="items"
    )
    order = models.PositiveSmallIntegerField("顺序")
    name = models.CharField("事项名称", max_length=NAME_MAX)
    # Matched against the departments of the project's institution when a project is registered.
    department_hint = models.CharField("责任部门（名称关键字）", max_length=50, blank=True)
    limit_workdays = models.PositiveSmallIntegerField("办理时限（工作日）")
    depends_on = models.ManyToManyField(
        "self", verbose_name="前置事项", symmetrical=False, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "事项模板"
        verbose_name_plural = "事项模板"
        ordering = ["stage__order", "order"]

    def __str__(self):
        return self.name


class ProjectCounter(models.Model):
    prefix = models.CharField("前缀", max_length=16)
    year = models.PositiveSmallIntegerField("年度")
    last = models.PositiveIntegerField("最后序号", default=0)

    class Meta:
        verbose_name = "项目编号计数"
        verbose_name_plural = "项目编号计数"
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="projects_counter_unique")]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last}"


class Project(models.Model):
    number = models.CharField("项目编号", max_length=32, unique=True)
    name = models.CharField("项目名称", max_length=NAME_MAX)
    project_type = models.CharField("项目类型", max_length=16, choices=ProjectType.choices)
    level = models.CharField("项目级别", max_length=16, choices=Level.choices)
    status = models.CharField(
        "状态", max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE
    )
    investor_name = models.CharField("投资主体", max_length=NAME_MAX)
    investor_credit_code = models.CharField("统一社会信用代码", max_length=18)
    investment = models.DecimalField("总投资（万元）", max_digits=12, decimal_places=2)
    land_area = models.DecimalField("用地面积（亩）", max_digits=10, decimal_places=2, null=True, blank=True)
    division = models.ForeignKey(
        "divisions.Division", verbose_name="建设地点", on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "org.Institution", verbose_name="承办中心", on_delete=models.PROTECT, related_name="projects"
    )
    lead_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="代办员", on_delete=models.PROTECT, related_name="+"
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="协调员", on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField("投资方联系人", max_length=50)
    phone_encrypted = models.TextField("联系电话（密文）")
    phone_hash = models.CharField("联系电话摘要", max_length=64)
    phone_masked = models.CharField("联系电话（掩码）", max_length=20)
    entrustment_scope = models.TextField("委托代办范围")
    entrustment_start = models.DateField("委托期限自")
    entrustment_end = models.DateField("委托期限至")
    tracking_token = models.CharField(
        "查询令牌", max_length=40, default=new_token, editable=False, unique=True
    )
    # The project's own 代办 case (its entrustment): opened at the first item without a catalog item,
    # which becomes a joint task on it (services.item_start).
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="项目代办办件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField("版本", default=0)
    # Replaced (services._lock_project_items) in the transaction of every change to the project's
    # items, their suspensions and dependencies, or its stages: the computed Gantt is cached under
    # it (selectors.gantt_data). Not a counter, so it never comes back after a rollback.
    revision = models.BigIntegerField("数据修订号", default=new_revision, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    ENCRYPTED_FIELDS = {"phone_encrypted": "phone_hash"}

    class Meta:
        verbose_name = "重点项目"
        verbose_name_plural = "重点项目"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["institution", "status"], name="projects_inst_status")]

    def __str__(self):
        return f"{self.number} {self.name}"


class ProjectStage(models.Model):
    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField("顺序")
    name = models.CharField("阶段名称", max_length=50)
    planned_start = models.DateField("计划开始", null=True, blank=True)
    planned_end = models.DateField("计划完成", null=True, blank=True)
    actual_start = models.DateField("实际开始", null=True, blank=True)
    actual_end = models.DateField("实际完成", null=True, blank=True)

    class Meta:
        verbose_name = "项目阶段"
        verbose_name_plural = "项目阶段"
        ordering = ["project", "order"]

    def __str__(self):
        return self.name


class ProjectItem(models.Model):
    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="items")
    stage = models.ForeignKey(
        ProjectStage, verbose_name="阶段", on_delete=models.CASCADE, related_name="items"
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)
    name = models.CharField("事项名称", max_length=NAME_MAX)
    item_version = models.ForeignKey(
        "catalog.ItemVersion",
        verbose_name="事项版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name="责任部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="project_items",
    )
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="专职协办员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    limit_workdays = models.PositiveSmallIntegerField("办理时限（工作日）")
    planned_start = models.DateField("计划开始", null=True, blank=True)
    planned_end = models.DateField("计划完成", null=True, blank=True)
    actual_start = models.DateField("实际开始", null=True, blank=True)
    actual_end = models.DateField("实际完成", null=True, blank=True)
    due = models.DateField("办理期限", null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="关联办件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The department's joint task (联办) that carries the item: on the item's own case, or on the
    # project's case for an item without a catalog item (services.item_start).
    task = models.ForeignKey(
        "cases.JointTask",
        verbose_name="联办任务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    depends_on = models.ManyToManyField(
        "self", verbose_name="前置事项", symmetrical=False, blank=True, related_name="needed_by"
    )
    result = models.TextField("办理结果", blank=True)
    version = models.PositiveIntegerField("版本", default=0)

    class Meta:
        verbose_name = "项目事项"
        verbose_name_plural = "项目事项"
        ordering = ["stage__order", "order", "id"]
        indexes = [
            models.Index(fields=["project", "status"], name="projects_item_proj_status"),
            models.Index(fields=["department", "status"], name="projects_item_dept_status"),
        ]

    def __str__(self):
        return self.name


class ItemSuspension(models.Model):
    item = models.ForeignKey(
        ProjectItem, verbose_name="事项", on_delete=models.CASCADE, related_name="suspensions"
    )
    reason = models.CharField("中止原因", max_length=200)
    suspended_on = models.DateField("中止日期")
    resumed_on = models.DateField("续办日期", null=True, blank=True)

    class Meta:
        verbose_name = "事项中止"
        verbose_name_plural = "事项中止"
        ordering = ["suspended_on", "id"]

    def __str__(self):
        return f"{self.item_id} {self.suspended_on}"


class ProjectEvent(models.Model):
    """The project's timeline: every change, who, when."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="events")
    item = models.ForeignKey(
        ProjectItem, verbose_name="事项", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    at = models.DateTimeField("时间", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    action = models.CharField("动作", max_length=32)
    text = models.TextField("内容")
    public = models.BooleanField("投资方可见", default=False)

    class Meta:
        verbose_name = "项目动态"
        verbose_name_plural = "项目动态"
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.project_id} {self.action}"


class RequestKind(models.TextChoices):
    QUESTION = "question", "问题咨询"
    DOCUMENT = "document", "所需材料"
    BLOCKER = "blocker", "堵点协调"


class LiaisonRequest(models.Model):
    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="liaison_requests"
    )
    item = models.ForeignKey(
        ProjectItem,
        verbose_name="事项",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="requests",
    )
    department = models.ForeignKey(
        "org.Department", verbose_name="部门", on_delete=models.PROTECT, related_name="project_requests"
    )
    kind = models.CharField("类别", max_length=16, choices=RequestKind.choices)
    text = models.TextField("请求内容")
    limit_workdays = models.PositiveSmallIntegerField("答复时限（工作日）", default=1)
    sent_on = models.DateField("发出日期")
    due = models.DateField("答复期限")
    level = models.PositiveSmallIntegerField("升级层级", default=0)
    answer = models.TextField("答复", blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    answered_on = models.DateField("答复日期", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "协办请求"
        verbose_name_plural = "协办请求"
        ordering = ["-sent_on", "-id"]
        indexes = [models.Index(fields=["department", "answered_on"], name="projects_req_dept")]

    def __str__(self):
        return f"{self.project_id} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.answered_on is None


class MeetingKind(models.TextChoices):
    JOINT = "joint", "联办会议"
    COORDINATION = "coordination", "协调会"


class Meeting(models.Model):
    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="meetings"
    )
    kind = models.CharField("会议类型", max_length=16, choices=MeetingKind.choices)
    held_on = models.DateField("会议日期")
    convened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="召集人", on_delete=models.PROTECT, related_name="+"
    )
    departments = models.ManyToManyField(
        "org.Department", verbose_name="参会部门", blank=True, related_name="+"
    )
    attendees = models.TextField("参会人员")
    agenda = models.TextField("议题")
    minutes = models.TextField("会议纪要", blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "协调会议"
        verbose_name_plural = "协调会议"
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.held_on}"


class ActionItem(models.Model):
    """One decision of a meeting, with its owner and working-day deadline, tracked to closure."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="actions"
    )
    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="actions"
    )
    decision = models.TextField("会议决定")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="责任人", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name="责任部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    limit_workdays = models.PositiveSmallIntegerField("落实时限（工作日）")
    due = models.DateField("落实期限")
    closed_on = models.DateField("办结日期", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办结人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    result = models.TextField("落实情况", blank=True)

    class Meta:
        verbose_name = "会议决定事项"
        verbose_name_plural = "会议决定事项"
        ordering = ["due", "id"]

    def __str__(self):
        return self.decision[:50]


class Blocker(models.Model):
    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="blockers"
    )
    item = models.ForeignKey(
        ProjectItem, verbose_name="事项", on_delete=models.CASCADE, related_name="blockers"
    )
    text = models.TextField("堵点描述")
    raised_on = models.DateField("提出日期")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出人", on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField("升级层级", default=0)
    resolved_on = models.DateField("解决日期", null=True, blank=True)
    resolution = models.TextField("解决情况", blank=True)

    class Meta:
        verbose_name = "堵点"
        verbose_name_plural = "堵点"
        ordering = ["-raised_on", "-id"]

    def __str__(self):
        return self.text[:50]

    @property
    def is_open(self) -> bool:
        return self.resolved_on is None
