"""The public front door through the API (no login: the SMS code is the proof) and the staff side
(slot templates, signatures on an entrustment). Thin: serializers validate, services act."""

from __future__ import annotations

import base64
import binascii

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.bookings import selectors, services
from bangban.bookings.models import PhoneCode, Slot, SlotTemplate, Way
from bangban.cases.models import Entrustment, Kind, PriorityGroup
from bangban.cases.services import tracking_url
from bangban.core.context import client_ip
from bangban.core.errors import AccessRefused, ServiceError
from bangban.core.routing import parse_id
from bangban.org.selectors import get_in_scope, institution_in_scope

ID_MAX = 10**18 - 1
CODE_PURPOSES = [PhoneCode.Purpose.REQUEST, PhoneCode.Purpose.TRACK, PhoneCode.Purpose.BOOKING]


def _valid(serializer_class, request) -> dict:
    s = serializer_class(data=request.data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


class SlotSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="__str__", read_only=True, help_text="如“12月3日 9:00”")
    free = serializers.IntegerField(read_only=True, help_text="剩余可预约人数")

    class Meta:
        model = Slot
        fields = ["id", "institution", "date", "start", "end", "capacity", "booked", "free", "label"]


class CodeSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(
        label="用途", choices=CODE_PURPOSES, help_text="request 网上申请；track 查询；booking 变更预约"
    )
    phone = serializers.CharField(label="手机号码", max_length=20)
    number = serializers.CharField(
        label="办件编号",
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="办件编号（查询、变更预约时必填）",
    )


class RequestSerializer(serializers.Serializer):
    institution = serializers.IntegerField(label="办理机构", min_value=1, max_value=ID_MAX)
    kind = serializers.ChoiceField(label="类型", choices=Kind.choices)
    way = serializers.ChoiceField(label="服务方式", choices=Way.choices)
    applicant_name = serializers.CharField(label="申请人", max_length=services.NAME_MAX)
    phone = serializers.CharField(label="手机号码", max_length=20)
    code = serializers.CharField(label="短信验证码", max_length=6)
    items = serializers.ListField(
        label="事项",
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        required=False,
        max_length=5,
    )
    summary = serializers.CharField(
        label="诉求", max_length=services.SUMMARY_MAX, required=False, allow_blank=True
    )
    slot = serializers.IntegerField(
        label="预约时段", min_value=1, max_value=ID_MAX, required=False, allow_null=True
    )
    address = serializers.CharField(
        label="上门地址", max_length=services.ADDRESS_MAX, required=False, allow_blank=True
    )
    visit_for = serializers.CharField(
        label="服务对象", max_length=services.VISIT_FOR_MAX, required=False, allow_blank=True
    )
    priority_group = serializers.ChoiceField(
        label="重点群体", choices=PriorityGroup.choices, required=False, allow_blank=True
    )


class RequestResultSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="办件编号")
    tracking_url = serializers.CharField(help_text="查询进度的链接")
    booking = serializers.CharField(allow_null=True, help_text="预约的时段，如“12月3日 9:00”")


class CaseCodeSerializer(serializers.Serializer):
    number = serializers.CharField(label="办件编号", max_length=32)
    phone = serializers.CharField(label="手机号码", max_length=20)
    code = serializers.CharField(label="短信验证码", max_length=6)


class RescheduleSerializer(CaseCodeSerializer):
    slot = serializers.IntegerField(label="新的预约时段", min_value=1, max_value=ID_MAX)


class TrackResultSerializer(serializers.Serializer):
    tracking_url = serializers.CharField()


class BookingResultSerializer(serializers.Serializer):
    status = serializers.CharField()
    booking = serializers.CharField(help_text="时段")


class CaseBookingSlotSerializer(serializers.Serializer):
    id = serializers.IntegerField(label="时段编号")
    date = serializers.DateField(label="日期")
    start = serializers.TimeField(label="开始时间")
    end = serializers.TimeField(label="结束时间")
    label = serializers.CharField(label="时段", help_text="如“12月3日 9:00”")
    institution = serializers.CharField(label="办理机构")


class CaseBookingSerializer(serializers.Serializer):
    """A case's online request and booking, on the cases API's detail (selectors.case_booking)."""

    way = serializers.ChoiceField(
        label="服务方式", choices=[("", "—"), *Way.choices], help_text="window 到窗口；door 上门；remote 远程"
    )
    way_label = serializers.CharField(label="服务方式名称")
    address = serializers.CharField(label="上门地址")
    visit_for = serializers.CharField(label="需上门服务的人员")
    slot = CaseBookingSlotSerializer(label="预约时段", allow_null=True, help_text="没有有效预约时为空")


