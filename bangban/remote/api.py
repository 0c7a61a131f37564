"""Remote help through the API (/api/v1/remote/): cloud windows and duty, calls (list, create from a
station, answer, take next, hang up, close, remote acceptance), a call's messages since a seq and chat.

Thin: serializers bound and type every input, the same services and selectors as the pages act and
decide who may do what; a call that is not the user's answers 404 (NotInScope), revealing nothing.
Live waiting (long-poll) and WebRTC signalling stay on the session pages; here messages are read
without waiting (each read is the party's heartbeat, as on the page).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bangban.catalog.models import Item
from bangban.core.errors import ServiceError
from bangban.core.routing import parse_id
from bangban.org.selectors import get_in_scope
from bangban.remote import selectors, services
from bangban.remote.models import CallStatus, CloudWindow, HelpCall, SessionEvent

ID = {"min_value": 1, "max_value": 10**18 - 1}
TAGS = ["remote"]
PARTY_SIDES = [(SessionEvent.Side.CALLER, "求助方"), (SessionEvent.Side.AGENT, "坐席")]


class RemoteWindowSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True, label="所属机构名称")
    agents_on_duty = serializers.IntegerField(read_only=True, label="在岗坐席数")
    me_on_duty = serializers.BooleanField(read_only=True, label="本人在岗")

    class Meta:
        model = CloudWindow
        fields = [
            "id",
            "institution",
            "institution_name",
            "name",
            "tiers",
            "accepts_public",
            "is_active",
            "agents_on_duty",
            "me_on_duty",
        ]


class RemoteDutySerializer(serializers.Serializer):
    on = serializers.BooleanField(label="上岗", help_text="true 上岗，false 离岗")
    skills = serializers.ListField(
        label="擅长事项",
        child=serializers.IntegerField(**ID, label="事项编号"),
        required=False,
        default=list,
        max_length=200,
        help_text="事项编号，上岗时按擅长事项优先分派",
    )


class RemoteDutyResultSerializer(serializers.Serializer):
    window = serializers.IntegerField(label="云窗口")
    on_duty = serializers.BooleanField(label="在岗")


class RemoteQueueStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(label="状态", choices=CallStatus.choices)
    status_label = serializers.CharField(label="状态名称")
    position = serializers.IntegerField(
        label="排队位置", required=False, help_text="排队中时给出，1 为下一位"
    )
    agents = serializers.IntegerField(label="在岗坐席数", required=False)
    estimate_seconds = serializers.IntegerField(
        label="预计等待秒数", required=False, allow_null=True, help_text="无坐席在岗时为 null"
    )
    agent = serializers.CharField(label="接听坐席", required=False)
    case = serializers.CharField(label="办件编号", required=False)
    end_reason = serializers.CharField(label="结束说明")


class RemoteCallSerializer(serializers.ModelSerializer):
    window_name = serializers.CharField(source="window.name", read_only=True, label="云窗口名称")
    station_name = serializers.CharField(
        source="station.name", read_only=True, allow_null=True, default=None, label="求助机构名称"
    )
    item_name = serializers.CharField(
        source="item.name", read_only=True, allow_null=True, default=None, label="事项名称"
    )
    agent_name = serializers.CharField(
        source="agent.display_name", read_only=True, allow_null=True, default=None, label="坐席姓名"
    )
    case_number = serializers.CharField(
        source="case.number", read_only=True, allow_null=True, default=None, label="办件编号"
    )
    wait_seconds = serializers.IntegerField(read_only=True, allow_null=True, label="等待秒数")
    session_seconds = serializers.IntegerField(read_only=True, allow_null=True, label="通话秒数")

    class Meta:
        model = HelpCall
        fields = [
            "id",
            "window",
            "window_name",
            "origin",
            "station",
            "station_name",
            "caller_name",
            "item",
            "item_name",
            "need",
            "status",
            "created_at",
            "answered_at",
            "ended_at",
            "agent",
            "agent_name",
            "end_reason",
            "last_seq",
            "case_number",
            "wait_seconds",
            "session_seconds",
        ]


class RemoteCallDetailSerializer(RemoteCallSerializer):
    """One call as its party sees it: the call, the queue status shown to the caller, and the side."""

    queue = RemoteQueueStatusSerializer(read_only=True, label="排队状态")
    side = serializers.ChoiceField(label="本人所在一方", choices=PARTY_SIDES, read_only=True)

    class Meta(RemoteCallSerializer.Meta):
        fields = [*RemoteCallSerializer.Meta.fields, "queue", "side"]


class RemoteCallCreateSerializer(serializers.Serializer):
    caller_name = serializers.CharField(label="申请人姓名", max_length=100)
    item = serializers.IntegerField(**ID, label="事项", required=False, allow_null=True, default=None)
    need = serializers.CharField(
        label="诉求", max_length=300, required=False, allow_blank=True, default="", help_text="未选事项时必填"
    )
    window = serializers.IntegerField(
        **ID,
        label="云窗口",
        required=False,
        allow_null=True,
        default=None,
        help_text="不填则分派到最近的云窗口",
    )


class RemoteCloseSerializer(serializers.Serializer):
    reason = serializers.CharField(
        label="结束说明", max_length=200, required=False, allow_blank=True, default=""
    )


class RemoteMessageSerializer(serializers.Serializer):
    seq = serializers.IntegerField(label="序号")
    side = serializers.ChoiceField(label="发送方", choices=SessionEvent.Side.choices)
    kind = serializers.ChoiceField(label="类别", choices=SessionEvent.Kind.choices)
    body = serializers.DictField(label="内容", help_text='chat：{"text": …}；state：{"text": …, "status": …}')
    at = serializers.DateTimeField(label="时间")


class RemoteMessagesSerializer(serializers.Serializer):
    messages = RemoteMessageSerializer(many=True, label="消息")
    status = RemoteQueueStatusSerializer(label="排队状态")
    next_after = serializers.IntegerField(
        label="下次读取的起点", help_text="下次请求传入 after 的值（已跳过不向接口提供的媒体信令）"
    )


class RemoteChatSerializer(serializers.Serializer):
    text = serializers.CharField(label="消息", max_length=services.CHAT_MAX)


class RemotePostedSerializer(serializers.Serializer):
    seq = serializers.IntegerField(label="序号")


class RemoteAcceptedSerializer(serializers.Serializer):
    case = serializers.CharField(label="办件编号")
    case_id = serializers.IntegerField(label="办件")


def _valid(serializer_class, request) -> dict:
    s = serializer_class(data=request.data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def _message(e: SessionEvent) -> dict:
    return {"seq": e.seq, "side": e.side, "kind": e.kind, "body": e.body, "at": e.at}


# Signalling (offer/answer/ICE) belongs to the two browsers of a session, not to API readers.
API_KINDS = [k for k in SessionEvent.Kind.values if k not in services.SIGNAL_KINDS]


@extend_schema_view(list=extend_schema(summary="云窗口列表（本人数据范围内）", tags=TAGS))
class WindowViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = RemoteWindowSerializer
    queryset = CloudWindow.objects.none()
    pagination_class = None

    def get_queryset(self):
        return selectors.windows_for_api(self.request.user)

    @extend_schema(
        summary="在云窗口上岗或离岗（本机构的坐席）",
        request=RemoteDutySerializer,
        responses=RemoteDutyResultSerializer,
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def duty(self, request, pk=None):
        window = get_in_scope(CloudWindow.objects.select_related("institution"), request.user, pk)
        d = _valid(RemoteDutySerializer, request)
        if d["on"]:
            skills = list(Item.objects.filter(pk__in=d["skills"]))
            if len(skills) != len(set(d["skills"])):
                raise ServiceError("invalid", "「擅长事项」中有不存在的事项", field="skills")
            services.duty_start(by=request.user, window=window, skills=skills)
        else:
            services.duty_stop(by=request.user, window=window)
        return Response({"window": window.pk, "on_duty": services.on_duty(request.user, window)})


STATUS_PARAM = OpenApiParameter(
    "status",
    OpenApiTypes.STR,
    enum=CallStatus.values,
    description="按状态筛选：queued、answered、ended、abandoned",
)
AFTER_PARAM = OpenApiParameter(
    "after", OpenApiTypes.INT, description="只返回序号大于此值的消息，默认 0（全部）"
)


@extend_schema_view(
    list=extend_schema(
        summary="远程求助列表：本人范围内云窗口的求助与本人发起或接听的求助",
        parameters=[STATUS_PARAM],
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="一次远程求助（本人为接听坐席或站点经办人）", responses=RemoteCallDetailSerializer, tags=TAGS
    ),
    create=extend_schema(
        summary="站点发起远程求助（叫号求助）",
        request=RemoteCallCreateSerializer,
        responses={201: RemoteCallDetailSerializer},
        tags=TAGS,
    ),
)
class CallViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = RemoteCallSerializer
    queryset = HelpCall.objects.none()

    def get_queryset(self):
        status = self.request.query_params.get("status")
        if status is not None and status not in CallStatus.values:
            raise ServiceError(
                "invalid", "「状态」只能是 queued、answered、ended 或 abandoned", field="status"
            )
        return selectors.calls_for_api(self.request.user, status=status)

    def _detail(self, call: HelpCall, side: str | None = None, status: int = 200) -> Response:
        if side is None:
            call, side = selectors.call_for_staff(self.request.user, call.pk)
        data = {**RemoteCallSerializer(call).data, "queue": selectors.queue_status(call), "side": side}
        return Response(data, status=status)

    def retrieve(self, request, pk=None):
        call, side = selectors.call_for_staff(request.user, pk)
        return self._detail(call, side)

    def create(self, request):
        d = _valid(RemoteCallCreateSerializer, request)
        window = None
        if d["window"] is not None:
            window = CloudWindow.objects.filter(pk=d["window"], is_active=True).first()
            if window is None:
                raise ServiceError("invalid", "「云窗口」不存在或已停用", field="window")
        call = services.call_create_station(
            by=request.user, caller_name=d["caller_name"], item=d["item"], need=d["need"], window=window
        )
        return self._detail(call, status=201)

    @extend_schema(
        summary="接听一个等待中的求助（须在该云窗口上岗）",
        request=None,
        responses=RemoteCallDetailSerializer,
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        call = get_in_scope(
            HelpCall.objects.select_related("window__institution"),
            request.user,
            pk,
            field="window__institution",
        )
        return self._detail(services.call_answer(by=request.user, call=call))

    @extend_schema(
        summary="接听下一个求助（先擅长事项，再按等待时间）",
        request=None,
        responses=RemoteCallDetailSerializer,
        tags=TAGS,
    )
    @action(detail=False, methods=["post"])
    def next(self, request):
        return self._detail(services.call_next(by=request.user))

    @extend_schema(
        summary="挂断：排队中的求助由站点取消，通话中的会话由任一方结束",
        request=None,
        responses=RemoteCallDetailSerializer,
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def hangup(self, request, pk=None):
        call, side = selectors.call_for_staff(request.user, pk)
        call = services.call_hangup(call=call, side=side, by=request.user)
        return self._detail(call)

    @extend_schema(
        summary="坐席结束会话（可写明结束说明）",
        request=RemoteCloseSerializer,
        responses=RemoteCallDetailSerializer,
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        call, side = selectors.call_for_staff(request.user, pk)
        d = _valid(RemoteCloseSerializer, request)
        if side != SessionEvent.Side.AGENT:
            raise ServiceError("invalid", "只有接听坐席可以结束会话，站点请用挂断", field="call")
        call = services.call_hangup(call=call, side=side, by=request.user, reason=d["reason"])
        return self._detail(call)

    @extend_schema(
        summary="远程受理：按求助方确认的登记表单在求助站点受理办件",
        request=None,
        responses={201: RemoteAcceptedSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        call, _ = selectors.call_for_staff(request.user, pk)
        case = services.call_accept_case(by=request.user, call=call)
        return Response({"case": case.number, "case_id": case.pk}, status=201)

    @extend_schema(
        methods=["get"],
        summary="会话消息（序号大于 after 的文字消息、状态变化、同屏表单等，不等待）",
        parameters=[AFTER_PARAM],
        responses=RemoteMessagesSerializer,
        tags=TAGS,
    )
    @extend_schema(
        methods=["post"],
        summary="发送文字消息",
        request=RemoteChatSerializer,
        responses={201: RemotePostedSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["get", "post"])
    def messages(self, request, pk=None):
        call, side = selectors.call_for_staff(request.user, pk)
        if request.method == "POST":
            d = _valid(RemoteChatSerializer, request)
            event = services.event_post(
                call=call, side=side, kind=SessionEvent.Kind.CHAT, body={"text": d["text"]}
            )
            return Response({"seq": event.seq}, status=201)
        raw = request.query_params.get("after", "0") or "0"
        after = parse_id(raw)
        if after is None and raw != "0":
            raise ServiceError("invalid", "「after」应为非负整数", field="after")
        services.heartbeat(call, side)
        services.check_stale(call)
        events = services.events_after(call, side, after or 0)
        call = HelpCall.objects.select_related("window", "agent", "case").get(pk=call.pk)
        return Response(
            {
                "messages": [_message(e) for e in events if e.kind in API_KINDS],
                "status": selectors.queue_status(call),
                "next_after": events[-1].seq if events else after or 0,
            }
        )


routes = [
    ("remote/windows", WindowViewSet, "remote-window"),
    ("remote/calls", CallViewSet, "remote-call"),
]
urls: list = []
