from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound

from bangban.audit.models import AuditEvent
from bangban.audit.selectors import audit_list


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


def _filter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, description=description)


@extend_schema_view(
    list=extend_schema(
        summary="审计日志（本人数据范围内，新的在前）",
        parameters=[
            _filter("actor", "操作人：用户名（精确）或姓名（包含）"),
            _filter("action", "操作代码前缀，如 cases.case 或 access.refused"),
            _filter("object_type", "对象类型，如 cases.case"),
            _filter("object_id", "对象编号"),
            _filter("text", "在对象描述和备注中查找；为 IP 地址时按来源 IP 查找"),
        ],
    )
)
class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The audit trail in the caller's scope. Read-only: there is no create, update or delete."""

    serializer_class = AuditEventSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: the model, no user
            return AuditEvent.objects.none()
        p = self.request.query_params
        return audit_list(
            user=self.request.user,
            actor=p.get("actor", ""),
            action=p.get("action", ""),
            object_type=p.get("object_type", ""),
            object_id=p.get("object_id", ""),
            text=p.get("text", ""),
        )

    def get_object(self):
        obj = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if obj is None:
            raise NotFound("审计记录不存在或不在您的数据范围内")
        return obj
