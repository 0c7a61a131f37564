"""好差评 through the API: reviews (list, retrieve, staff/window entry, public submission by link),
申诉 and the rectification steps. Reviews have no update or delete route: a review is never altered."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from bangban.cases.selectors import case_get
from bangban.core.errors import NotInScope, ServiceError
from bangban.core.routing import parse_id
from bangban.evaluations import selectors, services, workflow
from bangban.evaluations.models import (
    COMMENT_MAX,
    NOTE_MAX,
    Appeal,
    Aspect,
    Finding,
    Level,
    Rectification,
    RectificationStep,
    Review,
    ReviewChannel,
    Revisit,
    Stage,
)


class AppealSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appeal
        fields = ["id", "review", "reason", "filed_at", "state", "decided_at", "decision_reason"]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True, label="评价等级名称")
    aspects = serializers.SerializerMethodField(label="评价方面")
    excluded = serializers.SerializerMethodField(label="申诉成立、不计入统计")
    rectification = serializers.SerializerMethodField(label="差评整改编号")

    class Meta:
        model = Review
        fields = [
            "id",
            "level",
            "level_display",
            "aspects",
            "comment",
            "stage",
            "channel",
            "real_name",
            "case",
            "institution",
            "agent",
            "entered_by",
            "follow_up_of",
            "created_at",
            "excluded",
            "rectification",
        ]
        read_only_fields = fields

    def get_aspects(self, obj) -> list[str]:
        return [a for a in obj.aspects.split(",") if a]

    def get_excluded(self, obj) -> bool:
        return selectors.appeal_upheld(obj)

    def get_rectification(self, obj) -> int | None:
        try:
            return obj.rectification.pk
        except Rectification.DoesNotExist:
            return None


class ReviewInputSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices, label="评价等级")
    aspects = serializers.ListField(
        child=serializers.ChoiceField(choices=Aspect.choices),
        required=False,
        default=list,
        max_length=3,
        label="评价方面",
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=COMMENT_MAX, label="评价内容"
    )


class ReviewCreateSerializer(ReviewInputSerializer):
    channel = serializers.ChoiceField(
        choices=[(c, ReviewChannel(c).label) for c in ("device", "paper", "phone")],
        label="评价渠道",
        help_text="device：窗口评价器/平板（群众本人操作）；paper/phone：工作人员代录",
    )
    case = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, label="办件")
    stage = serializers.ChoiceField(
        choices=Stage.choices,
        required=False,
        allow_null=True,
        default=None,
        label="评价环节",
        help_text="默认：已办结的办件为「办结」，否则为「受理」；无办件为「现场服务」",
    )


class PublicReviewSerializer(ReviewInputSerializer):
    token = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=64, label="短信评价链接令牌"
    )
    tracking_token = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=32, label="办件查询码（表单二维码）"
    )


class AppealReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=NOTE_MAX, label="理由")


class DecideSerializer(AppealReasonSerializer):
    upheld = serializers.BooleanField(label="申诉成立")


def _valid(serializer_class, request) -> dict:
    s = serializer_class(data=request.data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def _date(value: str, field: str):
    import datetime as dt

    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ServiceError(
            "invalid", f"「{'起始日期' if field == 'date_from' else '截止日期'}」应为 YYYY-MM-DD", field=field
        )


def _id(value: str, field: str, label: str):
    if not value:
        return None
    pk = parse_id(value)
    if pk is None:
        raise ServiceError("invalid", f"「{label}」应为编号", field=field)
    return pk


@extend_schema_view(
    list=extend_schema(
        summary="评价列表（本人数据范围）",
        parameters=[
            OpenApiParameter("institution", int),
            OpenApiParameter("agent", int),
            OpenApiParameter("level", int, enum=[1, 2, 3, 4, 5]),
            OpenApiParameter("case", int),
            OpenApiParameter("date_from", str, description="YYYY-MM-DD"),
            OpenApiParameter("date_to", str, description="YYYY-MM-DD"),
        ],
    ),
    retrieve=extend_schema(summary="评价详情"),
    create=extend_schema(
        request=ReviewCreateSerializer,
        responses={201: ReviewSerializer},
        summary="窗口评价或工作人员代录评价（同一办件同一环节同一渠道的第二次评价为追评）",
    ),
)
class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ReviewSerializer
    queryset = Review.objects.none()  # for the schema only: reads go through selectors

    def get_queryset(self):
        q = self.request.query_params
        level = _id(q.get("level", ""), "level", "评价等级")
        if level is not None and level not in range(1, 6):
            raise ServiceError("invalid", "「评价等级」应为 1 到 5", field="level")
        return selectors.review_list(
            user=self.request.user,
            institution=_id(q.get("institution", ""), "institution", "机构"),
            agent=_id(q.get("agent", ""), "agent", "帮办代办员"),
            level=level,
            case=_id(q.get("case", ""), "case", "办件"),
            date_from=_date(q.get("date_from", ""), "date_from"),
            date_to=_date(q.get("date_to", ""), "date_to"),
        )

    def get_object(self):
        return selectors.review_get(user=self.request.user, pk=self.kwargs["pk"])

    def create(self, request):
        d = _valid(ReviewCreateSerializer, request)
        case = case_get(user=request.user, pk=d.pop("case")) if d.get("case") else None
        d.pop("case", None)
        channel = d.pop("channel")
        if channel == ReviewChannel.DEVICE:
            review = services.review_submit_at_window(by=request.user, case=case, **d)
        else:
            review = services.review_enter(by=request.user, channel=channel, case=case, **d)
        return Response(ReviewSerializer(review).data, status=201)

    @extend_schema(
        request=AppealReasonSerializer, responses={201: AppealSerializer}, summary="对评价提出申诉"
    )
    @action(detail=True, methods=["post"])
    def appeal(self, request, pk=None):
        appeal = services.appeal_file(
            review=self.get_object(), by=request.user, **_valid(AppealReasonSerializer, request)
        )
        return Response(AppealSerializer(appeal).data, status=201)


class AppealViewSet(viewsets.GenericViewSet):
    serializer_class = AppealSerializer
    queryset = Appeal.objects.none()

    @extend_schema(request=DecideSerializer, responses=AppealSerializer, summary="裁定评价申诉（监督员）")
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        appeal = Appeal.objects.filter(pk=pk).select_related("review").first()
        if appeal is None:
            raise NotInScope()
        selectors.review_get(user=request.user, pk=appeal.review_id)
        d = _valid(DecideSerializer, request)
        return Response(AppealSerializer(services.appeal_decide(appeal=appeal, by=request.user, **d)).data)


class PublicReviewThrottle(SimpleRateThrottle):
    """A client may submit a handful of public reviews an hour (the links are one-time anyway)."""

    scope = "public_review"
    rate = "30/hour"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PublicReviewView(APIView):
    """Public submission (no login): by the SMS link's token (real-name, one use) or by a case's
    tracking code from the QR on forms A and B (not real-name; one per stage, then one 追评)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicReviewThrottle]

    @extend_schema(
        request=PublicReviewSerializer,
        responses={
            201: {
                "type": "object",
                "properties": {"id": {"type": "integer"}, "follow_up": {"type": "boolean"}},
            }
        },
        summary="群众提交评价（短信链接或表单二维码，无需登录）",
        auth=[],
    )
    def post(self, request):
        d = _valid(PublicReviewSerializer, request)
        token, tracking = d.pop("token"), d.pop("tracking_token")
        if bool(token) == bool(tracking):
            raise ServiceError("invalid", "请提供「短信评价链接令牌」或「办件查询码」之一", field="token")
        if token:
            review = services.review_submit_by_token(token=token, **d)
        else:
            review = services.review_submit_by_tracking(tracking_token=tracking, **d)
        return Response({"id": review.pk, "follow_up": review.follow_up_of_id is not None}, status=201)


