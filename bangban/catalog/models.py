"""The service-item catalog (事项目录): items, their effective-dated versions, adjustments, 清单, 一件事.

An `Item` is the stable identity every case points at; an `ItemVersion` is one set of legal
elements with the dates it is in force. Drafts are edited; publishing freezes a version for good
(only its `valid_to` may still be set, when a successor takes over). Which version is in force
on a date is computed from the dates, so nothing needs a scheduler.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from bangban.catalog import codes, pinyin


class FrozenVersionError(Exception):
    """A published version (or one of its materials / legal bases) was about to be edited in place."""


class Item(models.Model):
    """A service item's identity. Its head fields mirror the latest version, for lists and search."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        ACTIVE = "active", "在用"
        ENDED = "ended", "已终止"

    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    name = models.CharField("事项名称", max_length=200, db_index=True)
    basic_code = models.CharField("基本编码", max_length=12, db_index=True)
    implementation_code = models.CharField("实施编码", max_length=31, unique=True)
    department = models.ForeignKey(
        "org.Department", verbose_name="实施机关", on_delete=models.PROTECT, related_name="catalog_items"
    )
    ended_on = models.DateField("终止日期", null=True, blank=True, help_text="自该日起不再有效")
    predecessors = models.ManyToManyField(
        "self",
        through="ItemLineage",
        through_fields=("successor", "predecessor"),
        symmetrical=False,
        related_name="successors",
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "政务服务事项"
        verbose_name_plural = "政务服务事项"
        ordering = ["basic_code", "implementation_code"]

    def __str__(self):
        return f"{self.name}（{self.implementation_code}）"


class ItemVersion(models.Model):
    """One immutable element set of an item (once published), valid from `valid_from` to `valid_to`."""

    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"

    item = models.ForeignKey(Item, verbose_name="事项", on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本号", null=True, blank=True, help_text="发布时按顺序编号")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.DRAFT, db_index=True)
    adjustment = models.ForeignKey(
        "Adjustment",
        verbose_name="调整申请",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposed_versions",
    )
    based_on = models.ForeignKey(
        "self", verbose_name="调整前版本", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    valid_from = models.DateField("生效日期", null=True, blank=True)
    valid_to = models.DateField("失效日期", null=True, blank=True, help_text="最后有效的一天；空表示长期有效")
    is_suspended = models.BooleanField("暂停办理", default=False)

    # --- legal elements (Shanghai text §4) ---
    name = models.CharField("事项名称", max_length=200)
    # Derived from `name` on every save (catalog.pinyin), frozen with it: the window's type-ahead.
    name_initials = models.CharField("名称拼音首字母", max_length=200, blank=True, editable=False)
    item_type = models.CharField("事项类型", max_length=2, choices=list(codes.ITEM_TYPES.items()))
    public_domain = models.CharField(
        "公共服务领域", max_length=20, blank=True, choices=list(codes.PUBLIC_DOMAINS.items())
    )
    basic_code = models.CharField("基本编码", max_length=12, db_index=True)
    implementation_code = models.CharField("实施编码", max_length=31, db_index=True)
    main_basic_code = models.CharField(
        "主项基本编码", max_length=12, blank=True, help_text="子项填写；主项留空"
    )
    main_item_name = models.CharField("主项名称", max_length=200, blank=True)
    competent_department = models.CharField("主管部门", max_length=100)
    department = models.ForeignKey(
        "org.Department", verbose_name="实施机关", on_delete=models.PROTECT, related_name="catalog_versions"
    )
    level = models.CharField("行使层级", max_length=1, choices=list(codes.LEVELS.items()))
    handling_tiers = models.CharField(
        "受理层级", max_length=3, blank=True, help_text="可受理的服务层级，如 123"
    )
    help_tiers = models.CharField("可帮办层级", max_length=3, blank=True)
    agency_tiers = models.CharField("可代办层级", max_length=3, blank=True)
    statutory_days = models.PositiveSmallIntegerField("法定时限（工作日）", null=True, blank=True)
    promised_days = models.PositiveSmallIntegerField("承诺时限（工作日）", default=0)
    is_immediate = models.BooleanField("即办件", default=False, help_text="当场办结；否则为承诺件")
    charges_fee = models.BooleanField("收费", default=False)
    fee_amount = models.DecimalField("收费金额（元）", max_digits=10, decimal_places=2, null=True, blank=True)
    fee_basis = models.CharField("收费依据", max_length=300, blank=True)
    channel_window = models.BooleanField("窗口办理", default=True)
    channel_online = models.BooleanField("网上办理", default=False)
    channel_mail = models.BooleanField("邮寄办理", default=False)
    tags = models.CharField("重点领域标签", max_length=300, blank=True, help_text="以逗号包围的标签代码")
    conditions = models.TextField("申请条件", blank=True)
    procedure = models.TextField("办理流程", blank=True)
    result_name = models.CharField("办理结果", max_length=200, blank=True)
    location = models.CharField("办理地点", max_length=300, blank=True)
    consult_phone = models.CharField("咨询电话", max_length=60, blank=True)

    # --- 办事指南 elements a citizen reads before coming (issue 11); see elements.GUIDE_ELEMENTS ---
    service_objects = models.CharField(
        "服务对象", max_length=100, blank=True, help_text="以逗号包围的代码，见 codes.SERVICE_OBJECTS"
    )
    visits = models.PositiveSmallIntegerField(
        "到现场次数", null=True, blank=True, help_text="0 零跑动，1 最多跑一次；空表示未填写"
    )
    online_depth = models.CharField(
        "网办深度", max_length=1, blank=True, choices=list(codes.ONLINE_DEPTHS.items())
    )
    intermediary = models.CharField("中介服务", max_length=300, blank=True)
    quantity_limit = models.CharField("数量限制", max_length=300, blank=True)
    delivery_methods = models.CharField(
        "结果送达方式", max_length=100, blank=True, help_text="以逗号包围的代码，见 codes.DELIVERY_METHODS"
    )
    complaint_phone = models.CharField("监督投诉电话", max_length=60, blank=True)
    # Guide elements explicitly marked 不适用, as ",key,key," (elements.NA_ALLOWED only).
    not_applicable = models.CharField("不适用的指南要素", max_length=200, blank=True)
    # Every guide element filled or marked 不适用 (elements.guide_missing is empty). Computed by the
    # services whenever a draft is written and when it is published; frozen with the version, so
    # the flag of a published version never goes stale. Feeds 信息公开率.
    guide_complete = models.BooleanField("办事指南完整", default=False, db_index=True, editable=False)

    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Everyone who wrote this draft (creator and every editor): none of them may approve it.
    contributors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="编写人", related_name="+", blank=True
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "事项版本"
        verbose_name_plural = "事项版本"
        ordering = ["item_id", "valid_from", "pk"]
        indexes = [
            models.Index(fields=["state", "valid_from", "valid_to"], name="catalog_ver_in_force"),
            models.Index(fields=["item", "state", "valid_from"], name="catalog_ver_item_from"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="catalog_version_unique_number"),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=False, valid_to__gte=models.F("valid_from")),
                name="catalog_version_dates_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(statutory_days__isnull=True)
                | models.Q(promised_days__lte=models.F("statutory_days")),
                name="catalog_version_promise_within_statute",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="published") | models.Q(valid_from__isnull=False),
                name="catalog_version_published_has_start",
            ),
        ]

    def __str__(self):
        label = f"第 {self.number} 版" if self.number else "草稿"
        return f"{self.name}（{label}）"

    # Published rows are frozen: only valid_to may change (a successor closing them).
    MUTABLE_WHEN_PUBLISHED = frozenset({"valid_to", "updated_at"})

    def save(self, *args, **kwargs):
        if self._stored_state() == self.State.PUBLISHED:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= self.MUTABLE_WHEN_PUBLISHED:
                raise FrozenVersionError("已发布的事项版本不能修改，请发起事项调整")
        self.name_initials = pinyin.initials(self.name)
        fields = kwargs.get("update_fields")
        if fields is not None and "name" in fields and "name_initials" not in fields:
            kwargs["update_fields"] = [*fields, "name_initials"]
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_state() == self.State.PUBLISHED:
            raise FrozenVersionError("已发布的事项版本不能删除")
        return super().delete(*args, **kwargs)

    def _stored_state(self) -> str | None:
        if self.pk is None:
            return None
        return type(self).objects.filter(pk=self.pk).values_list("state", flat=True).first()

    # --- reading helpers used by other apps ---

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED

    def in_force_on(self, day: datetime.date) -> bool:
        return (
            self.is_published
            and self.valid_from is not None
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )

    def allows(self, mode: str, tier: int) -> bool:
        """Whether 帮办 (mode "help") or 代办 (mode "agency") may be offered at this tier (1, 2, 3)."""
        if mode == "help":
            return str(int(tier)) in self.help_tiers
        if mode == "agency":
            return str(int(tier)) in self.agency_tiers
        raise ValueError(f"unknown mode {mode!r}: use 'help' or 'agency'")

    @property
    def is_sub_item(self) -> bool:
        return bool(self.main_basic_code)

    @property
    def case_kind(self) -> str:
        """GB/T 39046 办件类型: 1 即办件, 2 承诺件."""
        return "1" if self.is_immediate else "2"

    @property
    def case_kind_label(self) -> str:
        return "即办件" if self.is_immediate else "承诺件"

    @property
    def tag_codes(self) -> list[str]:
        return codes.tags_decode(self.tags)

    @property
    def tag_labels(self) -> list[str]:
        return [codes.TAGS[c][0] for c in self.tag_codes if c in codes.TAGS]

    @property
    def channels(self) -> list[str]:
        return [
            c
            for c, on in (
                ("window", self.channel_window),
                ("online", self.channel_online),
                ("mail", self.channel_mail),
            )
            if on
        ]

    @property
    def channel_labels(self) -> list[str]:
        return [codes.CHANNELS[c] for c in self.channels]

    @property
    def level_label(self) -> str:
        return codes.LEVELS.get(self.level, self.level)

    def tiers_label(self, field: str) -> str:
        return codes.tiers_label(getattr(self, field))

    @property
    def handling_tiers_label(self) -> str:
        return codes.tiers_label(self.handling_tiers)

    @property
    def help_tiers_label(self) -> str:
        return codes.tiers_label(self.help_tiers)

    @property
    def agency_tiers_label(self) -> str:
        return codes.tiers_label(self.agency_tiers)

    @property
    def fee_label(self) -> str:
        if not self.charges_fee:
            return "不收费"
        return f"{self.fee_amount} 元（依据：{self.fee_basis}）"

    # --- 办事指南 (issue 11) ---

    @property
    def service_object_labels(self) -> list[str]:
        return [
            codes.SERVICE_OBJECTS[c]
            for c in codes.tags_decode(self.service_objects)
            if c in codes.SERVICE_OBJECTS
        ]

    @property
    def delivery_labels(self) -> list[str]:
        return [
            codes.DELIVERY_METHODS[c]
            for c in codes.tags_decode(self.delivery_methods)
            if c in codes.DELIVERY_METHODS
        ]

    @property
    def visits_label(self) -> str:
        return codes.visits_label(self.visits)

    @property
    def not_applicable_keys(self) -> list[str]:
        return codes.tags_decode(self.not_applicable)

    def is_na(self, key: str) -> bool:
        return key in self.not_applicable_keys

    @property
    def is_na_places(self) -> bool:
        return self.is_na("places")

    def place_for(self, institution_id: int | None):
        """The 办理地点和时间 for the institution the citizen chose, else the item-wide one, else None."""
        places = list(self.places.all())
        if institution_id is not None:
            for place in places:
                if place.institution_id == institution_id:
                    return place
        return next((p for p in places if p.institution_id is None), None)

    @property
    def time_limit_label(self) -> str:
        statute = (
            f"法定 {self.statutory_days} 个工作日" if self.statutory_days is not None else "法定时限：无"
        )
        promise = "即办（当场办结）" if self.is_immediate else f"承诺 {self.promised_days} 个工作日"
        return f"{statute}；{promise}"


