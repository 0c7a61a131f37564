"""Cases through the API: every page action is here too, scoped the same way (selectors + services)."""

from __future__ import annotations

import threading

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.views import APIView

from bangban.bookings.api import CaseBookingSerializer
from bangban.bookings.selectors import case_booking
from bangban.cases import clock, documents, queue, selectors, services, workflow
from bangban.cases.models import (
    ApplicantType,
    Case,
    CaseEvent,
    Channel,
    Entrustment,
    JointTask,
    Kind,
    Material,
    Mode,
    PriorityGroup,
    Suspension,
    Transfer,
)
from bangban.core.downloads import PDF, serves
from bangban.core.errors import NotInScope, ServiceError
from bangban.core.limits import TEXT_MAX_LENGTH
from bangban.org.models import Department, Institution


class QueuePagination(BasePagination):
    """Page-number pagination without COUNT(*): the queue shows the next page if there is one.

    At provincial scale a count over the scoped, filtered case table costs more than the page itself.
    The list itself is cases.queue.listing (a page of selectors.case_list); this class describes its
    envelope in the schema.
    """

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "properties": {
                "next": {"type": "string", "nullable": True},
                "previous": {"type": "string", "nullable": True},
                "results": schema,
            },
        }


class CaseListSerializer(serializers.ModelSerializer):
    light = serializers.SerializerMethodField()
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    agent_name = serializers.CharField(source="agent.display_name", read_only=True, default=None)
    applicant_id = serializers.CharField(source="applicant_id_display", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True, help_text="联系电话（掩码）")

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "kind",
            "mode",
            "status",
            "version",
            "applicant_type",
            "applicant_name",
            "applicant_id",
            "phone",
            "institution",
            "institution_name",
            "agent",
            "agent_name",
            "accepted_on",
            "due_date",
            "clock_stopped",
            "light",
            "created_at",
        ]
        read_only_fields = fields

    def get_light(self, obj) -> str:
        return clock.light(obj, on=self.context.get("today"), calendar=self.context.get("calendar"))


class EventSerializer(serializers.ModelSerializer):
    type_display = serializers.CharField(source="get_type_display", read_only=True)

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "type",
            "type_display",
            "at",
            "actor_name",
            "from_status",
            "to_status",
            "text",
            "data",
        ]


class TaskSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)
    assignee_name = serializers.CharField(source="assignee.display_name", read_only=True, default=None)

    class Meta:
        model = JointTask
        fields = [
            "id",
            "department",
            "department_name",
            "assignee",
            "assignee_name",
            "description",
            "due_date",
            "state",
            "result",
            "done_at",
        ]


class TransferSerializer(serializers.ModelSerializer):
    class Meta:
        model = Transfer
        fields = [
            "id",
            "case",
            "from_institution",
            "to_institution",
            "to_department",
            "reason",
            "state",
            "sent_at",
            "answered_at",
            "answer",
        ]


class MaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = Material
        fields = ["id", "name", "form", "copies", "received_at", "returned_at", "note"]


class CaseCreatedSerializer(CaseListSerializer):
    """What creation answers: the case as listed plus its items (no timeline round trips)."""

    items = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [*CaseListSerializer.Meta.fields, "items"]
        read_only_fields = fields

    def get_items(self, obj) -> list[dict]:
        return [{"item_version": ci.item_version_id, "name": ci.name} for ci in obj.items.all()]


class CaseDetailSerializer(CaseListSerializer):
    items = serializers.SerializerMethodField()
    events = EventSerializer(many=True, read_only=True)
    tasks = TaskSerializer(many=True, read_only=True)
    transfers = TransferSerializer(many=True, read_only=True)
    materials = MaterialSerializer(many=True, read_only=True)
    forms = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(
        help_text="当前用户现在可以执行的办理操作（与服务端校验一致：列出的操作提交有效内容即可成功）"
    )
    calendar_warnings = serializers.SerializerMethodField(
        help_text="办结期限跨入节假日安排尚未公布的年份时的提示（与办件页面相同）"
    )
    booking = serializers.SerializerMethodField(
        help_text="网上申请的服务方式、上门地址和有效的预约时段；窗口登记的办件为空"
    )

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "channel",
            "priority_group",
            "summary",
            "credit_code",
            "contact_name",
            "promised_days",
            "is_immediate",
            "extension_days",
            "result",
            "termination_reason",
            "finished_at",
            "items",
            "events",
            "tasks",
            "transfers",
            "materials",
            "forms",
            "actions",
            "calendar_warnings",
            "booking",
        ]
        read_only_fields = fields

    def get_items(self, obj) -> list[dict]:
        return [{"item_version": ci.item_version_id, "name": ci.name} for ci in obj.items.all()]

    def get_forms(self, obj) -> list[dict]:
        return [
            {"code": code, "name": name, "url": f"/api/v1/cases/{obj.pk}/forms/{code}.pdf"}
            for code, name in documents.available(obj)
        ]

    def get_actions(self, obj) -> list[str]:
        return services.case_allowed_actions(case=obj, by=self.context["request"].user)

    def get_calendar_warnings(self, obj) -> list[str]:
        return clock.calendar_warnings(obj)

    @extend_schema_field(CaseBookingSerializer(allow_null=True))
    def get_booking(self, obj) -> dict | None:
        booking = case_booking(obj)
        return None if booking is None else CaseBookingSerializer(booking).data