# --- rectifications ------------------------------------------------------------------------------


class RevisitSerializer(serializers.ModelSerializer):
    by_name = serializers.CharField(source="by.display_name", read_only=True, label="回访人姓名")

    class Meta:
        model = Revisit
        fields = ["id", "called_at", "by", "by_name", "reached", "said"]
        read_only_fields = fields


class RectificationStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = RectificationStep
        fields = ["id", "action", "from_status", "to_status", "text", "by", "at"]
        read_only_fields = fields


class RectificationSerializer(serializers.ModelSerializer):
    late = serializers.SerializerMethodField(label="逾期")
    real_name = serializers.BooleanField(source="review.real_name", read_only=True, label="实名评价")
    level = serializers.IntegerField(source="review.level", read_only=True, label="评价等级")
    case = serializers.IntegerField(source="review.case_id", read_only=True, allow_null=True, label="办件")

    class Meta:
        model = Rectification
        fields = [
            "id",
            "review",
            "level",
            "real_name",
            "case",
            "institution",
            "agent",
            "status",
            "version",
            "limit_days",
            "due_date",
            "late",
            "finding",
            "finding_note",
            "action_taken",
            "rectified_on",
            "feedback_text",
            "fed_back_at",
            "closed_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_late(self, obj) -> bool:
        from django.utils import timezone

        return selectors.is_late(obj, timezone.localdate())


class RectificationDetailSerializer(RectificationSerializer):
    revisits = RevisitSerializer(many=True, read_only=True)
    steps = RectificationStepSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField(label="可执行的步骤")

    class Meta(RectificationSerializer.Meta):
        fields = [*RectificationSerializer.Meta.fields, "revisits", "steps", "actions"]
        read_only_fields = fields

    def get_actions(self, obj) -> list[str]:
        return workflow.allowed_actions(obj.status)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=0, label="版本", help_text="当前看到的版本，不一致则拒绝"
    )