class _FrozenChild(models.Model):
    """A row hanging off a version: editable while the version is a draft, frozen once it is published."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._check_draft()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._check_draft()
        return super().delete(*args, **kwargs)

    def _check_draft(self):
        state = ItemVersion.objects.filter(pk=self.version_id).values_list("state", flat=True).first()
        if state == ItemVersion.State.PUBLISHED:
            raise FrozenVersionError("已发布的事项版本不能修改，请发起事项调整")


class LegalBasis(_FrozenChild):
    """设定依据: one law / regulation / rule entry with its article, in rank order (highest first)."""

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="legal_bases")
    position = models.PositiveSmallIntegerField("顺序", default=0)
    rank = models.PositiveSmallIntegerField("位阶", choices=list(codes.LEGAL_RANKS.items()))
    title = models.CharField("依据名称", max_length=200)
    article = models.CharField("条款", max_length=100, blank=True)
    text = models.TextField("条文内容", blank=True)

    class Meta:
        verbose_name = "设定依据"
        verbose_name_plural = "设定依据"
        ordering = ["version_id", "rank", "position", "pk"]

    def __str__(self):
        return f"{self.title}{self.article}"


def _attachment_path(instance, filename):
    return f"catalog/materials/{timezone.now():%Y/%m}/{filename}"


class Material(_FrozenChild):
    """申请材料: what the applicant hands in, in which form, how many copies, when, from where."""

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="materials")
    position = models.PositiveSmallIntegerField("顺序", default=0)
    name = models.CharField("材料名称", max_length=200)
    kind = models.CharField(
        "材料形式", max_length=12, choices=list(codes.MATERIAL_KINDS.items()), default="original"
    )
    copies = models.PositiveSmallIntegerField("份数", default=1)
    required = models.BooleanField("必要", default=True, help_text="否则按情形提交")
    condition = models.CharField("适用情形", max_length=300, blank=True)
    source = models.CharField(
        "来源渠道", max_length=12, choices=list(codes.MATERIAL_SOURCES.items()), default="applicant"
    )
    blank_form = models.FileField("空白表格", upload_to=_attachment_path, blank=True, max_length=255)
    sample = models.FileField("示例样表", upload_to=_attachment_path, blank=True, max_length=255)
    notes = models.CharField("备注", max_length=300, blank=True)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["version_id", "position", "pk"]

    def __str__(self):
        return self.name

    @property
    def original_or_copy(self) -> str:
        return self.get_kind_display()


class FeeItem(_FrozenChild):
    """收费项目: one fee of the item, with its legal basis and any reduction or exemption."""

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="fee_items")
    position = models.PositiveSmallIntegerField("顺序", default=0)
    name = models.CharField("收费项目", max_length=100)
    amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2)
    basis = models.CharField("收费依据", max_length=300)
    reduction = models.CharField("减免政策", max_length=300, blank=True)

    class Meta:
        verbose_name = "收费项目"
        verbose_name_plural = "收费项目"
        ordering = ["version_id", "position", "pk"]

    def __str__(self):
        return f"{self.name} {self.amount} 元"


class ServicePlace(_FrozenChild):
    """办理地点和时间: for one institution, or item-wide (institution empty) as the fallback."""

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="places")
    position = models.PositiveSmallIntegerField("顺序", default=0)
    institution = models.ForeignKey(
        "org.Institution",
        verbose_name="服务机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="空表示适用于所有办理机构",
    )
    address = models.CharField("办理地点", max_length=300)
    hours = models.CharField("办理时间", max_length=200)
    phone = models.CharField("联系电话", max_length=60, blank=True)

    class Meta:
        verbose_name = "办理地点和时间"
        verbose_name_plural = "办理地点和时间"
        ordering = ["version_id", "position", "pk"]

    def __str__(self):
        return self.address


class Adjustment(models.Model):
    """事项调整申请: proposed by one 事项管理员, approved or returned by another, effective on a date."""

    class Kind(models.TextChoices):
        NEW = "new", "新增事项"
        CHANGE = "change", "要素变更"
        SPLIT = "split", "事项拆分"
        MERGE = "merge", "事项合并"
        SUSPEND = "suspend", "暂停办理"
        RESUME = "resume", "恢复办理"
        CANCEL = "cancel", "取消事项"
        IMPORT = "import", "批量导入"

    class Trigger(models.TextChoices):
        LAW_ENACTED = "law_enacted", "法律法规规章制定"
        LAW_AMENDED = "law_amended", "法律法规规章修改"
        LAW_REPEALED = "law_repealed", "法律法规规章废止"
        REFORM = "reform", "审批制度改革"
        UPPER_LIST = "upper_list", "上级清单调整"
        INSTITUTIONAL = "institutional", "机构职能调整"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待审核"
        RETURNED = "returned", "已退回"
        APPROVED = "approved", "已批准"
        WITHDRAWN = "withdrawn", "已撤回"

    OPEN_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED)
    # Raised by services.adjustment_create (a person chooses these); 批量导入 only by an xlsx import.
    RAISABLE_KINDS = (Kind.NEW, Kind.CHANGE, Kind.SPLIT, Kind.MERGE, Kind.SUSPEND, Kind.RESUME, Kind.CANCEL)

    kind = models.CharField("调整类型", max_length=10, choices=Kind.choices)
    trigger = models.CharField("调整原因", max_length=20, choices=Trigger.choices)
    justification = models.TextField("调整说明")
    effective_on = models.DateField("生效日期")
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    items = models.ManyToManyField(Item, verbose_name="涉及事项", related_name="adjustments", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.TextField("审核意见", blank=True)
    # Everyone who raised, changed or submitted the request (with the writers of its drafts, see
    # selectors.adjustment_contributor_ids): four eyes means none of them approves it.
    contributors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="经手人", related_name="+", blank=True
    )

    class Meta:
        verbose_name = "事项调整申请"
        verbose_name_plural = "事项调整申请"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"调整申请 #{self.pk}（{self.get_kind_display()}）"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def is_import(self) -> bool:
        return self.kind == self.Kind.IMPORT


class ItemLineage(models.Model):
    """Split / merge lineage: `successor` came (in part) from `predecessor`."""

    class Kind(models.TextChoices):
        SPLIT = "split", "拆分"
        MERGE = "merge", "合并"

    predecessor = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="successor_links")
    successor = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="predecessor_links")
    kind = models.CharField("方式", max_length=10, choices=Kind.choices)
    adjustment = models.ForeignKey(Adjustment, on_delete=models.PROTECT, related_name="lineage")
    effective_on = models.DateField("生效日期")

    class Meta:
        verbose_name = "事项沿革"
        verbose_name_plural = "事项沿革"
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="catalog_lineage_unique"),
        ]

    def __str__(self):
        return f"{self.predecessor.name} → {self.successor.name}（{self.get_kind_display()}）"


class ListingEntry(models.Model):
    """One line of an institution's 帮办代办事项清单: this item is offered here, in these modes."""

    institution = models.ForeignKey(
        "org.Institution", on_delete=models.CASCADE, related_name="catalog_listing"
    )
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="listings")
    offers_help = models.BooleanField("提供帮办", default=True)
    offers_agency = models.BooleanField("提供代办", default=False)
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "帮办代办清单条目"
        verbose_name_plural = "帮办代办清单条目"
        ordering = ["institution__path", "item__basic_code"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "item"], name="catalog_listing_unique"),
            models.CheckConstraint(
                condition=models.Q(offers_help=True) | models.Q(offers_agency=True),
                name="catalog_listing_some_mode",
            ),
        ]

    def __str__(self):
        return f"{self.institution.name} · {self.item.name}"

    @property
    def modes_label(self) -> str:
        return "、".join(
            label for on, label in ((self.offers_help, "帮办"), (self.offers_agency, "代办")) if on
        )


