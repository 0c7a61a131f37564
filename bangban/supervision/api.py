"""API of the quality indicators: the same figures as the dashboard and the monthly 通报."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from bangban.core.api import JSONRenderer
from bangban.core.errors import NotInScope
from bangban.supervision import selectors
from bangban.supervision.indicators import PRESETS, resolve_period
from bangban.supervision.selectors import BY_CHOICES, MAX_DAYS


class IndicatorQuerySerializer(serializers.Serializer):
    root = serializers.IntegerField(
        label="机构", required=False, min_value=1, max_value=2**31 - 1, help_text="机构 id，默认本人所在机构"
    )
    preset = serializers.ChoiceField(label="统计周期", choices=list(PRESETS), required=False)
    on = serializers.DateField(label="所在日期", required=False)
    start = serializers.DateField(label="开始日期", required=False)
    end = serializers.DateField(label="结束日期", required=False)
    by = serializers.ChoiceField(label="分组", choices=list(BY_CHOICES), required=False)

    def validate(self, data):
        try:
            start, end = resolve_period(
                data.get("preset"), data.get("on"), data.get("start"), data.get("end"), timezone.localdate()
            )
        except ValueError as exc:
            field, message = exc.args
            raise serializers.ValidationError({field: message}) from None
        if start > end:
            raise serializers.ValidationError({"start": "开始日期不能晚于结束日期"})
        if (end - start).days >= MAX_DAYS:
            raise serializers.ValidationError({"end": "统计期间不能超过三年"})
        data["period"] = (start, end)
        return data


class CellSerializer(serializers.Serializer):
    code = serializers.CharField(source="indicator.code")
    name = serializers.CharField(source="indicator.name")
    numerator = serializers.IntegerField(source="num", allow_null=True)
    denominator = serializers.IntegerField(source="den", allow_null=True)
    rate = serializers.DecimalField(
        max_digits=9, decimal_places=4, allow_null=True, help_text="百分比；分母为零时为 null"
    )
    display = serializers.CharField(help_text="页面与通报显示的值，如 95.0% 或 —")
    target = serializers.DecimalField(max_digits=5, decimal_places=2)
    below_target = serializers.BooleanField(source="below")
    wired = serializers.BooleanField(help_text="该指标的数据是否已接入")


class RowSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True, help_text="分组值：机构/帮办代办员/事项/部门 id，或层级")
    label = serializers.CharField()
    indicators = CellSerializer(many=True)


class IndicatorSetSerializer(serializers.Serializer):
    root = serializers.IntegerField(source="root.pk")
    root_name = serializers.CharField(source="root.name")
    start = serializers.DateField()
    end = serializers.DateField()
    by = serializers.CharField(allow_null=True)
    total = RowSerializer()
    rows = RowSerializer(many=True)


Q4, Q2 = Decimal("0.0001"), Decimal("0.01")


@lru_cache(maxsize=16384)
def _rate_text(rate: Decimal | None) -> str | None:
    """The rate as the API writes it (four decimals), remembered like the cell's figures
    (indicators.figures hands out the same Decimal for the same counts)."""
    return None if rate is None else str(rate.quantize(Q4))


def _cell(cell, targets: dict) -> dict:
    return {
        "code": cell.indicator.code,
        "name": cell.indicator.name,
        "numerator": cell.num,
        "denominator": cell.den,
        "rate": _rate_text(cell.rate),
        "display": cell.display,
        "target": targets[cell.target],
        "below_target": cell.below,
        "wired": cell.wired,
    }


def _row(row, targets: dict) -> dict:
    return {
        "key": None if row.key is None else str(row.key),
        "label": row.label,
        "indicators": [_cell(c, targets) for c in row.cells.values()],
    }


def indicator_set_data(figures) -> dict:
    """The answer, shaped as IndicatorSetSerializer documents it (built directly: a grouping by item
    has hundreds of rows of ten cells, and DRF's field-by-field serialization cost more than the query)."""
    targets = {value: str(value.quantize(Q2)) for value in figures.targets.values()}  # the rows' targets
    return {
        "root": figures.root.pk,
        "root_name": figures.root.name,
        "start": figures.start.isoformat(),
        "end": figures.end.isoformat(),
        "by": figures.by,
        "total": _row(figures.total, targets),
        "rows": [_row(r, targets) for r in figures.rows],
    }


class IndicatorSetView(APIView):
    # A county grouped by agent answers hundreds of rows of cells: written by orjson (the same bytes).
    renderer_classes = [
        JSONRenderer,
        *(r for r in api_settings.DEFAULT_RENDERER_CLASSES if r.format != "json"),
    ]

    @extend_schema(
        summary="质量指标：按机构子树和统计期间（可分组）",
        description="与质量指标页面、月度通报相同的数字。有 supervision.view 或 case.coordinate 权限者可查看本机构"
        "及下级任一机构（含其下级）的指标；帮办代办员只能查看本机构。分母为零时 rate 为 null、display 为“—”。",
        parameters=[
            OpenApiParameter("root", OpenApiTypes.INT, description="机构 id，默认本人所在机构"),
            OpenApiParameter(
                "preset", OpenApiTypes.STR, enum=list(PRESETS), description="统计周期，默认 month"
            ),
            OpenApiParameter("on", OpenApiTypes.DATE, description="周期包含的日期，默认今天"),
            OpenApiParameter("start", OpenApiTypes.DATE, description="自定义期间开始（preset=range）"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="自定义期间结束（preset=range）"),
            OpenApiParameter("by", OpenApiTypes.STR, enum=list(BY_CHOICES), description="分组方式"),
        ],
        responses=IndicatorSetSerializer,
        tags=["supervision"],
    )
    def get(self, request):
        q = IndicatorQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        root = None
        if "root" in q.validated_data:
            root = selectors.institution_or_none(q.validated_data["root"])
            if root is None:
                raise NotInScope()
        start, end = q.validated_data["period"]
        figures = selectors.indicator_set(
            user=request.user, root_institution=root, start=start, end=end, by=q.validated_data.get("by")
        )
        return Response(indicator_set_data(figures))


routes: list = []
urls = [path("indicators/", IndicatorSetView.as_view(), name="indicators")]
