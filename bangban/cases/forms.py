from django import forms

from bangban.cases.models import (
    ApplicantType,
    Channel,
    Entrustment,
    Kind,
    Material,
    Mode,
    PriorityGroup,
    Suspension,
)
from bangban.cases.services import MAX_RECEIVED
from bangban.core.routing import parse_id

MAX_ITEMS = 20  # items in one registration
MAX_BUNDLES = 5  # 一件事 in one registration

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IdListField(forms.MultipleChoiceField):
    """Ids posted by a picker (the choices are too many to list): digits only, at most `max_count`.
    Whether each id may be used is the service's rule (it names the field in its error)."""

    def __init__(self, *, max_count: int, **kwargs):
        self.max_count = max_count
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(value)[: self.max_count + 1]

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(value) > self.max_count:
            raise forms.ValidationError(f"最多选择 {self.max_count} 项", code="max_count")
        if any(parse_id(v) is None for v in value):
            raise forms.ValidationError("选项无效，请重新选择", code="invalid_choice")

    def clean(self, value):
        value = super().clean(value)
        return list(dict.fromkeys(int(v) for v in value))


class CaseCreateForm(forms.Form):
    """Registration at the window: the applicant first, then the matter (issue 9). The items come
    from the type-ahead picker (or, without JavaScript, the same search posted back), the received
    materials from the checklist of the chosen items' catalog versions."""

    applicant_type = forms.ChoiceField(
        label="申请人类型",
        choices=ApplicantType.choices,
        initial=ApplicantType.PERSON,
        widget=forms.RadioSelect,
    )
    applicant_name = forms.CharField(label="申请人姓名 / 企业名称", max_length=100)
    id_number = forms.CharField(
        label="身份证号", max_length=18, required=False, help_text="个人申请必填，自动校验"
    )
    credit_code = forms.CharField(
        label="统一社会信用代码", max_length=18, required=False, help_text="企业申请必填"
    )
    contact_name = forms.CharField(label="联系人", max_length=50, required=False, help_text="企业申请必填")
    phone = forms.CharField(label="联系电话", max_length=20, help_text="手机号码可接收办理进度短信")
    kind = forms.ChoiceField(
        label="服务类型", choices=Kind.choices, initial=Kind.HELP, widget=forms.RadioSelect
    )
    mode = forms.ChoiceField(label="服务方式", choices=Mode.choices, initial=Mode.ASSIST)
    items = IdListField(label="办理事项", max_count=MAX_ITEMS, required=False)
    bundles = IdListField(label="一件事", max_count=MAX_BUNDLES, required=False)
    received = IdListField(label="收取材料", max_count=MAX_RECEIVED, required=False)
    priority_group = forms.ChoiceField(label="重点群体", choices=PriorityGroup.choices, required=False)
    channel = forms.ChoiceField(label="渠道", choices=Channel.choices, initial=Channel.WINDOW)
    summary = forms.CharField(
        label="诉求摘要", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    accept_now = forms.BooleanField(label="帮办：登记后立即受理（打印受理单）", required=False, initial=True)

    APPLICANT_FIELDS = ("applicant_name", "id_number", "credit_code", "contact_name", "phone")
    OTHER_FIELDS = ("priority_group", "channel", "summary", "accept_now")


class AnalyseForm(forms.Form):
    analysis = forms.CharField(label="需求分析结论", widget=forms.Textarea(attrs={"rows": 3}))


class EntrustForm(forms.Form):
    scope = forms.ChoiceField(label="代办范围", choices=Entrustment.Scope.choices)
    stages = forms.CharField(label="代办环节", max_length=300, required=False, help_text="部分环节代办时必填")
    period_start = forms.DateField(label="委托期限自", widget=DATE)
    period_end = forms.DateField(label="委托期限至", widget=DATE)
    materials_text = forms.CharField(
        label="移交材料", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SuspendForm(forms.Form):
    reason = forms.ChoiceField(label="中止原因", choices=Suspension.Reason.choices)
    detail = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ResumeForm(forms.Form):
    period_end = forms.DateField(label="续办委托期限至", widget=DATE)
    materials_text = forms.CharField(
        label="补充移交材料", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExtendForm(forms.Form):
    days = forms.IntegerField(label="延长工作日", min_value=1, max_value=60)
    reason = forms.CharField(label="延期理由", widget=forms.Textarea(attrs={"rows": 2}))


class ResultForm(forms.Form):
    result = forms.CharField(label="办理结果", widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", widget=forms.Textarea(attrs={"rows": 2}))


class TransferForm(forms.Form):
    to_institution = forms.ModelChoiceField(label="接收机构", queryset=None)
    reason = forms.CharField(label="转办原因", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_institution"].queryset = institutions


class TaskForm(forms.Form):
    department = forms.ModelChoiceField(label="联办部门", queryset=None)
    description = forms.CharField(label="任务内容", widget=forms.Textarea(attrs={"rows": 2}))
    due_date = forms.DateField(label="任务期限", widget=DATE)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class MaterialForm(forms.Form):
    name = forms.CharField(label="材料名称", max_length=200)
    form = forms.ChoiceField(label="形式", choices=Material.Form.choices)
    copies = forms.IntegerField(label="份数", min_value=1, max_value=99, initial=1)
    note = forms.CharField(label="备注", max_length=200, required=False)


class LogForm(forms.Form):
    text = forms.CharField(label="日志内容", widget=forms.Textarea(attrs={"rows": 2}))
    on = forms.DateField(label="日期", widget=DATE, required=False)