class Bundle(models.Model):
    """一件事: one life or business event grouping several items, handled together."""

    AUDIENCES = [(codes.ENTERPRISE, "企业"), (codes.CITIZEN, "个人")]

    name = models.CharField("名称", max_length=100, unique=True)
    audience = models.CharField("服务对象", max_length=12, choices=AUDIENCES)
    description = models.TextField("说明", blank=True)
    is_published = models.BooleanField("对外公开", default=True)
    items = models.ManyToManyField(Item, through="BundleItem", related_name="bundles")
    # For the window's type-ahead, stored like ItemVersion.name_initials so searching needs no pypinyin.
    name_initials = models.CharField("名称拼音首字母", max_length=100, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "一件事"
        verbose_name_plural = "一件事"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_initials = pinyin.initials(self.name)[:100]
        fields = kwargs.get("update_fields")
        if fields is not None and "name" in fields and "name_initials" not in fields:
            kwargs["update_fields"] = [*fields, "name_initials"]
        super().save(*args, **kwargs)


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="bundle_entries")
    position = models.PositiveSmallIntegerField("顺序", default=0)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        ordering = ["bundle_id", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["bundle", "item"], name="catalog_bundle_item_unique")]

    def __str__(self):
        return f"{self.bundle} · {self.item}"


class ImportJob(models.Model):
    """An xlsx import run in the background; its progress is polled by the import page."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "导入中"
        FAILED = "failed", "未通过校验"
        DONE = "done", "已完成"
        ERROR = "error", "出错"

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    filename = models.CharField("文件名", max_length=200)
    content = models.BinaryField("文件内容")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    phase = models.CharField("阶段", max_length=40, blank=True)
    total = models.PositiveIntegerField("总行数", default=0)
    done = models.PositiveIntegerField("已处理", default=0)
    created_count = models.PositiveIntegerField("新增事项数", default=0)
    # An import by a person writes drafts held by one 批量导入 adjustment, published once another
    # 事项管理员 approves it; the platform's own imports (by=None) publish directly and have none.
    adjustment = models.ForeignKey(
        Adjustment,
        verbose_name="批量导入申请",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_jobs",
    )
    errors = models.JSONField("错误", default=list, blank=True)
    # Per item row: {row, code, name, status new|changed|unchanged|error, adjustment, message}.
    rows = models.JSONField("逐行结果", default=list, blank=True)
    message = models.TextField("结果说明", blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "事项导入任务"
        verbose_name_plural = "事项导入任务"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"导入 {self.filename}"

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else (100 if self.is_finished else 0)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.FAILED, self.Status.DONE, self.Status.ERROR)
