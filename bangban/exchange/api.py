"""/api/v1/exchange/<kind>/: GB/T 39046 records, incremental by change time, keyset-paged."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from bangban.audit.paging import CURSOR_MAX_LENGTH
from bangban.exchange import mapping, selectors, services


class ExchangeQuerySerializer(serializers.Serializer):
    since = serializers.DateField(label="起始日期", required=False, help_text="变更时间起（含），YYYY-MM-DD")
    until = serializers.DateField(label="截止日期", required=False, help_text="变更时间止（含），YYYY-MM-DD")
    institution = serializers.IntegerField(
        label="机构", required=False, min_value=1, max_value=2**31 - 1, help_text="机构 id：该机构及其下级"
    )
    cursor = serializers.CharField(
        label="翻页位置", required=False, max_length=CURSOR_MAX_LENGTH, help_text="上一次响应的 cursor"
    )
    limit = serializers.IntegerField(
        label="每页条数",
        required=False,
        min_value=1,
        max_value=selectors.PAGE_MAX,
        default=selectors.PAGE_DEFAULT,
    )


class ExchangePageSerializer(serializers.Serializer):
    standard = serializers.CharField(label="标准")
    kind = serializers.CharField(label="数据类别")
    kind_name = serializers.CharField(label="数据类别名称")
    count = serializers.IntegerField(label="本页条数")
    cursor = serializers.CharField(label="翻页位置", allow_null=True)
    has_more = serializers.BooleanField(label="还有更多")
    next = serializers.CharField(label="下一页", allow_null=True)
    results = serializers.ListField(label="记录", child=serializers.DictField())


class ExchangeRecordsView(APIView):
    @extend_schema(
        summary="政务服务数据交换（GB/T 39046-2020）：按变更时间增量导出",
        description="数据类别：" + "，".join(f"{k.code}（{k.name}）" for k in mapping.KINDS) + "。"
        "按变更时间（与 id）从早到晚分页；保存最后一页返回的 cursor，下次带上它即取其后变更的记录。"
        "需要质量监督查看权限（中心管理员、监督员），只含本人数据范围内的记录；每次导出均记入审计日志。"
        "各数据项的含义、必填与长度见 docs/exchange.md。",
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATE, description="变更时间起（含）"),
            OpenApiParameter("until", OpenApiTypes.DATE, description="变更时间止（含）"),
            OpenApiParameter("institution", OpenApiTypes.INT, description="机构 id：该机构及其下级机构"),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="上一次响应的 cursor"),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                description=f"每页条数，1–{selectors.PAGE_MAX}，默认 {selectors.PAGE_DEFAULT}",
            ),
        ],
        responses=ExchangePageSerializer,
        tags=["exchange"],
    )
    def get(self, request, kind: str):
        if kind not in mapping.BY_CODE:
            raise NotFound()
        q = ExchangeQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        data = q.validated_data
        institution = None
        if "institution" in data:
            institution = selectors.export_institution(user=request.user, pk=data["institution"])
        page, records = services.exchange_export(
            by=request.user,
            kind=kind,
            since=data.get("since"),
            until=data.get("until"),
            institution=institution,
            cursor=services.parse_cursor(data.get("cursor")),
            limit=data["limit"],
        )
        next_url = None
        if page.has_more:
            params = request.query_params.copy()
            params["cursor"] = page.cursor
            next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        return Response(
            {
                "standard": services.STANDARD,
                "kind": kind,
                "kind_name": mapping.BY_CODE[kind].name,
                "count": len(records),
                "cursor": page.cursor,
                "has_more": page.has_more,
                "next": next_url,
                "results": records,
            }
        )


routes: list = []
urls = [path("exchange/<str:kind>/", ExchangeRecordsView.as_view(), name="exchange-records")]
