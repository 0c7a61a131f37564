"""Emergency records API: plans (versioned, optional PDF), drills and incidents; list and create."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from bangban.core.uploads import UploadValidator
from bangban.emergencies import rules, selectors, services
from bangban.emergencies.models import Drill, EventType, Incident, IncidentStep, Plan

ID = {"min_value": 1, "max_value": 2**63 - 1}
TYPE_HELP = "；".join(f"{v} {label}" for v, label in EventType.choices)


@extend_schema_field(
    # A pattern, not an enum: the choice set is shared by several components, and an enum would be
    # lifted into a component with a hashed name (drf-spectacular's enum naming collision).
    {"type": "string", "pattern": f"^({'|'.join(EventType.values)})$", "description": TYPE_HELP}
)
class TypeField(serializers.ChoiceField):
    """The event type (one of EventType)."""

    def __init__(self, **kwargs):
        super().__init__(choices=EventType.choices, **kwargs)


class PlanSerializer(serializers.ModelSerializer):
    type = TypeField(read_only=True)
    type_display = serializers.CharField(source="get_type_display", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    has_pdf = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = [
            "id",
            "institution",
            "institution_name",
            "type",
            "type_display",
            "version",
            "is_current",
            "title",
            "content",
            "has_pdf",
            "created_at",
            "superseded_at",
        ]

    def get_has_pdf(self, plan) -> bool:
        return bool(plan.pdf)


class PlanCreateSerializer(serializers.Serializer):
    type = TypeField()
    title = serializers.CharField(max_length=rules.TITLE_MAX)
    content = serializers.CharField(max_length=rules.CONTENT_MAX)
    pdf = serializers.FileField(
        required=False,
        allow_null=True,
        default=None,
        help_text="预案文件（PDF，不超过 10 MB）；发布于本人所在机构，新版本取代现行版本",
        validators=[UploadValidator(label="预案文件", extensions=(".pdf",), max_bytes=rules.PDF_MAX_BYTES)],
    )

    class Meta:
        model = Plan


class DrillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Drill
        fields = [
            "id",
            "plan",
            "institution",
            "held_on",
            "participants",
            "scenario",
            "findings",
            "improvements",
        ]


class DrillCreateSerializer(serializers.Serializer):
    plan = serializers.IntegerField(**ID, help_text="预案编号（任一版本）")
    held_on = serializers.DateField()
    participants = serializers.CharField(max_length=rules.PARTICIPANTS_MAX)
    scenario = serializers.CharField(max_length=rules.TEXT_MAX)
    findings = serializers.CharField(max_length=rules.TEXT_MAX, required=False, default="", allow_blank=True)
    improvements = serializers.CharField(
        max_length=rules.TEXT_MAX, required=False, default="", allow_blank=True
    )

    class Meta:
        model = Drill


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentStep
        fields = ["at", "text", "actor_name"]
        read_only_fields = ["actor_name"]


class StepInputSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    text = serializers.CharField(max_length=rules.STEP_MAX)

    class Meta:
        model = IncidentStep


class IncidentSerializer(serializers.ModelSerializer):
    type = TypeField(read_only=True)
    type_display = serializers.CharField(source="get_type_display", read_only=True)
    steps = StepSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "institution",
            "type",
            "type_display",
            "started_at",
            "description",
            "ended_at",
            "reported_to",
            "steps",
        ]


class IncidentCreateSerializer(serializers.Serializer):
    type = TypeField()
    started_at = serializers.DateTimeField()
    description = serializers.CharField(max_length=rules.DESCRIPTION_MAX)
    ended_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    reported_to = serializers.CharField(
        max_length=rules.REPORTED_TO_MAX, required=False, default="", allow_blank=True
    )
    steps = StepInputSerializer(many=True, required=False, default=list, max_length=200, label="处置措施")

    class Meta:
        model = Incident


@extend_schema_view(
    list=extend_schema(
        summary="应急预案列表",
        parameters=[
            OpenApiParameter("all_versions", bool, description="含已废止的历史版本"),
            OpenApiParameter("type", str, description=TYPE_HELP),
        ],
    ),
    create=extend_schema(
        request={"multipart/form-data": PlanCreateSerializer, "application/json": PlanCreateSerializer},
        responses={201: PlanSerializer},
        summary="发布应急预案（新版本）",
    ),
)
class PlanViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = PlanSerializer
    queryset = Plan.objects.none()

    def get_queryset(self):
        params = self.request.query_params
        kind = params.get("type", "")
        return selectors.plan_list(
            user=self.request.user,
            current_only=params.get("all_versions", "") not in ("1", "true"),
            type=kind if kind in EventType.values else "",
        )

    def create(self, request):
        s = PlanCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        plan = services.plan_publish(
            by=request.user, institution=request.user.institution, **s.validated_data
        )
        return Response(PlanSerializer(plan).data, status=201)


@extend_schema_view(
    list=extend_schema(summary="应急演练列表"),
    create=extend_schema(
        request=DrillCreateSerializer, responses={201: DrillSerializer}, summary="登记应急演练"
    ),
)
class DrillViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = DrillSerializer
    queryset = Drill.objects.none()

    def get_queryset(self):
        return selectors.drill_list(user=self.request.user)

    def create(self, request):
        s = DrillCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        plan = selectors.plan_get(user=request.user, pk=d.pop("plan"))
        drill = services.drill_record(by=request.user, plan=plan, **d)
        return Response(DrillSerializer(drill).data, status=201)


@extend_schema_view(
    list=extend_schema(summary="突发事件记录列表"),
    create=extend_schema(
        request=IncidentCreateSerializer,
        responses={201: IncidentSerializer},
        summary="登记突发事件（含处置措施）",
    ),
)
class IncidentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = IncidentSerializer
    queryset = Incident.objects.none()

    def get_queryset(self):
        return selectors.incident_list(user=self.request.user).prefetch_related("steps")

    def create(self, request):
        s = IncidentCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        steps = [services.StepInput(x["at"], x["text"]) for x in d.pop("steps")]
        incident = services.incident_log(
            by=request.user, institution=request.user.institution, steps=steps, **d
        )
        return Response(IncidentSerializer(incident).data, status=201)


routes = [
    ("emergencies/plans", PlanViewSet, "emergency-plan"),
    ("emergencies/drills", DrillViewSet, "emergency-drill"),
    ("emergencies/incidents", IncidentViewSet, "emergency-incident"),
]
urls: list = []
