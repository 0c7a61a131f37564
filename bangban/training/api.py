"""Training API: courses and sessions (with attendees), list and create."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from bangban.core.errors import ServiceError
from bangban.training import rules, selectors, services
from bangban.training.models import Attendance, Course, Session

ID = {"min_value": 1, "max_value": 2**63 - 1}


class CourseSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)

    class Meta:
        model = Course
        fields = ["id", "title", "summary", "hours", "institution", "institution_name", "created_at"]


class CourseCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=rules.TITLE_MAX)
    summary = serializers.CharField(
        max_length=rules.SUMMARY_MAX, required=False, default="", allow_blank=True
    )
    hours = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=Decimal("0.5"), max_value=Decimal("100")
    )

    class Meta:
        model = Course


class AttendanceSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = Attendance
        fields = ["user", "user_name", "attended", "hours", "score"]


class SessionSerializer(serializers.ModelSerializer):
    course_title = serializers.CharField(source="course.title", read_only=True)
    attendances = AttendanceSerializer(many=True, read_only=True)

    class Meta:
        model = Session
        fields = ["id", "course", "course_title", "institution", "held_on", "place", "trainer", "attendances"]


class AttendeeInputSerializer(serializers.Serializer):
    user = serializers.IntegerField(**ID, help_text="工作人员编号，须在本人数据范围内")
    attended = serializers.BooleanField(default=True)
    hours = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        default=None,
    )
    score = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True, default=None
    )

    class Meta:
        model = Attendance


class SessionCreateSerializer(serializers.Serializer):
    course = serializers.IntegerField(**ID, help_text="课程编号")
    held_on = serializers.DateField()
    place = serializers.CharField(max_length=rules.PLACE_MAX)
    trainer = serializers.CharField(max_length=rules.TRAINER_MAX)
    attendees = AttendeeInputSerializer(
        many=True, required=False, default=list, max_length=500, label="参训人员"
    )

    class Meta:
        model = Session


@extend_schema_view(
    list=extend_schema(summary="培训课程列表"),
    create=extend_schema(
        request=CourseCreateSerializer, responses={201: CourseSerializer}, summary="新建培训课程"
    ),
)
class CourseViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CourseSerializer
    queryset = Course.objects.none()

    def get_queryset(self):
        return selectors.course_list(user=self.request.user)

    def create(self, request):
        s = CourseCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        course = services.course_create(
            by=request.user, institution=request.user.institution, **s.validated_data
        )
        return Response(CourseSerializer(course).data, status=201)


@extend_schema_view(
    list=extend_schema(
        summary="培训场次列表（含参训人员）",
        parameters=[OpenApiParameter("start", str, description="YYYY-MM-DD"), OpenApiParameter("end", str)],
    ),
    create=extend_schema(
        request=SessionCreateSerializer, responses={201: SessionSerializer}, summary="登记培训场次"
    ),
)
class SessionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = SessionSerializer
    queryset = Session.objects.none()

    def get_queryset(self):
        s = serializers.DateField()
        bounds = {}
        for key in ("start", "end"):
            raw = self.request.query_params.get(key)
            if raw:
                try:
                    bounds[key] = s.to_internal_value(raw)
                except serializers.ValidationError:
                    raise ServiceError("invalid", f"「{key}」须为 YYYY-MM-DD 格式的日期", field=key) from None
        return selectors.session_list(user=self.request.user, **bounds).prefetch_related(
            "attendances", "attendances__user"
        )

    def create(self, request):
        s = SessionCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        course = selectors.course_get(user=request.user, pk=d["course"])
        staff = {
            u.pk: u
            for u in selectors.staff_in_scope(user=request.user).filter(
                pk__in=[a["user"] for a in d["attendees"]]
            )
        }
        attendees = []
        for a in d["attendees"]:
            user = staff.get(a["user"])
            if user is None:
                raise ServiceError(
                    "invalid", f"参训人员 {a['user']} 不存在或不在您的管理范围内", field="attendees"
                )
            attendees.append(services.AttendeeInput(user, a["attended"], a["hours"], a["score"]))
        session = services.session_create(
            by=request.user,
            course=course,
            held_on=d["held_on"],
            place=d["place"],
            trainer=d["trainer"],
            attendees=attendees,
        )
        return Response(SessionSerializer(session).data, status=201)


routes = [
    ("training/courses", CourseViewSet, "training-course"),
    ("training/sessions", SessionViewSet, "training-session"),
]
urls: list = []
