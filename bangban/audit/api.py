from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from bangban.audit.forms import TEXT_SEARCH_MAX_DAYS, AuditSearchForm
from bangban.audit.models import AuditEvent
from bangban.audit.paging import CURSOR_MAX_LENGTH, PAGE_SIZE, keyset_page
from bangban.audit.selectors import audit_list
from bangban.core.errors import ServiceError


class AuditEventSerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True, default=None)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "actor_name",
            "institution",
            "institution_name",
            "action",
            "action_label",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "note",
            "ip",
            "path",
        ]
        read_only_fields = fields


class AuditCursorPagination(BasePagination):
    """Keyset pages (audit.paging): {"next", "previous", "results"}, no count. `next` continues to
    older rows, `previous` to newer ones; both keep the filters and carry an opaque `cursor`."""

    page_size = PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page = keyset_page(queryset, view.search.cleaned_data["cursor"], self.page_size)
        return self.page.rows

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        params = self.request.query_params.copy()
        params["cursor"] = cursor
        return self.request.build_absolute_uri(f"{self.request.path}?{params.urlencode()}")

    def get_paginated_response(self, data):
        return Response(
            {"next": self._link(self.page.older), "previous": self._link(self.page.newer), "results": data}
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {"type": "object", "properties": {"next": link, "previous": link, "results": schema}}

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "翻页位置：取自上一次响应的 next / previous 链接，不要自行构造",
                "schema": {"type": "string", "maxLength": CURSOR_MAX_LENGTH},
            }
        ]


def _filter(name: str, description: str, type_=str) -> OpenApiParameter:
    return OpenApiParameter(name, type_, description=description)


@extend_schema_view(
    list=extend_schema(
        summary="审计日志（本人数据范围内，新的在前）",
        parameters=[
            _filter("actor", "操作人：用户名（精确），否则为记录中的姓名开头"),
            _filter("action", "操作代码（已登记的，见 audit/actions.py），或其开头部分如 cases.case、auth"),
            _filter("institution", "机构编号：该机构及其下级机构（须在本人数据范围内）", int),
            _filter("from", "起始日期（含），YYYY-MM-DD", OpenApiTypes.DATE),
            _filter("to", "截止日期（含），YYYY-MM-DD", OpenApiTypes.DATE),
            _filter("object_type", "对象类型，如 cases.case"),
            _filter("object_id", "对象编号（须同时指定 object_type）"),
            _filter(
                "text",
                f"在对象描述和备注中查找；为 IP 地址时也按来源 IP 查找。须同时指定 from 和 to，跨度不超过 {TEXT_SEARCH_MAX_DAYS} 天",
            ),
        ],
    )
)
class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The audit trail in the caller's scope. Read-only: there is no create, update or delete."""

    serializer_class = AuditEventSerializer
    pagination_class = AuditCursorPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: the model, no user
            return AuditEvent.objects.none()
        return audit_list(user=self.request.user)

    def list(self, request, *args, **kwargs):
        self.search = AuditSearchForm(request.query_params, user=request.user)
        if not self.search.is_valid():
            errors = self.search.error_list()
            raise ServiceError("invalid", errors[0]["message"], errors=errors)
        queryset = audit_list(user=request.user, **self.search.filters())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def get_object(self):
        obj = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if obj is None:
            raise NotFound("审计记录不存在或不在您的数据范围内")
        return obj
