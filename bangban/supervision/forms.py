from __future__ import annotations

from django import forms
from django.utils import timezone

from bangban.org.models import Institution
from bangban.supervision.indicators import INDICATOR_LIST, PRESETS, resolve_period
from bangban.supervision.selectors import BY_CHOICES, MAX_DAYS, sees_subtree, subtree


def visible_institutions(user) -> list[Institution]:
    """The institutions whose figures `user` may choose (selectors.scope_institutions decides), in path
    order, read with one fixed statement (id, name, tier and path loaded)."""
    if user.institution is None:
        return []
    if sees_subtree(user):
        return subtree(user.institution.path)
    return [user.institution]


class InstitutionChoiceField(forms.TypedChoiceField):
    """One of the institutions `user` may choose (visible_institutions, set by `limit_to`), cleaned to
    the Institution; read once for both checking and listing the choices."""

    def __init__(self, *, empty_label: str, **kwargs):
        super().__init__(
            coerce=int, empty_value=None, required=False,
            error_messages={"invalid_choice": "所选机构不存在或不在您的数据范围内"}, **kwargs,
        )  # fmt: skip
        self.empty_label = empty_label
        self.institutions: dict[int, Institution] = {}

    def limit_to(self, user) -> None:
        self.institutions = {i.pk: i for i in visible_institutions(user)}
        self.choices = [("", self.empty_label), *((pk, i.name) for pk, i in self.institutions.items())]

    def clean(self, value) -> Institution | None:
        pk = super().clean(value)
        return None if pk is None else self.institutions[pk]


class IndicatorQueryForm(forms.Form):
    root = InstitutionChoiceField(label="机构", empty_label="本机构")
    preset = forms.ChoiceField(label="统计周期", choices=list(PRESETS.items()), required=False)
    on = forms.DateField(label="所在日期", required=False, help_text="周期包含的任一天，默认今天")
    start = forms.DateField(label="开始日期", required=False, help_text="自定义期间")
    end = forms.DateField(label="结束日期", required=False, help_text="自定义期间")
    by = forms.ChoiceField(label="分组", choices=[("", "不分组"), *BY_CHOICES.items()], required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["root"].limit_to(user)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            start, end = resolve_period(
                data.get("preset"), data.get("on"), data.get("start"), data.get("end"), timezone.localdate()
            )
        except ValueError as exc:
            field, message = exc.args
            raise forms.ValidationError({field: message}) from None
        if start > end:
            raise forms.ValidationError({"start": "开始日期不能晚于结束日期"})
        if (end - start).days >= MAX_DAYS:
            raise forms.ValidationError({"end": "统计期间不能超过三年"})
        data["period"] = (start, end)
        return data


class TargetForm(forms.Form):
    indicator = forms.ChoiceField(label="指标", choices=[(i.code, i.name) for i in INDICATOR_LIST])
    institution = InstitutionChoiceField(label="适用机构", empty_label="全部机构（默认目标）")
    value = forms.DecimalField(
        label="目标值（%）", min_value=0, max_value=100, max_digits=5, decimal_places=2,
        error_messages={
            "min_value": "目标值不能小于 0", "max_value": "目标值不能大于 100",
            "max_decimal_places": "目标值最多两位小数", "invalid": "目标值须为数字",
        },
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].limit_to(user)