class RevisitInputSerializer(serializers.Serializer):
    called_at = serializers.DateTimeField(label="回访时间")
    reached = serializers.BooleanField(label="是否联系上")
    said = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NOTE_MAX, label="群众意见"
    )


class VerifySerializer(VersionSerializer):
    finding = serializers.ChoiceField(choices=Finding.choices, label="核实结论")
    note = serializers.CharField(max_length=NOTE_MAX, label="核实说明")


class RectifySerializer(VersionSerializer):
    action_taken = serializers.CharField(max_length=NOTE_MAX, label="整改措施")


class FeedbackSerializer(VersionSerializer):
    text = serializers.CharField(max_length=NOTE_MAX, label="反馈内容")


class ApproveSerializer(VersionSerializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NOTE_MAX, label="复核意见"
    )


class SendBackSerializer(VersionSerializer):
    reason = serializers.CharField(max_length=NOTE_MAX, label="退回理由")


STEPS = {  # url → (service, serializer, summary)
    "verify": (
        services.rectification_verify,
        VerifySerializer,
        "核实（属实/部分属实 → 整改；不属实 → 说明）",
    ),
    "rectify": (services.rectification_rectify, RectifySerializer, "整改完成"),
    "feedback": (services.rectification_feedback, FeedbackSerializer, "反馈（实名评价短信告知）"),
    "approve": (services.rectification_approve, ApproveSerializer, "复核通过（监督员）"),
    "send-back": (services.rectification_send_back, SendBackSerializer, "复核退回（监督员）"),
}


def _step_view(url: str):
    service, serializer, summary = STEPS[url]

    def view(self, request, pk=None):
        rect = self.get_object()
        d = _valid(serializer, request)
        version = d.pop("version", None)
        rect = service(rect=rect, by=request.user, expected_version=version, **d)
        return Response(RectificationDetailSerializer(rect).data)

    view.__name__ = view.__qualname__ = url.replace("-", "_")
    return extend_schema(
        request=serializer, responses=RectificationDetailSerializer, summary="差评整改：" + summary
    )(action(detail=True, methods=["post"], url_path=url)(view))


@extend_schema_view(
    list=extend_schema(
        summary="差评整改列表（本人数据范围）",
        parameters=[OpenApiParameter("status", str), OpenApiParameter("late", bool)],
    ),
    retrieve=extend_schema(summary="差评整改详情（含回访、步骤）", responses=RectificationDetailSerializer),
)
class RectificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RectificationSerializer
    queryset = Rectification.objects.none()

    def get_queryset(self):
        from django.utils import timezone

        q = self.request.query_params
        status = q.get("status", "")
        if status and status not in dict(Rectification._meta.get_field("status").choices):
            raise ServiceError("invalid", "「状态」无效", field="status")
        return selectors.rectification_list(
            user=self.request.user,
            status=status,
            late=q.get("late") in ("1", "true"),
            today=timezone.localdate(),
        )

    def get_object(self):
        return selectors.rectification_get(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, pk=None):
        return Response(RectificationDetailSerializer(self.get_object()).data)

    @extend_schema(
        request=RevisitInputSerializer, responses={201: RevisitSerializer}, summary="差评整改：登记回访"
    )
    @action(detail=True, methods=["post"])
    def revisit(self, request, pk=None):
        visit = services.rectification_revisit(
            rect=self.get_object(), by=request.user, **_valid(RevisitInputSerializer, request)
        )
        return Response(RevisitSerializer(visit).data, status=201)

    verify = _step_view("verify")
    rectify = _step_view("rectify")
    feedback = _step_view("feedback")
    approve = _step_view("approve")
    send_back = _step_view("send-back")


routes = [
    ("reviews", ReviewViewSet, "review"),
    ("review-appeals", AppealViewSet, "review-appeal"),
    ("rectifications", RectificationViewSet, "rectification"),
]
urls = [path("public/reviews/", PublicReviewView.as_view(), name="public-review")]
