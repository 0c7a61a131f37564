"""Key projects through the API (/api/v1/projects/…): the page actions, scoped the same way."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bangban.core.errors import ServiceError
from bangban.projects import rules, selectors, services
from bangban.projects.models import (
    LONG_TEXT_MAX,
    NAME_MAX,
    TEXT_MAX,
    ActionItem,
    Blocker,
    Level,
    LiaisonRequest,
    MeetingKind,
    Project,
    ProjectItem,
    ProjectType,
    RequestKind,
)

ID_MAX = 2**53


def _id(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **kwargs)


def _valid(serializer_class, request) -> dict:
    s = serializer_class(data=request.data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


class ProjectSerializer(serializers.ModelSerializer):
    division_name = serializers.CharField(source="division.name", read_only=True)
    lead_agent_name = serializers.CharField(source="lead_agent.display_name", read_only=True)
    coordinator_name = serializers.CharField(source="coordinator.display_name", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True, help_text="联系电话（掩码）")

    class Meta:
        model = Project
        fields = [
            "id",
            "number",
            "name",
            "project_type",
            "level",
            "status",
            "investor_name",
            "investor_credit_code",
            "investment",
            "land_area",
            "division",
            "division_name",
            "institution",
            "lead_agent",
            "lead_agent_name",
            "coordinator",
            "coordinator_name",
            "contact_name",
            "phone",
            "entrustment_scope",
            "entrustment_start",
            "entrustment_end",
            "case",
            "created_at",
        ]
        read_only_fields = fields


class ProjectItemRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.pk", read_only=True)
    name = serializers.CharField(source="item.name", read_only=True)
    stage = serializers.CharField(source="item.stage.name", read_only=True)
    department = serializers.IntegerField(source="item.department_id", read_only=True, allow_null=True)
    status = serializers.CharField(source="item.status", read_only=True)
    version = serializers.IntegerField(source="item.version", read_only=True)
    limit_workdays = serializers.IntegerField(source="item.limit_workdays", read_only=True)
    planned_start = serializers.DateField(source="item.planned_start", read_only=True)
    planned_end = serializers.DateField(source="item.planned_end", read_only=True)
    actual_start = serializers.DateField(source="item.actual_start", read_only=True)
    actual_end = serializers.DateField(source="item.actual_end", read_only=True)
    due = serializers.DateField(read_only=True, allow_null=True)
    left_workdays = serializers.IntegerField(read_only=True, allow_null=True)
    light = serializers.ChoiceField(choices=[rules.GREEN, rules.YELLOW, rules.RED], read_only=True)
    critical = serializers.BooleanField(read_only=True)
    needs = serializers.ListField(child=serializers.IntegerField(), read_only=True)


class ProjectDetailSerializer(ProjectSerializer):
    light = serializers.SerializerMethodField(help_text="项目亮灯（未办结事项中最严重的）")
    items = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "light", "items"]
        read_only_fields = fields

    def _rows(self, obj):
        if not hasattr(obj, "_rows"):
            obj._rows = selectors.item_rows(obj)
        return obj._rows

    def get_light(self, obj) -> str:
        return selectors.project_light(self._rows(obj))

    @extend_schema_field(ProjectItemRowSerializer(many=True))
    def get_items(self, obj) -> list[dict]:
        return ProjectItemRowSerializer(self._rows(obj), many=True).data


class ProjectCreateSerializer(serializers.Serializer):
    name = serializers.CharField(label="项目名称", max_length=NAME_MAX)
    project_type = serializers.ChoiceField(label="项目类型", choices=ProjectType.choices)
    level = serializers.ChoiceField(label="项目级别", choices=Level.choices)
    investor_name = serializers.CharField(label="投资主体", max_length=NAME_MAX)
    investor_credit_code = serializers.CharField(label="统一社会信用代码", max_length=18, min_length=18)
    investment = serializers.DecimalField(
        label="总投资（万元）",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("9999999999.99"),
    )
    land_area = serializers.DecimalField(
        label="用地面积（亩）",
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("99999999.99"),
        required=False,
        allow_null=True,
        default=None,
    )
    division = serializers.CharField(label="建设地点（行政区划代码）", max_length=12)
    lead_agent = _id(label="代办员")
    coordinator = _id(label="协调员")
    contact_name = serializers.CharField(label="投资方联系人", max_length=50)
    phone = serializers.CharField(label="联系电话", max_length=20)
    entrustment_scope = serializers.CharField(label="委托代办范围", max_length=TEXT_MAX)
    entrustment_start = serializers.DateField(label="委托期限自")
    entrustment_end = serializers.DateField(label="委托期限至")
    start_on = serializers.DateField(label="计划开始日期", required=False, allow_null=True, default=None)


class ProjectItemStepSerializer(serializers.Serializer):
    text = serializers.CharField(
        label="说明（办结结果或中止原因）", required=False, allow_blank=True, default="", max_length=TEXT_MAX
    )
    version = serializers.IntegerField(
        label="版本", required=False, min_value=0, max_value=2**31 - 1, help_text="查看时的版本；不一致时拒绝"
    )


class ProjectDependencySerializer(serializers.Serializer):
    needs = _id(label="前置事项")


class ProjectItemAssignSerializer(serializers.Serializer):
    department = _id(label="责任部门", required=False, allow_null=True, default=None)
    liaison = _id(label="专职协办员", required=False, allow_null=True, default=None)
    limit_workdays = serializers.IntegerField(
        label="办理时限（工作日）", min_value=0, max_value=365, required=False, allow_null=True, default=None
    )


class ProjectCaseLinkSerializer(serializers.Serializer):
    case_number = serializers.CharField(label="办件编号", max_length=32)


class ProjectTextSerializer(serializers.Serializer):
    text = serializers.CharField(label="内容", max_length=TEXT_MAX)


class ProjectRequestCreateSerializer(serializers.Serializer):
    department = _id(label="部门")
    item = _id(label="事项", required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(label="类别", choices=RequestKind.choices)
    text = serializers.CharField(label="请求内容", max_length=TEXT_MAX)
    limit_workdays = serializers.IntegerField(
        label="答复时限（工作日）", min_value=1, max_value=30, default=1
    )


class ProjectRequestSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)
    current_level = serializers.SerializerMethodField(
        help_text="当前责任层级：0 专职协办员，1 首席协办员，2 协调员"
    )

    class Meta:
        model = LiaisonRequest
        fields = [
            "id",
            "project",
            "item",
            "department",
            "department_name",
            "kind",
            "text",
            "limit_workdays",
            "sent_on",
            "due",
            "level",
            "current_level",
            "answer",
            "answered_on",
        ]
        read_only_fields = fields

    def get_current_level(self, obj) -> int:
        return services.request_current_level(obj)


class ProjectDecisionSerializer(serializers.Serializer):
    decision = serializers.CharField(label="会议决定", max_length=TEXT_MAX)
    owner = _id(label="责任人")
    department = _id(label="责任部门", required=False, allow_null=True, default=None)
    limit_workdays = serializers.IntegerField(
        label="落实时限（工作日）", min_value=1, max_value=365, default=5
    )


class ProjectMeetingCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(label="会议类型", choices=MeetingKind.choices)
    held_on = serializers.DateField(label="会议日期")
    departments = serializers.ListField(
        label="参会部门", child=_id(label="部门"), required=False, default=list, max_length=50
    )
    attendees = serializers.CharField(label="参会人员", max_length=TEXT_MAX)
    agenda = serializers.CharField(label="议题", max_length=TEXT_MAX)
    minutes = serializers.CharField(
        label="会议纪要", max_length=LONG_TEXT_MAX, required=False, allow_blank=True, default=""
    )
    decisions = ProjectDecisionSerializer(
        label="会议决定", many=True, required=False, default=list, max_length=30
    )


class ProjectActionItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActionItem
        fields = [
            "id",
            "meeting",
            "project",
            "decision",
            "owner",
            "department",
            "limit_workdays",
            "due",
            "closed_on",
            "result",
        ]
        read_only_fields = fields


class ProjectMeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    held_on = serializers.DateField(read_only=True)
    actions = ProjectActionItemSerializer(many=True, read_only=True)


class ProjectBlockerSerializer(serializers.ModelSerializer):
    current_level = serializers.SerializerMethodField(help_text="当前责任层级：0 专职协办员 … 3 中心负责人")

    class Meta:
        model = Blocker
        fields = [
            "id",
            "project",
            "item",
            "text",
            "raised_on",
            "level",
            "current_level",
            "resolved_on",
            "resolution",
        ]
        read_only_fields = fields

    def get_current_level(self, obj) -> int:
        return services.blocker_current_level(obj)


class ProjectWallSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_light = serializers.DictField(child=serializers.IntegerField())
    items_late = serializers.IntegerField()
    days_to_permit = serializers.FloatField(allow_null=True)
    stages = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()))
    avg_days = serializers.DictField(child=serializers.FloatField())


def _detail(request, project) -> Response:
    project = selectors.project_get(user=request.user, pk=project.pk)
    return Response(ProjectDetailSerializer(project).data)


@extend_schema_view(
    list=extend_schema(
        summary="重点项目列表",
        parameters=[OpenApiParameter("q", str), OpenApiParameter("level", str, enum=Level.values)],
    ),
    retrieve=extend_schema(summary="重点项目详情（事项、亮灯、关键路径）", responses=ProjectDetailSerializer),
    create=extend_schema(
        request=ProjectCreateSerializer,
        responses={201: ProjectDetailSerializer},
        summary="按模板登记重点项目",
    ),
)
class ProjectViewSet(viewsets.GenericViewSet):
    serializer_class = ProjectSerializer
    queryset = Project.objects.none()

    def get_object(self):
        return selectors.project_get(user=self.request.user, pk=int(self.kwargs["pk"]))

    def list(self, request):
        q = request.query_params
        if q.get("level") and q["level"] not in Level.values:
            raise ServiceError("invalid", "项目级别不在可选范围内", field="level")
        qs = selectors.project_list(
            user=request.user, search=q.get("q", "").strip()[:100], level=q.get("level", "")
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ProjectSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(ProjectDetailSerializer(self.get_object()).data)

    def create(self, request):
        project = services.project_register(by=request.user, **_valid(ProjectCreateSerializer, request))
        response = _detail(request, project)
        response.status_code = 201
        return response

    @extend_schema(responses={200: dict}, summary="甘特图数据（计划与实际、关键路径、今天）")
    @action(detail=True, methods=["get"], url_path="gantt")
    def gantt(self, request, pk=None):
        return Response(selectors.gantt_data(selectors.project_get_for_gantt(user=request.user, pk=int(pk))))

    @extend_schema(
        request=ProjectRequestCreateSerializer,
        responses={201: ProjectRequestSerializer},
        summary="向部门发出协办请求",
    )
    @action(detail=True, methods=["post"], url_path="requests")
    def requests(self, request, pk=None):
        req = services.request_send(
            by=request.user, project=self.get_object(), **_valid(ProjectRequestCreateSerializer, request)
        )
        return Response(ProjectRequestSerializer(req).data, status=201)

    @extend_schema(
        request=ProjectMeetingCreateSerializer,
        responses={201: ProjectMeetingSerializer},
        summary="登记协调会议及其决定",
    )
    @action(detail=True, methods=["post"], url_path="meetings")
    def meetings(self, request, pk=None):
        data = _valid(ProjectMeetingCreateSerializer, request)
        data["decisions"] = [dict(d) for d in data["decisions"]]
        meeting = services.meeting_record(by=request.user, project=self.get_object(), **data)
        return Response(ProjectMeetingSerializer(meeting).data, status=201)

    @extend_schema(responses=ProjectBlockerSerializer(many=True), summary="项目的堵点")
    @action(detail=True, methods=["get"], url_path="blockers")
    def blockers(self, request, pk=None):
        return Response(ProjectBlockerSerializer(self.get_object().blockers.all()[:200], many=True).data)

    @extend_schema(responses=ProjectWallSerializer, summary="挂图作战：按阶段和亮灯的统计")
    @action(detail=False, methods=["get"], url_path="wall")
    def wall(self, request):
        return Response(selectors.wall_summary(user=request.user))


def _item_step(name):
    def view(self, request, pk=None):
        item = self.get_object()
        data = _valid(ProjectItemStepSerializer, request)
        version = data.get("version")
        if name == "start":
            services.item_start(by=request.user, item=item, expected_version=version)
        elif name == "complete":
            services.item_complete(by=request.user, item=item, result=data["text"], expected_version=version)
        elif name == "suspend":
            services.item_suspend(by=request.user, item=item, reason=data["text"], expected_version=version)
        else:
            services.item_resume(by=request.user, item=item, expected_version=version)
        return Response(ProjectItemSerializer(ProjectItem.objects.get(pk=item.pk)).data)

    view.__name__ = view.__qualname__ = name
    return extend_schema(
        request=ProjectItemStepSerializer, responses=None, summary="项目事项：" + rules.ACTION_LABELS[name]
    )(action(detail=True, methods=["post"], url_path=name)(view))


class ProjectItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectItem
        fields = [
            "id",
            "project",
            "stage",
            "name",
            "item_version",
            "department",
            "liaison",
            "limit_workdays",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "due",
            "status",
            "case",
            "task",
            "version",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="本部门的项目事项（协办员队列）"),
    retrieve=extend_schema(summary="项目事项"),
)
class ProjectItemViewSet(viewsets.GenericViewSet):
    serializer_class = ProjectItemSerializer
    queryset = ProjectItem.objects.none()

    def get_object(self):
        return selectors.item_get(user=self.request.user, pk=int(self.kwargs["pk"]))

    def list(self, request):
        page = self.paginate_queryset(selectors.department_queue(user=request.user)["items"])
        return self.get_paginated_response(ProjectItemSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(ProjectItemSerializer(self.get_object()).data)

    start = _item_step("start")
    complete = _item_step("complete")
    suspend = _item_step("suspend")
    resume = _item_step("resume")

    @extend_schema(
        request=ProjectDependencySerializer,
        responses=ProjectItemSerializer,
        summary="增加前置事项（不得成环）",
    )
    @action(detail=True, methods=["post"], url_path="dependencies")
    def dependencies(self, request, pk=None):
        item = services.item_add_dependency(
            by=request.user, item=self.get_object(), **_valid(ProjectDependencySerializer, request)
        )
        return Response(ProjectItemSerializer(item).data)

    @extend_schema(
        request=ProjectTextSerializer, responses={201: ProjectBlockerSerializer}, summary="提出堵点"
    )
    @action(detail=True, methods=["post"], url_path="blockers")
    def blockers(self, request, pk=None):
        b = services.blocker_raise(
            by=request.user, item=self.get_object(), text=_valid(ProjectTextSerializer, request)["text"]
        )
        return Response(ProjectBlockerSerializer(b).data, status=201)


@extend_schema_view(
    list=extend_schema(summary="本部门的协办请求（协办员队列）"), retrieve=extend_schema(summary="协办请求")
)
class ProjectRequestViewSet(viewsets.GenericViewSet):
    serializer_class = ProjectRequestSerializer
    queryset = LiaisonRequest.objects.none()

    def get_object(self):
        return selectors.request_get(user=self.request.user, pk=int(self.kwargs["pk"]))

    def list(self, request):
        page = self.paginate_queryset(selectors.department_queue(user=request.user)["requests"])
        return self.get_paginated_response(ProjectRequestSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(ProjectRequestSerializer(self.get_object()).data)

    @extend_schema(request=ProjectTextSerializer, responses=ProjectRequestSerializer, summary="答复协办请求")
    @action(detail=True, methods=["post"], url_path="answer")
    def answer(self, request, pk=None):
        req = services.request_answer(
            by=request.user, request=self.get_object(), answer=_valid(ProjectTextSerializer, request)["text"]
        )
        return Response(ProjectRequestSerializer(req).data)


class ProjectActionViewSet(viewsets.GenericViewSet):
    serializer_class = ProjectActionItemSerializer
    queryset = ActionItem.objects.none()

    def get_object(self):
        return selectors.action_get(user=self.request.user, pk=int(self.kwargs["pk"]))

    @extend_schema(summary="会议决定事项")
    def retrieve(self, request, pk=None):
        return Response(ProjectActionItemSerializer(self.get_object()).data)

    @extend_schema(
        request=ProjectTextSerializer, responses=ProjectActionItemSerializer, summary="会议决定事项办结"
    )
    @action(detail=True, methods=["post"], url_path="close")
    def close(self, request, pk=None):
        a = services.action_close(
            by=request.user, action=self.get_object(), result=_valid(ProjectTextSerializer, request)["text"]
        )
        return Response(ProjectActionItemSerializer(a).data)


class ProjectBlockerViewSet(viewsets.GenericViewSet):
    serializer_class = ProjectBlockerSerializer
    queryset = Blocker.objects.none()

    def get_object(self):
        return selectors.blocker_get(user=self.request.user, pk=int(self.kwargs["pk"]))

    @extend_schema(summary="堵点")
    def retrieve(self, request, pk=None):
        return Response(ProjectBlockerSerializer(self.get_object()).data)

    @extend_schema(request=ProjectTextSerializer, responses=ProjectBlockerSerializer, summary="堵点已解决")
    @action(detail=True, methods=["post"], url_path="resolve")
    def resolve(self, request, pk=None):
        b = services.blocker_resolve(
            by=request.user,
            blocker=self.get_object(),
            resolution=_valid(ProjectTextSerializer, request)["text"],
        )
        return Response(ProjectBlockerSerializer(b).data)


# The sub-resources first: "projects/items/" must not be read as a project id.
routes = [
    ("projects/items", ProjectItemViewSet, "project-item"),
    ("projects/requests", ProjectRequestViewSet, "project-request"),
    ("projects/actions", ProjectActionViewSet, "project-action"),
    ("projects/blockers", ProjectBlockerViewSet, "project-blocker"),
    ("projects", ProjectViewSet, "project"),
]
urls: list = []
