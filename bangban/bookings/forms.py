from __future__ import annotations

from django import forms

from bangban.bookings.models import SlotTemplate, Way
from bangban.bookings.services import ADDRESS_MAX, NAME_MAX, SUMMARY_MAX, VISIT_FOR_MAX
from bangban.cases.models import Kind, PriorityGroup

KIND_WORDS = [
    (Kind.HELP, "帮我办：我自己办理，工作人员全程协助"),
    (Kind.AGENCY, "替我办：委托工作人员代我办理（需签委托书）"),
]
PHONE_ATTRS = {"inputmode": "numeric", "autocomplete": "tel", "maxlength": "11"}
CODE_ATTRS = {"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}


class AskForm(forms.Form):
    kind = forms.ChoiceField(
        label="怎么帮您", choices=KIND_WORDS, widget=forms.RadioSelect, initial=Kind.HELP
    )
    item = forms.TypedChoiceField(label="要办的事项", required=False, coerce=int, empty_value=None)
    summary = forms.CharField(
        label="您要办什么事（没有找到事项时请描述）",
        required=False,
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    way = forms.ChoiceField(
        label="办理方式", choices=Way.choices, widget=forms.RadioSelect, initial=Way.WINDOW
    )
    slot = forms.TypedChoiceField(label="预约到窗口的时间", required=False, coerce=int, empty_value=None)
    address = forms.CharField(label="上门地址（选择上门服务时填写）", required=False, max_length=ADDRESS_MAX)
    visit_for = forms.CharField(
        label="需要上门服务的人（如：本人，80 岁，行动不便）", required=False, max_length=VISIT_FOR_MAX
    )
    priority_group = forms.ChoiceField(
        label="是否属于以下人群", choices=PriorityGroup.choices, required=False
    )
    applicant_name = forms.CharField(label="您的姓名", max_length=NAME_MAX)
    phone = forms.CharField(label="手机号码", max_length=11, widget=forms.TextInput(attrs=PHONE_ATTRS))
    code = forms.CharField(
        label="短信验证码",
        required=False,
        max_length=6,
        help_text="先点“获取验证码”，收到短信后填写",
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )

    def __init__(self, *args, items=(), slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "（没有找到，我来描述）")] + [(v.item_id, v.name) for v in items]
        self.fields["slot"].choices = [("", "请选择时间")] + [
            (s.pk, f"{s} （余 {s.free} 个）") for s in slots
        ]


class CaseLookupForm(forms.Form):
    number = forms.CharField(label="办件编号", max_length=32, help_text="受理单或短信上的编号")
    phone = forms.CharField(
        label="申请时留的手机号码", max_length=11, widget=forms.TextInput(attrs=PHONE_ATTRS)
    )
    code = forms.CharField(
        label="短信验证码",
        required=False,
        max_length=6,
        help_text="先点“获取验证码”，收到短信后填写",
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )


class ManageForm(CaseLookupForm):
    slot = forms.TypedChoiceField(
        label="改约到（取消预约时不用选）", required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [("", "—")] + [(s.pk, f"{s.institution.name} {s}") for s in slots]


class TemplateForm(forms.Form):
    institution = forms.TypedChoiceField(label="服务机构", coerce=int)
    weekday = forms.TypedChoiceField(label="星期", choices=SlotTemplate.Weekday.choices, coerce=int)
    start = forms.TimeField(label="开始时间", widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label="结束时间", widget=forms.TimeInput(attrs={"type": "time"}))
    capacity = forms.IntegerField(label="可预约人数", min_value=1, max_value=200)

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(i.pk, i.name) for i in institutions]


class SignatureForm(forms.Form):
    image = forms.CharField(label="签名", widget=forms.HiddenInput, max_length=300_000, required=False)
