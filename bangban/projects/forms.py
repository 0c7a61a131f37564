from decimal import Decimal

from django import forms

from bangban.projects.models import (
    LONG_TEXT_MAX,
    NAME_MAX,
    TEXT_MAX,
    Level,
    MeetingKind,
    ProjectType,
    RequestKind,
)


class ProjectForm(forms.Form):
    """Registration of a key project (the service checks scope, roles and the credit code)."""

    name = forms.CharField(label="项目名称", max_length=NAME_MAX)
    project_type = forms.ChoiceField(label="项目类型（按类型生成阶段和事项）", choices=ProjectType.choices)
    level = forms.ChoiceField(label="项目级别", choices=Level.choices)
    investor_name = forms.CharField(label="投资主体", max_length=NAME_MAX)
    investor_credit_code = forms.CharField(label="统一社会信用代码", max_length=18, min_length=18)
    investment = forms.DecimalField(
        label="总投资（万元）", max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    land_area = forms.DecimalField(
        label="用地面积（亩）", max_digits=10, decimal_places=2, min_value=Decimal("0.01"), required=False
    )
    division = forms.CharField(label="建设地点（行政区划代码）", max_length=12)
    lead_agent = forms.TypedChoiceField(label="代办员", coerce=int)
    coordinator = forms.TypedChoiceField(label="协调员", coerce=int)
    contact_name = forms.CharField(label="投资方联系人", max_length=50)
    phone = forms.CharField(label="联系电话", max_length=20)
    entrustment_scope = forms.CharField(
        label="委托代办范围（表 C）", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    entrustment_start = forms.DateField(label="委托期限自", widget=forms.DateInput(attrs={"type": "date"}))
    entrustment_end = forms.DateField(label="委托期限至", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, agents=(), coordinators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_agent"].choices = [(u.pk, u.display_name) for u in agents]
        self.fields["coordinator"].choices = [(u.pk, u.display_name) for u in coordinators]


class RequestForm(forms.Form):
    department = forms.TypedChoiceField(label="部门", coerce=int)
    item = forms.TypedChoiceField(label="事项", coerce=int, required=False, empty_value=None)
    kind = forms.ChoiceField(label="类别", choices=RequestKind.choices)
    text = forms.CharField(label="请求内容", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}))
    limit_workdays = forms.IntegerField(label="答复时限（工作日）", min_value=1, max_value=30, initial=1)

    def __init__(self, *args, departments=(), items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [(d.pk, d.name) for d in departments]
        self.fields["item"].choices = [("", "（不针对具体事项）")] + [(i.pk, i.name) for i in items]


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label="会议类型", choices=MeetingKind.choices)
    held_on = forms.DateField(label="会议日期", widget=forms.DateInput(attrs={"type": "date"}))
    departments = forms.TypedMultipleChoiceField(label="参会部门", coerce=int, required=False)
    attendees = forms.CharField(
        label="参会人员", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    agenda = forms.CharField(label="议题", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}))
    minutes = forms.CharField(
        label="会议纪要", max_length=LONG_TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    decision = forms.CharField(label="会议决定", max_length=TEXT_MAX, required=False)
    owner = forms.TypedChoiceField(label="责任人", coerce=int, required=False, empty_value=None)
    limit_workdays = forms.IntegerField(label="落实时限（工作日）", min_value=1, max_value=365, initial=5)

    def __init__(self, *args, departments=(), owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].choices = [(d.pk, d.name) for d in departments]
        self.fields["owner"].choices = [("", "（请选择）")] + [(u.pk, u.display_name) for u in owners]


class TextForm(forms.Form):
    text = forms.CharField(label="内容", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}))
