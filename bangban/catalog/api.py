"""Catalog API under /api/v1/catalog/: thin serializers over the catalog services and selectors.

Reading published items, versions and 一件事 needs no login (the catalog is public, like the
/items/ pages); everything else needs a staff session or token, and the services check roles.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.response import Response

from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap
from bangban.catalog import codes, elements, exchange, selectors, services
from bangban.catalog.models import (
    Adjustment,
    Bundle,
    FeeItem,
    ImportJob,
    Item,
    ItemVersion,
    LegalBasis,
    ListingEntry,
    Material,
    ServicePlace,
)
from bangban.catalog.notice import notice_pdf
from bangban.core import uploads
from bangban.core.api import IsActiveStaff
from bangban.core.downloads import PDF, XLSX, serves, serves_files
from bangban.core.errors import ServiceError
from bangban.core.routing import parse_id
from bangban.org.fields import DepartmentInScopeField, InstitutionInScopeField
from bangban.org.models import Institution
from bangban.org.selectors import institution_get


class PublicReadStaffWrite(permissions.BasePermission):
    """Anyone may read (GET/HEAD/OPTIONS); writing needs an active staff account."""

    message = "请先登录"

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return IsActiveStaff().has_permission(request, view)


ON = OpenApiParameter("on", OpenApiTypes.DATE, description="日期（YYYY-MM-DD），默认今天：返回该日施行的版本")


def _on(request) -> datetime.date:
    value = request.query_params.get("on", "")
    if not value:
        return timezone.localdate()
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ServiceError("invalid", "日期格式应为 YYYY-MM-DD", field="on")


def _staff(request):
    user = request.user
    return user if getattr(user, "is_authenticated", False) else None


# ---- serializers -----------------------------------------------------------------------------


class ItemLegalBasisSerializer(serializers.ModelSerializer):
    rank = serializers.IntegerField(read_only=True)
    rank_display = serializers.CharField(source="get_rank_display", read_only=True)

    class Meta:
        model = LegalBasis
        fields = ["rank", "rank_display", "title", "article", "text"]


class ItemMaterialSerializer(serializers.ModelSerializer):
    # Plain strings on the read side: the enums are documented once, on the write serializers.
    kind = serializers.CharField(read_only=True)
    source = serializers.CharField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    blank_form_url = serializers.SerializerMethodField()
    sample_url = serializers.SerializerMethodField()

    class Meta:
        model = Material
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "copies",
            "required",
            "condition",
            "source",
            "source_display",
            "notes",
            "blank_form_url",
            "sample_url",
        ]

    def _url(self, obj, which) -> str | None:
        return reverse("public_catalog:attachment", args=[obj.pk, which]) if getattr(obj, which) else None

    def get_blank_form_url(self, obj) -> str | None:
        return self._url(obj, "blank_form")

    def get_sample_url(self, obj) -> str | None:
        return self._url(obj, "sample")


class ItemFeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeeItem
        fields = ["name", "amount", "basis", "reduction"]


class ItemPlaceSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True, default=None)

    class Meta:
        model = ServicePlace
        fields = ["institution", "institution_name", "address", "hours", "phone"]


class ItemVersionSummarySerializer(serializers.ModelSerializer):
    item_type = serializers.CharField(read_only=True, help_text="GB/T 39046 事项类型代码")
    state = serializers.CharField(read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    item_type_display = serializers.CharField(source="get_item_type_display", read_only=True)
    case_kind = serializers.CharField(read_only=True, help_text="GB/T 39046 办件类型：1 即办件，2 承诺件")
    tags = serializers.ListField(source="tag_codes", child=serializers.CharField(), read_only=True)

    class Meta:
        model = ItemVersion
        fields = [
            "id",
            "item",
            "number",
            "state",
            "valid_from",
            "valid_to",
            "is_suspended",
            "name",
            "item_type",
            "item_type_display",
            "basic_code",
            "implementation_code",
            "department",
            "department_name",
            "statutory_days",
            "promised_days",
            "is_immediate",
            "case_kind",
            "help_tiers",
            "agency_tiers",
            "tags",
        ]


class ItemVersionSerializer(ItemVersionSummarySerializer):
    level = serializers.CharField(read_only=True, help_text="行使层级：1 国家级 … 4 县级、5 镇级、6 村级")
    public_domain = serializers.CharField(read_only=True)
    channels = serializers.ListField(child=serializers.CharField(), read_only=True)
    legal_bases = ItemLegalBasisSerializer(many=True, read_only=True)
    materials = ItemMaterialSerializer(many=True, read_only=True)
    service_objects = serializers.SerializerMethodField(help_text="服务对象代码（codes.SERVICE_OBJECTS）")
    delivery_methods = serializers.SerializerMethodField(help_text="结果送达方式代码")
    not_applicable = serializers.ListField(
        source="not_applicable_keys",
        child=serializers.CharField(),
        read_only=True,
        help_text="标为不适用的指南要素",
    )
    online_depth = serializers.CharField(read_only=True, help_text="网办深度 1–4 级；空为未填写")
    visits = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="到现场次数：0 零跑动，1 最多跑一次"
    )
    guide_complete = serializers.BooleanField(read_only=True, help_text="办事指南完整（计入信息公开率）")
    guide_missing = serializers.SerializerMethodField(
        help_text="办事指南尚缺的要素（既未填写也未标为不适用）"
    )
    fee_items = ItemFeeSerializer(many=True, read_only=True)
    places = ItemPlaceSerializer(many=True, read_only=True)

    def get_service_objects(self, obj) -> list[str]:
        return codes.tags_decode(obj.service_objects)

    def get_delivery_methods(self, obj) -> list[str]:
        return codes.tags_decode(obj.delivery_methods)

    def get_guide_missing(self, obj) -> list[str]:
        return elements.guide_missing(obj)

    class Meta(ItemVersionSummarySerializer.Meta):
        fields = ItemVersionSummarySerializer.Meta.fields + [
            "service_objects",
            "visits",
            "online_depth",
            "intermediary",
            "quantity_limit",
            "delivery_methods",
            "complaint_phone",
            "not_applicable",
            "guide_complete",
            "guide_missing",
            "fee_items",
            "places",
            "public_domain",
            "main_basic_code",
            "main_item_name",
            "competent_department",
            "level",
            "handling_tiers",
            "charges_fee",
            "fee_amount",
            "fee_basis",
            "channels",
            "conditions",
            "procedure",
            "result_name",
            "location",
            "consult_phone",
            "adjustment",
            "based_on",
            "published_at",
            "legal_bases",
            "materials",
        ]


class AdjustmentDiffRowSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    changed = serializers.BooleanField()
    before = serializers.JSONField(help_text="调整前：文字，或设定依据、申请材料的逐条文字")
    after = serializers.JSONField()


class AdjustmentDiffBlockSerializer(serializers.Serializer):
    title = serializers.CharField(help_text="事项名称")
    item = serializers.IntegerField(help_text="事项编号")
    version = serializers.IntegerField(
        allow_null=True, help_text="拟调整的版本（暂停、恢复、取消在批准前没有拟调整的版本，为 null）"
    )
    based_on = serializers.IntegerField(allow_null=True, help_text="调整前的版本（新增事项为 null）")
    rows = AdjustmentDiffRowSerializer(many=True, help_text="有变化的要素")


class ItemSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    version = serializers.SerializerMethodField(help_text="?on= 指定日期施行的版本（无则为 null）")
    predecessors = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    successors = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Item
        fields = [
            "id",
            "status",
            "status_display",
            "name",
            "basic_code",
            "implementation_code",
            "department",
            "department_name",
            "ended_on",
            "predecessors",
            "successors",
            "version",
        ]

    @extend_schema_field(ItemVersionSerializer(allow_null=True))
    def get_version(self, obj):
        version = selectors.item_version_in_force(item=obj, on=self.context["on"])
        return ItemVersionSerializer(version).data if version else None


class ItemLegalBasisWriteSerializer(serializers.Serializer):
    rank = serializers.ChoiceField(choices=list(codes.LEGAL_RANKS.items()))
    title = serializers.CharField(max_length=200)
    article = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    text = serializers.CharField(required=False, allow_blank=True, default="")

    class Meta:
        model = LegalBasis  # the fields' Chinese names (errors, schema titles)


class ItemMaterialWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=list(codes.MATERIAL_KINDS.items()), default="original")
    copies = serializers.IntegerField(min_value=1, max_value=99, default=1)
    required = serializers.BooleanField(default=True)
    condition = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    source = serializers.ChoiceField(choices=list(codes.MATERIAL_SOURCES.items()), default="applicant")
    notes = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    class Meta:
        model = Material  # the fields' Chinese names (errors, schema titles)


class ItemFeeWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    basis = serializers.CharField(max_length=300)
    reduction = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    class Meta:
        model = FeeItem


class ItemPlaceWriteSerializer(serializers.Serializer):
    institution = InstitutionInScopeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="服务机构编号；null 表示适用于所有办理机构",
    )
    address = serializers.CharField(max_length=300)
    hours = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")

    class Meta:
        model = ServicePlace


def _tiers_field():
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=3),
        required=False,
        help_text="服务层级：1 政务服务中心，2 便民服务中心，3 便民服务站",
    )


class ItemElementsSerializer(serializers.Serializer):
    """The legal elements of a version. For an update (PATCH) give only what changes."""

    name = serializers.CharField(max_length=200, required=False)
    item_type = serializers.ChoiceField(choices=list(codes.ITEM_TYPES.items()), required=False)
    public_domain = serializers.ChoiceField(
        choices=list(codes.PUBLIC_DOMAINS.items()), required=False, allow_blank=True
    )
    basic_code = serializers.CharField(max_length=12, required=False)
    implementation_code = serializers.CharField(
        max_length=31,
        required=False,
        allow_blank=True,
        help_text="可省略：由实施机关信用代码 + 行使层级 + 基本编码生成；给出时须一致",
    )
    main_basic_code = serializers.CharField(max_length=12, required=False, allow_blank=True)
    main_item_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    competent_department = serializers.CharField(max_length=100, required=False)
    department = DepartmentInScopeField(required=False, help_text="实施机关（进驻部门编号）")
    level = serializers.ChoiceField(choices=list(codes.LEVELS.items()), required=False)
    handling_tiers = _tiers_field()
    help_tiers = _tiers_field()
    agency_tiers = _tiers_field()
    statutory_days = serializers.IntegerField(
        min_value=0, max_value=codes.MAX_DAYS, required=False, allow_null=True
    )
    promised_days = serializers.IntegerField(min_value=0, max_value=codes.MAX_DAYS, required=False)
    is_immediate = serializers.BooleanField(required=False, help_text="即办件为 true，承诺件为 false")
    charges_fee = serializers.BooleanField(required=False)
    fee_amount = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True)
    fee_basis = serializers.CharField(max_length=300, required=False, allow_blank=True)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=list(codes.CHANNELS.items())), required=False
    )
    tags = serializers.ListField(
        child=serializers.ChoiceField(choices=[(c, label) for c, (label, _a) in codes.TAGS.items()]),
        required=False,
    )
    conditions = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    procedure = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    result_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    location = serializers.CharField(max_length=300, required=False, allow_blank=True)
    consult_phone = serializers.CharField(max_length=60, required=False, allow_blank=True)
    service_objects = serializers.ListField(
        child=serializers.ChoiceField(choices=list(codes.SERVICE_OBJECTS.items())),
        required=False,
        max_length=10,
    )
    visits = serializers.IntegerField(
        min_value=0, max_value=codes.MAX_VISITS, required=False, allow_null=True
    )
    online_depth = serializers.ChoiceField(
        choices=list(codes.ONLINE_DEPTHS.items()), required=False, allow_blank=True
    )
    intermediary = serializers.CharField(max_length=300, required=False, allow_blank=True)
    quantity_limit = serializers.CharField(max_length=300, required=False, allow_blank=True)
    delivery_methods = serializers.ListField(
        child=serializers.ChoiceField(choices=list(codes.DELIVERY_METHODS.items())),
        required=False,
        max_length=10,
    )
    complaint_phone = serializers.CharField(max_length=60, required=False, allow_blank=True)
    not_applicable = serializers.ListField(
        child=serializers.ChoiceField(choices=[(k, elements.GUIDE_LABELS[k]) for k in elements.NA_ALLOWED]),
        required=False,
        max_length=10,
        help_text="标为不适用的指南要素（收费项目 fees 不适用即不收费）",
    )
    fee_items = ItemFeeWriteSerializer(
        label="收费项目", many=True, required=False, max_length=20, help_text="收费项目；给出时整体替换"
    )
    places = ItemPlaceWriteSerializer(
        label="办理地点和时间",
        many=True,
        required=False,
        max_length=50,
        help_text="办理地点和时间；给出时整体替换",
    )
    legal_bases = ItemLegalBasisWriteSerializer(
        many=True,
        required=False,
        help_text=(
            "设定依据，须按位阶从高到低排列：rank 1 法律、2 行政法规、3 地方性法规、4 部门规章、"
            "5 地方政府规章、6 规范性文件；同一位阶按给出的顺序保存。顺序不符时整个请求被拒绝"
            "（code rank_order），不会自动重排"
        ),
    )
    materials = ItemMaterialWriteSerializer(many=True, required=False)

    class Meta:
        model = ItemVersion  # the fields' Chinese names (errors, schema titles)

    def validate_legal_bases(self, value):
        """Refuse rather than silently re-sort: the stored order is the rank order (highest first)."""
        for i in range(1, len(value)):
            before, here = value[i - 1], value[i]
            if here["rank"] < before["rank"]:
                raise serializers.ValidationError(
                    f"设定依据须按位阶从高到低排列：第 {i + 1} 条“{here['title']}”"
                    f"（{codes.LEGAL_RANKS[here['rank']]}）应排在第 {i} 条“{before['title']}”"
                    f"（{codes.LEGAL_RANKS[before['rank']]}）之前",
                    code="rank_order",
                )
        return value


def _elements(request) -> dict:
    """The elements of the request, read only for those who may edit them: the capability is checked
    first, so a refusal does not depend on which institutions the input names."""
    require_cap(request.user, Cap.CATALOG_MANAGE, services.MANAGE_MESSAGE)
    s = ItemElementsSerializer(data=request.data, context={"request": request})
    s.is_valid(raise_exception=True)
    return {k: [dict(e) for e in v] if k in elements.LIST_FIELDS else v for k, v in s.validated_data.items()}


class ItemVersionSubmitSerializer(serializers.Serializer):
    effective_on = serializers.DateField(
        required=False, label="生效日期", help_text="批准后的生效日期，默认今天；不能早于今天"
    )
    trigger = serializers.ChoiceField(
        choices=Adjustment.Trigger.choices,
        default=Adjustment.Trigger.LAW_ENACTED,
        label="调整原因",
        help_text="调整原因",
    )
    justification = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="调整说明；省略时为“新增事项……首次发布”"
    )


DIFF_PREVIEW = 20  # a 批量导入 of thousands shows its first items in `diff`; all of them under rows/


class ImportBatchSerializer(serializers.Serializer):
    items = serializers.IntegerField(help_text="导入的事项数")
    materials = serializers.IntegerField(help_text="申请材料条数")
    legal_bases = serializers.IntegerField(help_text="设定依据条数")
    filename = serializers.CharField(help_text="导入的工作簿文件名")
    rows = serializers.CharField(help_text="逐项清单（分页）：GET 此地址")


class ImportRowSerializer(ItemVersionSummarySerializer):
    """One imported item of a 批量导入 request (its draft until approval)."""

    materials = serializers.IntegerField(source="material_count", read_only=True, help_text="申请材料条数")
    legal_bases = serializers.IntegerField(source="legal_count", read_only=True, help_text="设定依据条数")

    class Meta(ItemVersionSummarySerializer.Meta):
        fields = ItemVersionSummarySerializer.Meta.fields + ["materials", "legal_bases"]


class AdjustmentSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    trigger = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    trigger_display = serializers.CharField(source="get_trigger_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    items = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    proposed_versions = serializers.SerializerMethodField()
    contributors = serializers.SerializerMethodField(
        help_text="起草、修改、提交本申请或编写其拟调整要素的人员编号：他们都不能审核本申请"
    )
    diff = serializers.SerializerMethodField(
        help_text=f"每个拟调整版本与调整前版本的逐项对比；批量导入只列前 {DIFF_PREVIEW} 个事项，全部见 batch.rows"
    )
    batch = serializers.SerializerMethodField(
        help_text="批量导入的规模和逐项清单地址（批准前均为草稿，批准后一并发布）；其他调整类型为 null"
    )

    class Meta:
        model = Adjustment
        fields = [
            "id",
            "kind",
            "kind_display",
            "trigger",
            "trigger_display",
            "justification",
            "effective_on",
            "status",
            "status_display",
            "items",
            "created_by",
            "created_at",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "review_note",
            "contributors",
            "proposed_versions",
            "diff",
            "batch",
        ]

    @extend_schema_field(ImportBatchSerializer(allow_null=True))
    def get_batch(self, obj):
        summary = selectors.import_batch_summary(obj)
        if summary is None:
            return None
        return summary | {"rows": reverse("api:catalog-adjustment-rows", args=[obj.pk])}

    def get_contributors(self, obj) -> list[int]:
        return sorted(selectors.adjustment_contributor_ids(obj))

    def get_proposed_versions(self, obj) -> list[int]:
        return list(obj.proposed_versions.values_list("pk", flat=True))

    @extend_schema_field(AdjustmentDiffBlockSerializer(many=True))
    def get_diff(self, obj):
        def side(row, which):
            return [x["text"] for x in row[which]] if row["is_list"] else row[which]

        return [
            {
                "title": block["title"],
                "item": block["item"],
                "version": block["version"].pk if block["version"] else None,
                "based_on": block["base"].pk if block["base"] else None,
                "rows": [
                    {
                        "field": r["field"],
                        "label": r["label"],
                        "changed": True,
                        "before": side(r, "before"),
                        "after": side(r, "after"),
                    }
                    for r in block["rows"]
                    if r["changed"]
                ],
            }
            for block in selectors.adjustment_diff(
                obj, selectors.adjustment_versions(obj, limit=DIFF_PREVIEW if obj.is_import else None)
            )
        ]


class AdjustmentCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(k, k.label) for k in Adjustment.RAISABLE_KINDS])
    trigger = serializers.ChoiceField(choices=Adjustment.Trigger.choices)
    justification = serializers.CharField()
    effective_on = serializers.DateField()
    items = serializers.PrimaryKeyRelatedField(
        queryset=Item.objects.all(), many=True, required=False, help_text="涉及的事项编号"
    )
    proposed = ItemElementsSerializer(
        many=True, required=False, help_text="拟调整的要素（见各调整类型的说明）"
    )
    submit = serializers.BooleanField(default=False, help_text="创建后立即提交审核")

    class Meta:
        model = Adjustment  # the fields' Chinese names (errors, schema titles)


class AdjustmentUpdateSerializer(serializers.Serializer):
    """PATCH: give only what changes; absent fields keep their value."""

    trigger = serializers.ChoiceField(choices=Adjustment.Trigger.choices, required=False)
    justification = serializers.CharField(required=False)
    effective_on = serializers.DateField(required=False)

    class Meta:
        model = Adjustment  # the fields' Chinese names (errors, schema titles)


class AdjustmentReviewSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="审核意见；退回时必填"
    )

    class Meta:
        model = Adjustment  # the fields' Chinese names (errors, schema titles)


class ListingEntrySerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)

    class Meta:
        model = ListingEntry
        fields = [
            "id",
            "institution",
            "institution_name",
            "item",
            "item_name",
            "offers_help",
            "offers_agency",
            "note",
        ]


class ListingEntryWriteSerializer(serializers.Serializer):
    institution = serializers.IntegerField()
    item = serializers.PrimaryKeyRelatedField(queryset=Item.objects.all())
    offers_help = serializers.BooleanField(default=True)
    offers_agency = serializers.BooleanField(default=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    class Meta:
        model = ListingEntry  # the fields' Chinese names (errors, schema titles)


class CatalogBundleSerializer(serializers.ModelSerializer):
    audience = serializers.CharField(read_only=True)
    items = serializers.SerializerMethodField()

    class Meta:
        model = Bundle
        fields = ["id", "name", "audience", "description", "is_published", "items"]

    def get_items(self, obj) -> list[int]:
        return [e.item_id for e in obj.entries.all()]


class CatalogBundleWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    audience = serializers.ChoiceField(choices=Bundle.AUDIENCES)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    is_published = serializers.BooleanField(default=True)
    items = serializers.PrimaryKeyRelatedField(queryset=Item.objects.all(), many=True, help_text="按办理顺序")

    class Meta:
        model = Bundle  # the fields' Chinese names (errors, schema titles)


class ImportJobRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="“事项”表中的行号")
    code = serializers.CharField(help_text="实施编码")
    name = serializers.CharField(help_text="事项名称")
    status = serializers.CharField(
        help_text="new 新增 / changed 要素变更（已提交调整申请）/ unchanged 无变化 / error 有错误"
    )
    adjustment = serializers.IntegerField(
        required=False, help_text="要素变更：提交审核的调整申请（adjustments/{id}/）"
    )
    message = serializers.CharField(required=False, help_text="说明（错误原因，含列名）")


class CatalogImportJobSerializer(serializers.ModelSerializer):
    rows = ImportJobRowSerializer(many=True, read_only=True, help_text="逐行结果")
    status = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    percent = serializers.IntegerField(read_only=True)
    adjustment = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="导入后提交审核的批量导入申请（adjustments/{id}/）；由另一位事项管理员批准后才发布",
    )
    adjustment_status = serializers.CharField(
        source="adjustment.status", read_only=True, allow_null=True, default=None, help_text="该申请的状态"
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "filename",
            "status",
            "status_display",
            "phase",
            "total",
            "done",
            "percent",
            "created_count",
            "adjustment",
            "adjustment_status",
            "message",
            "errors",
            "rows",
            "created_at",
            "started_at",
            "finished_at",
        ]


class CatalogImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        label="事项目录工作簿",
        help_text="事项目录工作簿（.xlsx，导入模板格式；大小上限见 BANGBAN_UPLOAD_MAX_BYTES，默认 30 MB）",
        validators=[exchange.IMPORT_FILE],
    )


# ---- view sets -------------------------------------------------------------------------------

SEARCH_PARAMS = [
    OpenApiParameter("q", str, description="名称、基本编码、实施编码或部门"),
    OpenApiParameter("type", str, description="事项类型代码（01–10、20）"),
    OpenApiParameter("department", int, description="实施机关编号"),
    OpenApiParameter("tag", str, description="重点领域标签代码或名称"),
    OpenApiParameter("audience", str, enum=["enterprise", "citizen"], description="服务对象"),
    ON,
]


@extend_schema_view(
    list=extend_schema(
        summary="查询事项（施行中的版本）",
        parameters=SEARCH_PARAMS,
        responses=ItemVersionSummarySerializer(many=True),
        auth=[],
    ),
    retrieve=extend_schema(summary="事项及其在某日施行的版本", parameters=[ON], auth=[]),
    create=extend_schema(
        summary="新建事项（草稿）", request=ItemElementsSerializer, responses={201: ItemSerializer}
    ),
)
class ItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [PublicReadStaffWrite]
    serializer_class = ItemSerializer
    filter_backends: list = []

    def get_serializer_context(self):
        return (
            {**super().get_serializer_context(), "on": _on(self.request)}
            if self.request
            else super().get_serializer_context()
        )

    def get_queryset(self):
        return Item.objects.none()

    def list(self, request):
        p = request.query_params
        department = p.get("department", "")
        qs = selectors.item_search(
            q=p.get("q", ""),
            on=_on(request),
            item_type=p.get("type", ""),
            department=parse_id(department),
            tag=p.get("tag", ""),
            audience=p.get("audience", ""),
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ItemVersionSummarySerializer(page, many=True).data)

    def get_object(self):
        try:
            return selectors.item_get(pk=self.kwargs["pk"], user=_staff(self.request))
        except Item.DoesNotExist:
            raise Http404

    def retrieve(self, request, pk=None):
        return Response(ItemSerializer(self.get_object(), context={"on": _on(request)}).data)

    def create(self, request):
        item = services.item_create(by=request.user, data=_elements(request))
        return Response(ItemSerializer(item, context={"on": _on(request)}).data, status=201)

    @extend_schema(
        summary="事项的全部版本（草稿仅工作人员可见）", responses=ItemVersionSerializer(many=True), auth=[]
    )
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        item = self.get_object()
        versions = [
            v
            for v in selectors.item_versions(item)
            if v.is_published or (request.user.is_authenticated and request.user.has_cap("catalog.view"))
        ]
        return Response(ItemVersionSerializer(versions, many=True).data)

    @extend_schema(
        summary="一次性告知书（PDF）",
        parameters=[ON],
        responses={(200, PDF): OpenApiResponse(OpenApiTypes.BINARY, description="PDF 文件")},
        auth=[],
    )
    @action(detail=True, methods=["get"], url_path="notice", content_negotiation_class=serves(PDF))
    def notice(self, request, pk=None):
        item = self.get_object()
        on = _on(request)
        version = selectors.item_version_in_force(item=item, on=on)
        if version is None:
            raise Http404
        url = request.build_absolute_uri(reverse("public_catalog:guide", args=[item.pk]))
        response = HttpResponse(notice_pdf(version, on=on, url=url), content_type=PDF)
        response["Content-Disposition"] = f'inline; filename="notice-{item.implementation_code}.pdf"'
        return response


@extend_schema_view(
    retrieve=extend_schema(summary="事项版本（已发布的公开；草稿仅工作人员）", auth=[]),
    partial_update=extend_schema(
        summary="修改草稿版本的要素", request=ItemElementsSerializer, responses=ItemVersionSerializer
    ),
)
class VersionViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [PublicReadStaffWrite]
    serializer_class = ItemVersionSerializer
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self):
        return ItemVersion.objects.none()

    def get_object(self):
        try:
            return selectors.version_get(pk=self.kwargs["pk"], user=_staff(self.request))
        except ItemVersion.DoesNotExist:
            raise Http404

    def retrieve(self, request, pk=None):
        return Response(ItemVersionSerializer(self.get_object()).data)

    def partial_update(self, request, pk=None):
        version = services.item_version_update(
            by=request.user, version=self.get_object(), data=_elements(request)
        )
        return Response(ItemVersionSerializer(selectors.version_get(pk=version.pk, user=request.user)).data)

    @extend_schema(
        summary="提交新事项的首次发布审核",
        description=(
            "新事项的第一个版本不能由一人发布：提交后生成一个待审核的“新增事项”调整申请，"
            "由未经手的另一位事项管理员批准（adjustments/{id}/approve/）后自生效日期起施行。"
        ),
        request=ItemVersionSubmitSerializer,
        responses={201: AdjustmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        s = ItemVersionSubmitSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        adjustment = services.item_version_submit(
            by=request.user,
            version=self.get_object(),
            effective_on=d.get("effective_on") or timezone.localdate(),
            trigger=d["trigger"],
            justification=d["justification"],
        )
        return Response(AdjustmentSerializer(adjustment).data, status=201)


@extend_schema_view(
    list=extend_schema(
        summary="事项调整申请",
        parameters=[
            OpenApiParameter("status", str, enum=Adjustment.Status.values),
            OpenApiParameter("kind", str, enum=Adjustment.Kind.values),
        ],
    ),
    retrieve=extend_schema(summary="调整申请（含调整前后对比）"),
    create=extend_schema(
        summary="发起事项调整",
        description=(
            "new：proposed 为新事项的全部要素；change：items 一个事项，proposed 为变更的要素；"
            "split：items 一个事项，proposed 至少两套（各自的名称和基本编码）；merge：items 至少两个，"
            "proposed 一套（合并后的名称和基本编码）；suspend / resume / cancel：items 一个事项，无 proposed。"
        ),
        request=AdjustmentCreateSerializer,
        responses={201: AdjustmentSerializer},
    ),
    partial_update=extend_schema(
        summary="修改草稿或被退回的申请", request=AdjustmentUpdateSerializer, responses=AdjustmentSerializer
    ),
)
class AdjustmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AdjustmentSerializer
    http_method_names = ["get", "patch", "post", "head", "options"]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Adjustment.objects.none()
        p = self.request.query_params
        return selectors.adjustment_list(
            user=self.request.user, status=p.get("status", ""), kind=p.get("kind", "")
        )

    def get_object(self):
        try:
            return selectors.adjustment_get(user=self.request.user, pk=self.kwargs["pk"])
        except Adjustment.DoesNotExist:
            raise Http404

    def create(self, request):
        s = AdjustmentCreateSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        d = s.validated_data
        with transaction.atomic():
            adjustment = services.adjustment_create(
                by=request.user,
                kind=d["kind"],
                trigger=d["trigger"],
                justification=d["justification"],
                effective_on=d["effective_on"],
                items=d.get("items", []),
                proposed=[
                    {k: [dict(e) for e in v] if k in elements.LIST_FIELDS else v for k, v in p.items()}
                    for p in d.get("proposed", [])
                ],
            )
            if d["submit"]:
                adjustment = services.adjustment_submit(by=request.user, adjustment=adjustment)
        return Response(AdjustmentSerializer(adjustment).data, status=201)

    def partial_update(self, request, pk=None):
        s = AdjustmentUpdateSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        adjustment = services.adjustment_update(
            by=request.user, adjustment=self.get_object(), **s.validated_data
        )
        return Response(AdjustmentSerializer(adjustment).data)

    @extend_schema(summary="提交审核", request=None, responses=AdjustmentSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return Response(
            AdjustmentSerializer(
                services.adjustment_submit(by=request.user, adjustment=self.get_object())
            ).data
        )

    @extend_schema(
        summary="批准（审核人须未经手本申请：不是起草、修改或提交人）",
        request=AdjustmentReviewSerializer,
        responses=AdjustmentSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        s = AdjustmentReviewSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        adjustment = services.adjustment_approve(
            by=request.user, adjustment=self.get_object(), note=s.validated_data["note"]
        )
        return Response(AdjustmentSerializer(adjustment).data)

    @extend_schema(summary="退回申请人", request=AdjustmentReviewSerializer, responses=AdjustmentSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        s = AdjustmentReviewSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        adjustment = services.adjustment_return(
            by=request.user, adjustment=self.get_object(), note=s.validated_data["note"]
        )
        return Response(AdjustmentSerializer(adjustment).data)

    @extend_schema(
        summary="批量导入的逐项清单（分页；其他调整类型为空）",
        request=None,
        responses=ImportRowSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def rows(self, request, pk=None):
        adjustment = self.get_object()
        qs = selectors.import_batch_rows(adjustment) if adjustment.is_import else ItemVersion.objects.none()
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ImportRowSerializer(page, many=True).data)

    @extend_schema(summary="撤回", request=None, responses=AdjustmentSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return Response(
            AdjustmentSerializer(
                services.adjustment_withdraw(by=request.user, adjustment=self.get_object())
            ).data
        )


@extend_schema_view(
    list=extend_schema(
        summary="机构的帮办代办事项清单",
        parameters=[OpenApiParameter("institution", int, required=True, description="机构编号")],
        auth=[],
    ),
    create=extend_schema(
        summary="列入或修改清单（两种方式都为 false 时移出）",
        request=ListingEntryWriteSerializer,
        responses={200: ListingEntrySerializer},
    ),
    destroy=extend_schema(summary="移出清单"),
)
class ListingViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    permission_classes = [PublicReadStaffWrite]
    serializer_class = ListingEntrySerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ListingEntry.objects.none()
        institution = self.request.query_params.get("institution", "")
        if parse_id(institution) is None:
            raise ServiceError("required", "请用 ?institution= 指定机构", field="institution")
        return selectors.listing_for(
            institution=Institution.objects.filter(pk=parse_id(institution)).first()
        ).select_related("institution")

    def create(self, request):
        s = ListingEntryWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        institution = institution_get(user=request.user, pk=d.pop("institution"))
        entry = services.listing_set(by=request.user, institution=institution, **d)
        return Response(ListingEntrySerializer(entry).data if entry else None)

    def destroy(self, request, pk=None):
        entry = ListingEntry.objects.select_related("institution", "item").filter(pk=pk).first()
        if entry is None:
            raise Http404
        services.listing_set(
            by=request.user,
            institution=entry.institution,
            item=entry.item,
            offers_help=False,
            offers_agency=False,
        )
        return Response(status=204)


@extend_schema_view(
    list=extend_schema(summary="一件事", auth=[]),
    retrieve=extend_schema(summary="一件事", auth=[]),
    create=extend_schema(
        summary="新建一件事", request=CatalogBundleWriteSerializer, responses={201: CatalogBundleSerializer}
    ),
    update=extend_schema(
        summary="修改一件事", request=CatalogBundleWriteSerializer, responses=CatalogBundleSerializer
    ),
)
class BundleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [PublicReadStaffWrite]
    serializer_class = CatalogBundleSerializer
    http_method_names = ["get", "put", "post", "head", "options"]
    filter_backends: list = []

    def get_queryset(self):
        user = _staff(self.request)
        return selectors.bundle_list(published_only=not (user and user.has_cap("catalog.view")))

    def create(self, request):
        s = CatalogBundleWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return Response(
            CatalogBundleSerializer(services.bundle_create(by=request.user, **s.validated_data)).data,
            status=201,
        )

    def update(self, request, pk=None):
        s = CatalogBundleWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        bundle = services.bundle_update(by=request.user, bundle=self.get_object(), **s.validated_data)
        return Response(CatalogBundleSerializer(bundle).data)


@extend_schema_view(
    list=extend_schema(summary="导入任务"),
    retrieve=extend_schema(summary="导入任务的进度和错误清单"),
    create=extend_schema(
        summary="上传工作簿导入事项目录（后台执行，轮询任务查看进度；导入为草稿并提交批量导入审核，批准后发布）",
        request={"multipart/form-data": CatalogImportUploadSerializer},
        responses={202: CatalogImportJobSerializer},
    ),
)
class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CatalogImportJobSerializer
    parser_classes = [uploads.MultiPartParser, uploads.FormParser, uploads.JSONParser]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ImportJob.objects.none()
        return selectors.import_jobs(user=self.request.user)

    def create(self, request):
        from bangban.catalog.tasks import run_catalog_import

        selectors.import_jobs(user=request.user)  # checks the capability before reading the upload
        s = CatalogImportUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        upload = s.validated_data["file"]
        job = ImportJob.objects.create(
            created_by=request.user, filename=upload.name[:200], content=upload.read()
        )
        transaction.on_commit(lambda: run_catalog_import.delay(job.pk))
        job.refresh_from_db()
        return Response(CatalogImportJobSerializer(job).data, status=202)


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@extend_schema(
    summary="导出某日施行的事项目录（.xlsx，与导入模板同格式）",
    parameters=[ON],
    responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY)},
)
@serves_files(XLSX)
@api_view(["GET"])
def export(request):
    on = _on(request)
    return _xlsx(services.catalog_export_xlsx(by=request.user, on=on), f"catalog-{on}.xlsx")


@extend_schema(summary="导入模板（.xlsx）", responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY)})
@serves_files(XLSX)
@api_view(["GET"])
def template(request):
    return _xlsx(exchange.template_workbook(), "catalog-template.xlsx")


@extend_schema(
    summary="同一基本编码名称不一致的报告",
    parameters=[ON],
    responses=inline_serializer(
        "CatalogNameConflict",
        {
            "basic_code": serializers.CharField(),
            "names": serializers.ListField(child=serializers.DictField()),
        },
        many=True,
    ),
    auth=[],
)
@api_view(["GET"])
@permission_classes([permissions.AllowAny])
def name_conflicts(request):
    return Response(selectors.name_inconsistencies(on=_on(request)))


@extend_schema(
    summary="机构清单中某日可受理的事项版本（建办件时选择）",
    parameters=[
        OpenApiParameter("institution", int, required=True, description="机构编号"),
        OpenApiParameter(
            "mode", str, enum=["help", "agency"], description="help 帮办，agency 代办；省略为两者"
        ),
        ON,
    ],
    responses=ItemVersionSummarySerializer(many=True),
)
@api_view(["GET"])
def offered(request):
    institution = institution_get(user=request.user, pk=request.query_params.get("institution", "0") or "0")
    mode = request.query_params.get("mode") or None
    if mode not in (None, "help", "agency"):
        raise ServiceError("invalid", "mode 只能是 help 或 agency", field="mode")
    versions = selectors.offered_items(institution=institution, on=_on(request), mode=mode)
    return Response(ItemVersionSummarySerializer(versions, many=True).data)


routes = [
    ("catalog/items", ItemViewSet, "catalog-item"),
    ("catalog/versions", VersionViewSet, "catalog-version"),
    ("catalog/adjustments", AdjustmentViewSet, "catalog-adjustment"),
    ("catalog/listings", ListingViewSet, "catalog-listing"),
    ("catalog/bundles", BundleViewSet, "catalog-bundle"),
    ("catalog/imports", ImportJobViewSet, "catalog-import"),
]
urls = [
    path("catalog/export/", export, name="catalog-export"),
    path("catalog/template/", template, name="catalog-template"),
    path("catalog/name-conflicts/", name_conflicts, name="catalog-name-conflicts"),
    path("catalog/offered/", offered, name="catalog-offered"),
]
