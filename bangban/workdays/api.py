"""API of the working-day calendar: a year's arrangements, editing days, and deadline arithmetic."""

from __future__ import annotations

import datetime as dt

from django.urls import path, re_path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from bangban.workdays import selectors, services
from bangban.workdays.models import CalendarDay, CalendarYear
from bangban.workdays.package import knows_year

KINDS = ["workday", "weekend", "holiday", "adjusted_workday", "fallback_holiday"]


class DaySerializer(serializers.Serializer):
    date = serializers.DateField()
    is_workday = serializers.BooleanField()
    kind = serializers.ChoiceField(
        choices=KINDS,
        help_text="workday 工作日；weekend 周末；holiday 节假日；adjusted_workday 调休上班；"
        "fallback_holiday 未发布年份按固定日期推算的节假日",
    )
    name = serializers.CharField(allow_blank=True)
    source = serializers.ChoiceField(
        choices=["package", "admin", "rule"], help_text="package 数据包；admin 管理员录入；rule 按规则"
    )


class YearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    status = serializers.ChoiceField(choices=CalendarYear.Status.choices)
    status_display = serializers.CharField()
    complete = serializers.BooleanField(help_text="本年安排是否完整（官方数据或管理员已确认）")
    package_knows = serializers.BooleanField(help_text="chinesecalendar 数据包是否含本年安排")
    workdays = serializers.IntegerField(help_text="全年工作日天数")
    warnings = serializers.ListField(child=serializers.CharField())
    days = DaySerializer(many=True, help_text="节假日、调休上班日及按规则推算的节假日")


class DaySetSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CalendarDay.Kind.choices)
    name = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)


class SeedResultSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    status = serializers.CharField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    deleted = serializers.IntegerField()
    kept_admin = serializers.IntegerField()


class AddQuerySerializer(serializers.Serializer):
    start = serializers.DateField(help_text="起算日（受理日、续办日），当日不计入")
    days = serializers.IntegerField(min_value=0, max_value=365, help_text="工作日数；0 = 即办件，当日")


class AddResultSerializer(serializers.Serializer):
    start = serializers.DateField()
    days = serializers.IntegerField()
    date = serializers.DateField(help_text="第 days 个工作日（days=0 时为起算日本身）")
    warnings = serializers.ListField(child=serializers.CharField())


class BetweenQuerySerializer(serializers.Serializer):
    start = serializers.DateField(help_text="不计入")
    end = serializers.DateField(help_text="计入")


class BetweenResultSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    workdays = serializers.IntegerField(help_text="start 之后至 end（含）的工作日数；end 早于 start 时为负数")
    warnings = serializers.ListField(child=serializers.CharField())


def _day_data(info, row) -> dict:
    return {
        "date": info.date,
        "is_workday": info.is_workday,
        "kind": info.kind,
        "name": info.name,
        "source": row.source if row is not None else "rule",
    }


