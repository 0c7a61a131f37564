from django import forms

from bangban.workdays.models import CalendarDay


class DayForm(forms.Form):
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label="安排", choices=CalendarDay.Kind.choices)
    name = forms.CharField(
        label="名称",
        max_length=50,
        required=False,
        help_text="如：国庆节。调休工作日填写所调休的节日，如：国庆节",
    )


class CalculatorForm(forms.Form):
    start = forms.DateField(label="起算日（受理日，不计入）", widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(
        label="工作日数", min_value=0, max_value=365, help_text="0 表示即办件：当日办结"
    )