class SignSerializer(serializers.Serializer):
    image = serializers.CharField(
        label="签名图片",
        max_length=300_000,
        help_text="签名 PNG 的 Base64（可带 data:image/png;base64, 前缀）",
    )


class DoneSerializer(serializers.Serializer):
    detail = serializers.CharField()


def _png(text: str) -> bytes:
    text = text.split(",", 1)[1] if text.startswith("data:image/png;base64,") else text
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ServiceError("invalid", "签名图像不是有效的 PNG 图片（Base64）", field="image") from None


class PublicBookingViewSet(viewsets.GenericViewSet):
    """Public operations: no credentials, each write authorised by an SMS code."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    serializer_class = SlotSerializer
    queryset = Slot.objects.none()

    @extend_schema(
        summary="某机构可预约的时段（公开）",
        parameters=[OpenApiParameter("institution", int, required=True, description="机构编号")],
        responses=SlotSerializer(many=True),
        auth=[],
    )
    @action(detail=False, methods=["get"])
    def slots(self, request):
        institution = selectors.public_institution(parse_id(request.query_params.get("institution", "")))
        if institution is None:
            raise ServiceError("invalid", "「服务机构」不存在或未启用", field="institution")
        return Response(SlotSerializer(selectors.open_slots(institution), many=True).data)

    @extend_schema(
        summary="获取短信验证码（公开）", request=CodeSerializer, responses={202: DoneSerializer}, auth=[]
    )
    @action(detail=False, methods=["post"])
    def codes(self, request):
        d = _valid(CodeSerializer, request)
        client = client_ip(request) or ""
        if d["purpose"] == PhoneCode.Purpose.REQUEST:
            services.request_code(phone=d["phone"], client=client)
            detail = "验证码已发送"
        else:
            services.case_code(
                number=d.get("number", ""), phone=d["phone"], purpose=d["purpose"], client=client
            )
            detail = "如办件编号与手机号码相符，验证码已发送"
        return Response({"detail": detail}, status=202)

    @extend_schema(
        summary="网上申请帮办代办（公开，凭短信验证码）",
        request=RequestSerializer,
        responses={201: RequestResultSerializer},
        auth=[],
    )
    @action(detail=False, methods=["post"])
    def requests(self, request):
        d = _valid(RequestSerializer, request)
        institution = selectors.public_institution(d["institution"])
        case = services.request_create(
            institution=institution,
            kind=d["kind"],
            way=d["way"],
            applicant_name=d["applicant_name"],
            phone=d["phone"],
            code=d["code"],
            items=d.get("items", []),
            summary=d.get("summary", ""),
            slot_id=d.get("slot"),
            address=d.get("address", ""),
            visit_for=d.get("visit_for", ""),
            priority_group=d.get("priority_group", ""),
        )
        booking = case.bookings.filter(status="active").select_related("slot").first()
        return Response(
            {
                "number": case.number,
                "tracking_url": tracking_url(case),
                "booking": str(booking.slot) if booking else None,
            },
            status=201,
        )

    @extend_schema(
        summary="凭办件编号、手机号码和验证码查询（公开）",
        request=CaseCodeSerializer,
        responses=TrackResultSerializer,
        auth=[],
    )
    @action(detail=False, methods=["post"])
    def track(self, request):
        d = _valid(CaseCodeSerializer, request)
        path = services.track_open(number=d["number"], phone=d["phone"], code=d["code"])
        return Response({"tracking_url": request.build_absolute_uri(path)})

    @extend_schema(
        summary="取消预约（公开，凭验证码）",
        request=CaseCodeSerializer,
        responses=BookingResultSerializer,
        auth=[],
    )
    @action(detail=False, methods=["post"])
    def cancel(self, request):
        d = _valid(CaseCodeSerializer, request)
        booking = services.booking_cancel(number=d["number"], phone=d["phone"], code=d["code"])
        return Response({"status": booking.status, "booking": str(booking.slot)})

    @extend_schema(
        summary="改约（公开，凭验证码）",
        request=RescheduleSerializer,
        responses=BookingResultSerializer,
        auth=[],
    )
    @action(detail=False, methods=["post"])
    def reschedule(self, request):
        d = _valid(RescheduleSerializer, request)
        booking = services.booking_reschedule(
            number=d["number"], phone=d["phone"], code=d["code"], slot_id=d["slot"]
        )
        return Response({"status": booking.status, "booking": str(booking.slot)})

    @extend_schema(
        summary="申请人凭一次性链接签署委托书（公开）",
        request=SignSerializer,
        responses={201: DoneSerializer},
        parameters=[OpenApiParameter("token", str, OpenApiParameter.PATH, description="短信链接中的令牌")],
        auth=[],
    )
    @action(detail=False, methods=["post"], url_path=r"sign/(?P<token>[A-Za-z0-9_-]{1,64})")
    def sign(self, request, token=None):
        d = _valid(SignSerializer, request)
        services.signature_by_link(token=token, image=_png(d["image"]), ip=client_ip(request))
        return Response({"detail": "已签名"}, status=201)


class SlotTemplateSerializer(serializers.ModelSerializer):
    institution = serializers.IntegerField(source="institution_id", min_value=1, max_value=ID_MAX)

    class Meta:
        model = SlotTemplate
        fields = ["id", "institution", "weekday", "start", "end", "capacity", "is_active"]
        read_only_fields = ["id", "is_active"]
        extra_kwargs = {"capacity": {"min_value": 1, "max_value": 200}}


class SlotTemplateViewSet(viewsets.GenericViewSet):
    """预约时段模板 of the institutions in scope (ORG_MANAGE or CASE_COORDINATE)."""

    serializer_class = SlotTemplateSerializer
    queryset = SlotTemplate.objects.none()

    def _require(self):
        if not (
            has_cap(self.request.user, Cap.ORG_MANAGE) or has_cap(self.request.user, Cap.CASE_COORDINATE)
        ):
            raise AccessRefused("capability_required", "您的角色不能管理预约时段")

    def get_object(self):
        self._require()
        return get_in_scope(selectors.templates_for(self.request.user), self.request.user, self.kwargs["pk"])

    @extend_schema(summary="预约时段模板列表")
    def list(self, request):
        self._require()
        page = self.paginate_queryset(
            selectors.templates_for(request.user).order_by("institution", "weekday", "start")
        )
        return self.get_paginated_response(SlotTemplateSerializer(page, many=True).data)

    @extend_schema(summary="新增或修改预约时段模板（并生成时段）", responses={201: SlotTemplateSerializer})
    def create(self, request):
        self._require()
        d = _valid(SlotTemplateSerializer, request)
        institution = selectors.public_institution(d.pop("institution_id"))
        if institution is None or not institution_in_scope(request.user, institution):
            raise ServiceError("invalid", "「服务机构」不存在或不在您的管理范围内", field="institution")
        template = services.slot_template_save(by=request.user, institution=institution, **d)
        services.slots_generate(institution=institution)
        return Response(SlotTemplateSerializer(template).data, status=201)

    @extend_schema(summary="停用预约时段模板", request=None, responses=SlotTemplateSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        template = services.slot_template_deactivate(by=request.user, template=self.get_object())
        return Response(SlotTemplateSerializer(template).data)


class SignLinkResultSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="已短信发送给申请人的签名链接")


class EntrustmentSignatureViewSet(viewsets.GenericViewSet):
    """The applicant's signature on an entrustment (form C): at the window, or a link by SMS."""

    serializer_class = SignSerializer
    queryset = Entrustment.objects.none()

    def get_object(self):
        if not has_cap(self.request.user, Cap.CASE_HANDLE):
            raise AccessRefused("capability_required", "您的角色不能办理办件")
        return get_in_scope(
            Entrustment.objects.select_related("case__institution"),
            self.request.user,
            self.kwargs["pk"],
            field="case__institution",
        )

    @extend_schema(summary="发送签名链接给申请人", request=None, responses={201: SignLinkResultSerializer})
    @action(detail=True, methods=["post"], url_path="sign-link")
    def sign_link(self, request, pk=None):
        return Response(
            {"url": services.sign_link_send(by=request.user, entrustment=self.get_object())}, status=201
        )

    @extend_schema(summary="申请人在窗口平板上签名", request=SignSerializer, responses={201: DoneSerializer})
    @action(detail=True, methods=["post"])
    def signature(self, request, pk=None):
        entrustment = self.get_object()
        d = _valid(SignSerializer, request)
        services.signature_at_window(
            by=request.user, entrustment=entrustment, image=_png(d["image"]), ip=client_ip(request)
        )
        return Response({"detail": "已签名"}, status=201)


routes = [
    ("public/bookings", PublicBookingViewSet, "public-booking"),
    ("slot-templates", SlotTemplateViewSet, "slot-template"),
    ("entrustments", EntrustmentSignatureViewSet, "entrustment"),
]
urls: list = []
