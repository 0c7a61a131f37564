"""API of the SMS outbox: read-only listing in the caller's scope, and a retry for failed messages."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bangban.notifications import selectors, services
from bangban.notifications.models import Message


class MessageSerializer(serializers.ModelSerializer):
    event_display = serializers.CharField(source="get_event_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True, default=None)
    phone = serializers.CharField(source="phone_masked", read_only=True, help_text="手机号码（掩码）")

    class Meta:
        model = Message
        fields = [
            "id",
            "phone",
            "text",
            "event",
            "event_display",
            "object_type",
            "object_id",
            "institution",
            "institution_name",
            "status",
            "status_display",
            "attempts",
            "last_error",
            "provider_id",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields


FILTERS = [
    OpenApiParameter("status", str, enum=Message.Status.values, description="状态"),
    OpenApiParameter("event", str, enum=Message.Event.values, description="事由"),
    OpenApiParameter("object_type", str, description="对象类型，如 cases.case"),
    OpenApiParameter("object_id", str, description="对象编号"),
    OpenApiParameter("q", str, description="完整手机号码、内容或对象编号"),
]


@extend_schema_view(
    list=extend_schema(summary="短信记录（本人数据范围内）", parameters=FILTERS, tags=["notifications"]),
    retrieve=extend_schema(summary="一条短信", tags=["notifications"]),
)
class MessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = MessageSerializer
    queryset = Message.objects.none()  # for the schema generator; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        p = self.request.query_params
        return selectors.message_list(
            user=self.request.user,
            status=p.get("status", ""),
            event=p.get("event", ""),
            object_type=p.get("object_type", ""),
            object_id=p.get("object_id", ""),
            search=p.get("q", "").strip(),
        )

    def get_object(self):
        return selectors.message_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        summary="重发一条发送失败的短信", request=None, responses=MessageSerializer, tags=["notifications"]
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        message = services.message_retry(by=request.user, message=self.get_object())
        message.refresh_from_db()
        return Response(MessageSerializer(message).data)


routes = [("notifications/messages", MessageViewSet, "sms-message")]
urls: list = []
