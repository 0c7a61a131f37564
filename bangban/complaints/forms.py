from django import forms

from bangban.complaints.models import (
    ANSWER_MAX,
    CONTENT_MAX,
    QUESTION_MAX,
    STEP_TEXT_MAX,
    Channel,
    ConsultChannel,
)
from bangban.complaints.services import NAME_MAX, TICKET_MAX


class ComplaintForm(forms.Form):
    """Registration of a complaint (the service checks the rules that need the database and scope)."""

    channel = forms.ChoiceField(label="渠道", choices=Channel.choices, initial=Channel.WINDOW)
    hotline_ticket = forms.CharField(
        label="12345工单号", max_length=TICKET_MAX, required=False, help_text="12345转办的投诉必填"
    )
    anonymous = forms.BooleanField(label="匿名投诉（不留姓名和电话，不发短信）", required=False)
    complainant_name = forms.CharField(label="投诉人姓名", max_length=NAME_MAX, required=False)
    phone = forms.CharField(
        label="联系电话", max_length=20, required=False, help_text="留手机号码的，受理和答复时发短信告知"
    )
    content = forms.CharField(
        label="投诉内容", max_length=CONTENT_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )
    case_number = forms.CharField(label="涉及办件编号", max_length=32, required=False)
    agent = forms.TypedChoiceField(label="涉及人员", required=False, coerce=int, empty_value=None)
    institution = forms.TypedChoiceField(
        label="责任机构",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="不选时为涉及办件的承办机构或本机构",
    )

    def __init__(self, *args, agents=(), institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [("", "（无）")] + [(u.pk, u.display_name) for u in agents]
        self.fields["institution"].choices = [("", "（默认）")] + [(i.pk, i.name) for i in institutions]


class StepForm(forms.Form):
    text = forms.CharField(
        label="情况", max_length=STEP_TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, label="情况", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label


class ConsultationForm(forms.Form):
    """The window's quick register: question, answer, item, channel; Ctrl+Enter posts it."""

    question = forms.CharField(
        label="咨询内容", max_length=QUESTION_MAX, widget=forms.Textarea(attrs={"rows": 2, "autofocus": True})
    )
    answer = forms.CharField(
        label="答复",
        max_length=ANSWER_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="当场答复的填写；网上咨询可留空，稍后答复",
    )
    item_name = forms.CharField(
        label="事项",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"list": "item-options", "autocomplete": "off"}),
        help_text="输入事项名称或拼音首字母，从清单中选择",
    )
    channel = forms.ChoiceField(label="渠道", choices=ConsultChannel.choices, initial=ConsultChannel.WINDOW)
    resolved = forms.BooleanField(label="已解决", required=False, initial=True)
    asker_name = forms.CharField(label="咨询人", max_length=NAME_MAX, required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)


class AnswerForm(forms.Form):
    answer = forms.CharField(label="答复", max_length=ANSWER_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    resolved = forms.BooleanField(label="已解决", required=False, initial=True)
