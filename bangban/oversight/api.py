"""督办单 API: list, detail, issue, answer, close (thin: validate, call a service, serialize)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bangban.cases import selectors as case_selectors
from bangban.complaints import selectors as complaint_selectors
from bangban.oversight import rules, selectors, services
from bangban.oversight.models import Order, OrderEvent


class OrderEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderEvent
        fields = ["type", "actor_name", "text", "created_at"]


class OrderSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    case_number = serializers.CharField(source="case.number", read_only=True, default="")
    complaint_number = serializers.CharField(source="complaint.number", read_only=True, default="")
    target_type = serializers.ChoiceField(
        choices=[("case", "办件"), ("complaint", "投诉")], read_only=True, help_text="督办对象类型"
    )
    target_id = serializers.IntegerField(read_only=True, help_text="督办对象的 id（办件或投诉）")
    target_label = serializers.CharField(read_only=True, help_text="督办对象（如「投诉 3301…」）")
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    late = serializers.SerializerMethodField()
    events = OrderEventSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "target_type",
            "target_id",
            "target_label",
            "case",
            "case_number",
            "complaint",
            "complaint_number",
            "institution",
            "institution_name",
            "agent",
            "requirement",
            "limit_days",
            "state",
            "state_display",
            "issued_by",
            "issued_at",
            "due_date",
            "late",
            "reply",
            "actions_taken",
            "answered_by",
            "answered_at",
            "satisfied",
            "close_comment",
            "closed_at",
            "rounds",
            "escalated_at",
            "events",
        ]

    def get_late(self, order) -> bool:
        from bangban.cases import clock

        return order.is_late(clock.today())


class IssueSerializer(serializers.Serializer):
    case = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        help_text="督办的办件 id，须在本人数据范围内（与 complaint 二选一）",
    )
    complaint = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        help_text="督办的投诉 id，须在本人数据范围内（与 case 二选一）",
    )
    requirement = serializers.CharField(max_length=rules.MAX_TEXT, help_text="督办要求")
    limit_days = serializers.IntegerField(
        min_value=1,
        max_value=rules.MAX_LIMIT_DAYS,
        default=rules.DEFAULT_LIMIT_DAYS,
        help_text="答复时限（工作日）",
    )

    class Meta:
        model = Order

    def validate(self, attrs):
        if ("case" in attrs) == ("complaint" in attrs):
            raise serializers.ValidationError(
                {"case": "督办对象须为一个办件（case）或一件投诉（complaint），二选一"}
            )
        return attrs


class AnswerSerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=rules.MAX_TEXT, help_text="答复内容")
    actions_taken = serializers.CharField(
        max_length=rules.MAX_TEXT, required=False, default="", allow_blank=True, help_text="已采取的措施"
    )

    class Meta:
        model = Order


class CloseSerializer(serializers.Serializer):
    satisfied = serializers.BooleanField(help_text="true 满意办结；false 不满意退回重办")
    comment = serializers.CharField(
        label="评价意见",
        max_length=rules.MAX_TEXT,
        required=False,
        default="",
        allow_blank=True,
        help_text="评价意见（不满意时必填）",
    )
    limit_days = serializers.IntegerField(
        min_value=1, max_value=rules.MAX_LIMIT_DAYS, required=False, help_text="退回时的新答复时限（工作日）"
    )

    class Meta:
        model = Order


@extend_schema_view(
    list=extend_schema(
        summary="督办单列表",
        parameters=[
            OpenApiParameter("box", str, enum=list(selectors.BOXES)),
            OpenApiParameter("late", bool),
        ],
    ),
    retrieve=extend_schema(summary="督办单详情"),
    create=extend_schema(request=IssueSerializer, responses={201: OrderSerializer}, summary="签发督办单"),
)
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = OrderSerializer
    queryset = Order.objects.none()  # for the schema only: reads go through selectors

    def get_queryset(self):
        box = self.request.query_params.get("box", "all")
        late = self.request.query_params.get("late", "") in ("1", "true")
        return selectors.order_list(
            user=self.request.user, box=box if box in selectors.BOXES else "all", late=late
        ).prefetch_related("events")

    def get_object(self):
        return selectors.order_get(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, pk=None):
        return Response(OrderSerializer(self.get_object()).data)

    def create(self, request):
        s = IssueSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        if "case" in d:
            target = {"case": case_selectors.case_get(user=request.user, pk=d["case"])}
        else:
            target = {"complaint": complaint_selectors.complaint_get(user=request.user, pk=d["complaint"])}
        order = services.order_issue(
            by=request.user, requirement=d["requirement"], limit_days=d["limit_days"], **target
        )
        return Response(OrderSerializer(order).data, status=201)

    @extend_schema(request=AnswerSerializer, responses=OrderSerializer, summary="答复督办单")
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        order = self.get_object()
        s = AnswerSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        order = services.order_answer(order=order, by=request.user, **s.validated_data)
        return Response(OrderSerializer(order).data)

    @extend_schema(
        request=CloseSerializer, responses=OrderSerializer, summary="评价督办答复（满意办结 / 不满意退回）"
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        order = self.get_object()
        s = CloseSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        order = services.order_close(order=order, by=request.user, **s.validated_data)
        return Response(OrderSerializer(order).data)


routes = [("oversight/orders", OrderViewSet, "oversight-order")]
urls: list = []