def _parse_day(value: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise NotFound("日期格式应为 YYYY-MM-DD")
    return day


def _year_or_404(year: int) -> int:
    if not services.MIN_YEAR <= year <= services.MAX_YEAR:
        raise NotFound(f"年份应在 {services.MIN_YEAR}–{services.MAX_YEAR} 之间")
    return year


def _year_data(year: int) -> dict:
    calendar = selectors.get_calendar()
    rows = {row.date: row for row in selectors.year_days(year)}
    status_row = selectors.year_status(year)
    status = status_row.status if status_row else CalendarYear.Status.FALLBACK
    day, workdays = dt.date(year, 1, 1), 0
    while day.year == year:
        workdays += calendar.is_workday(day)
        day += dt.timedelta(days=1)
    return {
        "year": year,
        "status": status,
        "status_display": CalendarYear.Status(status).label,
        "complete": calendar.is_known_year(year),
        "package_knows": knows_year(year),
        "workdays": workdays,
        "warnings": selectors.year_warnings([year], calendar=calendar),
        "days": [_day_data(info, rows.get(d)) for d, info in calendar.special_days(year).items()],
    }


class YearView(APIView):
    @extend_schema(summary="某年的节假日与调休安排", responses=YearSerializer, tags=["workdays"])
    def get(self, request, year: int):
        return Response(YearSerializer(_year_data(_year_or_404(year))).data)


class YearSeedView(APIView):
    @extend_schema(
        summary="从 chinesecalendar 导入某年官方安排（工作日历管理员）",
        request=None,
        responses=SeedResultSerializer,
        tags=["workdays"],
    )
    def post(self, request, year: int):
        _year_or_404(year)
        [result] = services.calendar_seed_from_package(by=request.user, years=[year])
        return Response(SeedResultSerializer(result).data)


class YearConfirmView(APIView):
    @extend_schema(
        summary="确认数据包未含年份的安排已录入完整（工作日历管理员）",
        request=None,
        responses=YearSerializer,
        tags=["workdays"],
    )
    def post(self, request, year: int):
        _year_or_404(year)
        services.calendar_year_confirm(by=request.user, year=year)
        return Response(YearSerializer(_year_data(year)).data)


class DayView(APIView):
    @extend_schema(summary="某日是否工作日", responses=DaySerializer, tags=["workdays"])
    def get(self, request, day: str):
        date = _parse_day(day)
        row = CalendarDay.objects.filter(date=date).first()
        return Response(DaySerializer(_day_data(selectors.get_calendar().info(date), row)).data)

    @extend_schema(
        summary="设置某日为节假日或调休工作日（工作日历管理员）",
        request=DaySetSerializer,
        responses=DaySerializer,
        tags=["workdays"],
    )
    def put(self, request, day: str):
        date = _parse_day(day)
        s = DaySetSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        row = services.calendar_day_set(by=request.user, day=date, **s.validated_data)
        return Response(DaySerializer(_day_data(selectors.get_calendar().info(date), row)).data)

    @extend_schema(summary="清除某日的特别安排（工作日历管理员）", responses={204: None}, tags=["workdays"])
    def delete(self, request, day: str):
        services.calendar_day_clear(by=request.user, day=_parse_day(day))
        return Response(status=204)


class AddView(APIView):
    @extend_schema(
        summary="工作日推算：起算日之后第 N 个工作日",
        description="受理日不计入，从次日起算；days=0 为即办件（当日）。涉及未发布节假日安排的年份时返回警告。",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True, description="起算日，如 2025-09-30"),
            OpenApiParameter("days", OpenApiTypes.INT, required=True, description="工作日数（0–365）"),
        ],
        responses=AddResultSerializer,
        tags=["workdays"],
    )
    def get(self, request):
        q = AddQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        start, days = q.validated_data["start"], q.validated_data["days"]
        calendar = selectors.get_calendar()
        date = calendar.add_workdays(start, days)
        data = {
            "start": start,
            "days": days,
            "date": date,
            "warnings": selectors.range_warnings(start, date, calendar=calendar),
        }
        return Response(AddResultSerializer(data).data)


class BetweenView(APIView):
    @extend_schema(
        summary="两日之间的工作日数",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True, description="不计入"),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True, description="计入"),
        ],
        responses=BetweenResultSerializer,
        tags=["workdays"],
    )
    def get(self, request):
        q = BetweenQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        start, end = q.validated_data["start"], q.validated_data["end"]
        if abs((end - start).days) > 3660:
            raise serializers.ValidationError({"end": ["起止日期相隔不能超过十年"]})
        calendar = selectors.get_calendar()
        data = {
            "start": start,
            "end": end,
            "workdays": calendar.workdays_between(start, end),
            "warnings": selectors.range_warnings(start, end, calendar=calendar),
        }
        return Response(BetweenResultSerializer(data).data)


routes: list = []
urls = [
    path("workdays/years/<id:year>/", YearView.as_view(), name="workdays-year"),
    path("workdays/years/<id:year>/seed/", YearSeedView.as_view(), name="workdays-year-seed"),
    path("workdays/years/<id:year>/confirm/", YearConfirmView.as_view(), name="workdays-year-confirm"),
    re_path(r"^workdays/days/(?P<day>\d{4}-\d{2}-\d{2})/$", DayView.as_view(), name="workdays-day"),
    path("workdays/add", AddView.as_view(), name="workdays-add"),
    path("workdays/between", BetweenView.as_view(), name="workdays-between"),
]
