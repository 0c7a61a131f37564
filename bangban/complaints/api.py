"""Complaints and consultations through the API: the page actions, scoped the same way."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bangban.complaints import selectors, services, workflow
from bangban.complaints.models import (
    ANSWER_MAX,
    CONTENT_MAX,
    QUESTION_MAX,
    STEP_TEXT_MAX,
    Channel,
    Complaint,
    ComplaintStep,
    Consultation,
    ConsultChannel,
    Status,
)
from bangban.core.errors import ServiceError

ID_MAX = 2**53  # ids are bigints; anything larger is no id of ours (and must not reach the database)


def _id(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **kwargs)


class StepReadSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = ComplaintStep
        fields = [
            "id",
            "action",
            "label",
            "from_status",
            "to_status",
            "at",
            "actor_name",
            "text",
            "due",
            "late",
        ]
        read_only_fields = fields


class ComplaintSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(source="phone_masked", read_only=True, help_text="联系电话（掩码）")
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    case_number = serializers.CharField(source="case.number", read_only=True, default=None)
    late = serializers.SerializerMethodField(help_text="当前环节已超期（红色）")
    actions = serializers.SerializerMethodField(help_text="当前用户现在可执行的环节")

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "channel",
            "hotline_ticket",
            "anonymous",
            "complainant_name",
            "phone",
            "content",
            "case",
            "case_number",
            "agent",
            "institution",
            "institution_name",
            "received_at",
            "status",
            "version",
            "step_due",
            "answer_due",
            "accepted_on",
            "answered_on",
            "answer",
            "rejection_reason",
            "late",
            "actions",
        ]
        read_only_fields = fields

    def get_late(self, obj) -> bool:
        return workflow.is_late(obj.step_due, services.today(), obj.status)

    def get_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return services.complaint_allowed_actions(complaint=obj, by=request.user) if request else []


class ComplaintDetailSerializer(ComplaintSerializer):
    steps = StepReadSerializer(many=True, read_only=True)

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "steps"]
        read_only_fields = fields


class ComplaintCreateSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(label="渠道", choices=Channel.choices)
    content = serializers.CharField(label="投诉内容", max_length=CONTENT_MAX)
    anonymous = serializers.BooleanField(label="匿名", required=False, default=False)
    complainant_name = serializers.CharField(
        label="投诉人姓名", required=False, allow_blank=True, default="", max_length=50
    )
    phone = serializers.CharField(
        label="联系电话", required=False, allow_blank=True, default="", max_length=20
    )
    hotline_ticket = serializers.CharField(
        label="12345工单号", required=False, allow_blank=True, default="", max_length=40
    )
    case = _id(label="涉及办件", required=False, allow_null=True, default=None, help_text="涉及办件")
    agent = _id(label="涉及人员", required=False, allow_null=True, default=None, help_text="涉及人员")
    institution = _id(
        label="责任机构",
        required=False,
        allow_null=True,
        default=None,
        help_text="责任机构，默认办件承办机构或本机构",
    )


class StepSerializer(serializers.Serializer):
    text = serializers.CharField(
        label="情况", required=False, allow_blank=True, default="", max_length=STEP_TEXT_MAX
    )
    version = serializers.IntegerField(
        label="版本", required=False, min_value=0, max_value=2**31 - 1, help_text="查看时的版本；不一致时拒绝"
    )


def _valid(serializer_class, request) -> dict:
    s = serializer_class(data=request.data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def _step_view(name):
    def view(self, request, pk=None):
        complaint = self.get_object()
        data = _valid(StepSerializer, request)
        complaint = services.complaint_advance(
            by=request.user,
            complaint=complaint,
            action=name,
            text=data["text"],
            expected_version=data.get("version"),
        )
        complaint = selectors.complaint_get(user=request.user, pk=complaint.pk)
        return Response(ComplaintDetailSerializer(complaint, context={"request": request}).data)

    view.__name__ = view.__qualname__ = name  # DRF names the route after the function
    return extend_schema(
        request=StepSerializer,
        responses=ComplaintDetailSerializer,
        summary="投诉：" + workflow.ACTION_LABELS[name],
    )(action(detail=True, methods=["post"], url_path=name)(view))


@extend_schema_view(
    list=extend_schema(
        summary="投诉列表",
        parameters=[
            OpenApiParameter("status", str, enum=Status.values),
            OpenApiParameter("late", bool),
            OpenApiParameter("channel", str, enum=Channel.values),
            OpenApiParameter("institution", int),
            OpenApiParameter("case", int),
            OpenApiParameter("from", str, description="收到日期自（YYYY-MM-DD）"),
            OpenApiParameter("to", str, description="收到日期至（YYYY-MM-DD）"),
        ],
    ),
    retrieve=extend_schema(summary="投诉详情（含办理过程）", responses=ComplaintDetailSerializer),
    create=extend_schema(
        request=ComplaintCreateSerializer, responses={201: ComplaintDetailSerializer}, summary="登记投诉"
    ),
)
class ComplaintViewSet(viewsets.GenericViewSet):
    serializer_class = ComplaintSerializer
    queryset = Complaint.objects.none()  # for the schema only: reads go through selectors

    def get_object(self):
        return selectors.complaint_get(user=self.request.user, pk=int(self.kwargs["pk"]))

    def list(self, request):
        q = request.query_params
        from bangban.complaints.views import _date
        from bangban.core.routing import parse_id

        for name in ("from", "to"):
            if q.get(name) and _date(q.get(name)) is None:
                raise ServiceError("invalid", "日期应为 YYYY-MM-DD 格式", field=name)
        for name, label in (("institution", "责任机构"), ("case", "涉及办件")):
            if q.get(name) and parse_id(q[name]) is None:
                raise ServiceError("invalid", f"「{label}」应为编号（正整数）", field=name)
        if q.get("status") and q["status"] not in Status.values:
            raise ServiceError("invalid", "状态不在可选范围内", field="status")
        if q.get("channel") and q["channel"] not in Channel.values:
            raise ServiceError("invalid", "渠道不在可选范围内", field="channel")
        qs = selectors.complaint_list(
            user=request.user,
            status=q.get("status", ""),
            late=q.get("late") in ("1", "true", "True"),
            channel=q.get("channel", ""),
            institution_id=parse_id(q.get("institution", "")),
            case_id=parse_id(q.get("case", "")),
            date_from=_date(q.get("from")),
            date_to=_date(q.get("to")),
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(
            ComplaintSerializer(page, many=True, context={"request": request}).data
        )

    def retrieve(self, request, pk=None):
        return Response(ComplaintDetailSerializer(self.get_object(), context={"request": request}).data)

    def create(self, request):
        complaint = services.complaint_register(by=request.user, **_valid(ComplaintCreateSerializer, request))
        complaint = selectors.complaint_get(user=request.user, pk=complaint.pk)
        return Response(ComplaintDetailSerializer(complaint, context={"request": request}).data, status=201)

    @extend_schema(
        request=None,
        responses={200: {"type": "object", "properties": {"phone": {"type": "string"}}}},
        summary="查看投诉人完整电话（留痕）",
    )
    @action(detail=True, methods=["post"], url_path="reveal-phone")
    def reveal_phone(self, request, pk=None):
        return Response(
            {"phone": services.complaint_reveal_phone(by=request.user, complaint=self.get_object())}
        )

    accept = _step_view("accept")
    reject = _step_view("reject")
    investigate = _step_view("investigate")
    handle = _step_view("handle")
    answer = _step_view("answer")
    archive = _step_view("archive")


class ConsultationSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(source="phone_masked", read_only=True, help_text="联系电话（掩码）")
    answered = serializers.BooleanField(source="is_answered", read_only=True)
    late = serializers.SerializerMethodField(help_text="未答复且已过答复期限")

    class Meta:
        model = Consultation
        fields = [
            "id",
            "channel",
            "question",
            "item",
            "item_name",
            "asker_name",
            "phone",
            "answer",
            "answered",
            "answered_by",
            "asked_at",
            "first_answered_at",
            "answer_due",
            "resolved",
            "case",
            "institution",
            "late",
        ]
        read_only_fields = fields

    def get_late(self, obj) -> bool:
        return selectors.consultation_is_late(obj)


class ConsultationCreateSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(label="渠道", choices=ConsultChannel.choices)
    question = serializers.CharField(label="咨询内容", max_length=QUESTION_MAX)
    answer = serializers.CharField(
        label="答复",
        required=False,
        allow_blank=True,
        default="",
        max_length=ANSWER_MAX,
        help_text="当场答复时填写",
    )
    item = _id(
        label="事项",
        required=False,
        allow_null=True,
        default=None,
        help_text="事项（Item id，须在本机构清单中）",
    )
    asker_name = serializers.CharField(
        label="咨询人", required=False, allow_blank=True, default="", max_length=50
    )
    phone = serializers.CharField(
        label="联系电话", required=False, allow_blank=True, default="", max_length=20
    )
    resolved = serializers.BooleanField(label="已解决", required=False, default=False)
    institution = _id(label="受理机构", required=False, allow_null=True, default=None)


class ConsultationAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(label="答复", max_length=ANSWER_MAX)
    resolved = serializers.BooleanField(label="已解决", required=False, default=False)


@extend_schema_view(
    list=extend_schema(
        summary="咨询列表（未答复的在前）",
        parameters=[
            OpenApiParameter("unanswered", bool),
            OpenApiParameter("channel", str, enum=ConsultChannel.values),
        ],
    ),
    retrieve=extend_schema(summary="咨询详情"),
    create=extend_schema(
        request=ConsultationCreateSerializer,
        responses={201: ConsultationSerializer},
        summary="登记咨询（可同时答复）",
    ),
)
class ConsultationViewSet(viewsets.GenericViewSet):
    serializer_class = ConsultationSerializer
    queryset = Consultation.objects.none()

    def get_object(self):
        return selectors.consultation_get(user=self.request.user, pk=int(self.kwargs["pk"]))

    def list(self, request):
        q = request.query_params
        if q.get("channel") and q["channel"] not in ConsultChannel.values:
            raise ServiceError("invalid", "渠道不在可选范围内", field="channel")
        qs = selectors.consultation_list(
            user=request.user,
            unanswered=q.get("unanswered") in ("1", "true", "True"),
            channel=q.get("channel", ""),
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ConsultationSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(ConsultationSerializer(self.get_object()).data)

    def create(self, request):
        c = services.consultation_register(by=request.user, **_valid(ConsultationCreateSerializer, request))
        return Response(ConsultationSerializer(c).data, status=201)

    @extend_schema(request=ConsultationAnswerSerializer, responses=ConsultationSerializer, summary="答复咨询")
    @action(detail=True, methods=["post"], url_path="answer")
    def answer(self, request, pk=None):
        c = services.consultation_answer(
            by=request.user, consultation=self.get_object(), **_valid(ConsultationAnswerSerializer, request)
        )
        return Response(ConsultationSerializer(c).data)


routes = [
    ("complaints", ComplaintViewSet, "complaint"),
    ("consultations", ConsultationViewSet, "consultation"),
]
urls: list = []