class _FieldsPerThread:
    """Bound fields built once per thread and reused by every instance of the serializer there.

    DRF builds (deep-copies) each declared field for every instance; for registration that cost more
    than the validation itself. DRF's scalar, choice and list fields keep no per-request state, so a
    thread (which serves one request at a time) can reuse them; their `parent`/`root` is the
    thread's first instance, consulted only for `partial` (never set here).
    """

    _per_thread = threading.local()

    @property
    def fields(self):
        fields = getattr(self._per_thread, "fields", None)
        if fields is None:
            fields = self._per_thread.fields = serializers.Serializer.fields.func(self)
        return fields


class CaseCreateSerializer(_FieldsPerThread, serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    mode = serializers.ChoiceField(choices=Mode.choices)
    applicant_type = serializers.ChoiceField(choices=ApplicantType.choices)
    applicant_name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=18, help_text="个人：身份证号（GB 11643）"
    )
    credit_code = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=18, help_text="企业：统一社会信用代码"
    )
    contact_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    phone = serializers.CharField(max_length=20)
    items = serializers.ListField(
        child=serializers.IntegerField(), allow_empty=False, help_text="事项编号（Item id）"
    )
    priority_group = serializers.ChoiceField(choices=PriorityGroup.choices, required=False, default="")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default=Channel.WINDOW)
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    institution = serializers.IntegerField(required=False, help_text="承办机构，默认本人所在机构")
    accept_now = serializers.BooleanField(required=False, default=False, help_text="帮办：登记即受理")


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, help_text="当前看到的办件版本，不一致则拒绝（防止并发误操作）"
    )


class AnalyseSerializer(VersionSerializer):
    analysis = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class EntrustSerializer(VersionSerializer):
    scope = serializers.ChoiceField(choices=Entrustment.Scope.choices)
    stages = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    materials_text = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_MAX_LENGTH
    )


class SuspendSerializer(VersionSerializer):
    reason = serializers.ChoiceField(choices=Suspension.Reason.choices)
    detail = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX_LENGTH)


class ResumeSerializer(VersionSerializer):
    period_end = serializers.DateField()
    materials_text = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_MAX_LENGTH
    )


class ExtendSerializer(VersionSerializer):
    days = serializers.IntegerField(min_value=1, max_value=60)
    reason = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class ResultSerializer(VersionSerializer):
    result = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class ReasonSerializer(VersionSerializer):
    reason = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class TransferCreateSerializer(serializers.Serializer):
    to_institution = serializers.IntegerField()
    to_department = serializers.IntegerField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class TaskCreateSerializer(serializers.Serializer):
    department = serializers.IntegerField()
    description = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    due_date = serializers.DateField()


class MaterialCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    form = serializers.ChoiceField(choices=Material.Form.choices)
    copies = serializers.IntegerField(required=False, default=1, min_value=1, max_value=999)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class LogSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    on = serializers.DateField(required=False)


def register(user, data: dict):
    """Registration from validated CaseCreateSerializer data."""
    if "institution" in data:
        from bangban.org.selectors import institution_get

        data = data | {"institution": institution_get(user=user, pk=data["institution"])}
    return services.case_create(by=user, **data)  # items: ids, checked by the service


def created_response_body(case) -> dict:
    """CaseCreatedSerializer's fields, built from the case just written (no reads, no field set-up)."""
    (out,) = queue.render([queue.row(case)])
    out["items"] = [{"item_version": ci.item_version_id, "name": ci.name} for ci in case.created_items]
    return out


