from django import forms

from bangban.core.uploads import UploadValidator
from bangban.emergencies import rules
from bangban.emergencies.models import EventType

DATETIME = {"widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}


def _area(rows=4):
    return forms.Textarea(attrs={"rows": rows})


class PlanForm(forms.Form):
    type = forms.ChoiceField(label="预案类型", choices=EventType.choices)
    title = forms.CharField(label="预案名称", max_length=rules.TITLE_MAX)
    content = forms.CharField(label="预案内容", max_length=rules.CONTENT_MAX, widget=_area(12))
    pdf = forms.FileField(
        label="预案文件（PDF，可选）",
        required=False,
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
        validators=[UploadValidator(label="预案文件", extensions=(".pdf",), max_bytes=rules.PDF_MAX_BYTES)],
        help_text="不超过 10 MB",
    )


class DrillForm(forms.Form):
    held_on = forms.DateField(label="演练日期", widget=forms.DateInput(attrs={"type": "date"}))
    participants = forms.CharField(label="参演人员", max_length=rules.PARTICIPANTS_MAX, widget=_area(2))
    scenario = forms.CharField(label="演练情景", max_length=rules.TEXT_MAX, widget=_area(3))
    findings = forms.CharField(label="发现的问题", max_length=rules.TEXT_MAX, required=False, widget=_area(3))
    improvements = forms.CharField(
        label="改进措施", max_length=rules.TEXT_MAX, required=False, widget=_area(3)
    )


class IncidentForm(forms.Form):
    type = forms.ChoiceField(label="事件类型", choices=EventType.choices)
    started_at = forms.DateTimeField(label="发生时间", **DATETIME)
    description = forms.CharField(label="事件经过", max_length=rules.DESCRIPTION_MAX, widget=_area(5))
    ended_at = forms.DateTimeField(label="结束时间", required=False, help_text="尚未结束可留空", **DATETIME)
    reported_to = forms.CharField(label="报告对象", max_length=rules.REPORTED_TO_MAX, required=False)


class StepForm(forms.Form):
    at = forms.DateTimeField(label="时间", **DATETIME)
    text = forms.CharField(label="处置措施", max_length=rules.STEP_MAX, widget=_area(2))


class CloseForm(forms.Form):
    ended_at = forms.DateTimeField(label="结束时间", **DATETIME)
    reported_to = forms.CharField(label="报告对象", max_length=rules.REPORTED_TO_MAX, required=False)
