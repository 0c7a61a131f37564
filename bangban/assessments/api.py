"""API of the monthly assessment: the month's list, one agent's month, the score, the confirmation."""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from bangban.assessments import rules, selectors, services
from bangban.assessments.models import Assessment
from bangban.core.errors import ServiceError

MONTH_FORMAT = "「考核月份」须为 YYYY-MM 格式，如 2026-03"
MONTH_PARAM = OpenApiParameter("month", OpenApiTypes.STR, description="考核月份 YYYY-MM，默认本月")


class AssessmentPartSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    weight = serializers.IntegerField(help_text="权重（%）")
    score = serializers.DecimalField(
        max_digits=4, decimal_places=1, allow_null=True, help_text="无数据时为 null"
    )


class AgentMonthSerializer(serializers.Serializer):
    agent = serializers.IntegerField()
    agent_name = serializers.CharField()
    institution = serializers.IntegerField(allow_null=True)
    institution_name = serializers.CharField()
    month = serializers.CharField(help_text="YYYY-MM")
    parts = AssessmentPartSerializer(many=True)
    composite = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    grade = serializers.CharField()
    reviews = serializers.DictField(child=serializers.IntegerField(), help_text="各评价等级（1–5）的条数")
    complaints = serializers.IntegerField()
    training_hours = serializers.DecimalField(max_digits=6, decimal_places=1)
    training_scores = serializers.ListField(child=serializers.IntegerField())
    supervisor_score = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField()
    state = serializers.CharField(help_text="none（未评分）、draft（待确认）或 confirmed（已确认）")


def _data(m) -> dict:
    a = m.assessment
    return {
        "agent": m.agent.pk,
        "agent_name": m.agent.display_name,
        "institution": m.agent.institution_id,
        "institution_name": m.agent.institution.name if m.agent.institution else "",
        "month": f"{m.month:%Y-%m}",
        "parts": [
            {"code": c, "name": label, "weight": w, "score": None if v is None else str(v)}
            for c, label, v, w in m.part_rows()
        ],
        "composite": None if m.composite is None else str(m.composite),
        "grade": m.grade,
        "reviews": {str(level): m.review_counts.get(level, 0) for level in range(1, 6)},
        "complaints": m.complaints,
        "training_hours": str(m.training_hours),
        "training_scores": m.training_scores,
        "supervisor_score": a.supervisor_score if a else None,
        "comment": a.comment if a else "",
        "state": a.state if a else "none",
    }


def _month(request):
    try:
        return rules.parse_month(request.query_params.get("month"), timezone.localdate())
    except ValueError as exc:
        raise ServiceError("invalid", str(exc), field="month") from None


class AssessmentScoreSerializer(serializers.Serializer):
    month = serializers.RegexField(
        r"^\d{4}-\d{2}$",
        label="考核月份",
        max_length=7,
        help_text="YYYY-MM，不能晚于本月",
        error_messages={"invalid": MONTH_FORMAT},
    )
    score = serializers.IntegerField(label="主管评分", min_value=rules.SCORE_MIN, max_value=rules.SCORE_MAX)
    comment = serializers.CharField(
        label="考核评语", max_length=rules.COMMENT_MAX, required=False, allow_blank=True, default=""
    )


class AssessmentConfirmSerializer(serializers.Serializer):
    month = serializers.RegexField(
        r"^\d{4}-\d{2}$",
        label="考核月份",
        max_length=7,
        help_text="YYYY-MM，须已结束",
        error_messages={"invalid": MONTH_FORMAT},
    )


def _parse(value: str):
    try:
        return rules.parse_month(value, timezone.localdate())
    except ValueError as exc:
        raise ServiceError("invalid", str(exc), field="month") from None


class AssessmentListView(APIView):
    @extend_schema(
        summary="月度考核：本人管理范围内的帮办代办员",
        description="有 supervision.view 或 supervision.issue 权限者可查看下级所有帮办代办员当月的各项得分与综合得分。",
        parameters=[MONTH_PARAM],
        responses=AgentMonthSerializer(many=True),
        tags=["assessments"],
    )
    def get(self, request):
        months = selectors.month_list(user=request.user, month=_month(request))
        return Response([_data(m) for m in months])


class AgentAssessmentView(APIView):
    @extend_schema(
        summary="月度考核：一名帮办代办员",
        description="本人可查看自己的考核；管理者可查看范围内的帮办代办员。",
        parameters=[MONTH_PARAM],
        responses=AgentMonthSerializer,
        tags=["assessments"],
    )
    def get(self, request, pk):
        return Response(_data(selectors.agent_month(user=request.user, pk=pk, month=_month(request))))


class AssessmentScoreView(APIView):
    @extend_schema(
        summary="录入或修改主管评分（确认前）",
        request=AssessmentScoreSerializer,
        responses=AgentMonthSerializer,
        tags=["assessments"],
    )
    def post(self, request, pk):
        s = AssessmentScoreSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        month = _parse(s.validated_data["month"])
        agent = selectors.agent_for(user=request.user, pk=pk)
        services.assessment_score(
            by=request.user,
            agent=agent,
            month=month,
            score=s.validated_data["score"],
            comment=s.validated_data["comment"],
        )
        return Response(_data(selectors.agent_month(user=request.user, pk=pk, month=month)))


class AssessmentConfirmView(APIView):
    @extend_schema(
        summary="确认月度考核（月末之后；确认后锁定）",
        request=AssessmentConfirmSerializer,
        responses=AgentMonthSerializer,
        tags=["assessments"],
    )
    def post(self, request, pk):
        s = AssessmentConfirmSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        month = _parse(s.validated_data["month"])
        agent = selectors.agent_for(user=request.user, pk=pk)
        a = Assessment.objects.filter(agent=agent, month=month).first()
        if a is None:
            raise ServiceError("invalid", "请先录入主管评分，再确认考核", field="month")
        services.assessment_confirm(by=request.user, assessment=a)
        return Response(_data(selectors.agent_month(user=request.user, pk=pk, month=month)))


routes: list = []
urls = [
    path("assessments/", AssessmentListView.as_view(), name="assessments"),
    path("assessments/agents/<id:pk>/", AgentAssessmentView.as_view(), name="assessment-agent"),
    path("assessments/agents/<id:pk>/score/", AssessmentScoreView.as_view(), name="assessment-score"),
    path("assessments/agents/<id:pk>/confirm/", AssessmentConfirmView.as_view(), name="assessment-confirm"),
]