def _valid(serializer_class, request) -> dict:
    s = serializer_class(data=request.data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


SIMPLE = {  # action → (service, serializer)
    "apply": (services.case_apply, VersionSerializer),
    "accept": (services.case_accept, VersionSerializer),
    "analyse": (services.case_analyse, AnalyseSerializer),
    "entrust": (services.case_entrust, EntrustSerializer),
    "start": (services.case_start, VersionSerializer),
    "suspend": (services.case_suspend, SuspendSerializer),
    "resume": (services.case_resume, ResumeSerializer),
    "extend": (services.case_extend, ExtendSerializer),
    "complete": (services.case_complete, ResultSerializer),
    "terminate": (services.case_terminate, ReasonSerializer),
    "archive": (services.case_archive, VersionSerializer),
}


def _transition_view(name):
    service, serializer = SIMPLE[name]

    def view(self, request, pk=None):
        case = self.get_object()
        data = _valid(serializer, request)
        version = data.pop("version", None)
        case = service(case=case, by=request.user, expected_version=version, **data)
        return Response(CaseDetailSerializer(case, context={"request": request}).data)

    view.__name__ = view.__qualname__ = name  # DRF names the route after the function
    summary = "办件：" + workflow.ACTION_LABELS.get(name, "延期")
    return extend_schema(request=serializer, responses=CaseDetailSerializer, summary=summary)(
        action(detail=True, methods=["post"], url_path=name)(view)
    )


@extend_schema_view(
    list=extend_schema(
        summary="办件列表（工作队列）",
        parameters=[
            OpenApiParameter("status", str),
            OpenApiParameter("light", str, enum=["red", "yellow", "green"]),
            OpenApiParameter("mine", bool),
            OpenApiParameter("open", bool),
            OpenApiParameter("q", str),
            OpenApiParameter("kind", str),
            OpenApiParameter("institution", int),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
    ),
    create=extend_schema(request=CaseCreateSerializer, responses=CaseCreatedSerializer, summary="登记办件"),
)
class CaseViewSet(viewsets.GenericViewSet):
    pagination_class = QueuePagination
    serializer_class = CaseListSerializer

    queryset = Case.objects.none()  # for the schema only: reads go through selectors

    def get_object(self):
        return selectors.case_get(user=self.request.user, pk=self.kwargs["pk"])

    def list(self, request):
        # The queue is the hottest read: a page of selectors.case_list rendered from plain rows
        # (cases.queue) with the fields CaseListSerializer documents in the schema.
        try:
            number, size = queue.window(request.query_params)
        except ValueError:
            raise ServiceError(
                "invalid", f"页码应为 1 到 {queue.MAX_PAGE} 之间的整数，每页条数应为正整数", field="page"
            )
        return Response(queue.listing(request, request.user, number, size))

    @extend_schema(responses=CaseDetailSerializer, summary="办件详情（含时间线、材料、联办任务、转办）")
    def retrieve(self, request, pk=None):
        return Response(CaseDetailSerializer(self.get_object(), context={"request": request}).data)

    def create(self, request):
        case = register(request.user, _valid(CaseCreateSerializer, request))
        return Response(created_response_body(case), status=201)

    apply = _transition_view("apply")
    accept = _transition_view("accept")
    analyse = _transition_view("analyse")
    entrust = _transition_view("entrust")
    start = _transition_view("start")
    suspend = _transition_view("suspend")
    resume = _transition_view("resume")
    extend = _transition_view("extend")
    complete = _transition_view("complete")
    terminate = _transition_view("terminate")
    archive = _transition_view("archive")

    @extend_schema(request=TransferCreateSerializer, responses={201: TransferSerializer}, summary="转办")
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        case = self.get_object()
        d = _valid(TransferCreateSerializer, request)
        to = Institution.objects.filter(pk=d["to_institution"], is_active=True).first()
        if to is None:
            raise ServiceError("invalid", "接收机构不存在", field="to_institution")
        dept = Department.objects.filter(pk=d["to_department"]).first() if d["to_department"] else None
        transfer = services.transfer_send(
            case=case, by=request.user, to_institution=to, to_department=dept, reason=d["reason"]
        )
        return Response(TransferSerializer(transfer).data, status=201)

    @extend_schema(request=TaskCreateSerializer, responses={201: TaskSerializer}, summary="发起联办任务")
    @action(detail=True, methods=["post"])
    def tasks(self, request, pk=None):
        case = self.get_object()
        d = _valid(TaskCreateSerializer, request)
        dept = Department.objects.filter(pk=d["department"]).first()
        if dept is None:
            raise ServiceError("invalid", "联办部门不存在", field="department")
        task = services.task_create(
            case=case, by=request.user, department=dept, description=d["description"], due_date=d["due_date"]
        )
        return Response(TaskSerializer(task).data, status=201)

    @extend_schema(request=MaterialCreateSerializer, responses={201: MaterialSerializer}, summary="接收材料")
    @action(detail=True, methods=["post"])
    def materials(self, request, pk=None):
        material = services.material_receive(
            case=self.get_object(), by=request.user, **_valid(MaterialCreateSerializer, request)
        )
        return Response(MaterialSerializer(material).data, status=201)

    @extend_schema(request=LogSerializer, responses={201: EventSerializer}, summary="写帮办代办日志")
    @action(detail=True, methods=["post"])
    def log(self, request, pk=None):
        event = services.log_add(case=self.get_object(), by=request.user, **_valid(LogSerializer, request))
        return Response(EventSerializer(event).data, status=201)

    @extend_schema(
        request=None,
        responses={200: {"type": "object", "properties": {"id_number": {"type": "string"}}}},
        summary="查看完整证件号码（留痕）",
    )
    @action(detail=True, methods=["post"], url_path="reveal-id")
    def reveal_id(self, request, pk=None):
        return Response({"id_number": services.case_reveal_id(case=self.get_object(), by=request.user)})

    @extend_schema(
        request=None,
        responses={200: {"type": "object", "properties": {"phone": {"type": "string"}}}},
        summary="查看完整联系电话（留痕）",
    )
    @action(detail=True, methods=["post"], url_path="reveal-phone")
    def reveal_phone(self, request, pk=None):
        return Response({"phone": services.case_reveal_phone(case=self.get_object(), by=request.user)})


def _case_of(user, obj):
    """Resolve a sub-object's case in the user's scope (NotInScope otherwise)."""
    return selectors.case_get(user=user, pk=obj.case_id)


class TransferAnswerSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX_LENGTH)


class TransferViewSet(viewsets.GenericViewSet):
    serializer_class = TransferSerializer
    queryset = Transfer.objects.all()

    def _get(self, request, pk):
        transfer = Transfer.objects.filter(pk=pk).first()
        if transfer is None:
            raise NotInScope()
        _case_of(request.user, transfer)
        return transfer

    @extend_schema(request=None, responses=CaseDetailSerializer, summary="接收转办")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        case = services.transfer_accept(transfer=self._get(request, pk), by=request.user)
        return Response(CaseDetailSerializer(case, context={"request": request}).data)

    @extend_schema(request=TransferAnswerSerializer, responses=TransferSerializer, summary="退回转办")
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        d = _valid(TransferAnswerSerializer, request)
        transfer = services.transfer_return(
            transfer=self._get(request, pk), by=request.user, reason=d["reason"]
        )
        return Response(TransferSerializer(transfer).data)


class TaskViewSet(viewsets.GenericViewSet):
    serializer_class = TaskSerializer
    queryset = JointTask.objects.all()

    @extend_schema(request=ResultSerializer, responses=TaskSerializer, summary="完成联办任务")
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        task = JointTask.objects.filter(pk=pk).first()
        if task is None:
            raise NotInScope()
        _case_of(request.user, task)
        d = _valid(ResultSerializer, request)
        return Response(
            TaskSerializer(services.task_complete(task=task, by=request.user, result=d["result"])).data
        )


class MaterialViewSet(viewsets.GenericViewSet):
    serializer_class = MaterialSerializer
    queryset = Material.objects.all()

    @extend_schema(request=None, responses=MaterialSerializer, summary="退还材料")
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        material = Material.objects.filter(pk=pk).first()
        if material is None:
            raise NotInScope()
        _case_of(request.user, material)
        return Response(MaterialSerializer(services.material_return(material=material, by=request.user)).data)


class CaseFormView(APIView):
    content_negotiation_class = serves(PDF)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY}, summary="下载表单 A–E（PDF）")
    def get(self, request, pk, code):
        case = selectors.case_get(user=request.user, pk=pk)
        data = documents.render(case, code)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{case.number}-{code.upper()}.pdf"'
        return response


routes = [
    ("cases", CaseViewSet, "case"),
    ("case-transfers", TransferViewSet, "case-transfer"),
    ("case-tasks", TaskViewSet, "case-task"),
    ("case-materials", MaterialViewSet, "case-material"),
]
urls = [path("cases/<id:pk>/forms/<str:code>.pdf", CaseFormView.as_view(), name="case-form")]
