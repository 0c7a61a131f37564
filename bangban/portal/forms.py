from django import forms

from bangban.complaints.models import QUESTION_MAX
from bangban.complaints.services import NAME_MAX
from bangban.core.ids import mobile_problem


class AskForm(forms.Form):
    """留言咨询: the question, where to ask, how to answer (SMS), and optionally the item and a name."""

    question = forms.CharField(
        label="您想问什么",
        max_length=QUESTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"请写清楚要办的事和遇到的问题，不超过 {QUESTION_MAX} 个字。",
    )
    institution = forms.TypedChoiceField(
        label="向哪个服务机构咨询", coerce=int, help_text="一般选择您所在的镇（街道）便民服务中心。"
    )
    item = forms.TypedChoiceField(label="咨询的事项", coerce=int, required=False, empty_value=None)
    phone = forms.CharField(
        label="手机号码",
        max_length=20,
        help_text="答复将以短信发到这个号码；只用于答复您的咨询。",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    code = forms.CharField(
        label="短信验证码",
        max_length=6,
        required=False,
        help_text="先点「获取验证码」，把短信里的 6 位数字填在这里（5 分钟内有效）。",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    asker_name = forms.CharField(
        label="怎么称呼您（可不填）",
        max_length=NAME_MAX,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def __init__(self, *args, institutions, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(i.pk, f"{'　' * (i.depth - 1)}{i.name}") for i in institutions]
        if item is None:
            del self.fields["item"]
        else:
            self.fields["item"].choices = [("", "不指定事项"), (item[0], item[1])]

    def clean_phone(self):
        phone = "".join(self.cleaned_data["phone"].split())
        if problem := mobile_problem(phone):
            raise forms.ValidationError(problem, code="invalid")
        return phone
