"""The audit search: every filter of /audit/ and GET /api/v1/audit-events/, validated once.

Bad input never reaches the database: each field has a maximum and a rule, and an error names the
field in Chinese (the page shows it at the field, the API as a 400 with the field's code).
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms

from bangban.audit.actions import ACTION_LABELS
from bangban.audit.paging import CURSOR_MAX_LENGTH, Cursor, InvalidCursor
from bangban.audit.selectors import actions_matching
from bangban.core.routing import parse_id
from bangban.org.selectors import institutions_in_scope

# Dates outside these years are typing errors; the bound also keeps day arithmetic in range.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
# Text search reads every row the other filters leave: only within a short range of days is that fast
# (one day is ~7,000 rows at 5 million rows over two years; measured in the issue 9 report).
TEXT_SEARCH_MAX_DAYS = 1
OBJECT_TYPE = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")
OBJECT_ID = re.compile(r"[0-9A-Za-z_.:-]+")


class AuditSearchForm(forms.Form):
    actor = forms.CharField(
        label="操作人", max_length=150, required=False, help_text="用户名（精确）或姓名开头"
    )
    action = forms.CharField(label="操作", max_length=64, required=False)
    institution = forms.CharField(label="机构", max_length=18, required=False)
    object_type = forms.CharField(
        label="对象类型", max_length=64, required=False, help_text="如 cases.case（与对象编号同用）"
    )
    object_id = forms.CharField(label="对象编号", max_length=64, required=False)
    text = forms.CharField(
        label="对象 / 说明 / IP",
        max_length=100,
        required=False,
        help_text=f"须同时指定起止日期，跨度不超过 {TEXT_SEARCH_MAX_DAYS} 天",
    )
    cursor = forms.CharField(
        label="翻页位置", max_length=CURSOR_MAX_LENGTH, required=False, widget=forms.HiddenInput
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        date = {"required": False, "widget": forms.DateInput(attrs={"type": "date"})}
        self.fields["from"] = forms.DateField(label="起始日期", **date)
        self.fields["to"] = forms.DateField(label="截止日期", **date)
        # The two dates after the actor, before the text (the order of the page's toolbar).
        order = ["actor", "action", "institution", "from", "to", "object_type", "object_id", "text", "cursor"]
        self.order_fields(order)
        self.institutions = list(institutions_in_scope(user).select_related(None).only("pk", "name", "path"))
        self.fields["action"].widget = forms.Select(
            choices=[("", "全部"), *sorted(ACTION_LABELS.items(), key=lambda kv: kv[0])]
        )
        self.fields["institution"].widget = forms.Select(
            choices=[("", "全部"), *((str(i.pk), i.name) for i in self.institutions)]
        )

    def hidden_fields(self):
        # The cursor travels in the page links, not in the form: a new search starts at the newest rows.
        return [f for f in super().hidden_fields() if f.name != "cursor"]

    def clean_action(self) -> str:
        action = self.cleaned_data["action"].strip()
        if action and not actions_matching(action):
            raise forms.ValidationError(
                "「操作」不是已登记的操作代码，也不是其开头部分", code="invalid_choice"
            )
        return action

    def clean_institution(self) -> int | None:
        value = self.cleaned_data["institution"].strip()
        if not value:
            return None
        pk = parse_id(value)
        if pk is None or not any(i.pk == pk for i in self.institutions):
            raise forms.ValidationError("不存在或不在您的数据范围内", code="invalid_choice")
        return pk

    def clean_object_type(self) -> str:
        value = self.cleaned_data["object_type"].strip()
        if value and not OBJECT_TYPE.fullmatch(value):
            raise forms.ValidationError("应为“应用.模型”形式的小写代码，如 cases.case", code="invalid")
        return value

    def clean_object_id(self) -> str:
        value = self.cleaned_data["object_id"].strip()
        if value and not OBJECT_ID.fullmatch(value):
            raise forms.ValidationError("只能包含字母、数字和 _ . : -", code="invalid")
        return value

    def _clean_day(self, name: str) -> dt.date | None:
        day = self.cleaned_data.get(name)
        if day is not None and not (FIRST_DAY <= day <= LAST_DAY):
            raise forms.ValidationError(
                f"应在 {FIRST_DAY:%Y-%m-%d} 到 {LAST_DAY:%Y-%m-%d} 之间", code="out_of_range"
            )
        return day

    def clean_from(self):
        return self._clean_day("from")

    def clean_to(self):
        return self._clean_day("to")

    def clean_cursor(self) -> Cursor | None:
        value = self.cleaned_data["cursor"].strip()
        if not value:
            return None
        try:
            return Cursor.decode(value)
        except InvalidCursor:
            raise forms.ValidationError("无效，请从最新的记录重新翻页", code="invalid_cursor") from None

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("to", forms.ValidationError("不能早于起始日期", code="invalid"))
        if data.get("object_id") and not data.get("object_type") and "object_type" not in self.errors:
            self.add_error(
                "object_type",
                forms.ValidationError("按「对象编号」查找时须同时填写「对象类型」", code="required_with"),
            )
        if data.get("text") and not self.errors:
            if not (start and end) or (end - start).days + 1 > TEXT_SEARCH_MAX_DAYS:
                self.add_error(
                    "text",
                    forms.ValidationError(
                        f"查找须同时指定起始日期和截止日期，跨度不超过 {TEXT_SEARCH_MAX_DAYS} 天"
                        "（或改用操作人、操作、对象筛选）",
                        code="range_required",
                    ),
                )
        return data

    def filters(self) -> dict:
        """The selector's keyword arguments (the form must be valid)."""
        d = self.cleaned_data
        return {
            "actor": d["actor"],
            "action": d["action"],
            "object_type": d["object_type"],
            "object_id": d["object_id"],
            "institution_id": d["institution"],
            "date_from": d["from"],
            "date_to": d["to"],
            "text": d["text"],
        }

    def error_list(self) -> list[dict]:
        """Every error as {field, code, message}; messages name the field in Chinese (for the API)."""
        from bangban.core.forms import field_error_messages

        out = []
        for name, errors in self.errors.as_data().items():
            if name not in self.fields:
                out.extend(
                    {"field": None, "code": e.code or "invalid", "message": m}
                    for e in errors
                    for m in e.messages
                )
                continue
            messages = field_error_messages(self[name])
            codes = [e.code or "invalid" for e in errors for _ in e.messages]
            out.extend(
                {"field": name, "code": c, "message": m} for c, m in zip(codes, messages, strict=False)
            )
        return out
